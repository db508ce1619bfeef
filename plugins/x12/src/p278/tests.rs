//! Unit tests of the 278 (005010X217) rules the connector implements. No external validator
//! here has a 278 map, so these pin the TR3 rules: required loops and segments, `HL` codes
//! and parents, the `HCR01`, `UM01` and `UM02` code lists, dates and `BHT02`;
//! `tests_encode.rs` covers what an encode writes and refuses.

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationAction, CertificationType, RequestCategory,
};
use clearway_plugin_sdk::schemas::{Body, Message};

use crate::config::Config;
use crate::decode::decode;
use crate::encode::encode;

/// The levels above the patient event (UMO, requester, subscriber).
pub(super) const UPPER: &str = "HL*1**20*1~NM1*X3*2*ACME UM*****PI*ACMEUMO~\
HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~\
HL*3*2*22*1~NM1*IL*1*DOE*JOHN****MI*SUB1~";

/// An interchange around one 278 body (`BHT02` `purpose`), with a correct `SE01`.
pub(super) fn interchange(purpose: &str, body: &str) -> String {
    let segments: Vec<&str> = body.split('~').filter(|s| !s.is_empty()).collect();
    let mut text = String::from(
        "ISA*00*          *00*          *ZZ*CLINIC         *ZZ*UMO            *240501*0930*^*00501*000000001*0*T*:~\
         GS*HI*CLINIC*UMO*20240501*0930*1*X*005010X217~ST*278*0001*005010X217~",
    );
    text.push_str(&format!("BHT*0007*{purpose}*REF1*20240501*0930~"));
    for segment in &segments {
        text.push_str(segment);
        text.push('~');
    }
    text.push_str(&format!(
        "SE*{}*0001~GE*1*1~IEA*1*000000001~",
        segments.len() + 3
    ));
    text
}

/// A request with this patient event (and services) after the upper levels.
pub(super) fn request(event: &str) -> String {
    interchange("13", &format!("{UPPER}{event}"))
}

/// A response with this patient event after the upper levels.
pub(super) fn response(event: &str) -> String {
    interchange("11", &format!("{UPPER}{event}"))
}

/// The error text of decoding `text`.
fn error(text: &str) -> String {
    decode(text.as_bytes())
        .expect_err("must be rejected")
        .to_string()
}

/// The messages of decoding `text`.
pub(super) fn messages(text: &str) -> Vec<Message> {
    decode(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

/// A configuration for encodes.
pub(super) fn config() -> Config {
    Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        _ => None,
    })
    .expect("config")
}

/// The text of encoding `messages`.
pub(super) fn encoded(messages: &[Message]) -> String {
    let payloads = encode(messages, &config()).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(payloads[0].data.clone()).expect("text")
}

/// The JSON pointers of the problems of an encode that must be refused.
pub(super) fn refused(messages: &[Message]) -> Vec<String> {
    match encode(messages, &config()) {
        Err(ConnectorError::Invalid(problems)) => problems
            .iter()
            .filter_map(|p| p.location.path.clone())
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_request_decodes_and_its_hl_levels_are_written_back() {
    let text = request("HL*4*3*EV*1~UM*HS*I*1~HL*5*4*SS*0~UM*HS*I*1~SV1*HC:99213~");
    let decoded = messages(&text);
    assert_eq!(decoded.len(), 1);
    let Body::PriorAuthRequest(body) = &decoded[0].body else {
        panic!("not a request");
    };
    assert_eq!(body.services.len(), 1);
    let written = encoded(&decoded);
    for hl in [
        "HL*1**20*1~",
        "HL*2*1*21*1~",
        "HL*3*2*22*1~",
        "HL*4*3*EV*1~",
        "HL*5*4*SS*0~",
    ] {
        assert!(written.contains(hl), "{hl} missing from\n{written}");
    }
    assert!(written.contains("BHT*0007*13*REF1*20240501*0930~"));
    assert!(written.contains("GS*HI*"));
    assert_eq!(messages(&written)[0].body, decoded[0].body);
}

#[test]
fn a_request_requires_its_loops_and_segments() {
    let no_event = interchange("13", UPPER.replace("HL*3*2*22*1", "HL*3*2*22*0").as_str());
    assert!(
        error(&no_event).contains("loop 2000E"),
        "{}",
        error(&no_event)
    );
    let no_subscriber = interchange(
        "13",
        "HL*1**20*1~NM1*X3*2*ACME UM*****PI*ACMEUMO~HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1~\
         HL*3*2*22*1~HL*4*3*EV*0~UM*HS*I~",
    );
    assert!(
        error(&no_subscriber).contains("loop 2010C"),
        "{}",
        error(&no_subscriber)
    );
    let no_um = request("HL*4*3*EV*0~TRN*1*T1*1234567890~");
    assert!(error(&no_um).contains("segment UM"), "{}", error(&no_um));
    let no_service_um = request("HL*4*3*EV*1~UM*HS*I~HL*5*4*SS*0~SV1*HC:99213~");
    assert!(
        error(&no_service_um).contains("segment UM"),
        "{}",
        error(&no_service_um)
    );
}

#[test]
fn a_response_service_requires_hcr_and_a_request_allows_none() {
    let no_hcr = response("HL*4*3*EV*1~UM*HS*I~HCR*A1*A1~HL*5*4*SS*0~UM*HS*I~");
    assert!(error(&no_hcr).contains("segment HCR"), "{}", error(&no_hcr));
    let hcr_in_request = request("HL*4*3*EV*0~UM*HS*I~HCR*A1*AUTH~");
    assert!(
        error(&hcr_in_request).contains("(HCR)"),
        "{}",
        error(&hcr_in_request)
    );
    assert!(error(&hcr_in_request).contains("not allowed"));
    let aaa_in_request = request("HL*4*3*EV*0~AAA*N**15*C~UM*HS*I~");
    assert!(error(&aaa_in_request).contains("not allowed"));
}

#[test]
fn hl_parents_must_be_the_level_above() {
    let event_under_requester =
        request("HL*4*2*EV*0~UM*HS*I~").replace("HL*3*2*22*1", "HL*3*2*22*0");
    assert!(error(&event_under_requester).contains("HL02"));
    let service_under_subscriber = request("HL*4*3*EV*0~UM*HS*I~HL*5*3*SS*0~UM*HS*I~");
    assert!(error(&service_under_subscriber).contains("HL02"));
    let umo_with_parent = request("HL*4*3*EV*0~UM*HS*I~").replace("HL*1**20*1", "HL*1*1*20*1");
    assert!(error(&umo_with_parent).contains("HL02"));
    let unknown_parent = request("HL*4*9*EV*0~UM*HS*I~");
    assert!(error(&unknown_parent).contains("HL02"));
}

#[test]
fn hl04_says_whether_a_child_follows() {
    let wrong = request("HL*4*3*EV*1~UM*HS*I~");
    assert!(error(&wrong).contains("HL04"), "{}", error(&wrong));
    let missing = request("HL*4*3*EV*0~UM*HS*I~HL*5*4*SS*0~UM*HS*I~");
    assert!(error(&missing).contains("HL04"));
}

#[test]
fn hcr01_takes_the_x217_action_codes() {
    let cases = [
        ("A1", CertificationAction::CertifiedInTotal),
        ("A3", CertificationAction::NotCertified),
        ("A4", CertificationAction::Pended),
        ("A6", CertificationAction::Modified),
        ("C", CertificationAction::Cancelled),
        ("CT", CertificationAction::ContactPayer),
        ("NA", CertificationAction::NoActionRequired),
    ];
    for (code, action) in cases {
        let decoded = messages(&response(&format!("HL*4*3*EV*0~UM*HS*I~HCR*{code}*AUTH9~")));
        let Body::PriorAuthResponse(body) = &decoded[0].body else {
            panic!("not a response");
        };
        assert_eq!(body.action, action, "{code}");
        assert_eq!(
            decoded[0].correlation.authorization_number.as_deref(),
            Some("AUTH9")
        );
        assert!(encoded(&decoded).contains(&format!("HCR*{code}*AUTH9~")));
    }
    for code in ["A2", "A5", "XX"] {
        let text = response(&format!("HL*4*3*EV*0~UM*HS*I~HCR*{code}~"));
        assert!(error(&text).contains("HCR01 action code"), "{code}");
    }
    let empty = response("HL*4*3*EV*0~UM*HS*I~HCR**AUTH~");
    assert!(error(&empty).contains("HCR01"));
}

#[test]
fn um01_and_um02_take_the_x217_codes() {
    for (code, category) in [
        ("AR", RequestCategory::AdmissionReview),
        ("HS", RequestCategory::HealthServicesReview),
        ("SC", RequestCategory::SpecialtyCareReview),
    ] {
        let decoded = messages(&request(&format!("HL*4*3*EV*0~UM*{code}*I~")));
        let Body::PriorAuthRequest(body) = &decoded[0].body else {
            panic!("not a request");
        };
        assert_eq!(body.request_category, category);
    }
    assert!(error(&request("HL*4*3*EV*0~UM*IN*I~")).contains("UM01"));
    assert!(error(&request("HL*4*3*EV*0~UM**I~")).contains("UM01"));
    let types = [
        ("1", CertificationType::AppealImmediate),
        ("2", CertificationType::AppealStandard),
        ("3", CertificationType::Cancel),
        ("4", CertificationType::Extension),
        ("I", CertificationType::Initial),
        ("R", CertificationType::Renewal),
        ("S", CertificationType::Revised),
    ];
    for (code, kind) in types {
        let decoded = messages(&request(&format!("HL*4*3*EV*0~UM*HS*{code}~")));
        let Body::PriorAuthRequest(body) = &decoded[0].body else {
            panic!("not a request");
        };
        assert_eq!(body.certification_type, kind, "{code}");
        assert!(
            encoded(&decoded).contains(&format!("UM*HS*{code}~")),
            "{code}"
        );
    }
    assert!(error(&request("HL*4*3*EV*0~UM*HS*E~")).contains("UM02"));
    assert!(error(&request("HL*4*3*EV*0~UM*HS*I*1*11:Z~")).contains("UM04-2"));
    assert!(error(&request("HL*4*3*EV*0~UM*HS*I****X~")).contains("UM06"));
}

#[test]
fn dates_are_checked() {
    let bad_day = request("HL*4*3*EV*0~UM*HS*I~DTP*AAH*D8*20241301~");
    assert!(
        error(&bad_day).contains("DTP03 not a valid date"),
        "{}",
        error(&bad_day)
    );
    let bad_range = request("HL*4*3*EV*0~UM*HS*I~DTP*AAH*RD8*20240101~");
    assert!(error(&bad_range).contains("DTP03"));
    let bad_format = request("HL*4*3*EV*0~UM*HS*I~DTP*439*DT*20240101~");
    assert!(error(&bad_format).contains("DTP02"));
    let bad_hi = request("HL*4*3*EV*0~UM*HS*I~HI*ABK:M2551:D8:20240231~");
    assert!(error(&bad_hi).contains("HI01-4"));
    let service = request("HL*4*3*EV*1~UM*HS*I~HL*5*4*SS*0~UM*HS*I~DTP*472*D8*2024~");
    assert!(error(&service).contains("loop 2000F"));
}

#[test]
fn bht02_names_request_or_response() {
    let other = interchange("01", &format!("{UPPER}HL*4*3*EV*0~UM*HS*I~"));
    assert!(error(&other).contains("BHT02"));
    let response_without_decision = response("HL*4*3*EV*0~UM*HS*I~");
    let decoded = messages(&response_without_decision);
    let Body::PriorAuthResponse(body) = &decoded[0].body else {
        panic!("a BHT02 11 transaction is a response");
    };
    assert_eq!(body.action, CertificationAction::ContactPayer);
    assert!(!encoded(&decoded).contains("HCR"));
}

#[test]
fn a_gs08_naming_another_guide_is_a_warning_and_st03_wins() {
    use clearway_plugin_sdk::host::{Level, native};
    native::take_logs();
    let text = request("HL*4*3*EV*0~UM*HS*I~").replace("*X*005010X217~", "*X*005010X279~");
    let decoded = messages(&text);
    assert_eq!(decoded[0].extensions["x12.implementation"], "005010X217");
    let logs = native::take_logs();
    let warning = logs
        .iter()
        .find(|(level, _)| *level == Level::Warn)
        .map(|(_, line)| line.as_str())
        .expect("a warning");
    assert!(warning.contains("GS08 005010X279") && warning.contains("ST03 005010X217"));
    assert!(
        !warning.contains("DOE") && !warning.contains("SUB1"),
        "{warning}"
    );
    messages(&request("HL*4*3*EV*0~UM*HS*I~"));
    assert!(
        native::take_logs()
            .iter()
            .all(|(level, _)| *level != Level::Warn)
    );
}
