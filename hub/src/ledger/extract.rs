//! From one normalized message to what it says about the claims it touches: which
//! claims (by their own key, by patient control number, or by the file they were
//! sent in) and the [`Event`] each gets.

use clearway_schemas::body::ack::{AckLevel, AckStatus, AckType, ClaimAck, InterchangeAckCode};
use clearway_schemas::body::status::StatusInfo;
use clearway_schemas::value::Money;
use clearway_schemas::{Body, Message, Party};

use super::event::{
    AckError, Adjustment, ClaimAckEvent, Event, FileAck, PaymentEvent, StatusEvent, StatusTriple,
    Submission, What,
};

/// The file (interchange, or transaction set within a functional group) a claim was
/// sent in, as the acknowledgments that answer it name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Envelope {
    /// `ISA13` (what a TA1 answers).
    Interchange(String),
    /// `GS06` and `ST02` (what a 999 `AK1`/`AK2` answers).
    Transaction {
        /// Functional group control number.
        group: String,
        /// Transaction set control number.
        transaction: String,
    },
}

impl Envelope {
    /// The index key of this envelope.
    pub fn key(&self) -> Vec<u8> {
        match self {
            Envelope::Interchange(i) => format!("i\0{i}\0").into_bytes(),
            Envelope::Transaction { group, transaction } => {
                format!("t\0{group}\0{transaction}\0").into_bytes()
            }
        }
    }
}

/// How an answer names the claim it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRef {
    /// Patient control number.
    pub pcn: String,
    /// The payer's claim control number, if given.
    pub payer_icn: Option<String>,
    /// The provider's NPI, if given.
    pub npi: Option<String>,
    /// The payer's id, if given.
    pub payer_id: Option<String>,
    /// The charge the answer repeats, if any.
    pub charge: Option<Money>,
    /// What kind of answer it is (a claim gets one of each first).
    pub answer: Answer,
}

/// The kinds of answers to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A 277CA.
    ClaimAck,
    /// A 277.
    Status,
    /// An 835.
    Payment,
}

/// One claim a message touches.
#[derive(Debug, Clone, PartialEq)]
pub enum Touch {
    /// The claim itself: its key parts (billing NPI, patient control number, payer id),
    /// the envelopes it was received in, and its searchable identifiers.
    Claim {
        /// Billing provider NPI.
        npi: String,
        /// Patient control number.
        pcn: String,
        /// Payer id.
        payer: String,
        /// Envelopes it came in (decoded from X12).
        envelopes: Vec<Envelope>,
        /// The event.
        event: Event,
    },
    /// An answer that names the claim.
    Answer {
        /// How.
        claim: ClaimRef,
        /// The event.
        event: Event,
    },
    /// An acknowledgment of the file the claim was sent in.
    File {
        /// Which file.
        envelope: Envelope,
        /// The event.
        event: Event,
    },
}

impl Touch {
    /// The event of this touch.
    pub fn event(&self) -> &Event {
        match self {
            Touch::Claim { event, .. }
            | Touch::Answer { event, .. }
            | Touch::File { event, .. } => event,
        }
    }
}

/// A person's or organization's display name, "LAST, FIRST" for people.
pub fn party_name(p: &Party) -> Option<String> {
    if let Some(last) = &p.last_name {
        return Some(match &p.first_name {
            Some(first) => format!("{last}, {first}"),
            None => last.clone(),
        });
    }
    p.name.clone()
}

/// What message `id` (recorded at `at_ms`, delivery status `status`) says about claims.
pub fn touches(id: &str, at_ms: u64, status: &str, m: &Message) -> Vec<Touch> {
    let event = |what: What| Event {
        id: id.to_owned(),
        at_ms,
        what,
    };
    match &m.body {
        Body::Claim(c) => {
            let provider = m.parties.provider.as_ref();
            let payer = m.parties.payer.as_ref();
            let patient = m.parties.effective_patient();
            let (from, to) = service_dates(c);
            let mut envelopes = Vec::new();
            let corr = &m.correlation;
            if let Some(i) = &corr.interchange_control_number {
                envelopes.push(Envelope::Interchange(i.clone()));
            }
            if let (Some(g), Some(t)) =
                (&corr.group_control_number, &corr.transaction_control_number)
            {
                envelopes.push(Envelope::Transaction {
                    group: g.clone(),
                    transaction: t.clone(),
                });
            }
            let sub = Submission {
                claim_type: format!("{:?}", c.claim_type).to_lowercase(),
                frequency: c.frequency.map(|f| f.x12_code().to_owned()),
                pcn: c.patient_control_number.clone(),
                billed: c.total_charge,
                provider_npi: provider.and_then(|p| p.npi.clone()),
                provider_name: provider.and_then(party_name),
                payer_id: payer.and_then(|p| p.payer_id.clone()),
                payer_name: payer.and_then(party_name),
                patient_name: patient.and_then(party_name),
                member_id: m
                    .parties
                    .subscriber
                    .as_ref()
                    .and_then(|s| s.member_id.clone()),
                service_from: from,
                service_to: to,
                authorization_numbers: c.prior_authorization_numbers.clone(),
                lines: c.service_lines.len() as u32,
                delivery: status.to_owned(),
            };
            vec![Touch::Claim {
                npi: sub.provider_npi.clone().unwrap_or_default(),
                pcn: sub.pcn.clone(),
                payer: sub
                    .payer_id
                    .clone()
                    .or_else(|| sub.payer_name.clone())
                    .unwrap_or_default(),
                envelopes,
                event: event(What::Submitted(sub)),
            }]
        }
        Body::ClaimAck(a) => ack_touches(a, m, &event),
        Body::ClaimStatusResponse(s) => {
            let Some(pcn) = s
                .patient_control_number
                .clone()
                .or_else(|| m.correlation.claim_id.clone())
            else {
                return Vec::new();
            };
            let statuses: Vec<StatusTriple> = s.statuses.iter().flat_map(triples).collect();
            let paid = s.statuses.iter().find_map(|i| i.paid);
            let check_number = s.statuses.iter().find_map(|i| i.check_number.clone());
            vec![Touch::Answer {
                claim: ClaimRef {
                    pcn: pcn.clone(),
                    payer_icn: s.payer_claim_control_number.clone(),
                    npi: m.parties.provider.as_ref().and_then(|p| p.npi.clone()),
                    payer_id: m.parties.payer.as_ref().and_then(|p| p.payer_id.clone()),
                    charge: s.statuses.iter().find_map(|i| i.charge),
                    answer: Answer::Status,
                },
                event: event(What::Status(StatusEvent {
                    pcn: pcn.clone(),
                    statuses,
                    paid,
                    check_number,
                })),
            }]
        }
        Body::Remittance(r) => {
            let payer = m.parties.payer.as_ref();
            let payee_npi = m.parties.payee.as_ref().and_then(|p| p.npi.clone());
            let check = r.payment.trace.as_ref().map(|t| t.reference.clone());
            r.claims
                .iter()
                .map(|c| {
                    let mut adjustments: Vec<Adjustment> = c
                        .adjustments
                        .iter()
                        .map(|a| Adjustment {
                            group: a.group.x12_code().to_owned(),
                            carc: a.reason.code.clone(),
                            amount: a.amount,
                            line: None,
                        })
                        .collect();
                    let mut remarks: Vec<String> = c
                        .outpatient
                        .iter()
                        .flat_map(|o| o.remarks.iter())
                        .chain(c.inpatient.iter().flat_map(|i| i.remarks.iter()))
                        .map(|r| r.code.clone())
                        .collect();
                    for (n, line) in c.service_lines.iter().enumerate() {
                        adjustments.extend(line.adjustments.iter().map(|a| Adjustment {
                            group: a.group.x12_code().to_owned(),
                            carc: a.reason.code.clone(),
                            amount: a.amount,
                            line: Some(n as u32 + 1),
                        }));
                        remarks.extend(line.remarks.iter().map(|r| r.code.clone()));
                    }
                    remarks.sort();
                    remarks.dedup();
                    Touch::Answer {
                        claim: ClaimRef {
                            pcn: c.patient_control_number.clone(),
                            payer_icn: c.payer_claim_control_number.clone(),
                            npi: payee_npi.clone(),
                            payer_id: payer.and_then(|p| p.payer_id.clone()),
                            charge: Some(c.charge),
                            answer: Answer::Payment,
                        },
                        event: event(What::Payment(PaymentEvent {
                            pcn: c.patient_control_number.clone(),
                            status: c.status.x12_code().to_owned(),
                            charge: c.charge,
                            paid: c.paid,
                            patient_responsibility: c.patient_responsibility,
                            adjustments,
                            remarks,
                            check_number: check.clone(),
                            payment_date: r.payment.date.clone(),
                            payer_icn: c.payer_claim_control_number.clone(),
                            payer_name: payer.and_then(party_name),
                        })),
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn service_dates(
    c: &clearway_schemas::body::Claim,
) -> (
    Option<clearway_schemas::value::Date>,
    Option<clearway_schemas::value::Date>,
) {
    let mut from = c
        .dates
        .service_period
        .as_ref()
        .and_then(|p| p.start.clone());
    let mut to = c.dates.service_period.as_ref().and_then(|p| p.end.clone());
    for line in &c.service_lines {
        if let Some(p) = &line.service_period {
            if let Some(s) = &p.start
                && from.as_ref().is_none_or(|f| s.as_str() < f.as_str())
            {
                from = Some(s.clone());
            }
            let end = p.end.as_ref().or(p.start.as_ref());
            if let Some(e) = end
                && to.as_ref().is_none_or(|t| e.as_str() > t.as_str())
            {
                to = Some(e.clone());
            }
        }
    }
    (from, to)
}

fn triples(info: &StatusInfo) -> Vec<StatusTriple> {
    std::iter::once(&info.code)
        .chain(info.additional.iter())
        .map(|c| StatusTriple {
            category: c.category.code.clone(),
            status: c.status.as_ref().map(|s| s.code.clone()),
            entity: c.entity.as_ref().map(|e| e.code.clone()),
        })
        .collect()
}

/// Whether a claim status category code says the claim was accepted into the
/// payer's system (`A0`, `A1`, `A2`, `A5`).
pub fn category_accepts(category: &str) -> bool {
    matches!(category, "A0" | "A1" | "A2" | "A5")
}

/// Whether a claim status category code rejects the claim (`A3`, `A4`, `A6`,
/// `A7`, `A8`, and the `E` data-error categories).
pub fn category_rejects(category: &str) -> bool {
    matches!(
        category,
        "A3" | "A4" | "A6" | "A7" | "A8" | "E0" | "E1" | "E2" | "E3" | "E4"
    )
}

fn ack_touches(a: &ClaimAck, m: &Message, event: &dyn Fn(What) -> Event) -> Vec<Touch> {
    // The billing provider's NPI, when the 277CA has one provider level (the
    // normalized model keeps the provider of the message, not of each level).
    let one_provider = a
        .claim_statuses
        .iter()
        .filter(|c| c.level == AckLevel::BillingProvider)
        .count()
        == 1;
    let npi = m
        .parties
        .provider
        .as_ref()
        .and_then(|p| p.npi.clone())
        .filter(|_| one_provider);
    match a.ack_type {
        AckType::Ta1 => {
            let Some(i) = &a.interchange else {
                return Vec::new();
            };
            vec![Touch::File {
                envelope: Envelope::Interchange(i.control_number.clone()),
                event: event(What::FileAck(FileAck {
                    ack_type: "ta1".into(),
                    accepted: i.ack_code != InterchangeAckCode::Rejected,
                    code: i.ack_code.x12_code().to_owned(),
                    error_codes: vec![i.note_code.clone()],
                    errors: Vec::new(),
                })),
            }]
        }
        AckType::Implementation999 => {
            let mut out = Vec::new();
            for g in &a.functional_groups {
                let group_rejects = rejects(g.status);
                for t in &g.transaction_sets {
                    let errors = t
                        .segment_errors
                        .iter()
                        .map(|s| {
                            let first = s.element_errors.first();
                            AckError {
                                segment: s.segment_id.clone(),
                                position: s.position,
                                loop_id: s.loop_id.clone(),
                                segment_code: s.error_code.clone(),
                                element: first.map(|e| e.position),
                                element_code: first.map(|e| e.error_code.clone()),
                            }
                        })
                        .collect();
                    let mut error_codes = t.error_codes.clone();
                    if group_rejects {
                        error_codes.extend(g.error_codes.iter().cloned());
                    }
                    out.push(Touch::File {
                        envelope: Envelope::Transaction {
                            group: g.control_number.clone(),
                            transaction: t.control_number.clone(),
                        },
                        event: event(What::FileAck(FileAck {
                            ack_type: "999".into(),
                            accepted: !rejects(t.status) && !group_rejects,
                            code: t.status.x12_code().to_owned(),
                            error_codes,
                            errors,
                        })),
                    });
                }
            }
            out
        }
        AckType::ClaimAck277 => a
            .claim_statuses
            .iter()
            .filter(|c| c.level == AckLevel::Claim)
            .filter_map(|c| {
                let pcn = c
                    .patient_control_number
                    .clone()
                    .or_else(|| c.trace.as_ref().map(|t| t.reference.clone()))?;
                let statuses: Vec<StatusTriple> = c.statuses.iter().flat_map(triples).collect();
                let accepted = !statuses.iter().any(|s| category_rejects(&s.category))
                    && statuses.iter().any(|s| category_accepts(&s.category));
                Some(Touch::Answer {
                    claim: ClaimRef {
                        pcn: pcn.clone(),
                        payer_icn: c.payer_claim_control_number.clone(),
                        npi: npi.clone(),
                        payer_id: None,
                        charge: c.total_charge,
                        answer: Answer::ClaimAck,
                    },
                    event: event(What::ClaimAck(ClaimAckEvent {
                        pcn,
                        accepted,
                        statuses,
                        payer_icn: c.payer_claim_control_number.clone(),
                    })),
                })
            })
            .collect(),
    }
}

fn rejects(s: AckStatus) -> bool {
    matches!(
        s,
        AckStatus::Rejected
            | AckStatus::RejectedAuthentication
            | AckStatus::RejectedAssurance
            | AckStatus::RejectedDecryption
    )
}
