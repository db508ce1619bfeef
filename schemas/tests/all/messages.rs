//! The envelope: JSON shape, strict parsing, correlation keys, and round trips of bodies built
//! in Rust.

use clearway_schemas::body::ack::{
    AckStatus, AckType, ElementError, ErrorContext, GroupAck, InterchangeAck, InterchangeAckCode,
    SegmentError, TransactionSetAck,
};
use clearway_schemas::body::claim::{
    ClaimType, InstitutionalInfo, Occurrence, OtherSubscriber, RelatedCause, RelatedCauses,
    ServiceLine, ValueCode,
};
use clearway_schemas::body::{
    Adjustment, AdjustmentGroup, ClaimFrequency, Diagnosis, DiagnosisRole, PayerSequence,
    PresentOnAdmission, UnitType,
};
use clearway_schemas::{
    Body, Claim, ClaimAck, Code, CodeSystem, Correlation, Kind, Message, Party, Period,
    SCHEMA_VERSION,
};
use serde_json::{Value, json};

fn date(text: &str) -> clearway_schemas::Date {
    text.parse().expect("test date")
}

fn money(text: &str) -> clearway_schemas::Money {
    text.parse().expect("test amount")
}

fn round_trip(message: &Message) -> Message {
    let text = serde_json::to_string(message).expect("serializes");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("does not parse back: {e}\n{text}"))
}

fn claim_message() -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "kind": "claim",
        "body": {"patient_control_number": "PCN-T", "total_charge": "10.00"}
    })
}

#[test]
fn new_message_has_the_schema_version_and_a_minimal_json_shape() {
    let message = Message::new(Body::Claim(Claim {
        patient_control_number: "PCN-T".into(),
        total_charge: money("10.00"),
        ..Claim::default()
    }));
    assert_eq!(message.kind(), Kind::Claim);
    assert_eq!(message.schema_version, SCHEMA_VERSION);
    let value = serde_json::to_value(&message).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.iter()
            .all(|k| ["schema_version", "kind", "body"].contains(k)),
        "{keys:?}"
    );
    assert_eq!(value["kind"], json!("claim"));
    assert_eq!(value["body"]["total_charge"], json!("10.00"));
    assert_eq!(round_trip(&message), message);
}

#[test]
fn kind_written_first_in_the_json_text() {
    let mut message: Message = serde_json::from_value(claim_message()).unwrap();
    message.correlation.claim_id = Some("PCN-T".into());
    let text = serde_json::to_string(&message).unwrap();
    let kind_at = text.find("\"kind\"").unwrap();
    assert!(
        kind_at < text.find("\"body\"").unwrap() && kind_at < text.find("\"correlation\"").unwrap()
    );
}

#[test]
fn body_may_come_before_kind() {
    let text = r#"{"body": {"patient_control_number": "P", "total_charge": "1.00"},
                   "kind": "claim", "schema_version": "0.1.0"}"#;
    let message: Message = serde_json::from_str(text).unwrap();
    assert_eq!(message.kind(), Kind::Claim);
}

#[test]
fn unknown_missing_and_duplicate_top_level_keys_are_errors() {
    let mut extra = claim_message();
    extra["claim"] = json!({});
    let error = serde_json::from_value::<Message>(extra)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field"), "{error}");

    for key in ["kind", "body", "schema_version"] {
        let mut missing = claim_message();
        missing.as_object_mut().unwrap().remove(key);
        let error = serde_json::from_value::<Message>(missing)
            .unwrap_err()
            .to_string();
        assert!(error.contains(key), "{key}: {error}");
    }

    let text = r#"{"schema_version":"0.1.0","kind":"claim","kind":"claim","body":{}}"#;
    let error = serde_json::from_str::<Message>(text)
        .unwrap_err()
        .to_string();
    assert!(error.contains("duplicate field"), "{error}");
}

#[test]
fn body_must_match_kind_and_reject_unknown_keys() {
    let mut wrong_kind = claim_message();
    wrong_kind["kind"] = json!("remittance");
    assert!(serde_json::from_value::<Message>(wrong_kind).is_err());

    let mut unknown = claim_message();
    unknown["body"]["total_charges"] = json!("1.00");
    let error = serde_json::from_value::<Message>(unknown)
        .unwrap_err()
        .to_string();
    assert!(error.contains("total_charges"), "{error}");

    let mut float = claim_message();
    float["body"]["total_charge"] = json!(10.0);
    assert!(serde_json::from_value::<Message>(float).is_err());
}

#[test]
fn errors_carry_a_line_and_column() {
    let text = "{\"schema_version\": \"0.1.0\", \"kind\": \"claim\",\n \"body\": {\"patient_control_number\": \"P\",\n \"total_charge\": 12.5}}";
    let error = serde_json::from_str::<Message>(text).unwrap_err();
    assert_eq!(error.line(), 3, "{error}");
}

#[test]
fn body_alone_is_adjacently_tagged() {
    let body: Body = serde_json::from_value(json!({
        "kind": "claim", "body": {"patient_control_number": "P", "total_charge": "1.00"}
    }))
    .unwrap();
    assert_eq!(body.kind(), Kind::Claim);
    assert_eq!(serde_json::to_value(&body).unwrap()["kind"], json!("claim"));
}

#[test]
fn correlation_keys_list_every_set_key() {
    let mut correlation = Correlation {
        claim_id: Some("PCN123".into()),
        trace_numbers: vec!["T1".into(), "T2".into()],
        authorization_number: Some("A9".into()),
        ..Correlation::default()
    };
    correlation
        .other
        .insert("medical_record_number".into(), "MRN1".into());
    assert!(!correlation.is_empty());
    assert_eq!(
        correlation.keys(),
        vec![
            ("claim_id", "PCN123"),
            ("authorization_number", "A9"),
            ("trace_number", "T1"),
            ("trace_number", "T2"),
            ("medical_record_number", "MRN1"),
        ]
    );
    assert!(Correlation::default().is_empty());
    assert!(Correlation::default().keys().is_empty());
    assert_eq!(
        serde_json::to_value(Correlation::default()).unwrap(),
        json!({})
    );
}

#[test]
fn institutional_claim_with_cob_round_trips() {
    let mut payer = Party::organization("Other Test Plan");
    payer.payer_id = Some("OTHERPAYER".into());
    let claim = Claim {
        claim_type: ClaimType::Institutional,
        frequency: Some(ClaimFrequency::Replacement),
        patient_control_number: "PCN-INST-1".into(),
        total_charge: money("1200.00"),
        bill_type: Some(Code::new(CodeSystem::NubcBillType, "0117")),
        payer_claim_control_number: Some("ICN-ORIGINAL".into()),
        diagnoses: vec![Diagnosis {
            sequence: 1,
            code: Code::new(CodeSystem::Icd10Cm, "S72.001A"),
            role: DiagnosisRole::Principal,
            present_on_admission: Some(PresentOnAdmission::Yes),
        }],
        institutional: Some(InstitutionalInfo {
            admission_type: Some(Code::new(CodeSystem::NubcAdmissionType, "1")),
            patient_status: Some(Code::new(CodeSystem::NubcPatientStatus, "01")),
            occurrences: vec![Occurrence {
                code: Code::new(CodeSystem::NubcOccurrence, "01"),
                date: date("2024-01-02"),
            }],
            value_codes: vec![ValueCode {
                code: Code::new(CodeSystem::NubcValue, "80"),
                amount: money("3"),
            }],
            ..InstitutionalInfo::default()
        }),
        related_causes: Some(RelatedCauses {
            causes: vec![RelatedCause::AutoAccident],
            auto_accident_state: Some("ZZ".into()),
            auto_accident_country: None,
        }),
        other_subscribers: vec![OtherSubscriber {
            payer_responsibility: Some(PayerSequence::Primary),
            payer: Some(payer),
            paid_amount: Some(money("900.00")),
            adjustments: vec![Adjustment {
                group: AdjustmentGroup::ContractualObligation,
                reason: Code::new(CodeSystem::Carc, "45"),
                amount: money("300.00"),
                quantity: None,
            }],
            ..OtherSubscriber::default()
        }],
        service_lines: vec![ServiceLine {
            line_number: 1,
            revenue_code: Some(Code::new(CodeSystem::NubcRevenue, "0120")),
            charge: money("1200.00"),
            units: Some("3".parse().unwrap()),
            unit_type: Some(UnitType::Days),
            service_period: Some(Period::between(date("2024-01-02"), date("2024-01-05"))),
            ..ServiceLine::default()
        }],
        ..Claim::default()
    };
    assert_eq!(claim.line_charge_total(), claim.total_charge);
    assert_eq!(claim.principal_diagnosis().unwrap().code.code, "S72.001A");
    let message = Message::new(claim.into());
    let value = serde_json::to_value(&message).unwrap();
    assert_eq!(value["body"]["frequency"], json!("replacement"));
    assert_eq!(
        value["body"]["other_subscribers"][0]["adjustments"][0]["group"],
        json!("CO")
    );
    assert_eq!(round_trip(&message), message);
}

#[test]
fn implementation_ack_with_segment_and_element_errors_round_trips() {
    let mut ack = ClaimAck::new(AckType::Implementation999);
    ack.interchange = Some(InterchangeAck {
        control_number: "000000101".into(),
        date: Some(date("2024-03-01")),
        time: Some("10:15".parse().unwrap()),
        ack_code: InterchangeAckCode::Accepted,
        note_code: "000".into(),
    });
    ack.functional_groups = vec![GroupAck {
        functional_id: "HC".into(),
        control_number: "101".into(),
        version: Some("005010X222A1".into()),
        status: AckStatus::PartiallyAccepted,
        transaction_sets_included: Some(2),
        transaction_sets_received: Some(2),
        transaction_sets_accepted: Some(1),
        error_codes: vec![],
        transaction_sets: vec![TransactionSetAck {
            transaction_set_id: "837".into(),
            control_number: "0002".into(),
            implementation_reference: Some("005010X222A1".into()),
            status: AckStatus::Rejected,
            error_codes: vec!["5".into()],
            segment_errors: vec![SegmentError {
                segment_id: "CLM".into(),
                position: 22,
                loop_id: Some("2300".into()),
                error_code: "8".into(),
                context: vec![ErrorContext {
                    name: "CLM01".into(),
                    reference: Some("PCN-T".into()),
                    ..ErrorContext::default()
                }],
                element_errors: vec![ElementError {
                    position: 5,
                    component_position: Some(1),
                    repetition: None,
                    element_reference: Some("1331".into()),
                    error_code: "7".into(),
                    bad_value: None,
                    context: vec![],
                }],
            }],
        }],
    }];
    ack.acknowledged.group_control_numbers = vec!["101".into()];
    assert!(!ack.all_accepted());
    let message = Message::new(ack.into());
    let value = serde_json::to_value(&message).unwrap();
    assert_eq!(value["body"]["ack_type"], json!("999"));
    assert_eq!(
        value["body"]["functional_groups"][0]["status"],
        json!("partially_accepted")
    );
    assert_eq!(round_trip(&message), message);
}
