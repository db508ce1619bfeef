//! Element values: dates, periods, decimals and codes, both ways; unmapped segments and the
//! JSON arrays of extension entries that carry them.

use clearway_plugin_sdk::schemas::body::Trace;
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Date, Money, Period, Quantity, Time};
use serde_json::{Value, json};

use crate::syntax::{ErrorKind, Segment, Writer, X12Error, scan};

/// A `CCYYMMDD` date.
pub fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `CCYY-MM-DD` from the digits (no formatting machinery: this runs for every date of
    // a large remittance); parsing checks that the date exists.
    [&text[0..4], "-", &text[4..6], "-", &text[6..8]]
        .concat()
        .parse()
        .ok()
}

/// Element `n` of `segment` as a `CCYYMMDD` date.
///
/// # Errors
///
/// [`ErrorKind::InvalidDate`] naming the element.
pub fn date(segment: &Segment<'_>, n: usize) -> Result<Date, X12Error> {
    parse_date(segment.el(n)).ok_or_else(|| segment.err(segment.elref(n), ErrorKind::InvalidDate))
}

/// Element `n` as a date when present.
///
/// # Errors
///
/// As [`date`].
pub fn opt_date(segment: &Segment<'_>, n: usize) -> Result<Option<Date>, X12Error> {
    segment.opt(n).map(|_| date(segment, n)).transpose()
}

/// A `DTP`-style date: format qualifier in element `f`, value in element `f + 1`
/// (`D8` one day, `RD8` a range).
///
/// # Errors
///
/// An unknown format qualifier or a bad date.
pub fn period(segment: &Segment<'_>, f: usize) -> Result<Period, X12Error> {
    let value = segment.el(f + 1);
    let bad = || segment.err(segment.elref(f + 1), ErrorKind::InvalidDate);
    match segment.el(f) {
        "D8" => parse_date(value).map(Period::day).ok_or_else(bad),
        "RD8" => {
            let (start, end) = value.split_once('-').ok_or_else(bad)?;
            match (parse_date(start), parse_date(end)) {
                (Some(start), Some(end)) => Ok(Period::between(start, end)),
                _ => Err(bad()),
            }
        }
        _ => Err(segment.err(
            segment.elref(f),
            ErrorKind::InvalidCode("date time period format qualifier"),
        )),
    }
}

/// A period as `(format, value)`: `D8` for one day, else `RD8`.
pub fn write_period(period: &Period) -> (String, String) {
    match (&period.start, &period.end) {
        (Some(start), Some(end)) if start == end => ("D8".into(), write_date(start)),
        (start, end) => (
            "RD8".into(),
            format!(
                "{}-{}",
                start.as_ref().map(write_date).unwrap_or_default(),
                end.as_ref().map(write_date).unwrap_or_default()
            ),
        ),
    }
}

/// A date as `CCYYMMDD`.
pub fn write_date(date: &Date) -> String {
    scan::remove(date.as_str(), '-')
}

/// An `HHMM` or `HHMMSS` time as `HH:MM[:SS]`.
pub fn parse_time(text: &str) -> Option<Time> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let formatted = match text.len() {
        4 => format!("{}:{}", &text[0..2], &text[2..4]),
        6 => format!("{}:{}:{}", &text[0..2], &text[2..4], &text[4..6]),
        _ => return None,
    };
    formatted.parse().ok()
}

/// `prefix` followed by `n` in decimal (`clp01.12`, or just `12`), without the formatting
/// machinery, which costs most in WebAssembly: keys and counters written per claim.
pub fn numbered(prefix: &str, n: u64) -> String {
    let mut text = String::with_capacity(prefix.len() + 20);
    text.push_str(prefix);
    clearway_plugin_sdk::text::push_decimal(&mut text, n);
    text
}

/// X12 decimal text in the model's form: `.5` becomes `0.5`, `5.` becomes `5`.
fn normalize_decimal(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.strip_suffix('.').unwrap_or(digits);
    let mut normal = String::with_capacity(digits.len() + 2);
    normal.push_str(sign);
    if digits.starts_with('.') {
        normal.push('0');
    }
    normal.push_str(digits);
    normal
}

/// Element `n` as an amount.
///
/// # Errors
///
/// [`ErrorKind::InvalidNumber`] naming the element (also when empty).
pub fn money(segment: &Segment<'_>, n: usize) -> Result<Money, X12Error> {
    normalize_decimal(segment.el(n))
        .parse()
        .map_err(|_| segment.err(segment.elref(n), ErrorKind::InvalidNumber))
}

/// Element `n` as an amount when present.
///
/// # Errors
///
/// As [`money`].
pub fn opt_money(segment: &Segment<'_>, n: usize) -> Result<Option<Money>, X12Error> {
    segment.opt(n).map(|_| money(segment, n)).transpose()
}

/// Element `n` as a quantity when present.
///
/// # Errors
///
/// [`ErrorKind::InvalidNumber`] naming the element.
pub fn opt_quantity(segment: &Segment<'_>, n: usize) -> Result<Option<Quantity>, X12Error> {
    opt_number(segment, n)
}

/// Element `n` as any decimal newtype ([`Money`], [`Quantity`], `Percent`) when present.
///
/// # Errors
///
/// [`ErrorKind::InvalidNumber`] naming the element.
pub fn opt_number<T: std::str::FromStr>(
    segment: &Segment<'_>,
    n: usize,
) -> Result<Option<T>, X12Error> {
    segment
        .opt(n)
        .map(|text| {
            normalize_decimal(text)
                .parse()
                .map_err(|_| segment.err(segment.elref(n), ErrorKind::InvalidNumber))
        })
        .transpose()
}

/// A procedure code under qualifier `HC`: HCPCS Level II when it starts with a letter,
/// else CPT.
pub fn procedure_code(code: &str) -> Code {
    let system = if code.starts_with(|c: char| c.is_ascii_alphabetic()) {
        CodeSystem::Hcpcs
    } else {
        CodeSystem::Cpt
    };
    Code::new(system, code)
}

/// The element text of a bool flag: `Y` when true, `N` when false.
pub fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Y",
        Some(false) => "N",
        None => "",
    }
}

/// `Y` / `N` as a bool.
pub fn flag(text: &str) -> Option<bool> {
    match text {
        "Y" => Some(true),
        "N" => Some(false),
        _ => None,
    }
}

/// An extension value holding `entries` as a JSON array, each written by `entry`; `None`
/// when there are none.
pub fn entries_value<T>(entries: &[T], entry: impl Fn(&T) -> Value) -> Option<Value> {
    (!entries.is_empty()).then(|| Value::Array(entries.iter().map(entry).collect()))
}

/// The entries of an extension value (a JSON array), each read by `entry`; items without
/// the shape (`None`) are ignored.
pub fn value_entries<T>(value: Option<&Value>, entry: impl Fn(&Value) -> Option<T>) -> Vec<T> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(entry).collect())
        .unwrap_or_default()
}

/// The number at `key` of an extension entry, `None` when absent or out of range.
pub fn entry_number(item: &Value, key: &str) -> Option<u32> {
    item.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// Reads a `TRN` into a [`Trace`]; `what` names the trace number (`TRN02`) in the error.
///
/// # Errors
///
/// A missing trace number.
pub fn read_trace(trn: &Segment<'_>, what: &'static str) -> Result<Trace, X12Error> {
    Ok(Trace {
        trace_type: trn.opt(1).map(str::to_owned),
        reference: trn.req(2, what)?.to_owned(),
        originator: trn.opt(3).map(str::to_owned),
        supplemental: trn.opt(4).map(str::to_owned),
    })
}

/// Writes a [`Trace`] as a `TRN`, every element as the trace holds it.
pub fn write_trace(w: &mut Writer, trace: &Trace) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    w.seg(
        "TRN",
        &[
            opt(&trace.trace_type),
            trace.reference.clone(),
            opt(&trace.originator),
            opt(&trace.supplemental),
        ],
    );
}

/// A segment rewritten with Clearway's delimiters (`*`, `:`, `^`), for carrying in
/// extensions.
pub fn segment_text(segment: &Segment<'_>) -> String {
    let d = segment.delimiters;
    let mut text = segment.id.to_owned();
    for element in &segment.elements {
        text.push('*');
        for c in element.chars() {
            text.push(if c == d.component {
                ':'
            } else if Some(c) == d.repetition {
                '^'
            } else {
                c
            });
        }
    }
    text
}

/// One carried segment: its loop, the 1-based position of its claim payment (835), its
/// service line number (837) or position (835), and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// Loop id, e.g. `2300`.
    pub loop_id: String,
    /// 1-based position of the claim payment in its 835 transaction set, or of the `HL` loop
    /// in a 277CA.
    pub claim: Option<u32>,
    /// Service line number (837 `LX01`) or 1-based service payment position (835).
    pub line: Option<u32>,
    /// The segment, written with Clearway's delimiters.
    pub text: String,
}

/// Segments the model has no field for, carried in `extensions["x12.unmapped"]` so an
/// encode writes them back into the same loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unmapped {
    /// The carried segments, in input order.
    pub entries: Vec<Carried>,
}

/// The extension key of [`Unmapped`].
pub const UNMAPPED: &str = "x12.unmapped";

impl Unmapped {
    /// Records `segment` of loop `loop_id` (and service line `line`).
    pub fn push(&mut self, loop_id: &str, line: Option<u32>, segment: &Segment<'_>) {
        self.push_at(loop_id, None, line, segment);
    }

    /// Records `segment` of loop `loop_id` under claim payment `claim` and line `line`.
    pub fn push_at(
        &mut self,
        loop_id: &str,
        claim: Option<u32>,
        line: Option<u32>,
        segment: &Segment<'_>,
    ) {
        self.entries.push(Carried {
            loop_id: loop_id.to_owned(),
            claim,
            line,
            text: segment_text(segment),
        });
    }

    /// The extension value, `None` when empty.
    pub fn to_value(&self) -> Option<Value> {
        entries_value(&self.entries, |c| {
            let mut entry = json!({"loop": c.loop_id});
            if let Some(claim) = c.claim {
                entry["claim"] = json!(claim);
            }
            if let Some(line) = c.line {
                entry["line"] = json!(line);
            }
            entry["segment"] = json!(c.text);
            entry
        })
    }

    /// Reads the extension value (entries that do not have the shape are ignored).
    pub fn from_value(value: Option<&Value>) -> Unmapped {
        let entries = value_entries(value, |item| {
            Some(Carried {
                loop_id: item.get("loop")?.as_str()?.to_owned(),
                claim: entry_number(item, "claim"),
                line: entry_number(item, "line"),
                text: item.get("segment")?.as_str()?.to_owned(),
            })
        });
        Unmapped { entries }
    }

    /// The segment texts of `loop_id` (and `line`), in order.
    pub fn of<'s>(&'s self, loop_id: &'s str, line: Option<u32>) -> impl Iterator<Item = &'s str> {
        self.of_at(loop_id, None, line)
    }

    /// The segment texts of `loop_id` under claim payment `claim` and line `line`, in order.
    pub fn of_at<'s>(
        &'s self,
        loop_id: &'s str,
        claim: Option<u32>,
        line: Option<u32>,
    ) -> impl Iterator<Item = &'s str> {
        self.entries
            .iter()
            .filter(move |c| c.loop_id == loop_id && c.claim == claim && c.line == line)
            .map(|c| c.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_writes_decimal() {
        for n in [0, 7, 10, 99, 1_000, u64::MAX] {
            assert_eq!(numbered("clp01.", n), format!("clp01.{n}"));
            assert_eq!(numbered("", n), n.to_string());
        }
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(
            parse_date("20240229").map(|d| d.to_string()),
            Some("2024-02-29".to_owned())
        );
        for bad in [
            "20230229",
            "20241301",
            "2024011",
            "2024O101",
            "",
            "202401011",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn decimals_take_the_model_form() {
        for (x12, model) in [
            (".5", "0.5"),
            ("5.", "5"),
            ("-.25", "-0.25"),
            ("+12.50", "12.50"),
            ("100", "100"),
            ("-0", "-0"),
        ] {
            assert_eq!(normalize_decimal(x12), model, "{x12}");
        }
    }
}
