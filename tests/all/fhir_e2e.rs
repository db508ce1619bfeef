//! End to end through the FHIR facade with the real FHIR R4 connector: an EHR (a
//! Python client on fhirclient) submits a Claim Bundle and it arrives where the routes
//! say, as an 837P that pyx12 accepts, numbered from the hub's control-number sequence;
//! a real-time CoverageEligibilityRequest comes back as a CoverageEligibilityResponse
//! that two independent R4 libraries accept.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{
    Hub, client_with_token, example, files, http_receiver, plugin, root, validate_fhir_r4,
    validate_x12, validator_python,
};
use serde_json::Value;

fn config(payer_port: u16) -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.fhir]
plugin = "{fhir}"
limits = {{ memory_mib = 256, timeout_ms = 10000 }}

[connectors.json]
plugin = "{json}"

[connectors.x12]
plugin = "{x12}"
config = {{ sender_id = "CLEARWAY", receiver_id = "CLEARINGHOUSE", usage = "T", interchange_datetime = "202401010000" }}
grants = ["control-numbers"]

[endpoints.ehr]
transport = "fhir"
connector = "fhir"

[endpoints.claims-out]
transport = "dir-out"
connector = "x12"
path = "outbox"

[endpoints.payer]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{payer_port}/270"

[endpoints.replies]
transport = "http"
connector = "json"

[[routes]]
from = "ehr"
kinds = ["claim"]
to = ["claims-out"]

[[routes]]
from = "ehr"
kinds = ["eligibility.request"]
to = ["payer"]
request_reply = true
reply_timeout_ms = 20000
"#,
        fhir = plugin("fhir-r4").display(),
        json = plugin("json").display(),
        x12 = plugin("x12").display()
    )
}

#[test]
fn claims_flow_through_and_eligibility_comes_back_as_fhir() {
    // A payer that answers every eligibility request through the `replies` endpoint.
    let hub_url: Arc<Mutex<Option<(String, String)>>> = Arc::default();
    let url = hub_url.clone();
    let port = http_receiver(move |_, body| {
        let request: Value = serde_json::from_slice(body).unwrap();
        let mut response = example("eligibility.response");
        response["correlation"]["trace_numbers"] = request["correlation"]["trace_numbers"].clone();
        let (base, token) = url.lock().unwrap().clone().unwrap();
        let r = client_with_token(&token)
            .post(format!("{base}/v1/inbound/replies"))
            .body(serde_json::to_vec(&response).unwrap())
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        200
    });
    let hub = Hub::start(&config(port));
    *hub_url.lock().unwrap() = Some((
        hub.url.clone(),
        hub.create_token("payer", "sender", &["replies"]),
    ));

    // The EHR is a Python client built on fhirclient 4.4.0 (tests/clients/fhir_ehr_client.py):
    // it reads the CapabilityStatement, submits a Claim Bundle (202), checks eligibility in
    // real time (200 CoverageEligibilityResponse, parsed strictly) and submits a broken
    // Claim (422 OperationOutcome), saving each answer.
    let answers = tempfile::tempdir().unwrap();
    // The EHR is a sender: its token may post to the `ehr` endpoint only.
    let ehr_token = hub.create_token("ehr", "sender", &["ehr"]);
    let out = std::process::Command::new(validator_python("fhir"))
        .env("CLEARWAY_TOKEN", &ehr_token)
        .arg(root().join("tests/clients/fhir_ehr_client.py"))
        .arg(format!("{}/fhir/ehr", hub.url))
        .arg(root().join("plugins/fhir-r4/tests/fixtures"))
        .arg(answers.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the fhirclient EHR failed:\n{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        hub.log()
    );
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["fhirVersion"], "4.0.1", "{summary}");
    assert_eq!(
        summary["eligibility"]["resourceType"], "CoverageEligibilityResponse",
        "{summary}"
    );
    let location = summary["submit"]["location"].as_str().unwrap();
    assert!(location.contains("/v1/messages/"), "{summary}");
    let paths: Vec<&str> = summary["rejected"]["expressions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("productOrService")),
        "{summary}"
    );

    // The submitted claim was decoded, routed and written to the outbox as an 837P that
    // pyx12 accepts.
    hub.wait_for("the claim in the outbox", 60, || {
        files(&hub.path("outbox")).len() == 1
    });
    let name = &files(&hub.path("outbox"))[0];
    let interchange = std::fs::read(hub.path("outbox").join(name)).unwrap();
    let text = String::from_utf8_lossy(&interchange);
    assert!(
        text.starts_with("ISA*") && text.contains("ST*837*") && text.contains("CLM*PCN-1001*"),
        "{text}"
    );
    assert!(
        text.contains("*000000001*0*T*"),
        "the interchange number comes from the hub's sequence: {text}"
    );
    validate_x12(&interchange).unwrap_or_else(|e| panic!("pyx12 rejects the 837P:\n{e}\n{text}"));

    let answer = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(answers.path().join(name)).unwrap()).unwrap()
    };
    validate_fhir_r4(&[
        answer("submit.json"),
        answer("eligibility.json"),
        answer("rejected.json"),
    ])
    .unwrap_or_else(|e| panic!("not valid FHIR R4:\n{e}"));
}
