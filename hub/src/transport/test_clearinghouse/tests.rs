//! The test clearinghouse's adjudication, as plain functions: the 277CA, the 835 (amounts
//! that add up), the 271, the 277 and the 278, and that the same input always gives the
//! same answer.

use clearway_schemas::body::ack::{AckLevel, ClaimAckStatus};
use clearway_schemas::body::benefit::{BenefitInfo, TimePeriod};
use clearway_schemas::body::prior_auth::CertificationAction;
use clearway_schemas::body::remittance::{ClaimPayment, ClaimPaymentStatus};
use clearway_schemas::{Body, Code, CodeSystem, Message, Money};
use rust_decimal::Decimal;

use super::claims::{self, Accepted};
use super::eligibility::{self, Standing};
use super::remit;
use super::rules::{Rules, Today};
use super::status::{self, ClaimState};

const CLAIM: &str = include_str!("../../../../schemas/examples/claim.json");
const ELIGIBILITY: &str = include_str!("../../../../schemas/examples/eligibility.request.json");
const STATUS: &str = include_str!("../../../../schemas/examples/claim.status.request.json");
const PRIOR_AUTH: &str = include_str!("../../../../schemas/examples/prior_auth.request.json");

fn today() -> Today {
    Today::on("2024-04-02")
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// The example claim (lines 99213 150.00 and J0696 100.00) with patient control number
/// `pcn`, and a third line with `procedure` (charge 80.00) when given.
fn claim(pcn: &str, procedure: Option<&str>) -> Message {
    let mut m: Message = serde_json::from_str(CLAIM).unwrap();
    m.correlation.claim_id = Some(pcn.into());
    let Body::Claim(c) = &mut m.body else {
        panic!("a claim")
    };
    c.patient_control_number = pcn.into();
    if let Some(code) = procedure {
        let mut line = c.service_lines[0].clone();
        line.line_number = 3;
        line.procedure = Some(Code::new(CodeSystem::Cpt, code));
        line.modifiers.clear();
        line.charge = money("80.00");
        c.service_lines.push(line);
        c.total_charge = c.line_charge_total();
    }
    m
}

fn with_member(mut m: Message, member: Option<&str>) -> Message {
    m.parties.subscriber.as_mut().unwrap().member_id = member.map(str::to_owned);
    m
}

fn claim_levels(ack: &Message) -> Vec<&ClaimAckStatus> {
    let Body::ClaimAck(a) = &ack.body else {
        panic!("a claim.ack")
    };
    a.claim_statuses
        .iter()
        .filter(|s| s.level == AckLevel::Claim)
        .collect()
}

fn categories(level: &ClaimAckStatus) -> Vec<String> {
    level
        .statuses
        .iter()
        .map(|s| {
            let c = &s.code;
            let mut text = format!("{}:{}", c.category.code, c.status.as_ref().unwrap().code);
            if let Some(e) = &c.entity {
                text = format!("{text}:{}", e.code);
            }
            text
        })
        .collect()
}

#[test]
fn the_277ca_accepts_and_rejects_each_claim_at_its_level() {
    let batch = [
        claim("PCN-OK-1", None),
        claim("REJ-0002", None),
        with_member(claim("PCN-NOID-3", None), Some("  ")),
        with_member(claim("PCN-NOID-4", None), None),
    ];
    let ack = claims::acknowledge(&batch, &today());
    assert_eq!(ack.accepted.len(), 1);
    assert_eq!(ack.rejected, 3);
    let Body::ClaimAck(body) = &ack.message.body else {
        panic!("a claim.ack")
    };
    let levels: Vec<AckLevel> = body.claim_statuses.iter().map(|s| s.level).collect();
    assert_eq!(
        levels,
        [
            AckLevel::InformationSource,
            AckLevel::InformationReceiver,
            AckLevel::BillingProvider,
            AckLevel::Claim,
            AckLevel::Claim,
            AckLevel::Claim,
            AckLevel::Claim,
        ]
    );
    let claims = claim_levels(&ack.message);
    assert_eq!(categories(claims[0]), ["A1:19:PR", "A2:20:PR"]);
    assert_eq!(categories(claims[1]), ["A7:21"]);
    assert_eq!(categories(claims[2]), ["A7:164:IL"]);
    assert_eq!(categories(claims[3]), ["A7:164:IL"]);
    for (level, pcn) in claims
        .iter()
        .zip(["PCN-OK-1", "REJ-0002", "PCN-NOID-3", "PCN-NOID-4"])
    {
        assert_eq!(level.patient_control_number.as_deref(), Some(pcn));
        assert_eq!(level.trace.as_ref().unwrap().reference, pcn);
        assert_eq!(level.total_charge, Some(money("250.00")));
    }
    let icn = claims[0].payer_claim_control_number.clone().unwrap();
    assert!(icn.starts_with("TCH") && icn.len() == 15, "{icn}");
    assert_eq!(ack.accepted[0].payer_claim_control_number, icn);
    assert!(
        claims[1..]
            .iter()
            .all(|c| c.payer_claim_control_number.is_none())
    );
    assert_eq!(claims[0].statuses[0].action.as_deref(), Some("WQ"));
    assert_eq!(claims[1].statuses[0].action.as_deref(), Some("U"));

    // The receiver and provider levels count both sides.
    let receiver = &body.claim_statuses[1];
    assert_eq!(receiver.accepted_quantity.unwrap().to_string(), "1");
    assert_eq!(receiver.rejected_quantity.unwrap().to_string(), "3");
    assert_eq!(receiver.accepted_amount, Some(money("250.00")));
    assert_eq!(receiver.rejected_amount, Some(money("750.00")));
    assert_eq!(receiver.statuses[0].charge, Some(money("1000.00")));
    // Four patients: each 2100D is carried for the x12 connector, none in `parties`.
    assert!(ack.message.parties.patient.is_none());
    let carried = ack.message.extensions["x12.unmapped"].as_array().unwrap();
    let hls: Vec<u64> = carried
        .iter()
        .map(|c| c["claim"].as_u64().unwrap())
        .collect();
    assert_eq!(hls, [4, 5, 6, 7]);
    assert_eq!(
        carried[0]["segment"],
        "NM1*QC*1*Fakeperson*Jane****MI*XTEST00000001"
    );
    assert_eq!(carried[3]["segment"], "NM1*QC*1*Fakeperson*Jane");
}

#[test]
fn one_claim_names_its_patient_in_the_parties() {
    let ack = claims::acknowledge(&[claim("PCN-1", None)], &today());
    let patient = ack.message.parties.patient.as_ref().unwrap();
    assert_eq!(patient.member_id.as_deref(), Some("XTEST00000001"));
    assert!(!ack.message.extensions.contains_key("x12.unmapped"));
    assert_eq!(ack.message.correlation.claim_id.as_deref(), Some("PCN-1"));
}

/// Every line: charge = paid + CO-45 + CO-50 + PR-2; every claim: CLP03 = sum of charges,
/// CLP04 = sum of payments, CLP03 - CLP04 = every adjustment; BPR02 = sum of CLP04.
fn assert_balanced(message: &Message) {
    let Body::Remittance(r) = &message.body else {
        panic!("a remittance")
    };
    assert!(
        r.balance_problems().is_empty(),
        "{:?}",
        r.balance_problems()
    );
    for c in &r.claims {
        for l in &c.service_lines {
            let adjusted: Money = l.adjustments.iter().map(|a| a.amount).sum();
            assert_eq!(l.charge, l.paid + adjusted, "{l:?}");
            assert!(l.adjustments.iter().all(|a| matches!(
                (a.group.as_str(), a.reason.code.as_str()),
                ("CO", "45" | "50") | ("PR", "2")
            )));
        }
        let charges: Money = c.service_lines.iter().map(|l| l.charge).sum();
        let paid: Money = c.service_lines.iter().map(|l| l.paid).sum();
        assert_eq!(c.charge, charges);
        assert_eq!(c.paid, paid);
    }
    let total: Money = r.claims.iter().map(|c| c.paid).sum();
    assert_eq!(r.payment.amount, total);
    assert!(r.provider_adjustments.is_empty());
}

fn accepted(pcn: &str, procedure: Option<&str>) -> Accepted {
    Accepted {
        message: claim(pcn, procedure),
        payer_claim_control_number: format!("ICN-{pcn}"),
    }
}

fn payments(message: &Message) -> &[ClaimPayment] {
    let Body::Remittance(r) = &message.body else {
        panic!("a remittance")
    };
    &r.claims
}

#[test]
fn the_835_pays_allowed_less_coinsurance_and_adds_up() {
    let rules = Rules::default();
    let remittance = remit::remit(
        &[accepted("PCN-1", None), accepted("PCN-2", Some("97110"))],
        &rules,
        &today(),
    )
    .unwrap();
    assert_balanced(&remittance);
    let claims = payments(&remittance);
    // 150.00: allowed 120.00, CO-45 30.00, PR-2 24.00, paid 96.00;
    // 100.00: allowed 80.00, CO-45 20.00, PR-2 16.00, paid 64.00.
    let first = &claims[0];
    assert_eq!(first.status, ClaimPaymentStatus::ProcessedAsPrimary);
    assert_eq!(
        (first.charge, first.paid),
        (money("250.00"), money("160.00"))
    );
    assert_eq!(first.patient_responsibility, Some(money("40.00")));
    assert_eq!(
        first.payer_claim_control_number.as_deref(),
        Some("ICN-PCN-1")
    );
    let line = &first.service_lines[0];
    assert_eq!(line.allowed_amount, Some(money("120.00")));
    let adjustments: Vec<(String, String, Money)> = line
        .adjustments
        .iter()
        .map(|a| (a.group.as_str().to_owned(), a.reason.code.clone(), a.amount))
        .collect();
    assert_eq!(
        adjustments,
        [
            ("CO".into(), "45".into(), money("30.00")),
            ("PR".into(), "2".into(), money("24.00"))
        ]
    );
    // The 97110 line is denied with CO-50 for its whole charge; the others are paid.
    let second = &claims[1];
    assert_eq!(second.status, ClaimPaymentStatus::ProcessedAsPrimary);
    let denied = &second.service_lines[2];
    assert_eq!(denied.paid, money("0.00"));
    assert_eq!(denied.adjustments.len(), 1);
    assert_eq!(denied.adjustments[0].reason.code, "50");
    assert_eq!(denied.adjustments[0].amount, money("80.00"));
    assert_eq!(
        (second.charge, second.paid),
        (money("330.00"), money("160.00"))
    );
    let Body::Remittance(r) = &remittance.body else {
        unreachable!()
    };
    assert_eq!(r.payment.amount, money("320.00"));
    let check = &r.payment.trace.as_ref().unwrap().reference;
    assert!(check.starts_with("CHK"), "{check}");
    assert_eq!(
        remittance.correlation.trace_numbers,
        std::slice::from_ref(check)
    );
}

#[test]
fn a_deny_claim_is_denied_entirely_with_co_50() {
    let remittance =
        remit::remit(&[accepted("DENY-7", None)], &Rules::default(), &today()).unwrap();
    assert_balanced(&remittance);
    let c = &payments(&remittance)[0];
    assert_eq!(c.status, ClaimPaymentStatus::Denied);
    assert_eq!(c.paid, money("0.00"));
    assert_eq!(c.patient_responsibility, Some(money("0.00")));
    assert!(c.service_lines.iter().all(|l| l.adjustments.len() == 1
        && l.adjustments[0].reason.code == "50"
        && l.adjustments[0].amount == l.charge));
    // Nothing paid: a notification, not a check.
    let Body::Remittance(r) = &remittance.body else {
        unreachable!()
    };
    assert_eq!(r.payment.amount, money("0.00"));
    assert_eq!(r.payment.method.x12_code(), "NON");
    // Only denied procedures also make a denied claim.
    let rules = Rules {
        deny_procedures: vec!["99213".into(), "j0696".into()],
        ..Rules::default()
    };
    let remittance = remit::remit(&[accepted("PCN-9", None)], &rules, &today()).unwrap();
    assert_eq!(payments(&remittance)[0].status, ClaimPaymentStatus::Denied);
}

#[test]
fn odd_percentages_round_to_cents_and_still_add_up() {
    let rules = Rules {
        deny_procedures: Vec::new(),
        allowed_percent: Decimal::new(7333, 2),
        coinsurance_percent: Decimal::new(175, 1),
    };
    let mut m = claim("PCN-ODD", None);
    let Body::Claim(c) = &mut m.body else {
        unreachable!()
    };
    c.service_lines[0].charge = money("133.33");
    c.service_lines[1].charge = money("0.01");
    c.total_charge = c.line_charge_total();
    let remittance = remit::remit(
        &[Accepted {
            message: m,
            payer_claim_control_number: "ICN".into(),
        }],
        &rules,
        &today(),
    )
    .unwrap();
    assert_balanced(&remittance);
    let line = &payments(&remittance)[0].service_lines[0];
    // 133.33 x 73.33 % = 97.770889 -> 97.77; x 17.5 % = 17.10975 -> 17.11.
    assert_eq!(line.allowed_amount, Some(money("97.77")));
    assert_eq!(line.paid, money("80.66"));
    // Allowed 100 %, coinsurance 0: no zero adjustment is written.
    let rules = Rules {
        deny_procedures: Vec::new(),
        allowed_percent: Decimal::ONE_HUNDRED,
        coinsurance_percent: Decimal::ZERO,
    };
    let remittance = remit::remit(&[accepted("PCN-FULL", None)], &rules, &today()).unwrap();
    assert_balanced(&remittance);
    let c = &payments(&remittance)[0];
    assert_eq!(c.paid, c.charge);
    assert!(c.service_lines.iter().all(|l| l.adjustments.is_empty()));
}

#[test]
fn the_same_input_gives_the_same_answers() {
    let batch = [
        claim("PCN-A", Some("97110")),
        claim("REJ-B", None),
        claim("PCN-C", None),
    ];
    let (a, b) = (
        claims::acknowledge(&batch, &today()),
        claims::acknowledge(&batch, &today()),
    );
    assert_eq!(a, b);
    let rules = Rules::default();
    assert_eq!(
        remit::remit(&a.accepted, &rules, &today()),
        remit::remit(&b.accepted, &rules, &today())
    );
    // Another claim gets another payer claim control number, and another batch another check.
    let other = claims::acknowledge(&[claim("PCN-D", None)], &today());
    assert_ne!(
        other.accepted[0].payer_claim_control_number,
        a.accepted[0].payer_claim_control_number
    );
    let request: Message = serde_json::from_str(ELIGIBILITY).unwrap();
    assert_eq!(
        eligibility::respond(&request),
        eligibility::respond(&request)
    );
}

/// A benefit as (information, time period, amount or percent, first service type).
type Summary = (
    BenefitInfo,
    Option<TimePeriod>,
    Option<String>,
    Option<String>,
);

fn eligibility_request(member: Option<&str>) -> Message {
    with_member(serde_json::from_str(ELIGIBILITY).unwrap(), member)
}

#[test]
fn an_active_member_gets_the_plans_benefits_and_the_trace_back() {
    let request = eligibility_request(Some("XTEST00000001"));
    assert_eq!(eligibility::standing(&request), Standing::Active);
    let response = eligibility::respond(&request).unwrap();
    let Body::EligibilityResponse(r) = &response.body else {
        panic!("an eligibility.response")
    };
    assert_eq!(r.traces[0].reference, "TRACE-TEST-270-1");
    assert_eq!(r.traces[0].trace_type.as_deref(), Some("2"));
    assert_eq!(r.traces[0].originator.as_deref(), Some("9990000001"));
    assert_eq!(response.correlation.trace_numbers, ["TRACE-TEST-270-1"]);
    let summary: Vec<Summary> = r
        .benefits
        .iter()
        .map(|b| {
            (
                b.info,
                b.time_period,
                b.amount
                    .map(|a| a.to_string())
                    .or(b.percent.map(|p| p.to_string())),
                b.service_types.first().map(|s| s.code.clone()),
            )
        })
        .collect();
    let s = |t: &str| Some(t.to_owned());
    assert_eq!(
        summary,
        [
            (BenefitInfo::ActiveCoverage, None, None, s("30")),
            (
                BenefitInfo::CoPayment,
                Some(TimePeriod::Visit),
                s("25.00"),
                s("98")
            ),
            (BenefitInfo::CoInsurance, None, s("0.20"), s("30")),
            (
                BenefitInfo::Deductible,
                Some(TimePeriod::CalendarYear),
                s("1500.00"),
                s("30")
            ),
            (
                BenefitInfo::Deductible,
                Some(TimePeriod::Remaining),
                s("350.00"),
                s("30")
            ),
            (
                BenefitInfo::OutOfPocket,
                Some(TimePeriod::CalendarYear),
                s("5000.00"),
                s("30")
            ),
            (
                BenefitInfo::OutOfPocket,
                Some(TimePeriod::Remaining),
                s("4200.00"),
                s("30")
            ),
        ]
    );
    assert_eq!(
        r.benefits[0].plan_description.as_deref(),
        Some("Clearway Test PPO")
    );
    assert!(r.rejections.is_empty());
}

#[test]
fn inactive_and_invalid_members() {
    let response = eligibility::respond(&eligibility_request(Some("INACT-1"))).unwrap();
    let Body::EligibilityResponse(r) = &response.body else {
        panic!()
    };
    assert_eq!(r.benefits.len(), 1);
    assert_eq!(r.benefits[0].info, BenefitInfo::Inactive);
    for member in [None, Some(""), Some("BAD123")] {
        let request = eligibility_request(member);
        assert_eq!(eligibility::standing(&request), Standing::InvalidMember);
        let response = eligibility::respond(&request).unwrap();
        let Body::EligibilityResponse(r) = &response.body else {
            panic!()
        };
        assert!(r.benefits.is_empty());
        assert_eq!(r.rejections.len(), 1);
        assert_eq!(r.rejections[0].reason_code, "72");
        assert_eq!(r.rejections[0].follow_up_action.as_deref(), Some("C"));
        assert_eq!(r.traces[0].reference, "TRACE-TEST-270-1");
    }
}

#[test]
fn a_277_says_what_happened_to_the_claim() {
    let request: Message = serde_json::from_str(STATUS).unwrap();
    let remittance = remit::remit(
        &[accepted("PCN-TEST-0001", None)],
        &Rules::default(),
        &today(),
    )
    .unwrap();
    let payment = payments(&remittance)[0].clone();
    let paid = ClaimState::Remitted {
        payment: Box::new(payment),
        check: Some("EFT1".into()),
        date: Some("2024-04-02".parse().unwrap()),
    };
    let code_of = |state: &ClaimState| {
        let response = status::respond_status(&request, state, &today()).unwrap();
        let Body::ClaimStatusResponse(r) = response.body else {
            panic!()
        };
        let s = &r.statuses[0];
        (
            format!(
                "{}:{}",
                s.code.category.code,
                s.code.status.as_ref().unwrap().code
            ),
            s.paid,
            s.check_number.clone(),
            r.trace.map(|t| (t.trace_type, t.reference)),
        )
    };
    let (code, amount, check, trace) = code_of(&paid);
    assert_eq!(code, "F1:65");
    assert_eq!(amount, Some(money("160.00")));
    assert_eq!(check.as_deref(), Some("EFT1"));
    let Body::ClaimStatusRequest(asked) = &request.body else {
        panic!()
    };
    assert_eq!(
        trace,
        Some((
            Some("2".into()),
            asked.trace.as_ref().unwrap().reference.clone()
        ))
    );
    let pending = ClaimState::Accepted {
        payer_claim_control_number: Some("TCH1".into()),
    };
    assert_eq!(code_of(&pending).0, "P1:20");
    assert_eq!(code_of(&ClaimState::Unknown).0, "A4:35");
}

fn prior_auth(procedure: &str, quantity: &str) -> Message {
    let mut m: Message = serde_json::from_str(PRIOR_AUTH).unwrap();
    let Body::PriorAuthRequest(r) = &mut m.body else {
        panic!()
    };
    r.services[0].procedure = Some(Code::new(CodeSystem::Cpt, procedure));
    r.services[0].quantity = Some(quantity.parse().unwrap());
    m
}

#[test]
fn a_278_is_certified_pended_or_denied() {
    let rules = Rules::default();
    let decide = |m: &Message| {
        let response = status::respond_prior_auth(m, &rules, &today()).unwrap();
        let Body::PriorAuthResponse(r) = response.body else {
            panic!()
        };
        r
    };
    let certified = decide(&prior_auth("70553", "1"));
    assert_eq!(certified.action, CertificationAction::CertifiedInTotal);
    let number = certified.authorization_number.clone().unwrap();
    assert!(number.starts_with("AUTH"), "{number}");
    let period = certified.effective_period.clone().unwrap();
    assert_eq!(period.start, Some("2024-03-10".parse().unwrap()));
    assert_eq!(period.end, Some("2024-06-07".parse().unwrap()));
    assert_eq!(certified.services[0].quantity, Some("1".parse().unwrap()));
    assert_eq!(
        certified.trace.as_ref().unwrap().trace_type.as_deref(),
        Some("2")
    );
    assert_eq!(
        decide(&prior_auth("70553", "21")).action,
        CertificationAction::Pended
    );
    assert_eq!(
        decide(&prior_auth("70553", "20")).action,
        CertificationAction::CertifiedInTotal
    );
    let denied = decide(&prior_auth("97110", "1"));
    assert_eq!(denied.action, CertificationAction::NotCertified);
    assert!(denied.authorization_number.is_none());
    assert_eq!(denied.reasons.len(), 1);
}

#[test]
fn dates_add_across_months_and_years() {
    let d = |s: &str| s.parse::<clearway_schemas::Date>().unwrap();
    assert_eq!(
        status::add_days(&d("2024-12-15"), 89),
        Some(d("2025-03-14"))
    );
    assert_eq!(status::add_days(&d("2024-02-28"), 1), Some(d("2024-02-29")));
}
