//! 277CA health care claim acknowledgment (005010X214) to one `claim.ack` message per
//! transaction set, with a [`ClaimAckStatus`] for every hierarchical level (information
//! source, receiver, billing provider, claim) and its `STC` statuses, claim lines included;
//! the receipt and process dates (`DTP*050`/`DTP*009`, 2200A) and the accepted and rejected
//! totals (`QTY`, `AMT`, 2200B/C) are fields of their level. [`encode`] writes it back.
//!
//! Parties: 2100A is the `sender` (who acknowledges), 2100B the `receiver`, the first 2100C
//! the `provider`, and 2100D the `patient` when the transaction set acknowledges one claim;
//! other name segments are carried in `extensions["x12.unmapped"]` with the position of
//! their `HL` loop. Correlation: `claim_id` and `payer_claim_control_number` are the first
//! claim's `TRN02` (patient control number) and `REF*1K`; `correlation.other` holds
//! `trn02.N` / `ref1k.N` for every claim `N`; `trace_numbers` holds the 2200B `TRN02` (the
//! submitter's batch id, `BHT03` of the 837). The 277CA's own control numbers are in
//! `extensions["x12.envelope"]`, as for the other acknowledgments.

pub mod encode;
pub mod spec;
pub mod write;

use clearway_plugin_sdk::schemas::body::ack::{AckLevel, AckType, ClaimAckStatus};
use clearway_plugin_sdk::schemas::body::status::LineStatus;
use clearway_plugin_sdk::schemas::{Body, ClaimAck, Code, CodeSystem, Message, Party};
use serde_json::{Map, Value, json};

use crate::ack::ENVELOPE;
use crate::decode::EnvelopeIds;
use crate::syntax::{ErrorKind, Transaction, X12Error};
use crate::values::{UNMAPPED, Unmapped, date, opt_money, opt_quantity, period, read_trace};
use crate::walker::{Node, walk};
use crate::{parties, stc};
use spec::ROOT;

/// Reads the 2220D service line at 1-based position `n` of the claim.
fn line(
    node: &Node<'_, '_, '_>,
    (hl, n): (u32, u32),
    unmapped: &mut Unmapped,
) -> Result<LineStatus, X12Error> {
    stc::read_line(node, |segment| {
        unmapped.push_at("2220D", Some(hl), Some(n), segment);
    })
}

/// Reads a 2200 loop into `status`.
fn status_loop(
    node: &Node<'_, '_, '_>,
    status: &mut ClaimAckStatus,
    hl: u32,
    unmapped: &mut Unmapped,
) -> Result<(), X12Error> {
    let trn = read_trace(node.segments()[0], "trace number")?;
    if status.level == AckLevel::Claim {
        status.patient_control_number = Some(trn.reference.clone());
    }
    status.trace = Some(trn);
    for segment in node.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("STC", _) => status.statuses.push(stc::read(segment)?),
            ("REF", "1K") => status.payer_claim_control_number = segment.opt(2).map(str::to_owned),
            ("REF", "D9") => status.clearinghouse_trace_number = segment.opt(2).map(str::to_owned),
            ("REF", "BLT") => {
                status.bill_type = segment.opt(2).map(|t| {
                    let code = if t.len() == 3 {
                        format!("0{t}")
                    } else {
                        t.to_owned()
                    };
                    Code::new(CodeSystem::NubcBillType, code)
                });
            }
            ("DTP", "472") if status.level == AckLevel::Claim => {
                status.service_period = Some(period(segment, 2)?);
            }
            ("DTP", "050")
                if status.level == AckLevel::InformationSource && segment.el(2) == "D8" =>
            {
                status.received_date = Some(date(segment, 3)?);
            }
            ("DTP", "009")
                if status.level == AckLevel::InformationSource && segment.el(2) == "D8" =>
            {
                status.process_date = Some(date(segment, 3)?);
            }
            ("QTY", "90" | "QA") => status.accepted_quantity = opt_quantity(segment, 2)?,
            ("QTY", "AA" | "QC") => status.rejected_quantity = opt_quantity(segment, 2)?,
            ("AMT", "YU") => status.accepted_amount = opt_money(segment, 2)?,
            ("AMT", "YY") => status.rejected_amount = opt_money(segment, 2)?,
            _ => unmapped.push_at(node.id(), Some(hl), None, segment),
        }
    }
    if status.level == AckLevel::Claim {
        status.total_charge = status.statuses.first().and_then(|s| s.charge);
    }
    for (index, child) in node.children().enumerate() {
        let n = u32::try_from(index + 1).unwrap_or(u32::MAX);
        status
            .lines
            .push(line(&child, (hl, n), unmapped).map_err(|e| e.in_loop("2220D"))?);
    }
    Ok(())
}

/// Decodes one 277CA transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Message, X12Error> {
    let tree = walk(&ROOT, &tx.body)?;
    let root = tree.root();
    let mut ack = ClaimAck::new(AckType::ClaimAck277);
    let mut unmapped = Unmapped::default();
    let mut message = Message::new(Body::ClaimAck(ClaimAck::new(AckType::ClaimAck277)));
    let mut patients: Vec<Party> = Vec::new();
    for (index, node) in root.children().enumerate() {
        let hl = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trigger = node.segments()[0];
        let level = AckLevel::from_x12_code(trigger.el(3)).ok_or_else(|| {
            trigger.err("HL03", ErrorKind::InvalidCode("hierarchical level code"))
        })?;
        let mut status = ClaimAckStatus::new(level);
        for child in node.children() {
            let located = |e: X12Error| e.in_loop(child.id());
            match child.id() {
                "2100A" | "2100B" | "2100C" | "2100D" => {
                    let nm1 = child.segments()[0];
                    let party = parties::from_nm1(nm1, child.id())?;
                    let p = &mut message.parties;
                    match child.id() {
                        "2100A" if p.sender.is_none() => p.sender = Some(party),
                        "2100B" if p.receiver.is_none() => p.receiver = Some(party),
                        "2100C" if p.provider.is_none() => p.provider = Some(party),
                        "2100D" => {
                            patients.push(party);
                            unmapped.push_at("2100D", Some(hl), None, nm1);
                        }
                        _ => unmapped.push_at(child.id(), Some(hl), None, nm1),
                    }
                }
                _ => status_loop(&child, &mut status, hl, &mut unmapped).map_err(located)?,
            }
        }
        ack.claim_statuses.push(status);
    }
    if patients.len() == 1 {
        message.parties.patient = patients.pop();
        unmapped.entries.retain(|c| c.loop_id != "2100D");
    }
    correlate(&mut message, &ack);
    let mut bht = Map::new();
    if let Some(segment) = root.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                bht.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    message
        .extensions
        .insert(crate::p837::decode::BHT.into(), Value::Object(bht));
    message.extensions.insert(
        ENVELOPE.into(),
        json!({"ISA13": ids.interchange, "GS06": ids.group, "ST02": ids.transaction}),
    );
    ids.record_version(&mut message);
    if let Some(value) = unmapped.to_value() {
        message.extensions.insert(UNMAPPED.into(), value);
    }
    message.body = Body::ClaimAck(ack);
    Ok(message)
}

/// Sets the correlation keys of a 277CA message.
fn correlate(message: &mut Message, ack: &ClaimAck) {
    let correlation = &mut message.correlation;
    let claims = ack
        .claim_statuses
        .iter()
        .filter(|s| s.level == AckLevel::Claim);
    for (index, claim) in claims.enumerate() {
        let n = index + 1;
        if let Some(pcn) = &claim.patient_control_number {
            correlation.claim_id.get_or_insert_with(|| pcn.clone());
            correlation.other.insert(format!("trn02.{n}"), pcn.clone());
        }
        if let Some(icn) = &claim.payer_claim_control_number {
            correlation
                .payer_claim_control_number
                .get_or_insert_with(|| icn.clone());
            correlation.other.insert(format!("ref1k.{n}"), icn.clone());
        }
    }
    for status in &ack.claim_statuses {
        if status.level == AckLevel::InformationReceiver
            && let Some(trace) = &status.trace
        {
            correlation.trace_numbers.push(trace.reference.clone());
        }
    }
}
