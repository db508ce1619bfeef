//! Claims to one 277CA: the front-end edits of a clearinghouse (accept or reject each
//! claim) and the claim acknowledgment that reports them, level by level.
//!
//! A claim is rejected when the subscriber's member id is missing or blank (`A7:164:IL`,
//! "entity's contract/member number", subscriber) or when its patient control number starts
//! with `REJ` (`A7:21`, "missing or invalid information": tests force a rejection so).
//! Every other claim is received and accepted (`A1:19` then `A2:20`, entity `PR`) and gets a
//! payer claim control number derived from its content (`TCH` + 12 hex digits), so the same
//! claim always gets the same number.

use clearway_schemas::body::ack::{AckLevel, AckType, ClaimAckStatus};
use clearway_schemas::body::claim::ClaimType;
use clearway_schemas::body::common::Trace;
use clearway_schemas::body::status::StatusCode;
use clearway_schemas::{
    Body, Claim, ClaimAck, Correlation, EntityType, Identifier, Message, Money, Parties, Party,
    Period, Quantity,
};
use serde_json::{Value, json};

use super::rules::{
    Today, member_id, named, payer_of, reference, starts_with, status_code, status_info,
};

/// A claim the 277CA accepted, with the number the payer gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The claim message as the test clearinghouse decoded it.
    pub message: Message,
    /// Its payer claim control number (`REF*1K` of the 277CA, `CLP07` of the 835).
    pub payer_claim_control_number: String,
}

/// The 277CA for a batch of claims and what it decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Acknowledgment {
    /// The `claim.ack` (`ack_type` `277ca`) covering every claim.
    pub message: Message,
    /// The claims accepted, in input order.
    pub accepted: Vec<Accepted>,
    /// How many claims were rejected.
    pub rejected: usize,
}

/// The claim body of a claim message.
pub fn claim_of(message: &Message) -> Option<&Claim> {
    match &message.body {
        Body::Claim(c) => Some(c),
        _ => None,
    }
}

/// Why the front end rejects a claim: the status to report, or `None` to accept it.
pub fn front_end_rejection(message: &Message, claim: &Claim) -> Option<StatusCode> {
    if member_id(message).is_none() {
        return Some(status_code("A7", "164", Some("IL")));
    }
    if starts_with(&claim.patient_control_number, "REJ") {
        return Some(status_code("A7", "21", None));
    }
    None
}

/// The payer claim control number of a claim: `TCH` and 12 hex digits of a digest of its
/// patient control number, member id and body.
pub fn payer_claim_control_number(message: &Message, claim: &Claim) -> String {
    let body = serde_json::to_string(claim).unwrap_or_default();
    reference(
        "TCH",
        &[
            &claim.patient_control_number,
            member_id(message).unwrap_or_default(),
            &body,
        ],
    )
}

/// The claim's service period: its own, else from its first to its last line date.
pub fn service_period(claim: &Claim) -> Option<Period> {
    if let Some(p) = &claim.dates.service_period {
        return Some(p.clone());
    }
    let starts = claim
        .service_lines
        .iter()
        .filter_map(|l| l.service_period.as_ref()?.start.clone());
    let ends = claim
        .service_lines
        .iter()
        .filter_map(|l| l.service_period.as_ref()?.end.clone());
    match (starts.min(), ends.max()) {
        (None, None) => None,
        (start, end) => Some(Period { start, end }),
    }
}

/// A claim status level with everything empty but `level` and `trace`.
fn level(level: AckLevel, trace_type: &str, reference: &str) -> ClaimAckStatus {
    ClaimAckStatus {
        trace: Some(Trace {
            trace_type: Some(trace_type.into()),
            reference: reference.into(),
            originator: None,
            supplemental: None,
        }),
        ..ClaimAckStatus::new(level)
    }
}

/// Counts and charges of accepted and rejected claims at one level.
#[derive(Default, Clone, Copy)]
struct Totals {
    accepted: u32,
    rejected: u32,
    accepted_amount: Money,
    rejected_amount: Money,
}

impl Totals {
    fn add(&mut self, charge: Money, accepted: bool) {
        if accepted {
            self.accepted += 1;
            self.accepted_amount = self.accepted_amount + charge;
        } else {
            self.rejected += 1;
            self.rejected_amount = self.rejected_amount + charge;
        }
    }

    /// Writes the totals into a receiver or provider level: the `A1:19` receipt of the
    /// whole and the `QTY`/`AMT` of each side that has claims.
    fn apply(self, status: &mut ClaimAckStatus, today: &Today) {
        let total = self.accepted_amount + self.rejected_amount;
        status.statuses.push(status_info(
            status_code("A1", "19", None),
            &today.date,
            Some("WQ"),
            Some(total),
        ));
        if self.accepted > 0 {
            status.accepted_quantity =
                Some(Quantity::from(rust_decimal::Decimal::from(self.accepted)));
            status.accepted_amount = Some(self.accepted_amount);
        }
        if self.rejected > 0 {
            status.rejected_quantity =
                Some(Quantity::from(rust_decimal::Decimal::from(self.rejected)));
            status.rejected_amount = Some(self.rejected_amount);
        }
    }
}

/// The key that groups claims under one billing provider level.
fn provider_key(message: &Message) -> String {
    message
        .parties
        .provider
        .as_ref()
        .map(|p| {
            format!(
                "{}|{}|{}",
                p.npi.as_deref().unwrap_or_default(),
                p.tax_id.as_deref().unwrap_or_default(),
                p.name
                    .as_deref()
                    .or(p.last_name.as_deref())
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// The billing provider as the 2100C names it (a placeholder when the claim has none).
fn provider_party(message: &Message) -> Party {
    match &message.parties.provider {
        Some(p) => {
            let mut party = named(p);
            party.member_id = None;
            if party.npi.is_none()
                && let Some(tax) = party.tax_id.take()
            {
                party.identifiers = vec![Identifier::qualified("FI", tax)];
            }
            party.tax_id = None;
            party
        }
        None => Party::organization("UNKNOWN PROVIDER"),
    }
}

/// The patient as the 2100D names it: the patient (or the subscriber, when the patient is
/// the subscriber) with the subscriber's member id.
fn patient_party(message: &Message) -> Party {
    let p = &message.parties;
    let person = p
        .effective_patient()
        .cloned()
        .unwrap_or_else(|| Party::person("UNKNOWN", "PATIENT"));
    Party {
        entity_type: Some(EntityType::Person),
        last_name: person.last_name.or(person.name),
        first_name: person.first_name,
        middle_name: person.middle_name,
        member_id: member_id(message).map(str::to_owned),
        ..Party::default()
    }
}

/// The submitter the 277CA answers (2100B): the claim's sender, else its billing provider,
/// named with an `46` (ETIN) identifier.
fn receiver_party(message: &Message) -> Party {
    let p = &message.parties;
    if let Some(sender) = &p.sender {
        let etin = sender
            .identifiers
            .iter()
            .find(|i| i.qualifier.as_deref() == Some("46"))
            .map(|i| i.value.clone());
        if let (Some(etin), Some(name)) = (etin, sender.name.clone().or(sender.last_name.clone())) {
            return Party {
                entity_type: Some(EntityType::Organization),
                name: Some(name),
                identifiers: vec![Identifier::qualified("46", etin)],
                ..Party::default()
            };
        }
    }
    let provider = p.provider.as_ref();
    let name = provider
        .and_then(|p| p.name.clone().or(p.last_name.clone()))
        .unwrap_or_else(|| "UNKNOWN SUBMITTER".into());
    let id = provider
        .and_then(|p| p.npi.clone().or(p.tax_id.clone()))
        .unwrap_or_else(|| "UNKNOWN".into());
    Party {
        entity_type: Some(EntityType::Organization),
        name: Some(name),
        identifiers: vec![Identifier::qualified("46", id)],
        ..Party::default()
    }
}

/// `NM1` text for a name carried in `extensions["x12.unmapped"]` (how the x12 connector
/// names the second and later providers and patients of one 277CA), with the delimiters
/// and control characters taken out of every value.
fn nm1_text(role: &str, party: &Party) -> String {
    let clean = |v: &Option<String>| -> String {
        v.as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '*' | ':' | '^' | '~'))
            .collect()
    };
    let person = party.entity_type == Some(EntityType::Person);
    let (qualifier, id) = if let Some(npi) = &party.npi {
        ("XX".to_owned(), Some(npi.clone()))
    } else if let Some(member) = &party.member_id {
        ("MI".to_owned(), Some(member.clone()))
    } else if let Some(identifier) = party.identifiers.first() {
        (
            identifier.qualifier.clone().unwrap_or_default(),
            Some(identifier.value.clone()),
        )
    } else {
        (String::new(), None)
    };
    let mut elements = vec![
        "NM1".to_owned(),
        role.to_owned(),
        if person { "1" } else { "2" }.to_owned(),
        clean(if person {
            &party.last_name
        } else {
            &party.name
        }),
        if person {
            clean(&party.first_name)
        } else {
            String::new()
        },
        if person {
            clean(&party.middle_name)
        } else {
            String::new()
        },
        String::new(),
        String::new(),
        clean(&Some(qualifier)),
        clean(&id),
    ];
    while elements.last().is_some_and(String::is_empty) {
        elements.pop();
    }
    elements.join("*")
}

/// The 277CA for `claims` (every message that is not a claim is skipped), as of `today`.
pub fn acknowledge(claims: &[Message], today: &Today) -> Acknowledgment {
    let claims: Vec<(&Message, &Claim)> = claims
        .iter()
        .filter_map(|m| claim_of(m).map(|c| (m, c)))
        .collect();
    let pcns: Vec<&str> = claims
        .iter()
        .map(|(_, c)| c.patient_control_number.as_str())
        .collect();
    let batch = reference("TCH", &pcns);
    let first = claims.first().map(|(m, _)| *m);
    let submitter_batch = first
        .and_then(|m| m.extensions.get("x12.BHT"))
        .and_then(|b| b.get("BHT03"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| batch.clone());

    // Billing providers in order of their first claim, each with its claims.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, (m, _)) in claims.iter().enumerate() {
        let key = provider_key(m);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }

    let decisions: Vec<Option<StatusCode>> = claims
        .iter()
        .map(|(m, c)| front_end_rejection(m, c))
        .collect();
    let mut source = level(AckLevel::InformationSource, "1", &batch);
    source.received_date = Some(today.date.clone());
    source.process_date = Some(today.date.clone());
    let mut receiver = level(AckLevel::InformationReceiver, "2", &submitter_batch);
    let mut all = Totals::default();
    let mut levels = Vec::new();
    let mut accepted = Vec::new();
    let mut unmapped = Vec::new();
    let many_patients = claims.len() > 1;
    for (g, (_, members)) in groups.iter().enumerate() {
        let (provider_message, _) = claims[members[0]];
        let provider = provider_party(provider_message);
        let provider_ref = provider
            .npi
            .clone()
            .or_else(|| provider.identifiers.first().map(|i| i.value.clone()))
            .unwrap_or_else(|| "0".into());
        let mut provider_level = level(AckLevel::BillingProvider, "1", &provider_ref);
        let provider_hl = levels.len() + 3;
        if g > 0 {
            unmapped.push(json!({"loop": "2100C", "claim": provider_hl, "segment": nm1_text("85", &provider)}));
        }
        let mut totals = Totals::default();
        let mut claim_levels = Vec::new();
        for &i in members {
            let (message, claim) = claims[i];
            let charge = claim.total_charge;
            let rejection = decisions[i].clone();
            totals.add(charge, rejection.is_none());
            all.add(charge, rejection.is_none());
            let mut status = level(AckLevel::Claim, "2", &claim.patient_control_number);
            status.patient_control_number = Some(claim.patient_control_number.clone());
            status.clearinghouse_trace_number = Some(reference(
                "CH",
                &[
                    &claim.patient_control_number,
                    member_id(message).unwrap_or_default(),
                ],
            ));
            status.total_charge = Some(charge);
            status.service_period = service_period(claim);
            if claim.claim_type == ClaimType::Institutional {
                status.bill_type = claim.bill_type.clone();
            }
            match rejection {
                Some(code) => {
                    status
                        .statuses
                        .push(status_info(code, &today.date, Some("U"), Some(charge)))
                }
                None => {
                    let icn = payer_claim_control_number(message, claim);
                    status.payer_claim_control_number = Some(icn.clone());
                    for (category, detail) in [("A1", "19"), ("A2", "20")] {
                        status.statuses.push(status_info(
                            status_code(category, detail, Some("PR")),
                            &today.date,
                            Some("WQ"),
                            Some(charge),
                        ));
                    }
                    accepted.push(Accepted {
                        message: message.clone(),
                        payer_claim_control_number: icn,
                    });
                }
            }
            claim_levels.push((status, i));
        }
        totals.apply(&mut provider_level, today);
        levels.push(provider_level);
        for (status, i) in claim_levels {
            let hl = levels.len() + 3;
            if many_patients {
                let patient = patient_party(claims[i].0);
                unmapped.push(
                    json!({"loop": "2100D", "claim": hl, "segment": nm1_text("QC", &patient)}),
                );
            }
            levels.push(status);
        }
    }
    all.apply(&mut receiver, today);

    let mut ack = ClaimAck::new(AckType::ClaimAck277);
    ack.created = Some(today.created.clone());
    ack.acknowledged.transaction_control_numbers = {
        let mut numbers: Vec<String> = claims
            .iter()
            .filter_map(|(m, _)| m.correlation.transaction_control_number.clone())
            .collect();
        numbers.dedup();
        numbers
    };
    ack.claim_statuses = [source, receiver].into_iter().chain(levels).collect();

    let mut message = Message::new(Body::ClaimAck(ack));
    message.parties = Parties {
        sender: Some(payer_of(first.and_then(|m| m.parties.payer.as_ref()))),
        receiver: first.map(receiver_party),
        provider: first.map(provider_party),
        patient: (claims.len() == 1).then(|| patient_party(claims[0].0)),
        ..Parties::default()
    };
    if let Some(sender) = &mut message.parties.sender {
        // 2100A has no address.
        sender.address = None;
    }
    message.correlation = Correlation {
        claim_id: pcns.first().map(|p| (*p).to_owned()),
        payer_claim_control_number: accepted
            .first()
            .map(|a| a.payer_claim_control_number.clone()),
        trace_numbers: vec![submitter_batch],
        ..Correlation::default()
    };
    for (n, (_, c)) in claims.iter().enumerate() {
        message
            .correlation
            .other
            .insert(format!("trn02.{}", n + 1), c.patient_control_number.clone());
    }
    if !unmapped.is_empty() {
        message
            .extensions
            .insert("x12.unmapped".into(), Value::Array(unmapped));
    }
    let rejected = claims.len() - accepted.len();
    Acknowledgment {
        message,
        accepted,
        rejected,
    }
}
