//! End to end through the FHIR facade with the real FHIR R4 connector: an EHR
//! submits a Claim Bundle and it arrives where the routes say, as an 837P that
//! pyx12 accepts; a real-time
//! CoverageEligibilityRequest comes back as a CoverageEligibilityResponse that
//! two independent R4 libraries accept.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{Hub, example, files, http, http_receiver, plugin, root, validate_fhir_r4, validate_x12};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("plugins/fhir-r4/tests/fixtures").join(name)).unwrap()
}

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
    let hub_url: Arc<Mutex<Option<String>>> = Arc::default();
    let url = hub_url.clone();
    let port = http_receiver(move |_, body| {
        let request: Value = serde_json::from_slice(body).unwrap();
        let mut response = example("eligibility.response");
        response["correlation"]["trace_numbers"] = request["correlation"]["trace_numbers"].clone();
        let base = url.lock().unwrap().clone().unwrap();
        let r = http().post(format!("{base}/v1/inbound/replies")).body(serde_json::to_vec(&response).unwrap()).send().unwrap();
        assert_eq!(r.status().as_u16(), 202);
        200
    });
    let hub = Hub::start(&config(port));
    *hub_url.lock().unwrap() = Some(hub.url.clone());

    // A Claim Bundle: 202, the claim decoded, routed and written to the outbox as
    // an 837P that pyx12 accepts. (The billing provider needs an address for a
    // valid 837P; the fixture's has none, so it gets one here.)
    let mut claim: Value = serde_json::from_slice(&fixture("claim-professional-bundle.json")).unwrap();
    let provider_ref = claim["entry"][0]["resource"]["provider"]["reference"].as_str().unwrap().to_owned();
    for entry in claim["entry"].as_array_mut().unwrap() {
        if entry["fullUrl"] == provider_ref.as_str() {
            entry["resource"]["address"] = serde_json::json!([{ "line": ["100 Example Street"], "city": "Springfield", "state": "OR", "postalCode": "97477" }]);
        }
    }
    let r = http()
        .post(format!("{}/fhir/ehr/Claim/$submit", hub.url))
        .header("content-type", "application/fhir+json")
        .body(serde_json::to_vec(&claim).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let ok: Value = r.json().unwrap();
    hub.wait_for("the claim in the outbox", 60, || files(&hub.path("outbox")).len() == 1);
    let name = &files(&hub.path("outbox"))[0];
    let interchange = std::fs::read(hub.path("outbox").join(name)).unwrap();
    let text = String::from_utf8_lossy(&interchange);
    assert!(text.starts_with("ISA*") && text.contains("ST*837*") && text.contains("CLM*PCN-1001*"), "{text}");
    validate_x12(&interchange).unwrap_or_else(|e| panic!("pyx12 rejects the 837P:\n{e}\n{text}"));

    // Real-time eligibility: the answer is a CoverageEligibilityResponse.
    let r = http()
        .post(format!("{}/fhir/ehr/CoverageEligibilityRequest", hub.url))
        .header("content-type", "application/fhir+json")
        .body(fixture("eligibility-request.json"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
    let answer: Value = r.json().unwrap();
    assert_eq!(answer["resourceType"], "CoverageEligibilityResponse", "{answer}");

    // A Claim that breaks R4 structure: 422 OperationOutcome with the FHIRPath.
    let mut bad: Value = serde_json::from_slice(&fixture("claim-professional-bundle.json")).unwrap();
    bad["entry"][0]["resource"]["item"][0]["productOrService"] = Value::from(7);
    let r = http()
        .post(format!("{}/fhir/ehr/Claim/$submit", hub.url))
        .header("content-type", "application/fhir+json")
        .body(serde_json::to_vec(&bad).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let rejected: Value = r.json().unwrap();
    let paths: Vec<String> = rejected["issue"].as_array().unwrap().iter().filter_map(|i| i["expression"][0].as_str().map(str::to_owned)).collect();
    assert!(paths.iter().any(|p| p.contains("productOrService")), "{rejected}");

    validate_fhir_r4(&[ok, answer, rejected]).unwrap_or_else(|e| panic!("not valid FHIR R4:\n{e}"));
}
