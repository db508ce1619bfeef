//! Accepted claims to one 835: every line adjudicated by the payer's [`Rules`], amounts
//! that add up, a deterministic check number.
//!
//! Per line, with `allowed = charge × allowed_percent / 100` and
//! `coinsurance = allowed × coinsurance_percent / 100` (each rounded to cents):
//!
//! - a procedure in `deny_procedures`, or any line of a claim whose patient control number
//!   starts with `DENY`: `CO-50` (not medically necessary) for the whole charge, paid 0;
//! - any other line: `CO-45` (charge exceeds the fee schedule) `charge - allowed`, `PR-2`
//!   (coinsurance) `coinsurance`, paid `allowed - coinsurance`, `AMT*B6` allowed.
//!
//! So `charge = paid + CO-45 + CO-50 + PR-2` on every line. A claim whose every line is
//! denied is `CLP02` 4 (denied), any other `1` (processed as primary); `CLP03` is the sum of
//! the line charges, `CLP04` of the line payments, `CLP05` of the `PR` amounts, and `BPR02`
//! the sum of `CLP04` (no `PLB`). A claim without lines is denied with a claim-level `CO-50`.

use clearway_schemas::body::claim::ClaimType;
use clearway_schemas::body::common::{Adjustment, Trace};
use clearway_schemas::body::remittance::{
    ClaimPayment, ClaimPaymentStatus, CreditDebit, HandlingCode, Payment, PaymentMethod,
    ServicePayment,
};
use clearway_schemas::body::{AdjustmentGroup, ClaimFrequency};
use clearway_schemas::{
    Address, Body, Claim, Code, CodeSystem, Contact, Correlation, EntityType, Identifier, Message,
    Money, Parties, Party, Remittance,
};
use rust_decimal::Decimal;

use super::claims::{Accepted, claim_of, service_period};
use super::rules::{
    PAYER_TRACE_ORIGINATOR, Rules, Today, member_id, payer_of, reference, starts_with,
};

/// A CARC adjustment.
fn adjustment(group: AdjustmentGroup, reason: &str, amount: Money) -> Adjustment {
    Adjustment {
        group,
        reason: Code::new(CodeSystem::Carc, reason),
        amount,
        quantity: None,
    }
}

/// `amount × percent / 100`, rounded to cents (half away from zero).
pub fn percent_of(amount: Money, percent: Decimal) -> Money {
    let value = amount.value() * percent / Decimal::ONE_HUNDRED;
    Money::from(
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    )
}

/// The adjudication of one service line.
pub fn adjudicate_line(
    line: &clearway_schemas::body::claim_line::ServiceLine,
    denied: bool,
    rules: &Rules,
) -> ServicePayment {
    let charge = line.charge;
    let procedure = line.procedure.clone().or_else(|| line.revenue_code.clone());
    let mut payment = ServicePayment {
        procedure,
        modifiers: line.modifiers.clone(),
        revenue_code: line.procedure.as_ref().and(line.revenue_code.clone()),
        charge,
        paid: Money::zero(),
        units_paid: line.units,
        service_period: line.service_period.clone(),
        line_item_control_number: line.line_item_control_number.clone(),
        ..ServicePayment::default()
    };
    if denied || rules.denies(line.procedure.as_ref()) {
        payment.adjustments = vec![adjustment(
            AdjustmentGroup::ContractualObligation,
            "50",
            charge,
        )];
        payment.paid = Money::from(Decimal::new(0, 2));
        return payment;
    }
    let allowed = percent_of(charge, rules.allowed_percent);
    let coinsurance = percent_of(allowed, rules.coinsurance_percent);
    let write_off = charge - allowed;
    for (group, reason, amount) in [
        (AdjustmentGroup::ContractualObligation, "45", write_off),
        (AdjustmentGroup::PatientResponsibility, "2", coinsurance),
    ] {
        if !amount.is_zero() {
            payment.adjustments.push(adjustment(group, reason, amount));
        }
    }
    payment.paid = allowed - coinsurance;
    payment.allowed_amount = Some(allowed);
    payment
}

/// The payment of one accepted claim.
pub fn adjudicate_claim(accepted: &Accepted, rules: &Rules) -> Option<ClaimPayment> {
    let message = &accepted.message;
    let claim = claim_of(message)?;
    let denied = starts_with(&claim.patient_control_number, "DENY");
    let lines: Vec<ServicePayment> = claim
        .service_lines
        .iter()
        .map(|l| adjudicate_line(l, denied, rules))
        .collect();
    let sum = |f: fn(&ServicePayment) -> Money| lines.iter().map(f).sum::<Money>();
    let (charge, paid) = if lines.is_empty() {
        (claim.total_charge, Money::from(Decimal::new(0, 2)))
    } else {
        (sum(|l| l.charge), sum(|l| l.paid))
    };
    let patient_responsibility: Money = lines
        .iter()
        .flat_map(|l| &l.adjustments)
        .filter(|a| a.group == AdjustmentGroup::PatientResponsibility)
        .map(|a| a.amount)
        .sum();
    let all_denied = lines.iter().all(|l| {
        l.adjustments
            .iter()
            .any(|a| a.reason.code == "50" && a.amount == l.charge)
    });
    let mut payment = ClaimPayment {
        header_number: Some(1),
        patient_control_number: claim.patient_control_number.clone(),
        status: if all_denied {
            ClaimPaymentStatus::Denied
        } else {
            ClaimPaymentStatus::ProcessedAsPrimary
        },
        charge,
        paid,
        patient_responsibility: Some(if patient_responsibility.is_zero() {
            Money::from(Decimal::new(0, 2))
        } else {
            patient_responsibility
        }),
        claim_filing_indicator: Some(filing_indicator(message)),
        payer_claim_control_number: Some(accepted.payer_claim_control_number.clone()),
        facility_code: facility_code(claim),
        frequency: Some(claim.frequency.unwrap_or(ClaimFrequency::Original)),
        drg: None,
        drg_weight: None,
        discharge_fraction: None,
        adjustments: Vec::new(),
        patient: Some(patient(message)),
        insured: insured(message),
        other_parties: Vec::new(),
        inpatient: None,
        outpatient: None,
        identifiers: Vec::new(),
        statement_period: service_period(claim),
        received_date: None,
        coverage_expiration: None,
        other_amounts: Vec::new(),
        service_lines: lines,
    };
    if payment.service_lines.is_empty() {
        payment.adjustments = vec![adjustment(
            AdjustmentGroup::ContractualObligation,
            "50",
            charge,
        )];
    }
    Some(payment)
}

/// The `CLP06` claim filing indicators of the 835 (X221A1), a shorter list than the 837's
/// `SBR09` (which has `CI` commercial, ...).
const FILING_INDICATORS: &[&str] = &[
    "12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC", "OF", "TV",
    "VA", "WC", "ZZ",
];

/// `CLP06`: the claim's `SBR09` when the 837 carried one the 835 has, else `12` (PPO: the
/// test payer's plan).
fn filing_indicator(message: &Message) -> String {
    message
        .extensions
        .get("x12.SBR")
        .and_then(|s| s.get("SBR09"))
        .and_then(serde_json::Value::as_str)
        .filter(|s| FILING_INDICATORS.contains(s))
        .unwrap_or("12")
        .to_owned()
}

/// `CLP08`: the place of service (professional, dental) or the facility type code of the
/// bill type (institutional).
fn facility_code(claim: &Claim) -> Option<Code> {
    match claim.claim_type {
        ClaimType::Institutional => claim.bill_type.as_ref().and_then(|b| {
            let digits = b.code.trim_start_matches('0');
            (digits.len() >= 2).then(|| Code::new(CodeSystem::NubcBillType, &digits[..2]))
        }),
        _ => claim.place_of_service.clone(),
    }
}

/// The patient of `NM1*QC`: the patient's name with the subscriber's member id.
fn patient(message: &Message) -> Party {
    let person = message
        .parties
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

/// The insured of `NM1*IL`, when the patient is not the subscriber.
fn insured(message: &Message) -> Option<Party> {
    let p = &message.parties;
    p.patient.as_ref()?;
    let subscriber = p.subscriber.as_ref()?;
    Some(Party {
        entity_type: Some(EntityType::Person),
        last_name: subscriber.last_name.clone().or(subscriber.name.clone()),
        first_name: subscriber.first_name.clone(),
        middle_name: subscriber.middle_name.clone(),
        member_id: member_id(message).map(str::to_owned),
        ..Party::default()
    })
}

/// The payer's address for `N3`/`N4` when the claims give none.
fn test_payer_address() -> Address {
    Address {
        lines: vec!["1 CLEARWAY TEST PLAZA".into()],
        city: Some("SPRINGFIELD".into()),
        state: Some("IL".into()),
        postal_code: Some("62701".into()),
        ..Address::default()
    }
}

/// The payee (1000B): the first claim's billing provider, by NPI with its tax id as
/// `REF*TJ` (else by tax id).
fn payee(message: &Message) -> Party {
    let provider = message.parties.provider.clone().unwrap_or_default();
    let mut payee = Party {
        entity_type: Some(EntityType::Organization),
        name: provider
            .name
            .clone()
            .or(provider.last_name.clone())
            .or_else(|| Some("UNKNOWN PAYEE".into())),
        npi: provider.npi.clone(),
        address: provider.address.clone(),
        ..Party::default()
    };
    match (&payee.npi, provider.tax_id) {
        (Some(_), Some(tax)) => payee.identifiers = vec![Identifier::qualified("TJ", tax)],
        (None, Some(tax)) => payee.tax_id = Some(tax),
        (None, None) => payee.tax_id = Some("999999999".into()),
        (Some(_), None) => {}
    }
    payee
}

/// The 835 for `accepted` claims, or `None` when there are none.
pub fn remit(accepted: &[Accepted], rules: &Rules, today: &Today) -> Option<Message> {
    let payments: Vec<ClaimPayment> = accepted
        .iter()
        .filter_map(|a| adjudicate_claim(a, rules))
        .collect();
    let first = accepted.first()?;
    let icns: Vec<&str> = accepted
        .iter()
        .map(|a| a.payer_claim_control_number.as_str())
        .collect();
    let check = reference("CHK", &icns);
    let amount: Money = payments.iter().map(|c| c.paid).sum();
    let (handling, method) = if amount.is_zero() {
        (HandlingCode::NotificationOnly, PaymentMethod::NonPayment)
    } else {
        (HandlingCode::PaymentWithRemittance, PaymentMethod::Check)
    };
    let payment = Payment {
        handling,
        amount,
        credit_debit: Some(CreditDebit::Credit),
        method,
        format: None,
        sender_account: None,
        originating_company_id: None,
        originating_company_supplemental: None,
        receiver_account: None,
        date: Some(today.date.clone()),
        trace: Some(Trace {
            trace_type: Some("1".into()),
            reference: check.clone(),
            originator: Some(PAYER_TRACE_ORIGINATOR.into()),
            supplemental: None,
        }),
    };
    let mut payer = payer_of(first.message.parties.payer.as_ref());
    if payer.address.is_none() {
        payer.address = Some(test_payer_address());
    }
    // 1000A requires the payer's technical contact (PER*BL).
    payer.contacts = vec![Contact {
        name: Some("EDI SUPPORT".into()),
        phone: Some("8005550100".into()),
        ..Contact::default()
    }];
    let mut message = Message::new(Body::Remittance(Remittance {
        payment,
        production_date: Some(today.date.clone()),
        receiver_id: None,
        claims: payments,
        provider_adjustments: Vec::new(),
    }));
    message.parties = Parties {
        payer: Some(payer),
        payee: Some(payee(&first.message)),
        ..Parties::default()
    };
    message.correlation = Correlation {
        trace_numbers: vec![check],
        claim_id: accepted
            .first()
            .and_then(|a| claim_of(&a.message))
            .map(|c| c.patient_control_number.clone()),
        payer_claim_control_number: Some(first.payer_claim_control_number.clone()),
        ..Correlation::default()
    };
    Some(message)
}
