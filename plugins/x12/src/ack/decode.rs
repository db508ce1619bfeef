//! Decoding acknowledgments: one 999 transaction set, or one `TA1`, to a `claim.ack`.

use clearway_plugin_sdk::schemas::body::ack::{
    AckStatus, AckType, ElementError, ErrorContext, GroupAck, InterchangeAck, InterchangeAckCode,
    SegmentError, TransactionSetAck,
};
use clearway_plugin_sdk::schemas::{Body, ClaimAck, Message};
use serde_json::json;

use super::ENVELOPE;
use crate::decode::EnvelopeIds;
use crate::syntax::{ErrorKind, Group, Interchange, Segment, Transaction, X12Error};
use crate::values::{parse_date, parse_time};

/// A status code element.
fn status(segment: &Segment<'_>, n: usize) -> Result<AckStatus, X12Error> {
    AckStatus::from_x12_code(segment.el(n)).ok_or_else(|| {
        segment.err(
            segment.elref(n),
            ErrorKind::InvalidCode("acknowledgment code"),
        )
    })
}

/// An optional count element.
fn count(segment: &Segment<'_>, n: usize) -> Result<Option<u32>, X12Error> {
    segment
        .opt(n)
        .map(|t| {
            t.parse()
                .map_err(|_| segment.err(segment.elref(n), ErrorKind::InvalidNumber))
        })
        .transpose()
}

/// A number from a component, `None` when empty or not a number.
fn num(text: &str) -> Option<u32> {
    text.parse().ok()
}

/// Non-empty elements `from..=to` as codes.
fn codes(segment: &Segment<'_>, from: usize, to: usize) -> Vec<String> {
    (from..=to)
        .filter_map(|n| segment.opt(n))
        .map(str::to_owned)
        .collect()
}

/// A `CTX` segment.
fn context(ctx: &Segment<'_>) -> ErrorContext {
    let text = |s: &str| Some(s).filter(|s| !s.is_empty()).map(str::to_owned);
    ErrorContext {
        name: ctx.comp(1, 1).to_owned(),
        reference: text(ctx.comp(1, 2)),
        segment_id: ctx.opt(2).map(str::to_owned),
        segment_position: ctx.opt(3).and_then(num),
        loop_id: ctx.opt(4).map(str::to_owned),
        element_position: num(ctx.comp(5, 1)),
        component_position: num(ctx.comp(5, 2)),
        repetition: num(ctx.comp(5, 3)),
        element_reference: text(ctx.comp(6, 1)),
    }
}

/// Decodes one 999 transaction set.
///
/// # Errors
///
/// A segment out of place, or a bad acknowledgment code or count.
pub fn decode_999(
    _interchange: &Interchange<'_>,
    group: &Group<'_>,
    tx: &Transaction<'_>,
    ids: &EnvelopeIds,
) -> Result<Message, X12Error> {
    let mut ack = ClaimAck::new(AckType::Implementation999);
    let out_of_place = |s: &Segment<'_>| X12Error::new(s.pos(), ErrorKind::SegmentNotAllowed);
    for segment in &tx.body {
        match segment.id {
            "AK1" => ack.functional_groups.push(GroupAck {
                functional_id: segment.req(1, "functional identifier code")?.to_owned(),
                control_number: segment.req(2, "group control number")?.to_owned(),
                version: segment.opt(3).map(str::to_owned),
                status: AckStatus::Accepted,
                transaction_sets_included: None,
                transaction_sets_received: None,
                transaction_sets_accepted: None,
                error_codes: Vec::new(),
                transaction_sets: Vec::new(),
            }),
            "AK2" => {
                let group = ack
                    .functional_groups
                    .last_mut()
                    .ok_or_else(|| out_of_place(segment))?;
                group.transaction_sets.push(TransactionSetAck {
                    transaction_set_id: segment
                        .req(1, "transaction set identifier code")?
                        .to_owned(),
                    control_number: segment.req(2, "transaction set control number")?.to_owned(),
                    implementation_reference: segment.opt(3).map(str::to_owned),
                    status: AckStatus::Accepted,
                    error_codes: Vec::new(),
                    segment_errors: Vec::new(),
                });
            }
            "IK3" | "IK4" | "CTX" | "IK5" => {
                let set = ack
                    .functional_groups
                    .last_mut()
                    .and_then(|g| g.transaction_sets.last_mut())
                    .ok_or_else(|| out_of_place(segment))?;
                match segment.id {
                    "IK3" => set.segment_errors.push(SegmentError {
                        segment_id: segment.req(1, "segment id code")?.to_owned(),
                        position: segment
                            .req(2, "segment position in transaction set")?
                            .parse()
                            .map_err(|_| segment.err("IK302", ErrorKind::InvalidNumber))?,
                        loop_id: segment.opt(3).map(str::to_owned),
                        error_code: segment
                            .req(4, "implementation segment syntax error code")?
                            .to_owned(),
                        context: Vec::new(),
                        element_errors: Vec::new(),
                    }),
                    "IK4" => {
                        let error = ElementError {
                            position: num(segment.comp(1, 1))
                                .ok_or_else(|| segment.err("IK401-1", ErrorKind::InvalidNumber))?,
                            component_position: num(segment.comp(1, 2)),
                            repetition: num(segment.comp(1, 3)),
                            element_reference: segment.opt(2).map(str::to_owned),
                            error_code: segment
                                .req(3, "implementation data element syntax error code")?
                                .to_owned(),
                            bad_value: segment.opt(4).map(str::to_owned),
                            context: Vec::new(),
                        };
                        set.segment_errors
                            .last_mut()
                            .ok_or_else(|| out_of_place(segment))?
                            .element_errors
                            .push(error);
                    }
                    "CTX" => {
                        let seg_error = set
                            .segment_errors
                            .last_mut()
                            .ok_or_else(|| out_of_place(segment))?;
                        match seg_error.element_errors.last_mut() {
                            Some(element) => element.context.push(context(segment)),
                            None => seg_error.context.push(context(segment)),
                        }
                    }
                    _ => {
                        set.status = status(segment, 1)?;
                        set.error_codes = codes(segment, 2, 6);
                    }
                }
            }
            "AK9" => {
                let group = ack
                    .functional_groups
                    .last_mut()
                    .ok_or_else(|| out_of_place(segment))?;
                group.status = status(segment, 1)?;
                group.transaction_sets_included = count(segment, 2)?;
                group.transaction_sets_received = count(segment, 3)?;
                group.transaction_sets_accepted = count(segment, 4)?;
                group.error_codes = codes(segment, 5, 9);
            }
            _ => return Err(out_of_place(segment)),
        }
    }
    if ack.functional_groups.is_empty() {
        return Err(X12Error::new(
            tx.st.pos(),
            ErrorKind::MissingSegment("segment AK1".into()),
        ));
    }
    for group in &ack.functional_groups {
        ack.acknowledged
            .group_control_numbers
            .push(group.control_number.clone());
        for set in &group.transaction_sets {
            ack.acknowledged
                .transaction_control_numbers
                .push(set.control_number.clone());
        }
    }
    let mut message = Message::new(Body::ClaimAck(ack.clone()));
    message.correlation.group_control_number =
        ack.acknowledged.group_control_numbers.first().cloned();
    message.correlation.transaction_control_number = ack
        .acknowledged
        .transaction_control_numbers
        .first()
        .cloned();
    message.extensions.insert(
        ENVELOPE.into(),
        json!({
            "ISA13": ids.interchange,
            "GS06": ids.group,
            "ST02": ids.transaction,
            "GS04": group.gs.el(4).trim(),
            "GS05": group.gs.el(5).trim(),
        }),
    );
    ids.record_version(&mut message);
    Ok(message)
}

/// Decodes one `TA1`.
///
/// # Errors
///
/// `TA101`, `TA104` or `TA105` empty, or `TA104` not `A`/`E`/`R`.
pub fn decode_ta1(interchange: &Interchange<'_>, ta1: &Segment<'_>) -> Result<Message, X12Error> {
    let control_number = ta1.req(1, "interchange control number")?.to_owned();
    let ack_code =
        InterchangeAckCode::from_x12_code(ta1.req(4, "interchange acknowledgment code")?)
            .ok_or_else(|| {
                ta1.err(
                    "TA104",
                    ErrorKind::InvalidCode("interchange acknowledgment code"),
                )
            })?;
    // Harmless defects seen in the wild (accepted, each with a warning): an accepted TA1
    // without its note code (`000` is the only one `A` can carry) and a CCYYMMDD TA102.
    let mut warnings = Vec::new();
    let note_code = match (ta1.opt(5), ack_code) {
        (Some(code), _) => code.to_owned(),
        (None, InterchangeAckCode::Accepted) => {
            warnings.push(format!(
                "accepted: segment {} (TA1), line {}: TA105 interchange note code is empty; taken as 000 (no error) since TA104 is A",
                ta1.position, ta1.line
            ));
            "000".to_owned()
        }
        (None, _) => ta1.req(5, "interchange note code")?.to_owned(),
    };
    // TA102 is YYMMDD; the century is taken as 20.
    let date = match ta1.opt(2) {
        Some(d) if d.len() == 8 => {
            warnings.push(format!(
                "accepted: segment {} (TA1), line {}: TA102 is written as CCYYMMDD instead of YYMMDD",
                ta1.position, ta1.line
            ));
            parse_date(d)
        }
        Some(d) if d.len() == 6 => parse_date(&format!("20{d}")),
        _ => None,
    };
    let time = ta1.opt(3).and_then(parse_time);
    let mut ack = ClaimAck::new(AckType::Ta1);
    ack.acknowledged.interchange_control_number = Some(control_number.clone());
    ack.interchange = Some(InterchangeAck {
        control_number: control_number.clone(),
        date,
        time,
        ack_code,
        note_code,
    });
    let mut message = Message::new(Body::ClaimAck(ack));
    message.correlation.interchange_control_number = Some(control_number);
    let isa = &interchange.isa;
    message.extensions.insert(
        ENVELOPE.into(),
        json!({
            "ISA13": isa.el(13).trim(),
            "ISA09": isa.el(9).trim(),
            "ISA10": isa.el(10).trim(),
        }),
    );
    if !warnings.is_empty() {
        for warning in &warnings {
            clearway_plugin_sdk::log::warn!("{warning}");
        }
        message.extensions.insert(
            crate::decode::WARNINGS.into(),
            serde_json::Value::Array(
                warnings
                    .into_iter()
                    .map(serde_json::Value::String)
                    .collect(),
            ),
        );
    }
    Ok(message)
}
