//! The FHIR facade's mechanics (routes, media type, OperationOutcome errors with
//! the problem's path, CapabilityStatement), judged by two R4 model libraries.
//! The endpoint here uses the json connector; FHIR-to-normalized translation is
//! the FHIR connector's own test.

use clearway_tests::support::{Hub, claim, json_config, validate_fhir_r4};
use serde_json::Value;

fn post(hub: &Hub, path: &str, body: &[u8]) -> (u16, String, Option<String>, Value) {
    let r = hub
        .http()
        .post(format!("{}{path}", hub.url))
        .header("content-type", "application/fhir+json")
        .body(body.to_vec())
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ct, location, r.json().unwrap_or(Value::Null))
}

#[test]
fn facade_answers_in_valid_fhir() {
    let hub = Hub::start(&json_config(
        "\n[endpoints.ehr]\ntransport = \"fhir\"\nconnector = \"json\"\n\n[[routes]]\nfrom = \"ehr\"\nto = [\"out\"]\n",
    ));

    let r = hub
        .http()
        .get(format!("{}/fhir/ehr/metadata", hub.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
    let cap: Value = r.json().unwrap();
    assert_eq!(cap["resourceType"], "CapabilityStatement");
    assert_eq!(cap["fhirVersion"], "4.0.1");
    let types: Vec<&str> = cap["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Claim", "CoverageEligibilityRequest"]);

    // Accepted: 202, an informational OperationOutcome, a Location to the message.
    let (status, ct, location, ok) = post(
        &hub,
        "/fhir/ehr/Claim/$submit",
        &serde_json::to_vec(&claim("FHIR-1")).unwrap(),
    );
    assert_eq!(status, 202, "{ok}");
    assert_eq!(ct, "application/fhir+json");
    let location = location.expect("a Location header");
    assert_eq!(
        hub.get(&location).0,
        200,
        "Location {location} leads to the message"
    );

    // Rejected: 422 OperationOutcome, one issue per problem, each with its path.
    let mut bad = claim("FHIR-2");
    bad["body"]["total_charge"] = Value::from(3);
    bad["oops"] = Value::from("x");
    let (status, _, _, rejected) = post(
        &hub,
        "/fhir/ehr/Claim/$submit",
        &serde_json::to_vec(&bad).unwrap(),
    );
    assert_eq!(status, 422);
    let issues = rejected["issue"].as_array().unwrap();
    assert!(issues.len() >= 2, "{rejected}");
    assert!(
        issues
            .iter()
            .any(|i| i["expression"][0] == "/body/total_charge"),
        "{rejected}"
    );

    // The wrong resource for the operation, an unknown endpoint, an http endpoint.
    let (status, _, _, wrong) = post(
        &hub,
        "/fhir/ehr/Claim/$submit",
        br#"{"resourceType":"Patient"}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(wrong["issue"][0]["code"], "not-supported");
    let (status, _, _, missing) = post(&hub, "/fhir/nope/Claim/$submit", b"{}");
    assert_eq!(status, 404);
    assert_eq!(
        hub.get("/fhir/in/metadata").0,
        404,
        "an http endpoint is not a FHIR endpoint"
    );

    validate_fhir_r4(&[cap, ok, rejected, wrong, missing])
        .unwrap_or_else(|e| panic!("not valid FHIR R4:\n{e}"));
}
