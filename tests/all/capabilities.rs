//! The `control-numbers` capability through the hub: numbers come from the
//! store, never repeat, survive a SIGKILL, and only a granted connector gets them.

use clearway_tests::support::{Hub, plugin};

fn config() -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.counter]
plugin = "{p}"
grants = ["control-numbers"]

[connectors.ungranted]
plugin = "{p}"

[endpoints.in]
transport = "http"
connector = "counter"

[endpoints.plain]
transport = "http"
connector = "ungranted"
"#,
        p = plugin("guest-counter").display()
    )
}

fn trace(hub: &Hub, sequence: &str) -> String {
    let (status, body) = hub.post_inbound("in", sequence.as_bytes());
    assert_eq!(status, 202, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap();
    let (_, detail) = hub.get(&format!("/v1/messages/{id}"));
    detail["normalized"]["correlation"]["trace_numbers"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn control_numbers_are_durable_and_only_for_granted_connectors() {
    let cfg = config();
    let hub = Hub::start(&cfg);
    assert_eq!(trace(&hub, "isa/SENDER/PAYER"), "CN-1");
    assert_eq!(trace(&hub, "isa/SENDER/PAYER"), "CN-2");
    assert_eq!(trace(&hub, "isa/SENDER/OTHER"), "CN-1");

    let hub = Hub::start_in(hub.into_dir(), &cfg);
    assert_eq!(
        trace(&hub, "isa/SENDER/PAYER"),
        "CN-3",
        "a number is never handed out twice, across a SIGKILL too"
    );

    let (status, body) = hub.post_inbound("plain", b"isa/SENDER/PAYER");
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not granted"),
        "{body}"
    );
}
