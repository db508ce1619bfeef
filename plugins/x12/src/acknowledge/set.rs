//! The 999 results of one inbound functional group: per transaction set its `AK2`, the
//! `IK3`/`IK4`/`CTX` of every problem found and its `IK5`, then the group's `AK9`.
//!
//! A transaction set is rejected (`R`) when the connector's `decode` would refuse it (a
//! malformed segment id, a segment past its maximum use, a TR3 error, a missing or
//! miscounted `SE`, an unsupported transaction), accepted with errors (`E`) when only
//! problems `decode` lets through were found (element syntax, `SE02`, `ST02`), else
//! accepted (`A`).

use clearway_plugin_sdk::schemas::body::ack::{
    AckStatus, ErrorContext, GroupAck, SegmentError, TransactionSetAck,
};

use super::elements;
use super::interchange::{Code, GroupRead, SetRead};
use super::isa::Severity;
use super::read::Seg;
use super::tr3::{self, Verdict};
use crate::syntax::segment::valid_segment_id;

/// Segments a transaction set may hold only once (its header's).
const ONCE: &[&str] = &["BHT", "BPR"];

/// `IK301` for a malformed segment id: its letters and digits, upper-cased, at most three;
/// `None` when fewer than two remain (nothing names the segment).
fn readable_id(id: &str) -> Option<String> {
    let id: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase();
    (id.len() >= 2).then_some(id)
}

/// The business unit a problem at body index `index` belongs to (`CLM01` of an 837,
/// `TRN02` of a 270/271/276/277): the nearest such segment at or before it with no `HL`
/// between. Skipped when the value holds one of Clearway's delimiters.
fn business_unit(st01: &str, body: &[&Seg<'_>], index: usize) -> Option<ErrorContext> {
    let (id, n, name) = match st01 {
        "837" => ("CLM", 1, "CLM01"),
        "270" | "271" | "276" | "277" => ("TRN", 2, "TRN02"),
        _ => return None,
    };
    let unit = body[..=index.min(body.len().checked_sub(1)?)]
        .iter()
        .rev()
        .take_while(|s| s.id() != "HL")
        .find(|s| s.id() == id)?;
    let value = unit.segment.el(n);
    let clean = !value.is_empty() && !value.contains(['*', ':', '^', '~']);
    clean.then(|| ErrorContext {
        name: name.to_owned(),
        reference: Some(value.to_owned()),
        ..ErrorContext::default()
    })
}

/// Adds `error` to `errors`, merging element errors into an `IK3` already there for the
/// same segment and code.
fn merge(errors: &mut Vec<SegmentError>, error: SegmentError) {
    match errors
        .iter_mut()
        .find(|e| e.position == error.position && e.error_code == error.error_code)
    {
        Some(existing) => {
            for element in error.element_errors {
                let present = existing.element_errors.iter().any(|e| {
                    e.position == element.position
                        && e.component_position == element.component_position
                        && e.error_code == element.error_code
                });
                if !present {
                    existing.element_errors.push(element);
                }
            }
            if existing.loop_id.is_none() {
                existing.loop_id = error.loop_id;
            }
        }
        None => errors.push(error),
    }
}

/// A segment error with no element errors.
fn segment(segment_id: String, position: u32, code: &str) -> SegmentError {
    SegmentError {
        segment_id,
        position,
        loop_id: None,
        error_code: code.to_owned(),
        context: Vec::new(),
        element_errors: Vec::new(),
    }
}

/// The result of one transaction set.
pub fn acknowledge_set(isa: &Seg<'_>, gs: &Seg<'_>, set: &SetRead<'_, '_>) -> TransactionSetAck {
    let mut codes: Vec<Code> = set.codes.clone();
    let mut errors = Vec::new();
    let mut excluded = Vec::new();
    let mut rejected = false;
    let mut seen: Vec<&str> = Vec::new();
    for (index, seg) in set.body.iter().enumerate() {
        let position = u32::try_from(index + 2).unwrap_or(u32::MAX);
        if !valid_segment_id(seg.id()) {
            excluded.push(index);
            rejected = true;
            if let Some(id) = readable_id(seg.id()) {
                errors.push(segment(id, position, "1"));
            }
            continue;
        }
        if ONCE.contains(&seg.id()) {
            if seen.contains(&seg.id()) {
                excluded.push(index);
                rejected = true;
                errors.push(segment(seg.id().to_owned(), position, "5"));
                continue;
            }
            seen.push(seg.id());
        }
        let element_errors = elements::check(&seg.segment);
        if !element_errors.is_empty() {
            let mut error = segment(seg.id().to_owned(), position, "8");
            error.element_errors = element_errors;
            errors.push(error);
        }
    }
    let st01 = set.st.trimmed(1);
    let decodable = !codes
        .iter()
        .any(|c| c.0 == "6" && c.1 == Severity::Rejected);
    if decodable {
        match tr3::check(isa, gs, set, &excluded) {
            Verdict::Decodes => {}
            Verdict::Unsupported => codes.push(("1", Severity::Rejected)),
            Verdict::Error(error) => {
                rejected = true;
                merge(&mut errors, error);
            }
        }
    }
    errors.sort_by_key(|e| e.position);
    for error in &mut errors {
        // IK303 (element 447) holds at most four characters in 005010: TR3 loop ids such
        // as 2010AA do not fit and are left out rather than cut.
        error.loop_id = error.loop_id.take().filter(|l| l.len() <= 4);
        let index = usize::try_from(error.position).unwrap_or(usize::MAX);
        if let Some(unit) = index
            .checked_sub(2)
            .and_then(|i| business_unit(st01, &set.body, i))
        {
            error.context.push(unit);
        }
    }
    if !errors.is_empty() {
        codes.push((
            "5",
            if rejected {
                Severity::Rejected
            } else {
                Severity::Noted
            },
        ));
    }
    let status = match codes.iter().map(|c| c.1).max() {
        Some(Severity::Rejected) => AckStatus::Rejected,
        Some(Severity::Noted) => AckStatus::AcceptedWithErrors,
        None => AckStatus::Accepted,
    };
    let mut error_codes: Vec<&str> = codes.iter().map(|c| c.0).collect();
    error_codes.sort_by_key(|c| c.parse::<u32>().unwrap_or(u32::MAX));
    error_codes.dedup();
    TransactionSetAck {
        transaction_set_id: Some(st01)
            .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .or_else(|| super::interchange::announced(gs.trimmed(1)))
            .unwrap_or(st01)
            .to_owned(),
        control_number: set.st.trimmed(2).to_owned(),
        implementation_reference: set.st.segment.opt(3).map(|v| v.trim().to_owned()),
        status,
        error_codes: error_codes.into_iter().take(5).map(str::to_owned).collect(),
        segment_errors: errors,
    }
}

/// The result of one functional group: `AK901` is `R` when a group trailer problem rejects
/// it or every set is rejected, `P` when some are, `E` when problems were only noted, else
/// `A`; `AK902` is `GE01` when it is a number.
pub fn acknowledge_group(isa: &Seg<'_>, group: &GroupRead<'_, '_>) -> GroupAck {
    let sets: Vec<TransactionSetAck> = group
        .sets
        .iter()
        .map(|set| acknowledge_set(isa, group.gs, set))
        .collect();
    let received = u32::try_from(sets.len()).unwrap_or(u32::MAX);
    let accepted = sets
        .iter()
        .filter(|s| s.status != AckStatus::Rejected)
        .count();
    let accepted = u32::try_from(accepted).unwrap_or(u32::MAX);
    let group_weight = group.codes.iter().map(|c| c.1).max();
    let noted = group_weight == Some(Severity::Noted)
        || sets
            .iter()
            .any(|s| s.status == AckStatus::AcceptedWithErrors);
    let status = if group_weight == Some(Severity::Rejected) || (received > 0 && accepted == 0) {
        AckStatus::Rejected
    } else if accepted < received {
        AckStatus::PartiallyAccepted
    } else if noted {
        AckStatus::AcceptedWithErrors
    } else {
        AckStatus::Accepted
    };
    let mut error_codes: Vec<&str> = group.codes.iter().map(|c| c.0).collect();
    error_codes.sort_by_key(|c| c.parse::<u32>().unwrap_or(u32::MAX));
    let gs = &group.gs.segment;
    GroupAck {
        functional_id: group.gs.trimmed(1).to_owned(),
        control_number: group.gs.trimmed(6).to_owned(),
        version: gs.opt(8).map(|v| v.trim().to_owned()),
        status,
        transaction_sets_included: Some(group.declared.unwrap_or(received)),
        transaction_sets_received: Some(received),
        transaction_sets_accepted: Some(accepted),
        error_codes: error_codes.into_iter().take(5).map(str::to_owned).collect(),
        transaction_sets: sets,
    }
}
