//! Unit tests of the 837I: TR3 rules on decode, the `HI` order and dates both ways, and the
//! encode refusals by JSON pointer.

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::body::claim::ClaimType;
use clearway_plugin_sdk::schemas::body::{DiagnosisRole, PresentOnAdmission};
use clearway_plugin_sdk::schemas::{Body, Claim, Message};

use super::encode::bill_parts;
use crate::p837::test_support::{self, encoded, error, first_claim};
use crate::syntax::ErrorKind;

/// The inpatient fixture: one claim with every institutional code the model maps.
const INPATIENT: &str = include_str!("../../tests/fixtures/837i-inpatient.x12");

/// The fixture with `from` replaced by `to` (one segment for one, so `SE01` still holds).
fn edited(from: &str, to: &str) -> String {
    test_support::edited(INPATIENT, from, to)
}

/// The claim of the single message decoded from `text`.
fn claim(text: &str) -> (Message, Claim) {
    let (messages, claim) = first_claim(text);
    assert_eq!(messages.len(), 1);
    (messages[0].clone(), claim)
}

#[test]
fn type_of_bill_splits_into_facility_and_frequency() {
    assert_eq!(bill_parts("0111"), Some(("11", "1")));
    assert_eq!(bill_parts("137"), Some(("13", "7")));
    assert_eq!(
        bill_parts("1111"),
        None,
        "four characters need the leading zero"
    );
    assert_eq!(bill_parts("0A11"), None);
    assert_eq!(bill_parts("11"), None);
}

#[test]
fn decodes_the_institutional_header() {
    let (message, claim) = claim(INPATIENT);
    assert_eq!(claim.claim_type, ClaimType::Institutional);
    assert_eq!(message.correlation.claim_id.as_deref(), Some("INPT-1001"));
    assert_eq!(
        message.correlation.authorization_number.as_deref(),
        Some("AUTH-I-1")
    );
    assert_eq!(
        claim.bill_type.as_ref().map(|b| b.code.as_str()),
        Some("0111")
    );
    let dates = &claim.dates;
    assert_eq!(
        dates.admission.as_ref().map(|d| d.as_str()),
        Some("2024-03-01")
    );
    assert_eq!(
        dates
            .admission_time
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("08:15")
    );
    assert_eq!(
        dates
            .discharge_time
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("11:30")
    );
    let info = claim.institutional.as_ref().expect("institutional");
    assert_eq!(
        info.patient_status.as_ref().map(|c| c.code.as_str()),
        Some("01")
    );
    assert_eq!(info.drg.as_ref().map(|c| c.code.as_str()), Some("193"));
    assert_eq!((info.occurrences.len(), info.value_codes.len()), (2, 2));
    let roles: Vec<DiagnosisRole> = claim.diagnoses.iter().map(|d| d.role).collect();
    assert_eq!(
        roles[..4],
        [
            DiagnosisRole::Principal,
            DiagnosisRole::Admitting,
            DiagnosisRole::PatientReason,
            DiagnosisRole::PatientReason,
        ]
    );
    assert_eq!(
        claim.diagnoses[0].present_on_admission,
        Some(PresentOnAdmission::Yes)
    );
    assert_eq!(claim.procedures.len(), 2);
    let roles: Vec<&str> = message
        .parties
        .other
        .iter()
        .filter_map(|p| p.role.as_ref().map(|r| r.code.as_str()))
        .collect();
    assert_eq!(roles, ["71", "72", "ZZ"]);
    assert!(message.parties.rendering_provider.is_some());
    assert!(message.parties.service_facility.is_some());
    assert!(message.parties.referring_provider.is_some());
    assert!(claim.service_lines[2].rendering_provider.is_some(), "2420C");
}

#[test]
fn hi_segments_follow_the_tr3_order_and_diagnoses_are_renumbered() {
    // An other diagnosis before the principal, the DRG last: read in TR3 order.
    let text =
        edited("HI*ABK:J189:::::::Y~", "HI*ABF:Z7689~").replacen("HI*DR:193~", "HI*ABK:J189~", 1);
    let (message, claim) = claim(&text);
    assert_eq!(claim.diagnoses[0].role, DiagnosisRole::Principal);
    assert_eq!(claim.diagnoses[0].sequence, 1);
    assert_eq!(claim.diagnoses[0].present_on_admission, None);
    let sequences: Vec<u32> = claim.diagnoses.iter().map(|d| d.sequence).collect();
    assert_eq!(sequences, (1..=sequences.len() as u32).collect::<Vec<_>>());
    let text = encoded(&[message]).expect("encodes");
    let his: Vec<&str> = text.lines().filter(|l| l.starts_with("HI*")).collect();
    assert!(his[0].starts_with("HI*ABK:J189"), "{his:?}");
    assert!(his[1].starts_with("HI*ABJ:"), "{his:?}");
    assert!(
        his.iter().any(|h| h.starts_with("HI*ABF:Z7689*ABF:E119")),
        "{his:?}"
    );
}

#[test]
fn decode_refuses_what_the_tr3_does_not_allow() {
    let cases = [
        (
            "CLM*INPT-1001*12500.00***11:A:1",
            "CLM*INPT-1001*12500.00***1X:A:1",
            "CLM05-1",
        ),
        ("HI*BE:80:::4*", "HI*BE:80:::X*", "HI01-5"),
        (
            "HI*BBR:5A1955Z:D8:20240302",
            "HI*BBR:5A1955Z:RD8:20240302",
            "HI01-3",
        ),
        ("HI*BG:20*BG:39", "HI*BG:20*ZZ:39", "HI02-1"),
        ("HI*ABK:J189:::::::Y", "HI*ABK:J189:::::::1", "HI01-9"),
        (
            "HI*BI:70:RD8:20240225-20240228",
            "HI*BI:70:RD8:20240230-20240301",
            "HI01-4",
        ),
        ("DTP*096*TM*1130", "DTP*096*TM*1190", "DTP03"),
        ("SV2*0300*HC:85025:90", "SV2*0300*AD:85025:90", "SV202-1"),
        (
            "SV2*0120**10000.00*DA*4",
            "SV2*0120**10000.00*XX*4",
            "SV204",
        ),
    ];
    for (from, to, element) in cases {
        let error = error(&edited(from, to));
        assert_eq!(
            error.position.element.as_deref(),
            Some(element),
            "{to}: {error}"
        );
    }
    let missing_cl1 = edited("CL1*1*7*01~", "NTE*UPI*NO CL1~");
    assert_eq!(
        error(&missing_cl1).kind,
        ErrorKind::MissingSegment("segment CL1".into())
    );
}

#[test]
fn encode_writes_dates_cl1_and_no_unused_clm_elements() {
    let (message, _) = claim(INPATIENT);
    let text = encoded(&[message]).expect("encodes");
    for expected in [
        "CLM*INPT-1001*12500.00***11:A:1**A*Y*Y~",
        "DTP*096*TM*1130~\nDTP*434*RD8*20240301-20240305~\nDTP*435*DT*202403010815~\nCL1*1*7*01~",
        "HI*DR:193~",
        "HI*TC:ZZTEST1~\nNM1*71*1*",
        "PRV*AT*PXC*207R00000X~",
        "SV2*0250*HC:J1885*500.00*UN*10**50.00~",
        "ST*837*0001*005010X223A2~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
}

#[test]
fn a_one_day_statement_period_is_written_as_a_range() {
    let (mut message, mut claim) = claim(INPATIENT);
    let day = claim
        .dates
        .service_period
        .as_ref()
        .and_then(|p| p.start.clone());
    claim.dates.service_period = day.map(clearway_plugin_sdk::schemas::Period::day);
    message.body = Body::Claim(claim);
    let text = encoded(&[message]).expect("encodes");
    assert!(text.contains("DTP*434*RD8*20240301-20240301~"), "{text}");
}

#[test]
fn encode_refuses_a_claim_missing_what_the_tr3_requires() {
    let (mut message, mut claim) = claim(INPATIENT);
    if let Some(provider) = message.parties.provider.as_mut() {
        provider.tax_id = None;
    }
    message.parties.payer.as_mut().expect("payer").payer_id = None;
    claim.bill_type = None;
    claim.dates.service_period = None;
    if let Some(info) = claim.institutional.as_mut() {
        info.patient_status = None;
    }
    claim.procedures[1].date = None;
    claim
        .diagnoses
        .retain(|d| d.role != DiagnosisRole::Principal);
    claim.service_lines[0].revenue_code = None;
    message.body = Body::Claim(claim);
    let Err(ConnectorError::Invalid(problems)) = encoded(&[message]) else {
        panic!("expected Invalid");
    };
    let paths: Vec<&str> = problems
        .iter()
        .filter_map(|p| p.location.path.as_deref())
        .collect();
    assert_eq!(
        paths,
        [
            "/0/parties/provider/tax_id",
            "/0/parties/payer/payer_id",
            "/0/body/bill_type",
            "/0/body/dates/service_period",
            "/0/body/institutional/patient_status",
            "/0/body/diagnoses",
            "/0/body/procedures/1/date",
            "/0/body/service_lines/0/revenue_code",
        ]
    );
    for problem in &problems {
        assert!(problem.message.contains("837I"), "{}", problem.message);
        assert!(
            !problem.message.contains("AUTH-I-1"),
            "no values in messages"
        );
    }
}

#[test]
fn encode_refuses_more_codes_than_the_hi_segments_hold() {
    let (mut message, mut claim) = claim(INPATIENT);
    let other = claim
        .diagnoses
        .iter()
        .find(|d| d.role == DiagnosisRole::Other)
        .cloned()
        .expect("other diagnosis");
    claim.diagnoses.extend(std::iter::repeat_n(other, 25));
    let info = claim.institutional.as_mut().expect("institutional");
    let condition = info.condition_codes[0].clone();
    info.condition_codes
        .extend(std::iter::repeat_n(condition, 23));
    message.body = Body::Claim(claim);
    let Err(ConnectorError::Invalid(problems)) = encoded(&[message]) else {
        panic!("expected Invalid");
    };
    let paths: Vec<&str> = problems
        .iter()
        .filter_map(|p| p.location.path.as_deref())
        .collect();
    assert_eq!(
        paths,
        ["/0/body/diagnoses", "/0/body/institutional/condition_codes"]
    );
}
