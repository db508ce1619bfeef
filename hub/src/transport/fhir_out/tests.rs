//! How `fhir-out` addresses payloads and reads answers.

use serde_json::{Value, json};

use super::*;

fn plan_of(collections: FhirCollections, body: Value) -> Vec<Request> {
    plan("ehr", collections, body.to_string().as_bytes()).expect("plan")
}

#[test]
fn a_resource_with_an_id_is_put_by_id() {
    let requests = plan_of(
        FhirCollections::Transaction,
        json!({"resourceType": "Claim", "id": "c-1.a"}),
    );
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, Method::Put);
    assert_eq!(requests[0].path, "Claim/c-1.a");
    assert!(!requests[0].bundle);
}

#[test]
fn a_resource_without_an_id_is_created_once_by_its_identifier() {
    let body = json!({
        "resourceType": "PaymentReconciliation",
        "id": "not/an id",
        "identifier": [{"system": "urn:x|y", "value": ""}, {"system": "https://payer.example/eft", "value": "EFT 44&5"}]
    });
    let requests = plan_of(FhirCollections::Transaction, body);
    assert_eq!(requests[0].path, "PaymentReconciliation");
    assert_eq!(
        requests[0].method,
        Method::Post {
            if_none_exist: Some("identifier=https%3A%2F%2Fpayer.example%2Feft|EFT%2044%265".into())
        }
    );
    let bare = plan_of(
        FhirCollections::Transaction,
        json!({"resourceType": "Claim", "identifier": {"value": "PCN-1"}}),
    );
    assert_eq!(
        bare[0].method,
        Method::Post {
            if_none_exist: Some("identifier=PCN-1".into())
        }
    );
    let none = plan_of(
        FhirCollections::Transaction,
        json!({"resourceType": "Claim"}),
    );
    assert_eq!(
        none[0].method,
        Method::Post {
            if_none_exist: None
        }
    );
}

#[test]
fn transaction_and_batch_bundles_go_to_the_base_as_they_are() {
    for kind in ["transaction", "batch"] {
        let body = json!({"resourceType": "Bundle", "type": kind, "entry": []});
        let requests = plan_of(FhirCollections::Entries, body.clone());
        assert_eq!(
            requests,
            vec![Request {
                method: Method::Post {
                    if_none_exist: None
                },
                path: String::new(),
                body,
                bundle: true
            }]
        );
    }
}

fn collection() -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "PaymentReconciliation", "identifier": [{"value": "EFT-1"}]}},
        {"resource": {"resourceType": "ExplanationOfBenefit", "id": "eob-1"}}
    ]})
}

#[test]
fn a_collection_becomes_one_transaction_with_a_request_per_entry() {
    let requests = plan_of(FhirCollections::Transaction, collection());
    assert_eq!(requests.len(), 1);
    assert!(requests[0].bundle && requests[0].path.is_empty());
    let body = &requests[0].body;
    assert_eq!(body["type"], "transaction");
    assert_eq!(body["entry"][0]["fullUrl"], "urn:uuid:1");
    assert_eq!(
        body["entry"][0]["request"],
        json!({"method": "POST", "url": "PaymentReconciliation", "ifNoneExist": "identifier=EFT-1"})
    );
    assert_eq!(
        body["entry"][1]["request"],
        json!({"method": "PUT", "url": "ExplanationOfBenefit/eob-1"})
    );
    assert_eq!(body["entry"][1]["resource"]["id"], "eob-1");
    let batch = plan_of(FhirCollections::Batch, collection());
    assert_eq!(batch[0].body["type"], "batch");
}

#[test]
fn a_collection_can_be_sent_entry_by_entry() {
    let requests = plan_of(FhirCollections::Entries, collection());
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        ["PaymentReconciliation", "ExplanationOfBenefit/eob-1"]
    );
}

#[test]
fn payloads_that_are_not_resources_are_refused_for_good() {
    for (data, why) in [
        (&b"ISA*00*"[..], "is not JSON"),
        (br#"{"id": "1"}"#, "has no valid `resourceType`"),
        (
            br#"{"resourceType": "../Claim"}"#,
            "has no valid `resourceType`",
        ),
        (
            br#"{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {}}]}"#,
            "Bundle.entry[0]",
        ),
        (
            br#"{"resourceType": "Bundle", "type": "collection"}"#,
            "empty collection",
        ),
        (
            br#"{"resourceType": "Bundle", "type": "message", "entry": []}"#,
            "`message` Bundle",
        ),
    ] {
        let error = plan("ehr", FhirCollections::Transaction, data).expect_err("refused");
        assert!(!error.retryable);
        assert!(error.info.message.contains(why), "{}", error.info.message);
    }
}

#[test]
fn an_operation_outcome_is_summarized_without_its_diagnostics() {
    let outcome = json!({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "required", "diagnostics": "Patient DOE, JANE missing", "expression": ["Claim.item[0].productOrService"]},
        {"severity": "error", "code": "value", "expression": ["Claim.identifier.where(value='PCN-9')"]},
        {"severity": "warning", "code": "Bad Code!"}
    ]});
    let text = outcome_summary(&outcome);
    assert_eq!(
        text,
        ": OperationOutcome error/required at Claim.item[0].productOrService; error/value; warning/?"
    );
    assert_eq!(outcome_summary(&json!({"resourceType": "Patient"})), "");
}

#[test]
fn every_entry_of_a_bundle_response_must_succeed() {
    let ok = json!({"resourceType": "Bundle", "type": "transaction-response", "entry": [
        {"response": {"status": "201 Created"}}, {"response": {"status": "200"}}
    ]});
    assert_eq!(
        bundle_note("ehr", StatusCode::OK, &ok).expect("ok"),
        "HTTP 200 Bundle: 2 entries (201, 200)"
    );
    let partial = json!({"resourceType": "Bundle", "type": "batch-response", "entry": [
        {"response": {"status": "201 Created"}},
        {"response": {"status": "422 Unprocessable Entity", "outcome": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]}}}
    ]});
    let error = bundle_note("ehr", StatusCode::OK, &partial).expect_err("entry failed");
    assert!(!error.retryable);
    assert!(
        error
            .info
            .message
            .contains("HTTP 422 for Bundle.entry[1]: OperationOutcome error/invalid"),
        "{}",
        error.info.message
    );
    let busy = json!({"entry": [{"response": {"status": "503"}}]});
    assert!(
        bundle_note("ehr", StatusCode::OK, &busy)
            .expect_err("busy")
            .retryable
    );
    let missing = json!({"entry": [{"response": {}}]});
    assert!(
        !bundle_note("ehr", StatusCode::OK, &missing)
            .expect_err("no status")
            .retryable
    );
}

#[test]
fn locations_are_noted_below_the_base() {
    assert_eq!(
        relative("https://ehr/fhir", "https://ehr/fhir/Claim/7/_history/1"),
        "Claim/7/_history/1"
    );
    assert_eq!(relative("https://ehr/fhir", "Claim/7"), "Claim/7");
}
