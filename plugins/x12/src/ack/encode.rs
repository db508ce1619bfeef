//! Encoding `claim.ack` messages of type `999` (005010X231A1: `AK1`, `AK2`, `IK3`/`CTX`,
//! `IK4`/`CTX`, `IK5`, `AK9`) and `ta1` (`TA1`).
//!
//! All 999 messages of an `encode` call go in one interchange with one `FA` functional
//! group, one 999 transaction set per functional group result (a 999 acknowledges one
//! group: a message holding several becomes several transaction sets). All TA1 messages go
//! in one interchange without functional groups, one `TA1` each. The creation date and time
//! are the message's own (`extensions["x12.envelope"]` `GS04`/`GS05` of a decoded 999,
//! `ISA09`/`ISA10` of a decoded TA1), else the configured `interchange_datetime`, else the
//! time in the first message's ULID id.

use clearway_plugin_sdk::schemas::body::ack::{
    AckStatus, ErrorContext, GroupAck, InterchangeAck, SegmentError,
};
use clearway_plugin_sdk::schemas::{Body, Message};
use clearway_plugin_sdk::{ConnectorError, Payload, Problem};
use serde_json::Value;

use super::envelope::{self, Header, Side};
use super::{ENVELOPE, VERSION_999};
use crate::config::{Config, INTERCHANGE_DATETIME};
use crate::encode::{Batch, CONTENT_TYPE, recorded, version_of};
use crate::numbers::ControlNumbers;
use crate::syntax::Writer;
use crate::values::{parse_date, parse_time, write_date};

/// A number as element text, `""` when absent.
fn num(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// Writes one `CTX` (situational trigger or business unit identifier).
pub fn write_ctx(w: &mut Writer, ctx: &ErrorContext) {
    let name = w.comp(&[ctx.name.as_str(), ctx.reference.as_deref().unwrap_or("")]);
    let (element, component, repetition) = (
        num(ctx.element_position),
        num(ctx.component_position),
        num(ctx.repetition),
    );
    let position = w.comp(&[element.as_str(), component.as_str(), repetition.as_str()]);
    w.seg(
        "CTX",
        &[
            name,
            ctx.segment_id.clone().unwrap_or_default(),
            num(ctx.segment_position),
            ctx.loop_id.clone().unwrap_or_default(),
            position,
            ctx.element_reference.clone().unwrap_or_default(),
        ],
    );
}

/// Writes one `IK3` with its `CTX`s and its `IK4`s (each with its `CTX`s).
fn write_segment_error(w: &mut Writer, error: &SegmentError) {
    w.seg(
        "IK3",
        &[
            error.segment_id.clone(),
            error.position.to_string(),
            error.loop_id.clone().unwrap_or_default(),
            error.error_code.clone(),
        ],
    );
    for ctx in &error.context {
        write_ctx(w, ctx);
    }
    for element in &error.element_errors {
        let (position, component, repetition) = (
            element.position.to_string(),
            num(element.component_position),
            num(element.repetition),
        );
        let at = w.comp(&[position.as_str(), component.as_str(), repetition.as_str()]);
        w.seg(
            "IK4",
            &[
                at,
                element.element_reference.clone().unwrap_or_default(),
                element.error_code.clone(),
                element.bad_value.clone().unwrap_or_default(),
            ],
        );
        for ctx in &element.context {
            write_ctx(w, ctx);
        }
    }
}

/// At most five codes, as elements after a status.
fn with_codes(status: AckStatus, codes: &[String]) -> Vec<String> {
    let mut elements = vec![status.x12_code().to_owned()];
    elements.extend(codes.iter().take(5).cloned());
    elements
}

/// Writes the content of one 999 transaction set: `AK1`, each `AK2` ... `IK5`, `AK9`.
/// Counts the model leaves empty are counted (`AK902`/`AK903`: the transaction sets
/// listed, `AK904`: those accepted, with or without errors).
pub fn write_999(w: &mut Writer, group: &GroupAck) {
    w.seg(
        "AK1",
        &[
            group.functional_id.as_str(),
            group.control_number.as_str(),
            group.version.as_deref().unwrap_or_default(),
        ],
    );
    for set in &group.transaction_sets {
        w.seg(
            "AK2",
            &[
                set.transaction_set_id.as_str(),
                set.control_number.as_str(),
                set.implementation_reference.as_deref().unwrap_or_default(),
            ],
        );
        for error in &set.segment_errors {
            write_segment_error(w, error);
        }
        w.seg("IK5", &with_codes(set.status, &set.error_codes));
    }
    let listed = u32::try_from(group.transaction_sets.len()).unwrap_or(u32::MAX);
    let accepted = group
        .transaction_sets
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                AckStatus::Accepted | AckStatus::AcceptedWithErrors
            )
        })
        .count();
    let mut ak9 = with_codes(group.status, &[]);
    ak9.push(
        group
            .transaction_sets_included
            .unwrap_or(listed)
            .to_string(),
    );
    ak9.push(
        group
            .transaction_sets_received
            .unwrap_or(listed)
            .to_string(),
    );
    ak9.push(
        group
            .transaction_sets_accepted
            .unwrap_or(u32::try_from(accepted).unwrap_or(u32::MAX))
            .to_string(),
    );
    ak9.extend(group.error_codes.iter().take(5).cloned());
    w.seg("AK9", &ak9);
}

/// The elements of a `TA1`: `TA102`/`TA103` are the acknowledged interchange's date
/// (`YYMMDD`) and time, or `fallback` (`CCYYMMDD`, `HHMM`) when the model has none.
pub fn ta1_elements(ack: &InterchangeAck, fallback: (&str, &str)) -> Vec<String> {
    let date = ack
        .date
        .as_ref()
        .map(|d| write_date(d)[2..].to_owned())
        .unwrap_or_else(|| fallback.0.get(2..).unwrap_or_default().to_owned());
    let time = ack
        .time
        .as_ref()
        .map(|t| t.as_str().replace(':', "").chars().take(4).collect())
        .unwrap_or_else(|| fallback.1.chars().take(4).collect());
    vec![
        ack.control_number.clone(),
        date,
        time,
        ack.ack_code.x12_code().to_owned(),
        ack.note_code.clone(),
    ]
}

/// The creation date and time of an acknowledgment interchange: the first message's own
/// (`extensions["x12.envelope"]`, `date_key`/`time_key`; a six-digit date is taken in the
/// 2000s), else the configured `interchange_datetime`, else when the hub recorded it (its
/// ULID id).
fn creation(
    first: &Message,
    config: &Config,
    (date_key, time_key): (&str, &str),
) -> Result<(String, String), ConnectorError> {
    let envelope = first.extensions.get(ENVELOPE);
    let get = |key: &str| envelope.and_then(|e| e.get(key)).and_then(Value::as_str);
    let date = get(date_key).map(|d| {
        if d.len() == 6 {
            format!("20{d}")
        } else {
            d.to_owned()
        }
    });
    let time = get(time_key).filter(|t| (4..=8).contains(&t.len()));
    match (date, time, &config.interchange_datetime) {
        (Some(date), Some(time), _)
            if parse_date(&date).is_some() && parse_time(&time[..4]).is_some() =>
        {
            Ok((date, time.to_owned()))
        }
        (_, _, Some((date, time))) => Ok((date.clone(), time.clone())),
        _ => recorded(first).ok_or_else(|| {
            ConnectorError::Config(format!(
                "the acknowledgment carries no creation date and no ULID id: set config key \
                 `{INTERCHANGE_DATETIME}` (connectors have no clock)"
            ))
        }),
    }
}

/// The header of an interchange `encode` writes: the configured ids (qualifier `ZZ`).
pub fn configured_header(config: &Config, control: u32, (date, time): (String, String)) -> Header {
    Header {
        sender: Side::mutually_defined(&config.sender_id),
        receiver: Side::mutually_defined(&config.receiver_id),
        usage: config.usage,
        date,
        time,
        control,
    }
}

/// A problem naming what a `claim.ack` message lacks for its acknowledgment type.
fn lacks(path: String, what: &str) -> Problem {
    Problem::error(
        "x12.encode.required",
        format!("{what}, which the message does not carry"),
    )
    .at_path(path)
}

/// Writes all 999 messages of `batch` into one interchange.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] for a message without functional group results (naming the
/// JSON pointer) or a value holding a delimiter, [`ConnectorError::Config`] when no creation
/// date is known.
pub fn encode_999(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
) -> Result<Payload, ConnectorError> {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        if let Body::ClaimAck(ack) = &message.body {
            if ack.functional_groups.is_empty() {
                problems.push(lacks(
                    format!("/{index}/body/functional_groups"),
                    "a 999 requires at least one functional group result (AK1)",
                ));
            }
            groups.extend(ack.functional_groups.iter());
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let created = creation(batch.messages[0], config, ("GS04", "GS05"))?;
    let control = numbers.next(&batch.messages)?;
    let version = version_of(batch.messages[0], VERSION_999);
    let header = configured_header(config, control, created);
    let text = envelope::write(
        &header,
        &[],
        Some((("FA", "999", version), groups.len())),
        |w, index| write_999(w, groups[index]),
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("999-{control:09}.x12"))
        .carrying(batch.indexes))
}

/// Writes all TA1 messages of `batch` into one interchange, one `TA1` each.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] for a message without an interchange result (naming the
/// JSON pointer) or a value holding a delimiter, [`ConnectorError::Config`] when no creation
/// date is known.
pub fn encode_ta1(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
) -> Result<Payload, ConnectorError> {
    let created = creation(batch.messages[0], config, ("ISA09", "ISA10"))?;
    let mut ta1s = Vec::new();
    let mut problems = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        match &message.body {
            Body::ClaimAck(ack) if ack.interchange.is_some() => {
                if let Some(result) = &ack.interchange {
                    ta1s.push(ta1_elements(result, (&created.0, &created.1)));
                }
            }
            _ => problems.push(lacks(
                format!("/{index}/body/interchange"),
                "a TA1 requires the interchange result (TA101, TA104, TA105)",
            )),
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let control = numbers.next(&batch.messages)?;
    let header = configured_header(config, control, created);
    let text = envelope::write(&header, &ta1s, None, |_, _| {})?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("ta1-{control:09}.x12"))
        .carrying(batch.indexes))
}
