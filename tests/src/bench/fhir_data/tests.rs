use super::*;

#[test]
fn numbers_keep_their_exact_text() {
    let text = r#"{"a": 174.50, "b": [1, -2.5E3, 0.10], "s": "x\"1 -2", "t": true}"#;
    let value: Value = serde_json::from_str(&protect_numbers(text)).unwrap();
    let back = restore_numbers(&serde_json::to_string(&value).unwrap());
    assert_eq!(
        back,
        r#"{"a":174.50,"b":[1,-2.5E3,0.10],"s":"x\"1 -2","t":true}"#
    );
}

#[test]
fn claims_carry_their_patients_and_coverage_contained() {
    let template =
        crate::bench::read_text("plugins/fhir-r4/tests/fixtures/claim-professional-bundle.json")
            .unwrap();
    let built = claims_bundle(&template, 3).unwrap();
    let bundle: Value = serde_json::from_str(&built.json).unwrap();
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(built.entries, entries.len());
    let claims: Vec<&Value> = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Claim")
        .collect();
    assert_eq!((claims.len(), built.claims), (3, 3));
    // Patient, subscriber and Coverage travel with each Claim; the rest is shared once.
    let shared = entries.len() - 3;
    assert_eq!(built.resources, 3 * 4 + shared);
    assert!(entries.iter().all(|e| !matches!(
        e["resource"]["resourceType"].as_str(),
        Some("Patient" | "Coverage")
    )));
    let ids: BTreeSet<&str> = claims
        .iter()
        .map(|c| c["resource"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let second = &claims[1]["resource"];
    assert_eq!(second["identifier"][0]["value"], "BENCH000000001");
    assert_eq!(second["patient"]["reference"], "#pat-1");
    assert_eq!(second["insurance"][0]["coverage"]["reference"], "#cov-1");
    let contained = second["contained"].as_array().unwrap();
    let coverage = contained
        .iter()
        .find(|r| r["resourceType"] == "Coverage")
        .unwrap();
    assert_eq!(coverage["beneficiary"]["reference"], "#pat-1");
    assert!(coverage["subscriberId"].as_str().unwrap().ends_with("-1"));
    // Shared references still point into the Bundle.
    assert_eq!(second["insurer"]["reference"], "Organization/payer-1");
    assert!(
        built.json.contains("\"value\":174.50"),
        "amounts keep their text"
    );
    assert!(!built.json.contains("null"), "no element is added empty");
}

#[test]
fn acks_answer_each_claim() {
    let normalized = crate::bench::read_text(
        "plugins/fhir-r4/tests/fixtures/claim-professional-bundle.normalized.json",
    )
    .unwrap();
    let messages: Vec<Value> = serde_json::from_str(&normalized).unwrap();
    let texts: Vec<String> = messages.iter().map(Value::to_string).collect();
    let acks = claim_acks(&texts).unwrap();
    assert_eq!(acks.len(), texts.len());
    let ack: Value = serde_json::from_str(&acks[0]).unwrap();
    assert_eq!(ack["kind"], "claim.ack");
    assert_eq!(
        ack["correlation"]["claim_id"],
        messages[0]["correlation"]["claim_id"]
    );
    let status = &ack["body"]["claim_statuses"][0];
    assert_eq!(status["total_charge"], messages[0]["body"]["total_charge"]);
    assert_eq!(status["payer_claim_control_number"], "ICN000000000");
    assert!(claim_acks(&["{\"kind\": \"remittance\"}".to_owned()]).is_err());
}
