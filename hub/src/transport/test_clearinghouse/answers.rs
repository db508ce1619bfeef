//! Reading back what `replies_to` decoded: the acknowledgments just ingested (what they
//! rejected), and the earlier 277CAs and 835s a claim status request asks about.

use std::collections::BTreeSet;

use clearway_schemas::body::ack::{AckLevel, AckStatus, AckType, InterchangeAckCode};
use clearway_schemas::{Body, Kind, Message};

use super::status::{self, ClaimState};
use crate::store::{RecordType, Status};
use crate::transport::{IngestOutcome, Lookup};

/// What the acknowledgments said about the payload.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    /// The TA1 rejected the interchange, or the 999 every transaction set.
    pub(super) everything_rejected: bool,
    /// `ST02` of the transaction sets the 999 rejected.
    pub(super) rejected_sets: BTreeSet<String>,
    /// For the note: `999 accepted`, `TA1 rejected`, ...
    pub(super) notes: Vec<String>,
}

/// Reads the acknowledgments `outcome` decoded into: what they accepted and rejected.
pub(super) fn read_ack<H: Lookup>(hub: &H, outcome: &IngestOutcome, verdict: &mut Verdict) {
    if outcome.status == Status::DecodeFailed {
        verdict
            .notes
            .push("an acknowledgment did not decode".into());
        return;
    }
    for m in outcome.messages.iter().filter(|m| m.kind == Kind::ClaimAck) {
        let Some(Body::ClaimAck(ack)) = hub
            .normalized(&m.id)
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str::<Message>(&text).ok())
            .map(|m| m.body)
        else {
            continue;
        };
        match ack.ack_type {
            AckType::Ta1 => {
                if let Some(i) = &ack.interchange {
                    let rejected = i.ack_code == InterchangeAckCode::Rejected;
                    verdict.everything_rejected |= rejected;
                    verdict.notes.push(format!(
                        "TA1 {}",
                        if rejected { "rejected" } else { "accepted" }
                    ));
                }
            }
            AckType::Implementation999 => {
                let rejected = |s: AckStatus| {
                    matches!(
                        s,
                        AckStatus::Rejected
                            | AckStatus::RejectedAuthentication
                            | AckStatus::RejectedAssurance
                            | AckStatus::RejectedDecryption
                    )
                };
                for group in &ack.functional_groups {
                    for set in group.transaction_sets.iter().filter(|t| rejected(t.status)) {
                        verdict.rejected_sets.insert(set.control_number.clone());
                    }
                    if rejected(group.status) {
                        verdict.everything_rejected = true;
                    }
                    verdict.notes.push(format!(
                        "999 {}",
                        match group.status {
                            AckStatus::Accepted => "accepted",
                            AckStatus::AcceptedWithErrors => "accepted with errors",
                            AckStatus::PartiallyAccepted => "partially accepted",
                            _ => "rejected",
                        }
                    ));
                }
            }
            AckType::ClaimAck277 => {}
        }
    }
}

/// What the test clearinghouse answered before about the claim a 276 asks about: the
/// newest 835 or 277CA it ingested into `replies_to` that names the claim.
pub(super) fn claim_state<H: Lookup>(hub: &H, replies_to: &str, request: &Message) -> ClaimState {
    let Body::ClaimStatusRequest(asked) = &request.body else {
        return ClaimState::Unknown;
    };
    let pcn = asked.patient_control_number.as_deref();
    let icn = asked.payer_claim_control_number.as_deref();
    let keys: Vec<&str> = [pcn, icn].into_iter().flatten().collect();
    let matches = |p: &str, i: Option<&str>| Some(p) == pcn || (icn.is_some() && i == icn);
    for key in keys {
        let Ok(records) = hub.timeline(key) else {
            continue;
        };
        for record in records.iter().rev() {
            if record.record_type != RecordType::Message || record.endpoint != replies_to {
                continue;
            }
            let Some(message) = hub
                .normalized(&record.id)
                .ok()
                .flatten()
                .and_then(|t| serde_json::from_str::<Message>(&t).ok())
            else {
                continue;
            };
            match &message.body {
                Body::Remittance(r) => {
                    if let Some(payment) = r.claims.iter().find(|c| {
                        matches(
                            &c.patient_control_number,
                            c.payer_claim_control_number.as_deref(),
                        )
                    }) {
                        return ClaimState::Remitted {
                            payment: Box::new(payment.clone()),
                            check: r.payment.trace.as_ref().map(|t| t.reference.clone()),
                            date: r.payment.date.clone(),
                        };
                    }
                }
                Body::ClaimAck(ack) if ack.ack_type == AckType::ClaimAck277 => {
                    if let Some(claim) = ack.claim_statuses.iter().find(|s| {
                        s.level == AckLevel::Claim
                            && s.patient_control_number.as_deref().is_some_and(|p| {
                                matches(p, s.payer_claim_control_number.as_deref())
                            })
                    }) {
                        return match status::rejection_of(&claim.statuses) {
                            Some(code) => ClaimState::Rejected(code),
                            None => ClaimState::Accepted {
                                payer_claim_control_number: claim
                                    .payer_claim_control_number
                                    .clone(),
                            },
                        };
                    }
                }
                _ => {}
            }
        }
    }
    ClaimState::Unknown
}
