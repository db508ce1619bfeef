//! Issue 12 end to end, on a real hub process: the circuit breaker of a destination
//! that is down (in `GET /v1/endpoints` and `/metrics`, messages held without using
//! up their attempts), and `clearway store stats` on the stopped hub's store.

use clearway_tests::support::{Hub, claim, clearway, free_port, plugin};

fn config(port: u16) -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.payer]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{port}/claims"
timeout_ms = 1000
retry = {{ max_attempts = 100, initial_backoff_ms = 10, max_backoff_ms = 20 }}
delivery = {{ breaker_failures = 3, breaker_cooldown_ms = 600000 }}

[[routes]]
from = "in"
to = ["payer"]
"#,
        json = plugin("json").display()
    )
}

#[test]
fn a_destination_that_is_down_opens_its_circuit_and_keeps_its_messages() {
    // Nothing listens on this port: every attempt is a connection error.
    let port = free_port();
    let hub = Hub::start(&config(port));
    for n in 0..3 {
        let (status, body) = hub.post_inbound(
            "in",
            &serde_json::to_vec(&claim(&format!("DOWN-{n}"))).unwrap(),
        );
        assert_eq!(status, 202, "{body}");
    }
    let payer = |hub: &Hub| {
        let (status, body) = hub.get("/v1/endpoints");
        assert_eq!(status, 200, "{body}");
        body["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "payer")
            .cloned()
            .unwrap()
    };
    hub.wait_for("the circuit to open", 30, || {
        payer(&hub)["circuit"]["state"] == "open"
    });
    let p = payer(&hub);
    assert_eq!(p["direction"], "outbound");
    assert_eq!(p["queue_depth"], 3, "{p}");
    assert_eq!(p["circuit"]["opened_total"], 1, "{p}");
    assert!(p["circuit"]["probe_in_ms"].as_u64().unwrap() > 0, "{p}");
    let (_, inbound) = hub.get("/v1/endpoints");
    let i = inbound["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "in")
        .cloned()
        .unwrap();
    assert_eq!(i["accepting"]["ok"], true, "{i}");
    let metrics = hub.get_text("/metrics");
    assert!(
        metrics.contains("clearway_circuit_open{endpoint=\"payer\"} 1"),
        "{metrics}"
    );
    // Held, not burnt: once open, no attempt is made (the cooldown is 10 minutes).
    let attempts = |hub: &Hub| -> u64 {
        let (_, list) = hub.get("/v1/messages?status=retrying");
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["deliveries"]["payer"]["attempts"].as_u64().unwrap_or(0))
            .sum()
    };
    let before = attempts(&hub);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        attempts(&hub),
        before,
        "no attempt while the circuit is open"
    );
    assert_eq!(payer(&hub)["queue_depth"], 3);
}

#[test]
fn store_stats_on_a_stopped_hub() {
    let port = free_port();
    let mut hub = Hub::start(&config(port));
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("STATS-1")).unwrap());
    assert_eq!(status, 202, "{body}");
    hub.kill();
    let out = clearway(
        &[
            "store",
            "stats",
            "--json",
            "--config",
            hub.config_path().to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stats["records"], 2,
        "an inbound payload and its message: {stats}"
    );
    let tree = |name: &str| {
        stats["trees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no tree {name}: {stats}"))
    };
    assert_eq!(tree("raw")["entries"], 1);
    assert_eq!(tree("normalized")["entries"], 1);
    assert!(stats["bytes_per_record"].as_u64().unwrap() > 0);
    let table = clearway(
        &[
            "store",
            "stats",
            "--config",
            hub.config_path().to_str().unwrap(),
        ],
        None,
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("bytes per record:"), "{text}");
    assert!(!text.contains("STATS-1"), "no content in the figures");
}

#[test]
fn a_queue_over_its_alert_threshold_fires_the_webhook_and_the_metric() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let s = seen.clone();
    let webhook = clearway_tests::support::http_receiver(move |_, body| {
        s.lock()
            .unwrap()
            .push(serde_json::from_slice(body).unwrap_or_default());
        200
    });
    let down = free_port();
    let text = format!(
        "{}
[endpoints.ops]
transport = \"http-out\"
connector = \"json\"
url = \"http://127.0.0.1:{webhook}/alerts\"

[alerts]
webhook = \"ops\"
interval_seconds = 1

[[alerts.rules]]
name = \"payer-backlog\"
endpoint = \"payer\"
queue_depth = 1
",
        config(down)
    );
    let hub = Hub::start(&text);
    for n in 0..2 {
        let (status, body) = hub.post_inbound(
            "in",
            &serde_json::to_vec(&claim(&format!("ALERT-{n}"))).unwrap(),
        );
        assert_eq!(status, 202, "{body}");
    }
    hub.wait_for("the alert at the webhook", 30, || {
        !seen.lock().unwrap().is_empty()
    });
    let alert = seen.lock().unwrap()[0].clone();
    assert_eq!(alert["alert"], "payer-backlog", "{alert}");
    assert_eq!(alert["endpoint"], "payer");
    assert_eq!(alert["state"], "firing");
    assert_eq!(alert["condition"], "queue_depth");
    assert_eq!(alert["value"], 2);
    assert_eq!(alert["threshold"], 1);
    let metrics = hub.get_text("/metrics");
    assert!(
        metrics.contains("clearway_alert_firing{alert=\"payer-backlog\"} 1"),
        "{metrics}"
    );
    assert!(
        !alert.to_string().contains("ALERT-"),
        "no message content in alerts"
    );
}

/// `delivery = { ordered = true }` on a real hub: a head that fails holds the
/// messages behind it, and they go in arrival order once it passes.
#[test]
fn an_ordered_destination_delivers_in_arrival_order_behind_a_failing_head() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<(String, u16)>>> = Arc::default();
    let log = seen.clone();
    let port = clearway_tests::support::http_receiver(move |_, body| {
        let text = String::from_utf8_lossy(body);
        let pcn = (0..5)
            .map(|n| format!("ORD-{n}"))
            .find(|p| text.contains(&format!("\"{p}\"")))
            .unwrap_or_else(|| "?".into());
        let mut log = log.lock().unwrap();
        // The first two requests fail: the head must be tried again before the rest.
        let status = if log.len() < 2 { 503 } else { 200 };
        log.push((pcn, status));
        status
    });
    let text = config(port)
        .replace(
            "delivery = { breaker_failures = 3, breaker_cooldown_ms = 600000 }",
            "delivery = { ordered = true }",
        )
        .replace(
            "retry = { max_attempts = 100, initial_backoff_ms = 10, max_backoff_ms = 20 }",
            "retry = { max_attempts = 100, initial_backoff_ms = 300, max_backoff_ms = 300 }",
        );
    assert!(text.contains("ordered = true"), "{text}");
    let hub = Hub::start(&text);
    for n in 0..5 {
        let (status, body) = hub.post_inbound(
            "in",
            &serde_json::to_vec(&claim(&format!("ORD-{n}"))).unwrap(),
        );
        assert_eq!(status, 202, "{body}");
    }
    hub.wait_for("every message delivered", 60, || {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| *s == 200)
            .count()
            == 5
    });
    let seen = seen.lock().unwrap().clone();
    let expected: Vec<(String, u16)> = [("ORD-0", 503), ("ORD-0", 503)]
        .into_iter()
        .chain((0..5).map(|n| (["ORD-0", "ORD-1", "ORD-2", "ORD-3", "ORD-4"][n], 200)))
        .map(|(p, s)| (p.to_owned(), s))
        .collect();
    assert_eq!(seen, expected, "one at a time, in arrival order");
    let (_, list) = hub.get("/v1/messages?status=delivered");
    assert_eq!(list["items"].as_array().unwrap().len(), 5, "{list}");
}
