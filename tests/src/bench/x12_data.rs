//! Large X12 interchanges for `./bench.sh x12`, built by repeating the claims of a small
//! valid one: an 837P with one subscriber/patient/claim hierarchy per claim, and an 835
//! with one `CLP` loop per claim that still balances.
//!
//! Every repeated claim gets its own identifier (`CLM01`, `CLP01`/`CLP07`), the `HL`
//! segments are renumbered, `SE01` is recounted and the 835's `BPR02` is set to the sum of
//! the claim payments less the provider adjustments, so pyx12 and the connector accept
//! the result as they accept the template.

use std::str::FromStr as _;

use anyhow::Context as _;
use rust_decimal::Decimal;

/// A built interchange.
#[derive(Debug, Clone)]
pub struct Interchange {
    /// The X12 text, one segment per line.
    pub text: String,
    /// How many claims it carries.
    pub claims: usize,
    /// How many segments it has, envelope included.
    pub segments: usize,
}

/// The segments of an interchange and its delimiters.
struct Parsed {
    segments: Vec<Vec<String>>,
    element: char,
    terminator: char,
}

impl Parsed {
    /// Splits `text` by the delimiters its `ISA` declares (element separator at byte 3,
    /// segment terminator at byte 105), dropping the line breaks between segments.
    fn new(text: &str) -> anyhow::Result<Parsed> {
        let text = text.trim_start();
        anyhow::ensure!(
            text.starts_with("ISA") && text.len() > 106,
            "the template is not an X12 interchange (no ISA)"
        );
        let bytes = text.as_bytes();
        let element = char::from(bytes[3]);
        let terminator = char::from(bytes[105]);
        let segments = text
            .split(terminator)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.split(element).map(str::to_owned).collect())
            .collect();
        Ok(Parsed {
            segments,
            element,
            terminator,
        })
    }

    /// The index of the first segment with id `id` at or after `from`.
    fn find(&self, from: usize, id: &str) -> anyhow::Result<usize> {
        self.segments[from..]
            .iter()
            .position(|s| s[0] == id)
            .map(|at| at + from)
            .with_context(|| format!("the template has no {id} segment"))
    }

    /// The interchange of the transaction `out` (which began at index `st`): this
    /// template's `SE` (segment `se`) with its count set, then its envelope trailers.
    fn finish(
        &self,
        mut out: Vec<Vec<String>>,
        st: usize,
        se: usize,
        claims: usize,
    ) -> Interchange {
        out.push(self.segments[se].clone());
        close_transaction(&mut out, st);
        out.extend(self.segments[se + 1..].iter().cloned());
        Interchange {
            segments: out.len(),
            text: self.write(&out),
            claims,
        }
    }

    /// The text of `segments`, one per line.
    fn write(&self, segments: &[Vec<String>]) -> String {
        let mut out = String::new();
        for segment in segments {
            out.push_str(&segment.join(&self.element.to_string()));
            out.push(self.terminator);
            out.push('\n');
        }
        out
    }
}

/// Element `n` of `segment` (`segment[0]` is the id), empty when absent.
fn el(segment: &[String], n: usize) -> &str {
    segment.get(n).map(String::as_str).unwrap_or_default()
}

/// Sets element `n` of `segment`, padding with empty elements as needed.
fn set(segment: &mut Vec<String>, n: usize, value: String) {
    if segment.len() <= n {
        segment.resize(n + 1, String::new());
    }
    segment[n] = value;
}

/// Sets `SE01` (the transaction set's segment count, `ST` to `SE`) of the transaction
/// that starts at `st` and ends with the last segment of `segments`.
fn close_transaction(segments: &mut [Vec<String>], st: usize) {
    let count = segments.len() - st;
    if let Some(se) = segments.last_mut() {
        set(se, 1, count.to_string());
    }
}

/// An 837P of `claims` claims from `template`, a one-transaction 837P interchange: the
/// header up to the first subscriber `HL` (code 22) is kept once, and everything from
/// there to `SE` (the subscriber, patient and claim loops) is repeated, renumbering the
/// `HL`s, giving each copy's subscriber the member id `MEM<9 digits>` (`NM1*IL` `NM109`,
/// so that each claim stays under its own subscriber when encoded back) and each claim
/// the patient control number `BENCH<9 digits>`.
///
/// # Errors
///
/// When the template lacks `ST`, a subscriber `HL`, a `CLM` or `SE`.
pub fn professional(template: &str, claims: usize) -> anyhow::Result<Interchange> {
    let parsed = Parsed::new(template)?;
    let st = parsed.find(0, "ST")?;
    let se = parsed.find(st, "SE")?;
    let first = parsed.segments[st..se]
        .iter()
        .position(|s| s[0] == "HL" && el(s, 3) == "22")
        .map(|at| at + st)
        .context("the template has no subscriber HL (HL03 = 22)")?;
    let repeat = &parsed.segments[first..se];
    let per_copy = repeat.iter().filter(|s| s[0] == "CLM").count();
    anyhow::ensure!(
        per_copy > 0,
        "the template has no CLM after its first subscriber HL"
    );
    let header_hls = parsed.segments[st..first]
        .iter()
        .filter(|s| s[0] == "HL")
        .filter_map(|s| el(s, 1).parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let repeated_ids: Vec<&str> = repeat
        .iter()
        .filter(|s| s[0] == "HL")
        .map(|s| el(s, 1))
        .collect();

    let mut out: Vec<Vec<String>> = parsed.segments[..first].to_vec();
    let mut next_hl = header_hls + 1;
    let mut claim = 0;
    let mut copy = 0;
    while claim < claims {
        let base = next_hl;
        let renumber = |id: &str| {
            repeated_ids
                .iter()
                .position(|r| *r == id)
                .map(|at| (base + at).to_string())
        };
        for segment in repeat {
            let mut segment = segment.clone();
            match segment[0].as_str() {
                "HL" => {
                    let id = renumber(el(&segment, 1)).unwrap_or_default();
                    if let Some(parent) = renumber(el(&segment, 2)) {
                        set(&mut segment, 2, parent);
                    }
                    set(&mut segment, 1, id);
                }
                "CLM" => {
                    set(&mut segment, 1, format!("BENCH{claim:09}"));
                    claim += 1;
                }
                "NM1" if el(&segment, 1) == "IL" && !el(&segment, 9).is_empty() => {
                    set(&mut segment, 9, format!("MEM{copy:09}"));
                }
                _ => {}
            }
            out.push(segment);
        }
        next_hl += repeated_ids.len();
        copy += 1;
    }
    Ok(parsed.finish(out, st, se, claim))
}

/// The `PLB` amounts (elements 4, 6, ... 14) of `segment`.
fn plb_amounts(segment: &[String]) -> anyhow::Result<Decimal> {
    let mut sum = Decimal::ZERO;
    for n in (4..=14).step_by(2) {
        let text = el(segment, n);
        if !text.is_empty() {
            sum += Decimal::from_str(text).with_context(|| format!("PLB{n:02} is not a number"))?;
        }
    }
    Ok(sum)
}

/// An 835 of `claims` claims from `template`, a one-transaction 835 interchange: the
/// header (up to the first `CLP`, `LX` included) and the trailer (`PLB`s) are kept once,
/// and the template's claim loops (each `CLP` with what follows it) are repeated in turn,
/// each copy with `CLP01` `BENCH<9 digits>` and `CLP07` `ICN<9 digits>`. `BPR02` becomes
/// the sum of `CLP04` less the `PLB` adjustments, so the remittance balances.
///
/// # Errors
///
/// When the template lacks `ST`, `BPR`, `CLP` or `SE`, or an amount is not a number.
pub fn remittance(template: &str, claims: usize) -> anyhow::Result<Interchange> {
    let parsed = Parsed::new(template)?;
    let st = parsed.find(0, "ST")?;
    let se = parsed.find(st, "SE")?;
    let bpr = parsed.find(st, "BPR")?;
    let first = parsed.find(st, "CLP")?;
    let end = parsed.segments[first..se]
        .iter()
        .position(|s| s[0] == "PLB")
        .map_or(se, |at| at + first);
    // The claim loops, split at each CLP (extra LX headers are not repeated).
    let mut loops: Vec<Vec<Vec<String>>> = Vec::new();
    for segment in &parsed.segments[first..end] {
        match segment[0].as_str() {
            "CLP" => loops.push(vec![segment.clone()]),
            "LX" => {}
            _ => {
                if let Some(current) = loops.last_mut() {
                    current.push(segment.clone());
                }
            }
        }
    }

    let mut out: Vec<Vec<String>> = parsed.segments[..first].to_vec();
    let mut paid = Decimal::ZERO;
    for claim in 0..claims {
        for (n, segment) in loops[claim % loops.len()].iter().enumerate() {
            let mut segment = segment.clone();
            if n == 0 {
                paid += Decimal::from_str(el(&segment, 4)).context("CLP04 is not a number")?;
                set(&mut segment, 1, format!("BENCH{claim:09}"));
                if !el(&segment, 7).is_empty() {
                    set(&mut segment, 7, format!("ICN{claim:09}"));
                }
            }
            out.push(segment);
        }
    }
    let mut adjustments = Decimal::ZERO;
    for segment in &parsed.segments[end..se] {
        if segment[0] == "PLB" {
            adjustments += plb_amounts(segment)?;
        }
        out.push(segment.clone());
    }
    set(
        &mut out[bpr],
        2,
        (paid - adjustments).normalize().to_string(),
    );
    Ok(parsed.finish(out, st, se, claims))
}

/// The segments of `text` (terminated by `~`) without the envelope (`ISA`, `GS`, `GE`,
/// `IEA`), whose control numbers and dates differ between two encodings of the same
/// messages.
pub fn without_envelope(text: &str) -> Vec<&str> {
    text.split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter(|s| {
            !["ISA", "GS", "GE", "IEA"]
                .iter()
                .any(|id| s.split('*').next() == Some(*id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments<'t>(text: &'t str, id: &str) -> Vec<Vec<&'t str>> {
        text.split('~')
            .map(str::trim)
            .map(|s| s.split('*').collect::<Vec<_>>())
            .filter(|s| s[0] == id)
            .collect()
    }

    #[test]
    fn professional_claims_are_renumbered_and_counted() {
        let template =
            crate::bench::read_text("plugins/x12/tests/fixtures/claim_patient_drug.x12").unwrap();
        let built = professional(&template, 3).unwrap();
        assert_eq!(built.claims, 3);
        let clm01: Vec<&str> = segments(&built.text, "CLM").iter().map(|s| s[1]).collect();
        assert_eq!(
            clm01,
            ["BENCH000000000", "BENCH000000001", "BENCH000000002"]
        );
        let members: Vec<&str> = segments(&built.text, "NM1")
            .iter()
            .filter(|s| s[1] == "IL")
            .map(|s| s[9])
            .collect();
        assert_eq!(members, ["MEM000000000", "MEM000000001", "MEM000000002"]);
        let hl: Vec<(&str, &str)> = segments(&built.text, "HL")
            .iter()
            .map(|s| (s[1], s[2]))
            .collect();
        assert_eq!(
            hl,
            [
                ("1", ""),
                ("2", "1"),
                ("3", "2"),
                ("4", "1"),
                ("5", "4"),
                ("6", "1"),
                ("7", "6")
            ]
        );
        let lines: Vec<&str> = built.text.lines().collect();
        let st = lines.iter().position(|l| l.starts_with("ST*")).unwrap();
        let se = lines.iter().position(|l| l.starts_with("SE*")).unwrap();
        assert_eq!(segments(&built.text, "SE")[0][1], (se - st + 1).to_string());
        assert_eq!(built.segments, lines.len());
    }

    #[test]
    fn remittances_balance_after_repeating_claims() {
        let template =
            crate::bench::read_text("plugins/x12/tests/fixtures/remit_basic.x12").unwrap();
        let built = remittance(&template, 5).unwrap();
        let clp = segments(&built.text, "CLP");
        assert_eq!(clp.len(), 5);
        assert_eq!((clp[4][1], clp[4][7]), ("BENCH000000004", "ICN000000004"));
        let paid: Decimal = clp.iter().map(|s| Decimal::from_str(s[4]).unwrap()).sum();
        let plb: Decimal = segments(&built.text, "PLB")
            .iter()
            .map(|s| {
                let owned: Vec<String> = s.iter().map(|e| (*e).to_owned()).collect();
                plb_amounts(&owned).unwrap()
            })
            .sum();
        let bpr02 = Decimal::from_str(segments(&built.text, "BPR")[0][2]).unwrap();
        assert_eq!(bpr02, paid - plb);
        assert!(!plb.is_zero(), "the template's PLB is carried over");
    }

    #[test]
    fn envelopes_are_ignored_when_comparing() {
        let a = "ISA*1~GS*1~ST*835*0001~BPR*I~SE*3*0001~GE*1*1~IEA*1*1~";
        let b = "ISA*2~GS*2~ST*835*0001~BPR*I~SE*3*0001~GE*1*2~IEA*1*2~";
        assert_eq!(without_envelope(a), without_envelope(b));
        assert_eq!(without_envelope(a), ["ST*835*0001", "BPR*I", "SE*3*0001"]);
    }
}
