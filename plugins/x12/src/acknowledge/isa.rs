//! The inbound `ISA`: who to answer, and its problems as `TA105` interchange note codes.

use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{parse_date, parse_time};

/// How much a problem weighs: noted (the interchange is still decoded: `E`) or rejecting
/// (`R`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Accepted, the error noted.
    Noted,
    /// Rejected.
    Rejected,
}

/// One interchange-level problem: a `TA105` note code and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The `TA105` code, e.g. `001`.
    pub code: &'static str,
    /// `E` or `R`.
    pub severity: Severity,
}

impl Note {
    /// A note that rejects the interchange.
    pub fn rejected(code: &'static str) -> Note {
        Note {
            code,
            severity: Severity::Rejected,
        }
    }

    /// A note that is only noted.
    pub fn noted(code: &'static str) -> Note {
        Note {
            code,
            severity: Severity::Noted,
        }
    }
}

/// What the answer needs from the inbound `ISA`, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// `ISA05`, `ISA06`: who sent the interchange (and receives the answer).
    pub sender: (String, String),
    /// `ISA07`, `ISA08`: who it was sent to (and who answers).
    pub receiver: (String, String),
    /// `ISA09` (`YYMMDD`), echoed in `TA102`.
    pub date: String,
    /// `ISA10` (`HHMM`), echoed in `TA103`.
    pub time: String,
    /// `ISA13`, echoed in `TA101`.
    pub control: String,
    /// `ISA14` is `1`: the sender asks for a TA1 even when all is well.
    pub requested: bool,
    /// `ISA15` when it is `T`, `P` or `I`.
    pub usage: Option<char>,
}

impl Inbound {
    /// From `ISA01`..`ISA15` (untrimmed), or `None` when the answer cannot be addressed
    /// (an empty or overlong id or qualifier, or no control number).
    pub fn from_elements(el: &[&str]) -> Option<Inbound> {
        let get = |n: usize| el.get(n - 1).map_or("", |e| e.trim());
        let party = |q: usize, i: usize| {
            let (qualifier, id) = (get(q), get(i));
            let usable = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.is_ascii();
            (usable(qualifier, 2) && usable(id, 15)).then(|| (qualifier.to_owned(), id.to_owned()))
        };
        let control = get(13);
        if control.is_empty() || control.len() > 9 {
            return None;
        }
        Some(Inbound {
            sender: party(5, 6)?,
            receiver: party(7, 8)?,
            date: get(9).to_owned(),
            time: get(10).to_owned(),
            control: control.to_owned(),
            requested: get(14) == "1",
            usage: get(15)
                .chars()
                .next()
                .filter(|c| get(15).len() == 1 && matches!(c, 'T' | 'P' | 'I')),
        })
    }

    /// From a sound `ISA` segment.
    pub fn from_isa(isa: &Segment<'_>) -> Option<Inbound> {
        Inbound::from_elements(&isa.elements)
    }

    /// `ISA09`/`ISA10` as `CCYYMMDD`/`HHMM` (taken in the 2000s), when valid.
    pub fn date_time(&self) -> Option<(String, String)> {
        let date = format!("20{}", self.date);
        (self.date.len() == 6
            && parse_date(&date).is_some()
            && self.time.len() == 4
            && parse_time(&self.time).is_some())
        .then(|| (date, self.time.clone()))
    }
}

/// The `TA105` code for a broken `ISA` element `n` (as pyx12 maps them).
fn element_note(n: u32) -> &'static str {
    match n {
        1 => "010",
        2 => "011",
        3 => "012",
        4 => "013",
        5 => "005",
        6 => "006",
        7 => "007",
        8 => "008",
        9 => "014",
        10 => "015",
        11 => "016",
        12 => "017",
        13 => "018",
        14 => "019",
        15 => "020",
        _ => "027",
    }
}

/// The `TA105` code for an `ISA` the tokenizer cannot read: the broken element's code,
/// `026`/`027`/`004` for an unusable element separator, component separator or segment
/// terminator, `023` for an `ISA` cut short by the end of the input.
pub fn read_error_note(error: &X12Error) -> &'static str {
    let element = error
        .position
        .element
        .as_deref()
        .and_then(|e| e.strip_prefix("ISA"))
        .and_then(|n| n.parse::<u32>().ok());
    match (&error.kind, element) {
        (ErrorKind::IsaDelimiter(what), _) if what.contains("component") => "027",
        (ErrorKind::IsaDelimiter(what), _) if what.contains("terminator") => "004",
        (ErrorKind::IsaDelimiter(_), _) => "026",
        (ErrorKind::IsaTruncated, None) => "023",
        (_, Some(n)) => element_note(n),
        _ => "022",
    }
}

/// Codes of interchange id qualifiers (`ISA05`, `ISA07`) in 005010.
const QUALIFIERS: &[&str] = &["01", "14", "20", "27", "28", "29", "30", "33", "ZZ"];

/// The problems of a sound `ISA`'s values, in element order. Only a version other than
/// `00501` rejects (`003`, or `017` when it is not a version number); the others are noted.
pub fn value_notes(isa: &Segment<'_>) -> Vec<Note> {
    let el = |n: usize| isa.el(n);
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mut notes = Vec::new();
    let mut check = |ok: bool, note: Note| {
        if !ok {
            notes.push(note);
        }
    };
    check(matches!(el(1), "00" | "03"), Note::noted("010"));
    check(matches!(el(3), "00" | "01"), Note::noted("012"));
    check(QUALIFIERS.contains(&el(5)), Note::noted("005"));
    check(QUALIFIERS.contains(&el(7)), Note::noted("007"));
    let date = format!("20{}", el(9));
    check(
        digits(el(9)) && parse_date(&date).is_some(),
        Note::noted("014"),
    );
    check(parse_time(el(10)).is_some(), Note::noted("015"));
    check(
        !el(11)
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' '),
        Note::noted("016"),
    );
    let version = el(12);
    check(
        version == "00501" || !(version.len() == 5 && digits(version)),
        Note::rejected("003"),
    );
    check(version.len() == 5 && digits(version), Note::rejected("017"));
    check(digits(el(13)), Note::noted("018"));
    check(matches!(el(14), "0" | "1"), Note::noted("019"));
    check(matches!(el(15), "T" | "P" | "I"), Note::noted("020"));
    notes
}
