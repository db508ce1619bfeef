//! Encoding eligibility and claim status messages built without an X12 source (as the FHIR
//! connector makes them): what the TR3 requires and the message lacks is refused by JSON
//! pointer, never by value; what it leaves optional gets the TR3 defaults.

mod common;

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::body::status::{ClaimStatusResponse, LineStatus, StatusInfo};
use clearway_plugin_sdk::schemas::body::{
    EligibilityRequest, EligibilityResponse, Rejection, RejectionLevel, Trace,
};
use clearway_plugin_sdk::schemas::{
    Body, Code, CodeSystem, Date, EntityType, Message, Party, Period,
};
use clearway_x12::config::Config;
use clearway_x12::decode::decode;
use clearway_x12::encode::encode;

/// Ids and a creation time, no control number.
fn config() -> Config {
    common::config(&[("interchange_datetime", "202401020304")])
}

/// An organization.
fn org(name: &str) -> Party {
    Party {
        entity_type: Some(EntityType::Organization),
        name: Some(name.into()),
        ..Party::default()
    }
}

/// A date.
fn day(text: &str) -> Date {
    text.parse().expect("date")
}

/// The JSON pointers of an `Invalid` error.
fn paths(result: Result<Vec<clearway_plugin_sdk::Payload>, ConnectorError>) -> Vec<String> {
    match result {
        Err(ConnectorError::Invalid(problems)) => problems
            .iter()
            .map(|p| p.location.path.clone().unwrap_or_default())
            .collect(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

/// `message` with the parties the TR3 requires: payer, provider and a subscriber (with name
/// prefix `prefix`) who is the patient.
fn with_parties(mut message: Message, prefix: Option<&str>) -> Message {
    message.parties.payer = Some(Party {
        payer_id: Some("ACME01".into()),
        ..org("ACME HEALTH PLAN")
    });
    message.parties.provider = Some(Party {
        npi: Some("1234567893".into()),
        ..org("SPRINGFIELD CLINIC")
    });
    message.parties.subscriber = Some(Party {
        member_id: Some("MBR100".into()),
        prefix: prefix.map(str::to_owned),
        ..Party::person("ROE", "RICHARD")
    });
    message
}

/// A 270 for a subscriber who is the patient, with the parties the TR3 requires.
fn request() -> Message {
    let message = Message::new(Body::EligibilityRequest(EligibilityRequest {
        traces: vec![Trace {
            trace_type: None,
            reference: "REQ-1".into(),
            originator: Some("9CLEARWAY1".into()),
            supplemental: None,
        }],
        date_of_service: Some(Period::day(day("2024-01-02"))),
        ..EligibilityRequest::default()
    }));
    with_parties(message, Some("DR"))
}

#[test]
fn a_270_without_an_x12_source_gets_the_tr3_defaults_and_round_trips() {
    let message = request();
    let payloads = encode(std::slice::from_ref(&message), &config()).expect("encodes");
    let text = String::from_utf8_lossy(&payloads[0].data).into_owned();
    for expected in [
        "GS*HS*CLEARWAY*PARTNER*20240102*0304*",
        "ST*270*0001*005010X279A1~",
        "BHT*0022*13*",
        "*20240102*0304~",
        "HL*1**20*1~",
        "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME01~",
        "HL*2*1*21*1~",
        "NM1*1P*2*SPRINGFIELD CLINIC*****XX*1234567893~",
        "HL*3*2*22*0~",
        "TRN*1*REQ-1*9CLEARWAY1~",
        "NM1*IL*1*ROE*RICHARD****MI*MBR100~",
        "DTP*291*D8*20240102~",
        "EQ*30~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert!(!text.contains("DR"), "NM106 is not used in a 270:\n{text}");
    let again = decode(&payloads[0].data).expect("decodes");
    let Body::EligibilityRequest(body) = &again[0].body else {
        panic!("not a request")
    };
    assert_eq!(body.service_types[0].code, "30");
    assert_eq!(again[0].correlation.trace_numbers, ["REQ-1"]);
}

#[test]
fn a_270_lacking_what_the_tr3_requires_is_refused_by_pointer() {
    let mut message = request();
    message.parties.payer.as_mut().expect("payer").payer_id = None;
    message.parties.subscriber = None;
    if let Body::EligibilityRequest(body) = &mut message.body {
        body.traces[0].originator = None;
        body.diagnoses.push(Code::new(CodeSystem::Cpt, "99213"));
    }
    let result = encode(&[request(), message], &config());
    assert_eq!(
        paths(result),
        [
            "/1/parties/payer/payer_id",
            "/1/parties/subscriber",
            "/1/body/traces",
            "/1/body/traces/0/originator",
            "/1/body/diagnoses/0/system",
        ]
    );
}

#[test]
fn refusals_name_the_place_never_the_value() {
    let mut message = request();
    message.parties.payer.as_mut().expect("payer").name = None;
    let Err(ConnectorError::Invalid(problems)) = encode(&[message], &config()) else {
        panic!("expected an Invalid error")
    };
    for problem in &problems {
        for value in ["ACME", "ROE", "RICHARD", "MBR100", "REQ-1"] {
            assert!(!problem.message.contains(value), "{}", problem.message);
        }
    }
    assert_eq!(
        problems[0].location.path.as_deref(),
        Some("/0/parties/payer/name")
    );
}

#[test]
fn a_dependent_cannot_carry_subscriber_inquiry_rejections_alone() {
    let mut message = request();
    message.body = Body::EligibilityResponse(EligibilityResponse {
        rejections: vec![Rejection {
            level: RejectionLevel::SubscriberInquiry,
            valid_request: Some(true),
            reason_code: "57".into(),
            follow_up_action: Some("C".into()),
        }],
        ..EligibilityResponse::default()
    });
    message.parties.patient = Some(Party::person("ROE", "JUNE"));
    assert_eq!(paths(encode(&[message], &config())), ["/0/body"]);
}

/// A 277 answering for one claim with a line.
fn status() -> Message {
    let message = Message::new(Body::ClaimStatusResponse(ClaimStatusResponse {
        trace: Some(Trace {
            reference: "STATTRACE1".into(),
            ..Trace::default()
        }),
        patient_control_number: Some("PCN-1".into()),
        statuses: vec![StatusInfo::new(
            Code::new(CodeSystem::X12ClaimStatusCategory, "F1"),
            None,
        )],
        lines: vec![LineStatus {
            procedure: Some(Code::new(CodeSystem::Cpt, "99213")),
            charge: Some("100".parse().expect("amount")),
            ..LineStatus::default()
        }],
        ..ClaimStatusResponse::default()
    }));
    with_parties(message, None)
}

#[test]
fn a_277_lacking_status_codes_and_line_amounts_is_refused_by_pointer() {
    assert_eq!(
        paths(encode(&[status()], &config())),
        [
            "/0/body/statuses/0/code/status",
            "/0/body/statuses/0/effective_date",
            "/0/body/lines/0/service_period",
            "/0/body/lines/0/paid",
            "/0/body/lines/0/units",
            "/0/body/lines/0/statuses",
        ]
    );
}

#[test]
fn a_complete_277_gets_the_configured_receiver_and_round_trips() {
    let mut message = status();
    if let Body::ClaimStatusResponse(body) = &mut message.body {
        let status = &mut body.statuses[0];
        status.code.status = Some(Code::new(CodeSystem::X12ClaimStatus, "65"));
        status.effective_date = Some(day("2024-01-02"));
        status.payment_method = Some("ACH".into());
        let line = &mut body.lines[0];
        line.paid = Some("80".parse().expect("amount"));
        line.units = Some("1".parse().expect("units"));
        line.service_period = Some(Period::day(day("2023-12-20")));
        line.statuses = vec![status.clone()];
    }
    let payloads = encode(std::slice::from_ref(&message), &config()).expect("encodes");
    let text = String::from_utf8_lossy(&payloads[0].data).into_owned();
    for expected in [
        "BHT*0010*08*",
        "*0304*DG~",
        "NM1*41*2*PARTNER*****46*PARTNER~",
        "HL*4*3*22*0~",
        "TRN*2*STATTRACE1~",
        "STC*F1:65*20240102~",
        "REF*EJ*PCN-1~",
        "SVC*HC:99213*100*80****1~",
        "DTP*472*D8*20231220~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert!(!text.contains("ACH"), "STC07 is not used in a 277:\n{text}");
    let again = decode(&payloads[0].data).expect("decodes");
    assert_eq!(again[0].correlation.claim_id.as_deref(), Some("PCN-1"));
}

#[test]
fn messages_of_different_transaction_sets_stay_apart() {
    let mut second = request();
    second.extensions.insert(
        "x12.BHT".into(),
        serde_json::json!({"BHT03": "OTHER", "BHT04": "20240102", "BHT05": "0304"}),
    );
    let payloads = encode(&[request(), second], &config()).expect("encodes");
    let text = String::from_utf8_lossy(&payloads[0].data).into_owned();
    assert!(text.contains("ST*270*0002*"), "{text}");
    assert!(text.contains("BHT*0022*13*OTHER*20240102*0304~"), "{text}");
    assert_eq!(decode(&payloads[0].data).expect("decodes").len(), 2);
}
