//! The TR3 check of one transaction set: the connector's own decoder run on the set alone
//! (in an interchange rebuilt around it with sound trailers, so envelope problems, reported
//! elsewhere, do not hide TR3 ones), and its [`X12Error`] mapped onto a 999 `IK3`/`IK4`.
//!
//! | decoder error | `IK304` | `IK403` |
//! |---|---|---|
//! | segment not allowed where it stands | `2` unexpected segment | |
//! | required segment or loop missing | `3` mandatory segment missing | |
//! | malformed segment id | `1` unrecognized segment id | |
//! | required element empty | `8` | `1` mandatory element missing |
//! | code not allowed | `8` | `7` invalid code value |
//! | bad date / time | `8` | `8` invalid date / `9` invalid time |
//! | not a number | `8` | `6` invalid character |
//! | `HL02` names no earlier `HL` | `8` | `7` invalid code value |

use clearway_plugin_sdk::schemas::body::ack::{ElementError, SegmentError};

use super::elements::reference;
use super::interchange::SetRead;
use super::read::Seg;
use crate::decode::{DecodeError, decode_interchange};
use crate::syntax::{ErrorKind, X12Error};
use crate::walker::{LoopDef, Trigger};
use crate::{p270, p276, p277ca, p835, p837};

/// What the decoder said about a transaction set on its own.
#[derive(Debug)]
pub enum Verdict {
    /// It decodes.
    Decodes,
    /// The connector does not handle this transaction set or version (`IK502` `1`).
    Unsupported,
    /// The first TR3 problem the decoder found.
    Error(SegmentError),
}

/// Decodes the set on its own, leaving out the body segments at `excluded` (indexes into
/// `set.body`: segments already reported, such as malformed ids), and maps its error.
pub fn check(isa: &Seg<'_>, gs: &Seg<'_>, set: &SetRead<'_, '_>, excluded: &[usize]) -> Verdict {
    let d = isa.segment.delimiters;
    let (e, t) = (d.element, d.segment);
    let mut text = String::new();
    let mut origin = Vec::new();
    for seg in [isa, gs, set.st] {
        text.push_str(seg.raw);
        text.push(t);
    }
    for (index, seg) in set.body.iter().enumerate() {
        if !excluded.contains(&index) {
            text.push_str(seg.raw);
            text.push(t);
            origin.push(u32::try_from(index + 2).unwrap_or(u32::MAX));
        }
    }
    let count = origin.len() + 2;
    let (st02, gs06, isa13) = (set.st.segment.el(2), gs.segment.el(6), isa.segment.el(13));
    text.push_str(&format!(
        "SE{e}{count}{e}{st02}{t}GE{e}1{e}{gs06}{t}IEA{e}1{e}{isa13}{t}"
    ));
    let se_position = u32::try_from(set.body.len() + 2).unwrap_or(u32::MAX);
    match decode_interchange(text.as_bytes()) {
        Ok(_) => Verdict::Decodes,
        Err(DecodeError::Unsupported(_)) => Verdict::Unsupported,
        Err(DecodeError::X12(error)) => {
            let position = match error.position.segment {
                0..=3 => 1,
                p => origin
                    .get(usize::try_from(p - 4).unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(se_position),
            };
            let (st01, version) = (set.st.segment.el(1), version(set, gs));
            Verdict::Error(segment_error(&error, position, (st01, version)))
        }
    }
}

/// The implementation convention of a set: `ST03`, else `GS08`.
pub fn version<'a>(set: &SetRead<'_, 'a>, gs: &Seg<'a>) -> &'a str {
    set.st.segment.opt(3).unwrap_or(gs.segment.el(8))
}

/// The loop table of a transaction set, when the connector has one.
fn root(st01: &str, version: &str) -> Option<&'static LoopDef> {
    Some(match (st01, version.get(..10).unwrap_or(version)) {
        ("837", _) => &p837::spec::ROOT,
        ("835", _) => &p835::spec::ROOT,
        ("277", "005010X214") => &p277ca::spec::ROOT,
        ("270", _) => &p270::spec::INQUIRY,
        ("271", _) => &p270::spec::RESPONSE,
        ("276" | "277", _) => &p276::spec::ROOT,
        _ => return None,
    })
}

/// The loop `id` in the table under `def`.
fn find(def: &'static LoopDef, id: &str) -> Option<&'static LoopDef> {
    if def.id == id {
        return Some(def);
    }
    def.children.iter().find_map(|child| find(child, id))
}

/// The segment id that opens loop `loop_id` of the transaction set.
fn trigger(loop_id: &str, (st01, version): (&str, &str)) -> Option<&'static str> {
    match find(root(st01, version)?, loop_id)?.trigger {
        Trigger::Seg(id) | Trigger::Qualified(id, _) => Some(id),
        Trigger::Hl(_) => Some("HL"),
        Trigger::Root => None,
    }
}

/// Element position and component of an element reference such as `CLM05-1` or `NM102`.
pub fn element_position(reference: &str, segment_id: &str) -> Option<(u32, Option<u32>)> {
    let rest = reference.strip_prefix(segment_id)?;
    let (element, component) = match rest.split_once('-') {
        Some((element, component)) => (element, component.parse().ok()),
        None => (rest, None),
    };
    Some((element.parse().ok()?, component))
}

/// `IK304` and, for element errors, `IK403` of an error kind.
fn codes(kind: &ErrorKind) -> (&'static str, Option<&'static str>) {
    match kind {
        ErrorKind::SegmentNotAllowed => ("2", None),
        ErrorKind::MissingSegment(_) => ("3", None),
        ErrorKind::BadSegmentId => ("1", None),
        ErrorKind::MissingElement(_) => ("8", Some("1")),
        ErrorKind::InvalidCode(_) | ErrorKind::BadHlParent => ("8", Some("7")),
        ErrorKind::InvalidDate => ("8", Some("8")),
        ErrorKind::InvalidTime => ("8", Some("9")),
        ErrorKind::InvalidNumber => ("8", Some("6")),
        ErrorKind::IsaElementLength { .. } => ("8", Some("5")),
        _ => ("2", None),
    }
}

/// The `IK3` (with its `IK4`) for a decoder error at transaction set position `position`.
pub fn segment_error(error: &X12Error, position: u32, set: (&str, &str)) -> SegmentError {
    let p = &error.position;
    let (segment_code, element_code) = codes(&error.kind);
    let mut segment_id = p.segment_id.clone();
    let mut loop_id = p.loop_id.clone().filter(|l| l != "HEADER");
    if let ErrorKind::MissingSegment(what) = &error.kind {
        // `segment N3`, `segment DTP (statement dates, DTP01 434)`, `loop 2010AA`.
        let word = |text: &str| {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        if let Some(id) = what.strip_prefix("segment ") {
            segment_id = word(id);
        } else if let Some(missing) = what.strip_prefix("loop ") {
            let missing = word(missing);
            segment_id = trigger(&missing, set).map_or(segment_id, str::to_owned);
            loop_id = Some(missing);
        }
    }
    let element = if matches!(error.kind, ErrorKind::BadHlParent) {
        Some((2, None))
    } else {
        p.element
            .as_deref()
            .and_then(|e| element_position(e, &p.segment_id))
    };
    let element_errors = match (element_code, element) {
        (Some(code), Some((position, component))) => vec![ElementError {
            position,
            component_position: component,
            repetition: None,
            element_reference: reference(&p.segment_id, position as usize)
                .filter(|_| component.is_none()),
            error_code: code.to_owned(),
            bad_value: None,
            context: Vec::new(),
        }],
        _ => Vec::new(),
    };
    SegmentError {
        segment_id,
        position,
        loop_id,
        error_code: segment_code.to_owned(),
        context: Vec::new(),
        element_errors,
    }
}
