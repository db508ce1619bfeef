//! The README's walk-through on `examples/clearway.toml` (paths moved into a temporary
//! folder, the plugins from dist/, the test clearinghouse's 835 without delay): a FHIR
//! Claim Bundle submitted to the facade goes as an 837P to the built-in test
//! clearinghouse, whose 999, 277CA and 835 come back, are linked to the claim and
//! take it from submitted to paid on the console; the 835 it wrote passes pyx12. An
//! 835 dropped into inbox/x12/ for a claim the hub never saw is decoded, written into
//! outbox/ as JSON and listed as an unmatched payment.

use clearway_tests::support::{Hub, files, root, validate_x12};

/// The example config, runnable from a temporary folder: plugins from dist/, the data,
/// inbox and outbox folders inside the temporary folder, the port free.
fn example_config() -> String {
    let text = std::fs::read_to_string(root().join("examples/clearway.toml")).unwrap();
    let dist = root().join("dist/plugins");
    text.replace("\"../dist/plugins/", &format!("\"{}/", dist.display()))
        .replace("\"../", "\"")
        .replace("127.0.0.1:8080", "127.0.0.1:{port}")
        .replace(
            "remittance_delay_seconds = 5",
            "remittance_delay_seconds = 0",
        )
}

#[test]
fn the_readme_walk_through_works_on_the_example_config() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["inbox/x12", "outbox/x12"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
    }
    let hub = Hub::start_in(dir, &example_config());

    let r = hub
        .http()
        .post(format!("{}/fhir/ehr/Claim/$submit", hub.url))
        .header("content-type", "application/fhir+json")
        .body(std::fs::read(root().join("examples/fhir-claim-bundle.json")).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);

    // The test clearinghouse answers; the ledger takes it all in: paid.
    let mut claim = serde_json::Value::Null;
    hub.wait_for("PCN-1001 paid in the claim ledger", 60, || {
        let (_, v) = hub.get("/v1/claims?state=paid");
        claim = v["items"][0].clone();
        v["total"] == 1
    });
    assert_eq!(claim["pcn"], "PCN-1001", "{claim}");
    assert_eq!(claim["first_pass"], true, "{claim}");
    let key = claim["key"].as_str().unwrap().to_owned();
    let (status, detail) = hub.get(&format!("/v1/claims/{key}"));
    assert_eq!(status, 200, "{detail}");
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["submitted", "file_ack", "claim_ack", "payment"],
        "837, 999, 277CA, 835: {detail}"
    );
    // The console's page of the claim shows the same timeline.
    let page = hub
        .http()
        .get(format!("{}/claims/{key}", hub.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for step in [
        "Claim submitted (837P)",
        "Implementation acknowledgment (999)",
        "Claim acknowledgment (277CA)",
        "Payment (835)",
    ] {
        assert!(page.contains(step), "{step} on the claim page");
    }
    // The 835 the test clearinghouse wrote is real X12 that pyx12 accepts.
    let (_, remits) = hub.get("/v1/messages?kind=remittance");
    let remit_id = remits["items"][0]["parent"].as_str().unwrap().to_owned();
    let (_, inbound) = hub.get(&format!("/v1/messages/{remit_id}"));
    let x12 = inbound["raw"]["data"].as_str().unwrap().to_owned();
    assert!(
        x12.contains("ST*835*") && x12.contains("CLP*PCN-1001*1*"),
        "{x12}"
    );
    validate_x12(x12.as_bytes()).unwrap_or_else(|e| panic!("pyx12 rejects the 835:\n{e}\n{x12}"));

    // A clearinghouse file dropped into inbox/x12 for a claim the hub never saw.
    let remit =
        std::fs::read_to_string(root().join("plugins/x12/tests/fixtures/remit_basic.x12")).unwrap();
    let pcn = remit
        .split('~')
        .find_map(|s| s.trim().strip_prefix("CLP*"))
        .and_then(|c| c.split('*').next())
        .unwrap()
        .to_owned();
    std::fs::write(
        hub.path("inbox/x12/remit.x12.tmp"),
        remit
            .replacen(&format!("CLP*{pcn}*"), "CLP*PCN-DROPPED*", 1)
            .replacen("CLP*PCN-1002*", "CLP*PCN-DROPPED2*", 1),
    )
    .unwrap();
    std::fs::rename(
        hub.path("inbox/x12/remit.x12.tmp"),
        hub.path("inbox/x12/remit.x12"),
    )
    .unwrap();
    hub.wait_for("the dropped 835 as an unmatched payment", 60, || {
        let (_, v) = hub.get("/v1/claims?unmatched=true");
        v["total"] == 2
    });
    assert!(
        files(&hub.path("outbox"))
            .iter()
            .any(|f| f.ends_with(".json")),
        "the replies are written into outbox/ as JSON"
    );
}
