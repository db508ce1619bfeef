//! The `fhir-out` transport against a FHIR server stand-in on loopback: a remittance
//! from the clearinghouse (an 835 decoded by the real x12 connector) is encoded by the
//! real FHIR R4 connector and created on the EHR as one transaction (retried on 503,
//! bearer token from a secret reference, conditional creates by identifier); the
//! resources it sends validate as R4; a rejection is final and its OperationOutcome is
//! recorded by code and path, never by its diagnostics; a redirect is not followed and
//! an oversized answer is not read past `max_response_kib`, both recorded as errors.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{Answer, Hub, Received, http_server, plugin, root, validate_fhir_r4};
use serde_json::{Value, json};

/// Every request the stand-in saw.
type Seen = Arc<Mutex<Vec<Received>>>;

fn config(port: u16, collections: &str) -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.fhir]
plugin = "{fhir}"
limits = {{ memory_mib = 256, timeout_ms = 10000 }}

[connectors.x12]
plugin = "{x12}"
config = {{ sender_id = "CLEARWAY", receiver_id = "CLEARINGHOUSE" }}

[endpoints.clearinghouse]
transport = "http"
connector = "x12"

[endpoints.ehr]
transport = "fhir-out"
connector = "fhir"
base_url = "http://127.0.0.1:{port}/fhir/"
collections = "{collections}"
bearer_token = "file:token.txt"
retry = {{ max_attempts = 4, initial_backoff_ms = 50, max_backoff_ms = 200 }}

[[routes]]
from = "clearinghouse"
kinds = ["remittance"]
to = ["ehr"]
"#,
        fhir = plugin("fhir-r4").display(),
        x12 = plugin("x12").display()
    )
}

/// A hub with the stand-in answering `answer(n, request)` for the nth request; the 835
/// fixture posted; returns the hub, the remittance's id and what the stand-in saw.
fn run(
    collections: &str,
    answer: impl Fn(usize, &Received) -> Answer + Send + 'static,
) -> (Hub, String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let port = http_server(move |request| {
        let mut seen = s.lock().unwrap();
        let n = seen.len();
        seen.push(request.clone());
        answer(n, request)
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "ehr-token-7\n").unwrap();
    let hub = Hub::start_in(dir, &config(port, collections));
    let remit = std::fs::read(root().join("plugins/x12/tests/fixtures/remit_basic.x12")).unwrap();
    let (status, body) = hub.post_inbound("clearinghouse", &remit);
    assert_eq!(status, 202, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    (hub, id, seen)
}

fn fhir_json(status: u16, headers: Vec<(String, String)>, body: &Value) -> Answer {
    let mut headers = headers;
    headers.push(("content-type".into(), "application/fhir+json".into()));
    (status, headers, serde_json::to_vec(body).unwrap())
}

#[test]
fn a_remittance_is_created_on_the_ehr_as_one_transaction() {
    let (hub, id, seen) = run("transaction", |n, request| {
        if n == 0 {
            return (503, Vec::new(), Vec::new());
        }
        let bundle: Value = serde_json::from_slice(&request.body).unwrap();
        let entries: Vec<Value> = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|_| json!({"response": {"status": "201 Created"}}))
            .collect();
        fhir_json(
            200,
            Vec::new(),
            &json!({"resourceType": "Bundle", "type": "transaction-response", "entry": entries}),
        )
    });
    hub.wait_for("delivered to the EHR", 60, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let history = rec["record"]["history"].as_array().unwrap();
    let statuses: Vec<&str> = history
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["decoded", "queued", "retrying", "delivered"]);
    let note = history.last().unwrap()["note"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        note.contains("HTTP 200 Bundle:") && note.contains("(201, 201"),
        "{note}"
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let sent = &seen[1];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/fhir")
    );
    assert_eq!(sent.header("authorization"), Some("Bearer ehr-token-7"));
    assert_eq!(sent.header("content-type"), Some("application/fhir+json"));
    assert_eq!(sent.header("accept"), Some("application/fhir+json"));
    let bundle: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(bundle["type"], "transaction");
    let entries = bundle["entry"].as_array().unwrap();
    let types: Vec<&str> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types[0], "PaymentReconciliation", "{types:?}");
    assert!(
        types[1..].iter().all(|t| *t == "ExplanationOfBenefit") && types.len() >= 2,
        "{types:?}"
    );
    for entry in entries {
        assert_eq!(entry["request"]["method"], "POST");
        assert_eq!(entry["request"]["url"], entry["resource"]["resourceType"]);
    }
    assert!(
        entries[0]["request"]["ifNoneExist"]
            .as_str()
            .unwrap()
            .starts_with("identifier="),
        "{}",
        entries[0]
    );
    validate_fhir_r4(&[bundle])
        .unwrap_or_else(|e| panic!("the transaction is not valid FHIR R4:\n{e}"));
    assert!(
        !hub.log().contains("ehr-token-7"),
        "secrets never reach the log"
    );
}

#[test]
fn a_rejection_is_final_and_recorded_without_diagnostics() {
    let (hub, id, seen) = run("entries", |_, _| {
        let outcome = json!({"resourceType": "OperationOutcome", "issue": [{
            "severity": "error", "code": "required",
            "diagnostics": "Patient SMITH, JOHN has no coverage",
            "expression": ["PaymentReconciliation.requestor"]
        }]});
        fhir_json(422, Vec::new(), &outcome)
    });
    hub.wait_for("dead", 60, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "dead"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let last = rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["error"]["code"], "delivery.http_status");
    let message = last["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "HTTP 422: OperationOutcome error/required at PaymentReconciliation.requestor"
        ),
        "{message}"
    );
    assert!(
        !message.contains("SMITH") && !hub.log().contains("SMITH"),
        "diagnostics are never recorded"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        1,
        "a rejected payload is not sent again; later entries are not sent"
    );
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/fhir/PaymentReconciliation")
    );
    assert!(
        seen[0]
            .header("if-none-exist")
            .is_some_and(|s| s.starts_with("identifier=")),
        "{:?}",
        seen[0].headers
    );
}

/// The last history entry of message `id` once it is `dead`.
fn dead(hub: &Hub, id: &str) -> Value {
    hub.wait_for("dead", 60, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "dead"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

#[test]
fn a_redirect_is_not_followed_and_is_recorded_by_status_and_host() {
    let (hub, id, seen) = run("transaction", |_, _| {
        (
            308,
            vec![(
                "location".into(),
                "https://other.example.org/fhir?patient=SMITH-JOHN".into(),
            )],
            Vec::new(),
        )
    });
    let last = dead(&hub, &id);
    assert_eq!(last["error"]["code"], "delivery.redirect", "{last}");
    let message = last["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 308") && message.contains("`other.example.org`"),
        "{message}"
    );
    assert!(
        !message.contains("SMITH") && !hub.log().contains("SMITH-JOHN"),
        "{message}"
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a redirect is neither followed nor retried"
    );
}

#[test]
fn an_oversized_answer_is_bounded_and_recorded() {
    // A transaction-response padded past the default 1024 KiB.
    let (hub, id, seen) = run("transaction", |_, _| {
        let padding = "p".repeat(1100 * 1024);
        fhir_json(
            200,
            Vec::new(),
            &json!({"resourceType": "Bundle", "type": "transaction-response", "id": padding, "entry": []}),
        )
    });
    let last = dead(&hub, &id);
    assert_eq!(
        last["error"]["code"], "delivery.response_too_large",
        "{last}"
    );
    let message = last["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 200") && message.contains("max_response_kib = 1024 KiB"),
        "{message}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "not sent again");
}
