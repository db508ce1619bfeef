//! 276 claim status request and 277 claim status response (005010X212) to
//! `claim.status.request` / `claim.status.response` messages: one per claim asked or answered
//! about (loop 2200D or 2200E).
//!
//! Parties: 2100A is the `payer`; 2100B (the information receiver) the `sender` of a 276 and
//! the `receiver` of a 277; 2100C the `provider`; 2100D the `subscriber`; 2100E the `patient`.
//! Correlation: `claim_id` is the patient control number (`REF*EJ`), so the request and its
//! answer join the claim's timeline; `payer_claim_control_number` is `REF*1K`;
//! `trace_numbers` holds `TRN02` (the 277 echoes the 276's).
//!
//! Each message carries the segments of its own claim the model has no field for in
//! `x12.unmapped` (those of a service line with its position, from 1, as `line`).
//! [`encode`] writes the messages back as a 276 or 277.

pub mod checks;
pub mod claims;
pub mod encode;
pub mod spec;

use clearway_plugin_sdk::schemas::body::status::{
    ClaimStatusRequest, ClaimStatusResponse, LineStatus, StatusInfo,
};
use clearway_plugin_sdk::schemas::body::{ClaimFrequency, Trace};
use clearway_plugin_sdk::schemas::{
    Body, Code, CodeSystem, Gender, Message, Money, Parties, Party, Period,
};
use serde_json::{Map, Value};

use crate::decode::EnvelopeIds;
use crate::syntax::{ErrorKind, Transaction, X12Error};
use crate::values::{Unmapped, date, money, period};
use crate::walker::{Node, walk};
use crate::{parties, stc};

/// The fields a 276 claim and a 277 claim share, read from loop 2200D/E.
#[derive(Debug, Default)]
struct ClaimFacts {
    /// `TRN`.
    trace: Option<Trace>,
    /// `REF*EJ`.
    patient_control_number: Option<String>,
    /// `REF*1K`.
    payer_claim_control_number: Option<String>,
    /// `REF*BLT`, with the leading zero.
    bill_type: Option<Code>,
    /// The last digit of `REF*BLT`.
    frequency: Option<ClaimFrequency>,
    /// `REF*EA`.
    medical_record_number: Option<String>,
    /// `AMT*T3`.
    total_charge: Option<Money>,
    /// `DTP*472`.
    service_period: Option<Period>,
    /// `STC` (277).
    statuses: Vec<StatusInfo>,
    /// Loops 2210D/E.
    lines: Vec<LineStatus>,
}

/// Reads a 2210D/E service line, the `position`th (from 1) of its claim: segments the model
/// has no field for are carried with that position as their `line`.
fn line(
    node: &Node<'_, '_, '_>,
    position: u32,
    unmapped: &mut Unmapped,
) -> Result<LineStatus, X12Error> {
    stc::read_line(node, |segment| {
        unmapped.push(node.id(), Some(position), segment);
    })
}

/// Reads a 2200D/E claim loop.
fn claim(node: &Node<'_, '_, '_>, unmapped: &mut Unmapped) -> Result<ClaimFacts, X12Error> {
    let trn = node.segments()[0];
    let mut facts = ClaimFacts {
        trace: Some(Trace {
            trace_type: trn.opt(1).map(str::to_owned),
            reference: trn.req(2, "trace number")?.to_owned(),
            originator: trn.opt(3).map(str::to_owned),
            supplemental: trn.opt(4).map(str::to_owned),
        }),
        ..ClaimFacts::default()
    };
    for segment in node.segments().iter().skip(1) {
        let text = || segment.opt(2).map(str::to_owned);
        match (segment.id, segment.el(1)) {
            ("STC", _) => facts.statuses.push(stc::read(segment)?),
            ("REF", "EJ") => facts.patient_control_number = text(),
            ("REF", "1K") => facts.payer_claim_control_number = text(),
            ("REF", "EA") => facts.medical_record_number = text(),
            ("REF", "BLT") => {
                let value = segment.req(2, "bill type")?;
                facts.bill_type = Some(Code::new(
                    CodeSystem::NubcBillType,
                    if value.len() == 3 {
                        format!("0{value}")
                    } else {
                        value.to_owned()
                    },
                ));
                let last = &value[value.len().saturating_sub(1)..];
                facts.frequency = Some(ClaimFrequency::from_x12_code(last).ok_or_else(|| {
                    segment.err("REF02", ErrorKind::InvalidCode("claim frequency code"))
                })?);
            }
            ("AMT", "T3") => facts.total_charge = Some(money(segment, 2)?),
            ("DTP", "472") => facts.service_period = Some(period(segment, 2)?),
            _ => unmapped.push(node.id(), None, segment),
        }
    }
    for (n, child) in node.children().enumerate() {
        let id = child.id();
        let position = u32::try_from(n + 1).unwrap_or(u32::MAX);
        facts
            .lines
            .push(line(&child, position, unmapped).map_err(|e| e.in_loop(id))?);
    }
    Ok(facts)
}

/// Applies a level's `DMG` to its person.
fn demographics(node: &Node<'_, '_, '_>, party: &mut Party) -> Result<(), X12Error> {
    if let Some(dmg) = node.first("DMG") {
        let located = |e: X12Error| e.in_loop(node.id());
        if dmg.el(1) == "D8" {
            party.birth_date = Some(date(dmg, 2).map_err(located)?);
        }
        party.gender = match dmg.el(3) {
            "M" => Some(Gender::Male),
            "F" => Some(Gender::Female),
            "U" => Some(Gender::Unknown),
            _ => None,
        };
    }
    Ok(())
}

/// The message of one claim.
fn message(
    facts: ClaimFacts,
    response: bool,
    (parties, unmapped): (&Parties, &Unmapped),
    (ids, bht): (&EnvelopeIds, &Map<String, Value>),
) -> Message {
    let mut message = Message::new(if response {
        Body::ClaimStatusResponse(ClaimStatusResponse {
            trace: facts.trace.clone(),
            patient_control_number: facts.patient_control_number.clone(),
            payer_claim_control_number: facts.payer_claim_control_number.clone(),
            bill_type: facts.bill_type,
            medical_record_number: facts.medical_record_number,
            service_period: facts.service_period,
            statuses: facts.statuses,
            lines: facts.lines,
        })
    } else {
        Body::ClaimStatusRequest(ClaimStatusRequest {
            trace: facts.trace.clone(),
            patient_control_number: facts.patient_control_number.clone(),
            payer_claim_control_number: facts.payer_claim_control_number.clone(),
            bill_type: facts.bill_type,
            frequency: facts.frequency,
            medical_record_number: facts.medical_record_number,
            total_charge: facts.total_charge,
            service_period: facts.service_period,
            lines: facts.lines,
        })
    });
    message.parties = parties.clone();
    let correlation = &mut message.correlation;
    correlation.claim_id = facts.patient_control_number;
    correlation.payer_claim_control_number = facts.payer_claim_control_number;
    correlation.trace_numbers = facts.trace.into_iter().map(|t| t.reference).collect();
    ids.apply(correlation);
    ids.record(&mut message, bht, unmapped);
    message
}

/// Decodes one 276 (`response` false) or 277 (`response` true) transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(
    tx: &Transaction<'_>,
    ids: &EnvelopeIds,
    response: bool,
) -> Result<Vec<Message>, X12Error> {
    let tree = walk(&spec::ROOT, &tx.body)?;
    let root = tree.root();
    let mut bht = Map::new();
    if let Some(segment) = root.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                bht.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    // Parties of the levels above the one being read: payer, receiver, provider, subscriber.
    let mut levels: [Parties; 4] = Default::default();
    let mut messages = Vec::new();
    for node in root.children() {
        let depth = match node.id() {
            "2000A" => 0,
            "2000B" => 1,
            "2000C" => 2,
            "2000D" => 3,
            _ => 4,
        };
        let mut parties = if depth == 0 {
            Parties::default()
        } else {
            levels[depth - 1].clone()
        };
        let mut claims = Vec::new();
        for child in node.children() {
            if child.id().starts_with("2100") {
                let mut party = parties::read(&child)?;
                demographics(&node, &mut party)?;
                match depth {
                    0 => parties.payer = Some(party),
                    1 if response => parties.receiver = Some(party),
                    1 => parties.sender = Some(party),
                    2 => parties.provider = Some(party),
                    3 => parties.subscriber = Some(party),
                    _ => parties.patient = Some(party),
                }
            } else {
                let id = child.id();
                let mut unmapped = Unmapped::default();
                // A line's error already names its loop (2210D/E).
                let located = |e: X12Error| match e.position.loop_id {
                    Some(_) => e,
                    None => e.in_loop(id),
                };
                let facts = claim(&child, &mut unmapped).map_err(located)?;
                claims.push((facts, unmapped));
            }
        }
        for (facts, unmapped) in claims {
            messages.push(message(facts, response, (&parties, &unmapped), (ids, &bht)));
        }
        if depth < 4 {
            levels[depth] = parties;
        }
    }
    if messages.is_empty() {
        return Err(X12Error::new(
            tx.st.pos(),
            ErrorKind::MissingSegment("loop 2200D".into()),
        ));
    }
    Ok(messages)
}
