//! Behaviour of the connector as a whole: what is rejected, how, and where.

use clearway_plugin_sdk::schemas::{Body, Kind};
use clearway_plugin_sdk::{Connector, ConnectorError, InboundMeta, Message, OutboundMeta};
use serde_json::{Value, json};

use crate::{FhirR4, decode, encode};

/// A minimal valid R4 professional Claim with one item.
fn claim() -> Value {
    json!({
        "resourceType": "Claim",
        "identifier": [{"value": "PCN-SECRET-1"}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
        "use": "claim",
        "patient": {"reference": "Patient/p1", "display": "Zed Secretname"},
        "created": "2024-01-02",
        "provider": {"reference": "Organization/o1"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/c1"}}],
        "item": [{"sequence": 1, "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}]},
                  "net": {"value": 80.10, "currency": "USD"}}]
    })
}

/// Decodes a JSON value.
fn run(value: &Value) -> Result<Vec<Message>, ConnectorError> {
    decode::decode(value.to_string().as_bytes())
}

/// The FHIRPaths of an `Invalid` error.
fn paths(result: Result<Vec<Message>, ConnectorError>) -> Vec<String> {
    match result {
        Err(ConnectorError::Invalid(problems)) => {
            for problem in &problems {
                assert!(!problem.message.contains("SECRET"), "{problem}");
            }
            problems
                .into_iter()
                .filter_map(|p| p.location.path)
                .collect()
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_minimal_claim_decodes_with_exact_amounts() {
    // `json!` holds 80.10 as an f64; write the trailing zero back into the text.
    let text = claim()
        .to_string()
        .replace("\"value\":80.1}", "\"value\":80.10}");
    assert!(text.contains("80.10"));
    let messages = decode::decode(text.as_bytes()).expect("valid claim");
    let Body::Claim(body) = &messages[0].body else {
        panic!("a claim");
    };
    assert_eq!(body.total_charge.to_string(), "80.10");
    assert_eq!(
        messages[0].correlation.claim_id.as_deref(),
        Some("PCN-SECRET-1")
    );
    let patient = messages[0].parties.patient.as_ref().expect("patient");
    assert_eq!(patient.name.as_deref(), Some("Zed Secretname"));
}

#[test]
fn item_problems_are_located_by_fhirpath() {
    let mut value = claim();
    value["item"][0]["productOrService"] = json!({});
    value["item"]
        .as_array_mut()
        .expect("items")
        .push(json!({"sequence": 2}));
    // fhir-sdk stops at the first structural problem: item[1] has no productOrService.
    assert_eq!(paths(run(&value)), ["Claim.item[1].productOrService"]);
    value["item"].as_array_mut().expect("items").pop();
    assert_eq!(paths(run(&value)), ["Claim.item[0].productOrService"]);
}

#[test]
fn r4_rules_the_types_do_not_enforce_are_checked() {
    let mut value = claim();
    value["insurance"] = json!([]);
    value["status"] = json!("SECRET-status");
    let found = paths(run(&value));
    assert!(found.contains(&"Claim.status".to_owned()), "{found:?}");
    let mut value = claim();
    value["insurance"] = json!([]);
    assert_eq!(paths(run(&value)), ["Claim.insurance"]);
}

#[test]
fn what_is_not_a_message_is_unsupported() {
    let patient = json!({"resourceType": "Patient", "name": [{"family": "Secret"}]});
    assert!(matches!(run(&patient), Err(ConnectorError::Unsupported(_))));
    let mut predetermination = claim();
    predetermination["use"] = json!("predetermination");
    assert!(matches!(
        run(&predetermination),
        Err(ConnectorError::Unsupported(_))
    ));
    let document = json!({"resourceType": "Bundle", "type": "document", "entry": []});
    assert!(matches!(
        run(&document),
        Err(ConnectorError::Unsupported(_))
    ));
    assert_eq!(paths(run(&json!({"no": "type"}))), ["resourceType"]);
    assert_eq!(
        paths(run(&json!({"resourceType": "EligibilityRequest"}))),
        ["EligibilityRequest.resourceType"]
    );
}

#[test]
fn a_coverage_the_claim_uses_is_not_a_message_of_its_own() {
    let mut value = claim();
    value["insurance"][0]["coverage"] = json!({"reference": "urn:uuid:c"});
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:k", "resource": value},
        {"fullUrl": "urn:uuid:c", "resource": {"resourceType": "Coverage", "status": "active",
            "subscriberId": "M1", "beneficiary": {"reference": "Patient/p1"},
            "payor": [{"display": "Plan"}]}},
        {"resource": {"resourceType": "Coverage", "status": "active",
            "beneficiary": {"reference": "Patient/p2"}, "payor": [{"display": "Other plan"}]}}
    ]});
    let messages = run(&bundle).expect("valid bundle");
    let kinds: Vec<Kind> = messages.iter().map(Message::kind).collect();
    assert_eq!(kinds, [Kind::Claim, Kind::Coverage]);
    let subscriber = messages[0].parties.subscriber.as_ref().expect("subscriber");
    assert_eq!(subscriber.member_id.as_deref(), Some("M1"));
    assert_eq!(
        messages[0]
            .parties
            .payer
            .as_ref()
            .and_then(|p| p.name.as_deref()),
        Some("Plan")
    );
}

#[test]
fn encode_needs_a_date_and_a_supported_kind() {
    let response: Message = serde_json::from_value(json!({
        "schema_version": "0.1.0", "kind": "eligibility.response", "body": {}
    }))
    .expect("a message");
    let Err(ConnectorError::Invalid(problems)) = encode::encode(&[response]) else {
        panic!("no id and no date must be invalid");
    };
    assert_eq!(problems[0].location.path.as_deref(), Some("/0/id"));
    let claim = run(&claim()).expect("valid claim");
    assert!(matches!(
        encode::encode(&claim),
        Err(ConnectorError::Unsupported(_))
    ));
}

#[test]
fn the_connector_wires_decode_and_encode() {
    let description = FhirR4::describe();
    assert_eq!(description.name, crate::NAME);
    assert!(description.decodes.contains(&Kind::PriorAuthRequest));
    assert!(description.encodes.contains(&Kind::Remittance));
    assert_eq!(description.formats, [crate::CONTENT_TYPE]);
    let messages =
        FhirR4::decode(claim().to_string().as_bytes(), &InboundMeta::default()).expect("decodes");
    assert_eq!(messages.len(), 1);
    let error =
        FhirR4::encode(messages, &OutboundMeta::default()).expect_err("claims are not encoded");
    assert!(matches!(error, ConnectorError::Unsupported(_)));
}
