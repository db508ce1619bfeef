//! Acknowledgments end to end with the real x12 connector: an inbound endpoint with
//! `acknowledgments = "acks"` sends back, for every interchange it receives, the 999
//! the connector makes (accepted for a good 837P, rejected with IK3 details for one that
//! breaks the TR3); each is an `ack` record linked to its inbound payload, delivered as
//! it is into the `acks` folder, and pyx12 accepts it.

use clearway_tests::support::{Hub, clearway, files, plugin, root, validate_x12};
use serde_json::Value;

fn config() -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.x12]
plugin = "{x12}"
grants = ["control-numbers"]
config = {{ sender_id = "CLEARINGHOUSE", receiver_id = "CLEARWAY" }}

[endpoints.submitters]
transport = "http"
connector = "x12"
acknowledgments = "acks"

[endpoints.acks]
transport = "dir-out"
connector = "x12"
path = "acks"
"#,
        x12 = plugin("x12").display()
    )
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("plugins/x12/tests/fixtures").join(name)).unwrap()
}

/// The ack records of inbound payload `inbound`, once delivered.
fn acks_of(hub: &Hub, inbound: &str) -> Vec<Value> {
    let (_, page) = hub.get("/v1/messages?type=ack&limit=100");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["parent"] == inbound)
        .cloned()
        .collect()
}

#[test]
fn every_interchange_gets_its_999_back() {
    let hub = Hub::start(&config());

    let (status, body) = hub.post_inbound("submitters", &fixture("claim_patient_drug.x12"));
    assert_eq!(status, 202, "{body}");
    let good = body["inbound_id"].as_str().unwrap().to_owned();
    hub.wait_for("the 999 for the good claim", 60, || {
        acks_of(&hub, &good)
            .first()
            .is_some_and(|a| a["status"] == "delivered")
    });

    let (status, body) = hub.post_inbound("submitters", &fixture("bad-missing-n3.x12"));
    assert_eq!(status, 422, "{body}");
    let bad = body["error"]["details"]["inbound_id"]
        .as_str()
        .or(body["inbound_id"].as_str())
        .map(str::to_owned);
    let bad = bad.unwrap_or_else(|| panic!("the 422 names the stored inbound payload: {body}"));
    hub.wait_for("the 999 for the bad claim", 60, || {
        acks_of(&hub, &bad)
            .first()
            .is_some_and(|a| a["status"] == "delivered")
    });

    let texts: Vec<(String, String)> = [&good, &bad]
        .iter()
        .map(|inbound| {
            let acks = acks_of(&hub, inbound);
            assert_eq!(acks.len(), 1, "one 999 per interchange: {acks:?}");
            let id = acks[0]["id"].as_str().unwrap();
            let (_, detail) = hub.get(&format!("/v1/messages/{id}"));
            assert_eq!(detail["record"]["record_type"], "ack", "{detail}");
            let name = files(&hub.path("acks"))
                .into_iter()
                .find(|f| f.starts_with(id))
                .unwrap_or_else(|| panic!("no file for {id}"));
            let text = std::fs::read_to_string(hub.path("acks").join(&name)).unwrap();
            assert_eq!(detail["raw"]["data"], text.as_str(), "delivered as it is");
            (id.to_owned(), text)
        })
        .collect();
    let (accepted, rejected) = (&texts[0].1, &texts[1].1);
    assert!(
        accepted.contains("ST*999*") && accepted.contains("AK9*A*1*1*1"),
        "{accepted}"
    );
    assert!(
        rejected.contains("ST*999*") && rejected.contains("IK3*") && rejected.contains("AK9*R"),
        "{rejected}"
    );
    // The acks answer the submitter: sender and receiver swapped.
    assert!(
        accepted.contains("*ZZ*TESTPAYER      *ZZ*TESTSUBMIT     *"),
        "{accepted}"
    );
    for (_, text) in &texts {
        validate_x12(text.as_bytes())
            .unwrap_or_else(|e| panic!("pyx12 rejects the 999:\n{e}\n{text}"));
    }
    let (_, inbound) = hub.get(&format!("/v1/messages/{good}"));
    let note = inbound["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["note"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(note.contains("acknowledgment(s) to acks"), "{note}");
}

#[test]
fn acknowledgments_need_a_connector_that_makes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clearway.toml");
    let text = format!(
        "[connectors.json]\nplugin = \"{}\"\n\n[endpoints.in]\ntransport = \"http\"\nconnector = \"json\"\nacknowledgments = \"out\"\n\n[endpoints.out]\ntransport = \"dir-out\"\nconnector = \"json\"\npath = \"out\"\n",
        plugin("json").display()
    );
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    let out = clearway(&["check", "--config", path.to_str().unwrap()], None);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains("clearway.toml:4:1:") && all.contains("connector `json` makes none"),
        "{all}"
    );
}
