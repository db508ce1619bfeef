//! The envelope of an inbound interchange, read leniently: its functional groups and
//! transaction sets as far as they can be told apart, with every trailer problem as a
//! `TA105`, `AK905` or `IK502` code instead of a stop.
//!
//! | problem | code | weight |
//! |---|---|---|
//! | `IEA` missing, or another `ISA` before it | `TA105` `023` | rejects |
//! | data after the `IEA` | `TA105` `022` | rejects |
//! | a segment outside any functional group or transaction set | `TA105` `024` | rejects |
//! | `IEA02` differs from `ISA13` | `TA105` `001` | rejects |
//! | `IEA01` is not the number of groups | `TA105` `021` | rejects |
//! | `GE` missing | `AK905` `3` | rejects |
//! | `GE02` differs from `GS06` | `AK905` `4` | noted |
//! | `GE01` is not the number of transaction sets | `AK905` `5` | rejects |
//! | `GS06` is not 1 to 9 digits | `AK905` `6` | noted |
//! | `SE` missing | `IK502` `2` | rejects |
//! | `SE02` differs from `ST02` | `IK502` `3` | noted |
//! | `SE01` is not the number of segments | `IK502` `4` | rejects |
//! | `ST01` is not three digits | `IK502` `6` | rejects |
//! | `ST01` is not what `GS01` announces | `IK502` `6` | noted |
//! | `ST02` is not 4 to 9 characters | `IK502` `7` | noted |
//!
//! "Noted" problems are those the connector's `decode` accepts (with a warning or
//! silently): the answer says accepted with errors (`E`) for them.

use super::isa::{Note, Severity};
use super::read::Seg;

/// A code and its weight, for `AK905` or `IK502`.
pub type Code = (&'static str, Severity);

/// One transaction set as read.
#[derive(Debug)]
pub struct SetRead<'s, 'a> {
    /// Its `ST`.
    pub st: &'s Seg<'a>,
    /// The segments between `ST` and `SE` (or where the set was cut off).
    pub body: Vec<&'s Seg<'a>>,
    /// Its `SE`, when there is one.
    pub se: Option<&'s Seg<'a>>,
    /// `IK502` codes of its envelope.
    pub codes: Vec<Code>,
}

/// One functional group as read.
#[derive(Debug)]
pub struct GroupRead<'s, 'a> {
    /// Its `GS`.
    pub gs: &'s Seg<'a>,
    /// Its transaction sets.
    pub sets: Vec<SetRead<'s, 'a>>,
    /// `GE01` as declared, when it is a number.
    pub declared: Option<u32>,
    /// `AK905` codes of its envelope.
    pub codes: Vec<Code>,
}

/// The interchange as read.
#[derive(Debug, Default)]
pub struct Envelope<'s, 'a> {
    /// The functional groups.
    pub groups: Vec<GroupRead<'s, 'a>>,
    /// Interchange-level problems, in the order found.
    pub notes: Vec<Note>,
}

/// The `ST01` a functional identifier code (`GS01`) announces.
pub fn announced(gs01: &str) -> Option<&'static str> {
    Some(match gs01 {
        "HC" => "837",
        "HP" => "835",
        "HS" => "270",
        "HB" => "271",
        "HR" => "276",
        "HN" => "277",
        "HI" => "278",
        "BE" => "834",
        "RA" => "820",
        "FA" => "999",
        _ => return None,
    })
}

/// Whether a trailer count element equals `actual`.
fn count_ok(seg: &Seg<'_>, n: usize, actual: usize) -> bool {
    seg.trimmed(n).parse::<usize>().ok() == Some(actual)
}

/// Pushes `code` once.
fn push(codes: &mut Vec<Code>, code: Code) {
    if !codes.iter().any(|c| c.0 == code.0) {
        codes.push(code);
    }
}

/// Reads the transaction set whose `ST` is at `i`; returns it and the index after it.
fn read_set<'s, 'a>(segs: &'s [Seg<'a>], i: usize, gs01: &str) -> (SetRead<'s, 'a>, usize) {
    let st = &segs[i];
    let mut set = SetRead {
        st,
        body: Vec::new(),
        se: None,
        codes: Vec::new(),
    };
    let st01 = st.trimmed(1);
    if st01.len() != 3 || !st01.bytes().all(|b| b.is_ascii_digit()) {
        push(&mut set.codes, ("6", Severity::Rejected));
    } else if announced(gs01).is_some_and(|expected| expected != st01) {
        push(&mut set.codes, ("6", Severity::Noted));
    }
    if !(4..=9).contains(&st.trimmed(2).len()) {
        push(&mut set.codes, ("7", Severity::Noted));
    }
    let mut j = i + 1;
    while let Some(seg) = segs.get(j) {
        match seg.id() {
            "SE" => {
                if !count_ok(seg, 1, set.body.len() + 2) {
                    push(&mut set.codes, ("4", Severity::Rejected));
                }
                if seg.trimmed(2) != st.trimmed(2) {
                    push(&mut set.codes, ("3", Severity::Noted));
                }
                set.se = Some(seg);
                return (set, j + 1);
            }
            "ST" | "GE" | "GS" | "IEA" | "ISA" => break,
            _ => set.body.push(seg),
        }
        j += 1;
    }
    push(&mut set.codes, ("2", Severity::Rejected));
    (set, j)
}

/// Reads the functional group whose `GS` is at `i`; returns it and the index after it.
fn read_group<'s, 'a>(
    segs: &'s [Seg<'a>],
    i: usize,
    notes: &mut Vec<Note>,
) -> (GroupRead<'s, 'a>, usize) {
    let gs = &segs[i];
    let mut group = GroupRead {
        gs,
        sets: Vec::new(),
        declared: None,
        codes: Vec::new(),
    };
    let gs06 = gs.trimmed(6);
    if gs06.is_empty() || gs06.len() > 9 || !gs06.bytes().all(|b| b.is_ascii_digit()) {
        push(&mut group.codes, ("6", Severity::Noted));
    }
    let mut j = i + 1;
    while let Some(seg) = segs.get(j) {
        match seg.id() {
            "ST" => {
                let (set, next) = read_set(segs, j, gs.trimmed(1));
                group.sets.push(set);
                j = next;
            }
            "GE" => {
                group.declared = seg.trimmed(1).parse().ok();
                if !count_ok(seg, 1, group.sets.len()) {
                    push(&mut group.codes, ("5", Severity::Rejected));
                }
                if seg.trimmed(2) != gs06 {
                    push(&mut group.codes, ("4", Severity::Noted));
                }
                return (group, j + 1);
            }
            "GS" | "IEA" | "ISA" => break,
            _ => {
                notes.push(Note::rejected("024"));
                j += 1;
            }
        }
    }
    push(&mut group.codes, ("3", Severity::Rejected));
    (group, j)
}

/// Reads the envelope of `segs` (the `ISA` first).
pub fn read<'s, 'a>(segs: &'s [Seg<'a>]) -> Envelope<'s, 'a> {
    let mut envelope = Envelope::default();
    let mut i = 1;
    while let Some(seg) = segs.get(i) {
        match seg.id() {
            "GS" => {
                let (group, next) = read_group(segs, i, &mut envelope.notes);
                envelope.groups.push(group);
                i = next;
            }
            "TA1" => i += 1,
            "IEA" => {
                if seg.trimmed(2) != segs[0].trimmed(13) {
                    envelope.notes.push(Note::rejected("001"));
                }
                if !count_ok(seg, 1, envelope.groups.len()) {
                    envelope.notes.push(Note::rejected("021"));
                }
                if i + 1 < segs.len() {
                    envelope.notes.push(Note::rejected("022"));
                }
                return envelope;
            }
            "ISA" => break,
            _ => {
                envelope.notes.push(Note::rejected("024"));
                i += 1;
            }
        }
    }
    envelope.notes.push(Note::rejected("023"));
    envelope
}
