//! The `http-out` transport against a real HTTP receiver on loopback: retried on
//! 503 with backoff, then delivered; a 400 is final (`dead`); the bearer token
//! comes from a secret reference.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{Hub, claim, http_receiver, plugin};

/// What the receiver saw: (authorization header, body).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A receiver answering the given statuses in turn (the last repeats).
fn receiver(statuses: Vec<u16>) -> (u16, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let port = http_receiver(move |auth, body| {
        let mut seen = s.lock().unwrap();
        let status = statuses[seen.len().min(statuses.len() - 1)];
        seen.push((auth.to_owned(), String::from_utf8_lossy(body).into_owned()));
        status
    });
    (port, seen)
}

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
bearer_token = "file:token.txt"
retry = {{ max_attempts = 5, initial_backoff_ms = 50, max_backoff_ms = 200 }}

[[routes]]
from = "in"
to = ["payer"]
"#,
        json = plugin("json").display()
    )
}

#[test]
fn retries_on_503_then_delivers_with_the_bearer_token() {
    let (port, seen) = receiver(vec![503, 503, 200]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "s3cret-token\n").unwrap();
    let hub = Hub::start_in(dir, &config(port));
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("HTTP-1")).unwrap());
    assert_eq!(status, 202, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    hub.wait_for("delivery after two 503s", 60, || hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered");
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let statuses: Vec<String> = rec["record"]["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses, ["decoded", "queued", "retrying", "retrying", "delivered"]);
    assert_eq!(rec["record"]["deliveries"]["payer"]["attempts"], 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|(auth, _)| auth == "Bearer s3cret-token"), "{seen:?}");
    assert!(seen[2].1.contains("HTTP-1"));
    assert!(!hub.log().contains("s3cret-token"), "secrets never reach the log");
}

#[test]
fn a_rejection_is_final() {
    let (port, seen) = receiver(vec![400]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "t").unwrap();
    let hub = Hub::start_in(dir, &config(port));
    let (_, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("HTTP-2")).unwrap());
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    hub.wait_for("dead", 30, || hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "dead");
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let last = rec["record"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["error"]["code"], "delivery.http_status");
    assert!(last["error"]["message"].as_str().unwrap().contains("400"));
    assert_eq!(seen.lock().unwrap().len(), 1, "a rejected payload is not sent again");
}
