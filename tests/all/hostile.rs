//! Hostile connectors fail only their own message; the hub keeps serving.

use clearway_tests::support::{Hub, claim, json_config, plugin};

fn hostile_config() -> String {
    let mut extra = String::new();
    for (name, limits) in [
        ("loop", "{ timeout_ms = 300 }"),
        ("greedy", "{ memory_mib = 32 }"),
        ("panic", "{}"),
        ("oversize", "{ memory_mib = 256, max_output_mib = 16 }"),
        ("snoop", "{}"),
    ] {
        extra.push_str(&format!(
            "\n[connectors.{name}]\nplugin = \"{}\"\nlimits = {limits}\n\n[endpoints.{name}-in]\ntransport = \"http\"\nconnector = \"{name}\"\n",
            plugin(&format!("guest-{name}")).display()
        ));
    }
    json_config(&extra)
}

#[test]
fn each_hostile_guest_fails_its_own_message_and_the_hub_answers_the_next() {
    let hub = Hub::start(&hostile_config());
    let cases = [
        ("loop", "decode_failed.timeout"),
        ("greedy", "decode_failed.out_of_memory"),
        ("panic", "decode_failed.trap"),
        ("oversize", "decode_failed.output_too_large"),
        ("snoop", "decode_failed.connector_error"),
    ];
    for (n, (name, code)) in cases.iter().enumerate() {
        let (status, body) = hub.post_inbound(&format!("{name}-in"), b"misbehave");
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["error"]["code"], *code, "{name}: {body}");
        let inbound = body["error"]["details"]["inbound_id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The failure is recorded with its reason on the stored payload.
        let (_, rec) = hub.get(&format!("/v1/messages/{inbound}"));
        assert_eq!(rec["record"]["status"], "decode_failed");
        let last = rec["record"]["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["error"]["code"], *code);
        assert_eq!(
            rec["raw"]["data"], "misbehave",
            "the payload itself is kept"
        );

        // The hub answers the next request, on a good connector...
        let (status, body) = hub.post_inbound(
            "in",
            &serde_json::to_vec(&claim(&format!("AFTER{n}"))).unwrap(),
        );
        assert_eq!(status, 202, "after {name}: {body}");
        // ...and on the same connector, whose next instance is fresh.
        let (status, body) = hub.post_inbound(&format!("{name}-in"), b"ok");
        assert_eq!(status, 202, "{name} after its failure: {body}");
        assert_eq!(body["messages"][0]["status"], "unrouted");
    }
    let (status, _) = hub.get("/healthz");
    assert_eq!(status, 200);
}

#[test]
fn the_sandbox_gives_no_files_env_or_network() {
    let hub = Hub::start(&hostile_config());
    let (status, body) = hub.post_inbound("snoop-in", b"snoop");
    assert_eq!(status, 422);
    let text = body.to_string();
    assert!(!text.contains("root:"), "file content leaked: {text}");
    let (_, rec) = hub.get(&format!(
        "/v1/messages/{}",
        body["error"]["details"]["inbound_id"].as_str().unwrap()
    ));
    let msg = rec["record"]["history"].as_array().unwrap().last().unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    for attempt in ["fs-read", "fs-list", "env", "net"] {
        assert!(
            msg.contains(attempt),
            "snoop should report `{attempt}` denied: {msg}"
        );
    }
    assert!(
        msg.contains("env(0 vars)"),
        "no environment variable may reach a guest: {msg}"
    );
}

#[test]
fn guest_panic_message_is_kept_for_operators_but_not_returned_to_callers() {
    let hub = Hub::start(&hostile_config());
    let (status, body) = hub.post_inbound("panic-in", b"boom");
    assert_eq!(status, 422);
    assert!(
        !body.to_string().contains("deliberate panic"),
        "guest stderr must not reach the caller: {body}"
    );
    let (_, rec) = hub.get(&format!(
        "/v1/messages/{}",
        body["error"]["details"]["inbound_id"].as_str().unwrap()
    ));
    let last = rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["error"]["details"]["guest_stderr"]
            .as_str()
            .unwrap_or("")
            .contains("deliberate panic"),
        "{last}"
    );
}
