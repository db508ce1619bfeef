//! Claim status requests (276) to responses (277), and services review requests (278) to
//! decisions (278 response).
//!
//! A 277 says what the test clearinghouse answered before about the claim (the caller
//! looks it up, see [`ClaimState`]): `F1:65` paid (with the check), `F2:1` denied, `P1:20`
//! accepted and pending, the 277CA's rejection, or `A4:35` not found.
//!
//! A 278 request is certified (`A1`) with a certification number derived from it, for 90
//! days from the requested start (or today) and the requested quantity; pended (`A4`) when a
//! requested quantity is over 20; not certified (`A3`, reason `0F` not medically necessary) when the procedure is in
//! `deny_procedures`.

use clearway_schemas::body::common::Trace;
use clearway_schemas::body::prior_auth::{CertificationAction, ServiceDecision};
use clearway_schemas::body::remittance::{ClaimPayment, ClaimPaymentStatus};
use clearway_schemas::body::status::{StatusCode, StatusInfo};
use clearway_schemas::{
    Body, ClaimStatusResponse, Code, CodeSystem, Correlation, Date, Message, Money, Parties,
    Period, PriorAuthResponse, Quantity,
};
use rust_decimal::Decimal;

use super::rules::{Rules, Today, member_id, reference, status_code, status_info};

/// What the test clearinghouse knows of a claim from its earlier answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimState {
    /// Paid or denied by an 835: the claim's payment, and the check's number and date.
    Remitted {
        /// The claim's payment.
        payment: Box<ClaimPayment>,
        /// The check or EFT number.
        check: Option<String>,
        /// The payment date.
        date: Option<Date>,
    },
    /// Accepted by the 277CA, no 835 yet.
    Accepted {
        /// The payer claim control number the 277CA gave.
        payer_claim_control_number: Option<String>,
    },
    /// Rejected by the 277CA with this status.
    Rejected(StatusCode),
    /// Never seen.
    Unknown,
}

/// The request's trace echoed as the response's (`TRN01` 2).
fn echo(trace: Option<&Trace>) -> Option<Trace> {
    trace.map(|t| Trace {
        trace_type: Some("2".into()),
        ..t.clone()
    })
}

/// The 277 answering claim status request `request`, or `None` when it is not one.
pub fn respond_status(request: &Message, state: &ClaimState, today: &Today) -> Option<Message> {
    let Body::ClaimStatusRequest(asked) = &request.body else {
        return None;
    };
    let charge = asked
        .total_charge
        .unwrap_or_else(|| Money::from(Decimal::new(0, 2)));
    let mut icn = asked.payer_claim_control_number.clone();
    let status = match state {
        ClaimState::Remitted {
            payment,
            check,
            date,
        } => {
            icn = payment.payer_claim_control_number.clone().or(icn);
            let code = if payment.status == ClaimPaymentStatus::Denied {
                status_code("F2", "1", None)
            } else {
                status_code("F1", "65", None)
            };
            let mut info = status_info(code, &today.date, None, Some(payment.charge));
            info.paid = Some(payment.paid);
            info.adjudication_date = date.clone();
            info.payment_date = date.clone();
            info.check_number = check.clone();
            info.payment_method = Some(if payment.paid.is_zero() { "NON" } else { "CHK" }.into());
            info
        }
        ClaimState::Accepted {
            payer_claim_control_number,
        } => {
            icn = payer_claim_control_number.clone().or(icn);
            status_info(
                status_code("P1", "20", None),
                &today.date,
                None,
                Some(charge),
            )
        }
        ClaimState::Rejected(code) => status_info(code.clone(), &today.date, None, Some(charge)),
        ClaimState::Unknown => status_info(
            status_code("A4", "35", None),
            &today.date,
            None,
            Some(charge),
        ),
    };
    let response = ClaimStatusResponse {
        trace: echo(asked.trace.as_ref()),
        patient_control_number: asked.patient_control_number.clone(),
        payer_claim_control_number: icn.clone(),
        bill_type: asked.bill_type.clone(),
        medical_record_number: asked.medical_record_number.clone(),
        service_period: asked.service_period.clone(),
        statuses: vec![status],
        lines: Vec::new(),
    };
    let mut message = Message::new(Body::ClaimStatusResponse(response));
    message.parties = request.parties.clone();
    message.correlation = Correlation {
        claim_id: asked.patient_control_number.clone(),
        payer_claim_control_number: icn,
        trace_numbers: asked.trace.iter().map(|t| t.reference.clone()).collect(),
        ..Correlation::default()
    };
    Some(message)
}

/// The day `days` after `date`.
pub fn add_days(date: &Date, days: i64) -> Option<Date> {
    let month = time::Month::try_from(u8::try_from(date.month()).ok()?).ok()?;
    let start = time::Date::from_calendar_date(
        i32::try_from(date.year()).ok()?,
        month,
        u8::try_from(date.day()).ok()?,
    )
    .ok()?;
    let end = start.checked_add(time::Duration::days(days))?;
    Date::from_ymd(
        u32::try_from(end.year()).ok()?,
        u32::from(u8::from(end.month())),
        u32::from(end.day()),
    )
    .ok()
}

/// Whether a requested quantity is over what the payer certifies without review (20).
fn over_limit(quantity: Option<Quantity>) -> bool {
    quantity.is_some_and(|q| q.value() > Decimal::from(20))
}

/// The 278 response answering services review request `request`, or `None` when it is not
/// one.
pub fn respond_prior_auth(request: &Message, rules: &Rules, today: &Today) -> Option<Message> {
    let Body::PriorAuthRequest(asked) = &request.body else {
        return None;
    };
    let start = asked
        .service_period
        .as_ref()
        .and_then(|p| p.start.clone())
        .or_else(|| {
            asked
                .services
                .iter()
                .find_map(|s| s.service_period.as_ref()?.start.clone())
        })
        .unwrap_or_else(|| today.date.clone());
    let period = Period {
        end: add_days(&start, 89),
        start: Some(start),
    };
    let trace = asked
        .trace
        .as_ref()
        .map(|t| t.reference.as_str())
        .unwrap_or_default();
    let procedures: Vec<&str> = asked
        .services
        .iter()
        .filter_map(|s| s.procedure.as_ref().map(|p| p.code.as_str()))
        .collect();
    let number = reference(
        "AUTH",
        &[
            trace,
            member_id(request).unwrap_or_default(),
            &procedures.join(","),
        ],
    );
    let decide = |procedure: Option<&Code>, quantity: Option<Quantity>| {
        if rules.denies(procedure) {
            CertificationAction::NotCertified
        } else if over_limit(quantity) {
            CertificationAction::Pended
        } else {
            CertificationAction::CertifiedInTotal
        }
    };
    let denial = || vec![Code::new(CodeSystem::X12ReviewDecisionReason, "0F")];
    let services: Vec<ServiceDecision> = asked
        .services
        .iter()
        .map(|s| {
            let action = decide(s.procedure.as_ref(), s.quantity);
            let certified = action == CertificationAction::CertifiedInTotal;
            ServiceDecision {
                line_number: s.line_number,
                procedure: s.procedure.clone(),
                action,
                authorization_number: certified.then(|| format!("{number}-{}", s.line_number)),
                reasons: if action == CertificationAction::NotCertified {
                    denial()
                } else {
                    Vec::new()
                },
                quantity: s.quantity,
                unit_type: s.unit_type,
                effective_period: certified.then(|| period.clone()),
                service_type: s.service_type.clone(),
                providers: Vec::new(),
            }
        })
        .collect();
    let action = if services.is_empty() {
        decide(None, asked.quantity)
    } else if services
        .iter()
        .all(|s| s.action == CertificationAction::CertifiedInTotal)
        && !over_limit(asked.quantity)
    {
        CertificationAction::CertifiedInTotal
    } else if services
        .iter()
        .all(|s| s.action == CertificationAction::NotCertified)
    {
        CertificationAction::NotCertified
    } else {
        CertificationAction::Pended
    };
    let certified = action == CertificationAction::CertifiedInTotal;
    let response = PriorAuthResponse {
        trace: echo(asked.trace.as_ref()),
        request_category: Some(asked.request_category),
        certification_type: Some(asked.certification_type),
        service_type: asked.service_type.clone(),
        place_of_service: asked.place_of_service.clone(),
        action,
        authorization_number: certified.then(|| number.clone()),
        reasons: if action == CertificationAction::NotCertified {
            denial()
        } else {
            Vec::new()
        },
        second_surgical_opinion_required: None,
        effective_period: certified.then(|| period.clone()),
        quantity: asked.quantity,
        unit_type: asked.unit_type,
        services,
        rejections: Vec::new(),
        notes: Vec::new(),
    };
    let mut message = Message::new(Body::PriorAuthResponse(response));
    message.parties = Parties {
        payer: request.parties.payer.clone(),
        provider: request.parties.provider.clone(),
        subscriber: request.parties.subscriber.clone(),
        patient: request.parties.patient.clone(),
        other: request.parties.other.clone(),
        ..Parties::default()
    };
    message.correlation = Correlation {
        trace_numbers: asked.trace.iter().map(|t| t.reference.clone()).collect(),
        authorization_number: certified.then_some(number),
        ..Correlation::default()
    };
    Some(message)
}

/// A status saying a claim is rejected, from a 277CA claim level's first status.
pub fn rejection_of(statuses: &[StatusInfo]) -> Option<StatusCode> {
    statuses
        .iter()
        .map(|s| &s.code)
        .find(|c| matches!(c.category.code.as_str(), "A3" | "A6" | "A7" | "A8"))
        .cloned()
}
