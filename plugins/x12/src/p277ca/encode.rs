//! Encoding `claim.ack` messages of type `277ca` to 277CA (005010X214): one interchange with
//! one `HN` functional group, one transaction set per message.
//!
//! The hierarchy is rebuilt from the order of `claim_statuses`: each level's `HL02` parent
//! is the latest level one step up (information source, receiver, billing provider,
//! claim), and `HL04` says whether the next level is a child. Names come from the
//! message's parties (2100A `sender`, 2100B `receiver`, 2100C `provider`, 2100D `patient`)
//! unless a name segment is carried for that `HL` in `extensions["x12.unmapped"]` (as the
//! decoder leaves them when a level repeats). `BHT03`-`BHT05` come from
//! `extensions["x12.BHT"]` when present; the creation date and time are `BHT04`/`BHT05`,
//! else the configured `interchange_datetime`.

use clearway_plugin_sdk::schemas::body::ack::{AckLevel, ClaimAck};
use clearway_plugin_sdk::schemas::{Body, Message};
use clearway_plugin_sdk::{ConnectorError, Payload, Problem};
use serde_json::Value;

use super::write::{Context, depth, loops, party, write_level};
use crate::ack::encode::configured_header;
use crate::ack::envelope::{self, Header};
use crate::config::Config;
use crate::encode::{Batch, CONTENT_TYPE, creation, version_of};
use crate::numbers::ControlNumbers;
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped};

/// The 277CA implementation convention Clearway writes.
pub const VERSION: &str = "005010X214";

/// A problem at `path` for what a 277CA requires.
fn problem(path: String, what: &str) -> Problem {
    Problem::error("x12.encode.required", format!("a 277CA requires {what}")).at_path(path)
}

/// The `HL02` parent of every level (`0` for the information source), or the index of the
/// first level whose parent level does not precede it.
fn parents(ack: &ClaimAck) -> Result<Vec<u32>, usize> {
    let mut latest: [u32; 4] = [0; 4];
    let mut parents = Vec::with_capacity(ack.claim_statuses.len());
    for (index, status) in ack.claim_statuses.iter().enumerate() {
        let d = usize::from(depth(status.level));
        let parent = match d {
            0 => 0,
            _ if latest[d - 1] == 0 => return Err(index),
            _ => latest[d - 1],
        };
        latest[d] = u32::try_from(index + 1).unwrap_or(u32::MAX);
        latest[d + 1..].iter_mut().for_each(|l| *l = 0);
        parents.push(parent);
    }
    Ok(parents)
}

/// What message `index` lacks for a 277CA, each naming its JSON pointer.
pub fn problems(index: usize, message: &Message, ack: &ClaimAck) -> Vec<Problem> {
    let mut out = Vec::new();
    let statuses = format!("/{index}/body/claim_statuses");
    if ack.claim_statuses.first().map(|s| s.level) != Some(AckLevel::InformationSource) {
        out.push(problem(
            format!("{statuses}/0/level"),
            "an information source level (2000A) first",
        ));
        return out;
    }
    if let Err(k) = parents(ack) {
        out.push(problem(
            format!("{statuses}/{k}/level"),
            "every level to follow its parent level (receiver, billing provider, claim)",
        ));
    }
    let unmapped = Unmapped::from_value(message.extensions.get(UNMAPPED));
    for (k, status) in ack.claim_statuses.iter().enumerate() {
        let at = format!("{statuses}/{k}");
        let hl = u32::try_from(k + 1).unwrap_or(u32::MAX);
        let (name_loop, ..) = loops(status.level);
        let carried = unmapped.of_at(name_loop, Some(hl), None).next().is_some();
        if !carried && party(message, status.level).is_none() {
            let role = match status.level {
                AckLevel::InformationSource => "sender",
                AckLevel::InformationReceiver => "receiver",
                AckLevel::BillingProvider => "provider",
                AckLevel::Claim => "patient",
            };
            out.push(problem(
                format!("/{index}/parties/{role}"),
                &format!("the name of every level ({name_loop})"),
            ));
        }
        let traced = status.trace.is_some() || status.patient_control_number.is_some();
        let content = !status.statuses.is_empty()
            || status.accepted_quantity.is_some()
            || status.rejected_quantity.is_some()
            || status.accepted_amount.is_some()
            || status.rejected_amount.is_some();
        let needs_trace = matches!(status.level, AckLevel::InformationSource | AckLevel::Claim);
        if !traced && (needs_trace || content) {
            out.push(problem(
                format!("{at}/trace"),
                "a trace number (TRN02) at the information source and claim levels, and \
                 wherever statuses or totals are given",
            ));
        }
        if status.level == AckLevel::InformationSource && !status.statuses.is_empty() {
            out.push(problem(
                format!("{at}/statuses"),
                "no status at the information source level (2200A has no STC)",
            ));
        }
        if status.level == AckLevel::Claim && status.statuses.is_empty() {
            out.push(problem(format!("{at}/statuses"), "a claim status (STC)"));
        }
        for (l, line) in status.lines.iter().enumerate() {
            if line.statuses.is_empty() {
                out.push(problem(
                    format!("{at}/lines/{l}/statuses"),
                    "a status (STC) for every service line",
                ));
            }
            if line.procedure.is_none() && line.revenue_code.is_none() {
                out.push(problem(
                    format!("{at}/lines/{l}/procedure"),
                    "the procedure or revenue code of every service line (SVC01)",
                ));
            }
        }
    }
    out
}

/// An element of `extensions["x12.BHT"]`.
fn bht<'m>(message: &'m Message, element: &str) -> Option<&'m str> {
    message
        .extensions
        .get(crate::p837::decode::BHT)
        .and_then(|b| b.get(element))
        .and_then(Value::as_str)
}

/// Writes one 277CA transaction set body for `message`.
pub fn write_body(
    w: &mut Writer,
    message: &Message,
    ack: &ClaimAck,
    (reference, date, time): (&str, &str, &str),
) {
    let bht03 = bht(message, "BHT03").unwrap_or(reference);
    let bht04 = bht(message, "BHT04").unwrap_or(date);
    let bht05 = bht(message, "BHT05").unwrap_or(time);
    w.seg("BHT", &["0085", "08", bht03, bht04, bht05, "TH"]);
    let cx = Context {
        message,
        unmapped: Unmapped::from_value(message.extensions.get(UNMAPPED)),
        parents: parents(ack).unwrap_or_default(),
    };
    for index in 0..ack.claim_statuses.len() {
        write_level(w, &cx, &ack.claim_statuses, index);
    }
}

/// Writes all 277CA messages of `batch` into one interchange, one transaction set each.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] naming the JSON pointer of what a message lacks (see
/// [`problems`]) or a value holding a delimiter, [`ConnectorError::Config`] when no creation
/// date is known.
pub fn encode(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
) -> Result<Payload, ConnectorError> {
    let mut acks = Vec::with_capacity(batch.messages.len());
    let mut problems_found = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        if let Body::ClaimAck(ack) = &message.body {
            problems_found.extend(problems(index as usize, message, ack));
            acks.push((*message, ack));
        }
    }
    if !problems_found.is_empty() {
        return Err(ConnectorError::Invalid(problems_found));
    }
    let (date, time) = creation(batch.messages[0], config)?;
    let control = numbers.next(&batch.messages)?;
    let reference = control.to_string();
    let header: Header = configured_header(config, control, (date.clone(), time.clone()));
    let version = version_of(batch.messages[0], VERSION);
    let text = envelope::write(
        &header,
        &[],
        Some((("HN", "277", version), acks.len())),
        |w, index| {
            let (message, ack) = acks[index];
            write_body(w, message, ack, (&reference, &date, &time));
        },
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("277ca-{control:09}.x12"))
        .carrying(batch.indexes))
}
