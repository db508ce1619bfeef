//! A claim's row: its lifecycle state and figures, derived from every event linked
//! to it, oldest first. Pure: the same events give the same row.

use clearway_schemas::value::{Date, Money};
use serde::{Deserialize, Serialize};

use super::event::{Adjustment, Event, PaymentEvent, StatusTriple, What};
use super::extract::{category_accepts, category_rejects};

/// Where a claim is in its life (docs/console.md, "Claim states").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Sent; nothing back yet (or only an accepting 999).
    #[default]
    Submitted,
    /// The file it was in was rejected (TA1 `R`, 999 `R`).
    FileRejected,
    /// The payer or clearinghouse rejected it (277CA A3/A4/A6/A7/A8, E*).
    Rejected,
    /// Accepted for adjudication (277CA A0/A1/A2/A5).
    Accepted,
    /// In process (277 P*/R*).
    Pending,
    /// Paid in full of what was allowed (only contractual and patient-responsibility
    /// adjustments).
    Paid,
    /// Paid, but part of it denied (a non-contractual adjustment).
    PartiallyPaid,
    /// Denied (835 `CLP02` 4, or nothing paid with a non-contractual adjustment).
    Denied,
    /// The payment was taken back (835 `CLP02` 22).
    Reversed,
}

impl State {
    /// Every state, in life order.
    pub const ALL: [State; 9] = [
        State::Submitted,
        State::FileRejected,
        State::Rejected,
        State::Accepted,
        State::Pending,
        State::Paid,
        State::PartiallyPaid,
        State::Denied,
        State::Reversed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::FileRejected => "file_rejected",
            State::Rejected => "rejected",
            State::Accepted => "accepted",
            State::Pending => "pending",
            State::Paid => "paid",
            State::PartiallyPaid => "partially_paid",
            State::Denied => "denied",
            State::Reversed => "reversed",
        }
    }

    /// The name a coordinator reads.
    pub fn label(self) -> &'static str {
        match self {
            State::Submitted => "Submitted",
            State::FileRejected => "File rejected",
            State::Rejected => "Rejected",
            State::Accepted => "Accepted",
            State::Pending => "Pending",
            State::Paid => "Paid",
            State::PartiallyPaid => "Partially paid",
            State::Denied => "Denied",
            State::Reversed => "Reversed",
        }
    }

    /// A state by its wire name.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether claims in this state belong on the rejections worklist.
    pub fn is_rejection(self) -> bool {
        matches!(self, State::FileRejected | State::Rejected)
    }

    /// Whether claims in this state belong on the denials worklist.
    pub fn is_denial(self) -> bool {
        matches!(self, State::Denied | State::PartiallyPaid)
    }
}

/// Why a claim was rejected, for the rejections worklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// `ta1`, `999` or `277ca`.
    pub source: String,
    /// The root cause a coordinator works by (e.g. "subscriber id", "999 syntax: NM1").
    pub root_cause: String,
    /// The codes, as `TABLE:CODE` strings for the console to describe
    /// (`category:A7`, `status:164`, `entity:IL`, `ik304:8`, `ik403:7`, `ik5:5`, `ta105:024`).
    pub codes: Vec<String>,
}

/// Worklist state: who has it, whether it is resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    /// Assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Resolved since the claim last changed state.
    pub resolved: bool,
    /// Notes written.
    pub notes: u32,
}

/// One claim, as the console lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The ledger key (opaque).
    pub key: String,
    /// Patient control number.
    pub pcn: String,
    /// Lifecycle state.
    pub state: State,
    /// When it entered that state (Unix ms).
    pub state_ms: u64,
    /// First submission (Unix ms); none for a payment with no known claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_ms: Option<u64>,
    /// Latest event (Unix ms).
    pub last_ms: u64,
    /// How many times it was submitted.
    pub submissions: u32,
    /// `professional`, `institutional`, `dental`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_type: Option<String>,
    /// Billing provider NPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_npi: Option<String>,
    /// Billing provider name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// Payer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_id: Option<String>,
    /// Payer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    /// Patient name (PHI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_name: Option<String>,
    /// Member id (PHI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// First service date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_from: Option<Date>,
    /// Last service date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_to: Option<Date>,
    /// Prior authorization numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_numbers: Vec<String>,
    /// Billed (the latest submission's total charge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed: Option<Money>,
    /// Paid, net of reversals, over every 835.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    /// Patient responsibility of the latest 835.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_responsibility: Option<Money>,
    /// The payer's claim control number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_icn: Option<String>,
    /// Check/EFT numbers of the 835s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_numbers: Vec<String>,
    /// Payment date of the first 835 (date only, never shifted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<Date>,
    /// When the hub received the first 835 (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_payment_ms: Option<u64>,
    /// Accepted by the 999 and 277CA with no resubmission before the first 835.
    pub first_pass: bool,
    /// The first 835 denied it (all or part).
    pub initially_denied: bool,
    /// Dollars the first 835 denied (non-contractual, non-patient adjustments).
    pub initially_denied_amount: Money,
    /// Why it is rejected, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// The denying adjustments of the latest 835, when denied or partially paid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denial: Vec<Adjustment>,
    /// A payment (or ack) for a claim the hub never saw submitted.
    pub unmatched: bool,
    /// Worklist state.
    pub work: Work,
    /// Delivery status of the latest submission (`queued`, `delivered`, `dead`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

impl Row {
    /// Whole days from the first submission to the first 835 received.
    pub fn days_to_payment(&self) -> Option<u64> {
        Some(self.first_payment_ms?.saturating_sub(self.submitted_ms?) / DAY_MS)
    }

    /// Total denied on the latest 835.
    pub fn denied_amount(&self) -> Money {
        self.denial.iter().map(|a| a.amount).sum()
    }
}

/// A day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

/// Whether an adjustment denies money (not a contractual write-off such as CO-45,
/// not the patient's share such as PR-2).
pub fn is_denial(a: &Adjustment) -> bool {
    !clearway_codes::carc_is_contractual(&a.group, &a.carc)
        && !clearway_codes::carc_is_patient_responsibility(&a.group, &a.carc)
        && a.group != "PR"
}

/// How one 835 claim payment leaves the claim.
pub fn payment_state(p: &PaymentEvent) -> State {
    if p.status == "22" {
        return State::Reversed;
    }
    let denies = p.adjustments.iter().any(is_denial);
    if p.status == "4" || (p.paid.is_zero() && denies) {
        State::Denied
    } else if denies {
        State::PartiallyPaid
    } else {
        State::Paid
    }
}

/// The row of claim `key` from its events (any order; sorted here).
pub fn derive(key: &str, events: &mut [Event]) -> Row {
    events.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
    let mut row = Row {
        key: key.to_owned(),
        unmatched: true,
        initially_denied_amount: Money::zero(),
        ..Row::default()
    };
    let mut paid: Option<Money> = None;
    let mut seen_payment = false;
    let mut file_ok = true;
    let mut ack_ok: Option<bool> = None;
    let mut resubmitted_before_payment = false;
    let mut last_state_ms = 0;
    let mut resolved_ms: Option<u64> = None;
    let set = |row: &mut Row, state: State, at: u64| {
        row.state = state;
        row.state_ms = at;
    };
    for e in events.iter() {
        row.last_ms = row.last_ms.max(e.at_ms);
        match &e.what {
            What::Submitted(s) => {
                row.unmatched = false;
                row.submissions += 1;
                if row.submissions > 1 && !seen_payment {
                    resubmitted_before_payment = true;
                }
                row.submitted_ms.get_or_insert(e.at_ms);
                row.pcn = s.pcn.clone();
                row.claim_type = Some(s.claim_type.clone());
                row.provider_npi = s.provider_npi.clone().or(row.provider_npi.take());
                row.provider_name = s.provider_name.clone().or(row.provider_name.take());
                row.payer_id = s.payer_id.clone().or(row.payer_id.take());
                row.payer_name = s.payer_name.clone().or(row.payer_name.take());
                row.patient_name = s.patient_name.clone();
                row.member_id = s.member_id.clone();
                row.service_from = s.service_from.clone();
                row.service_to = s.service_to.clone();
                row.authorization_numbers = s.authorization_numbers.clone();
                row.billed = Some(s.billed);
                row.delivery = Some(s.delivery.clone());
                row.rejection = None;
                set(&mut row, State::Submitted, e.at_ms);
                last_state_ms = e.at_ms;
            }
            What::FileAck(f) => {
                if !f.accepted {
                    if !seen_payment {
                        file_ok = false;
                    }
                    let mut codes: Vec<String> = Vec::new();
                    let table = if f.ack_type == "ta1" { "ta105" } else { "ik5" };
                    codes.extend(f.error_codes.iter().map(|c| format!("{table}:{c}")));
                    for err in &f.errors {
                        codes.push(format!("ik304:{}", err.segment_code));
                        if let Some(c) = &err.element_code {
                            codes.push(format!("ik403:{c}"));
                        }
                    }
                    let root_cause = match f.errors.first() {
                        Some(err) => format!(
                            "{} syntax: {}{}",
                            f.ack_type,
                            err.segment,
                            err.element.map(|n| format!("{n:02}")).unwrap_or_default()
                        ),
                        None => format!(
                            "{} rejected: {}",
                            f.ack_type,
                            f.error_codes.first().map_or("no code", String::as_str)
                        ),
                    };
                    row.rejection = Some(Rejection {
                        source: f.ack_type.clone(),
                        root_cause,
                        codes,
                    });
                    set(&mut row, State::FileRejected, e.at_ms);
                    last_state_ms = e.at_ms;
                }
            }
            What::ClaimAck(a) => {
                if row.pcn.is_empty() {
                    row.pcn = a.pcn.clone();
                }
                if a.payer_icn.is_some() {
                    row.payer_icn = a.payer_icn.clone();
                }
                if !seen_payment {
                    ack_ok = Some(ack_ok.unwrap_or(true) && a.accepted);
                }
                if a.accepted {
                    row.rejection = None;
                    set(&mut row, State::Accepted, e.at_ms);
                } else {
                    row.rejection = Some(rejection_277(&a.statuses));
                    set(&mut row, State::Rejected, e.at_ms);
                }
                last_state_ms = e.at_ms;
            }
            What::Status(s) => {
                if row.pcn.is_empty() {
                    row.pcn = s.pcn.clone();
                }
                if seen_payment {
                    continue;
                }
                let cat = |c: &str| s.statuses.iter().any(|t| t.category.starts_with(c));
                let next = if s.statuses.iter().any(|t| category_rejects(&t.category)) {
                    row.rejection = Some(rejection_277(&s.statuses));
                    Some(State::Rejected)
                } else if cat("F2") {
                    Some(State::Denied)
                } else if cat("F1") && s.paid.is_some_and(|p| !p.is_zero()) {
                    Some(State::Paid)
                } else if cat("P") || cat("R") {
                    Some(State::Pending)
                } else if s.statuses.iter().any(|t| category_accepts(&t.category)) {
                    Some(State::Accepted)
                } else {
                    None
                };
                if let Some(n) = next {
                    set(&mut row, n, e.at_ms);
                    last_state_ms = e.at_ms;
                }
            }
            What::Payment(p) => {
                if row.pcn.is_empty() {
                    row.pcn = p.pcn.clone();
                }
                let state = payment_state(p);
                let denial: Vec<Adjustment> = p
                    .adjustments
                    .iter()
                    .filter(|a| is_denial(a))
                    .cloned()
                    .collect();
                if !seen_payment {
                    seen_payment = true;
                    row.first_payment_ms = Some(e.at_ms);
                    row.payment_date = p.payment_date.clone();
                    row.initially_denied = matches!(state, State::Denied | State::PartiallyPaid);
                    row.initially_denied_amount = if state == State::Denied {
                        p.charge
                    } else {
                        denial.iter().map(|a| a.amount).sum()
                    };
                }
                paid = Some(paid.unwrap_or_else(Money::zero) + p.paid);
                row.patient_responsibility = p.patient_responsibility;
                if p.payer_icn.is_some() {
                    row.payer_icn = p.payer_icn.clone();
                }
                if row.payer_name.is_none() {
                    row.payer_name = p.payer_name.clone();
                }
                if row.billed.is_none() {
                    row.billed = Some(p.charge);
                }
                if let Some(c) = &p.check_number
                    && !row.check_numbers.contains(c)
                {
                    row.check_numbers.push(c.clone());
                }
                row.denial = if state.is_denial() {
                    denial
                } else {
                    Vec::new()
                };
                row.rejection = None;
                set(&mut row, state, e.at_ms);
                last_state_ms = e.at_ms;
            }
            What::Note { .. } => row.work.notes += 1,
            What::Assigned { to, .. } => row.work.assignee = to.clone(),
            What::Resolved { .. } => resolved_ms = Some(e.at_ms),
            What::Reopened { .. } => resolved_ms = None,
        }
    }
    row.paid = paid;
    row.work.resolved = resolved_ms.is_some_and(|r| r >= last_state_ms);
    row.first_pass = !row.unmatched
        && file_ok
        && ack_ok == Some(true)
        && !resubmitted_before_payment
        && row.submissions >= 1;
    row
}

fn rejection_277(statuses: &[StatusTriple]) -> Rejection {
    let first = statuses
        .iter()
        .find(|s| category_rejects(&s.category))
        .or(statuses.first());
    let mut codes = Vec::new();
    for s in statuses {
        codes.push(format!("category:{}", s.category));
        if let Some(c) = &s.status {
            codes.push(format!("status:{c}"));
        }
        if let Some(c) = &s.entity {
            codes.push(format!("entity:{c}"));
        }
    }
    let root_cause = first.map_or("other", |s| {
        clearway_codes::rejection_root_cause(
            &s.category,
            s.status.as_deref().unwrap_or(""),
            s.entity.as_deref(),
        )
    });
    // A cause the classification does not know is named by its status code, so
    // the worklist still groups like with like.
    let root_cause = match (root_cause, first.and_then(|s| s.status.as_deref())) {
        ("other", Some(status)) => {
            let d = clearway_codes::Table::ClaimStatus.describe(status);
            let short: String = d.chars().take(60).collect();
            format!(
                "status {status}: {short}{}",
                if d.chars().count() > 60 { "…" } else { "" }
            )
        }
        (cause, _) => cause.to_owned(),
    };
    Rejection {
        source: "277ca".into(),
        root_cause,
        codes,
    }
}
