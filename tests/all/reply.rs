//! Request/reply: a sender waits for the correlated reply that comes back
//! through another endpoint; without one in time it gets its 202 and a link.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{Hub, example, http, http_receiver, plugin};
use serde_json::Value;

fn config(responder_port: u16) -> String {
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
url = "http://127.0.0.1:{responder_port}/270"
retry = {{ max_attempts = 3, initial_backoff_ms = 50, max_backoff_ms = 100 }}

[endpoints.replies]
transport = "http"
connector = "json"

[[routes]]
from = "in"
kinds = ["eligibility.request"]
to = ["payer"]
request_reply = true
reply_timeout_ms = 15000
"#,
        json = plugin("json").display()
    )
}

/// A payer that answers each eligibility request by posting a response, with the
/// request's trace number, to the hub's `replies` endpoint (once `hub_url` is known).
fn payer(answer: bool) -> (u16, Arc<Mutex<Option<String>>>) {
    let hub_url: Arc<Mutex<Option<String>>> = Arc::default();
    let url = hub_url.clone();
    let port = http_receiver(move |_, body| {
        let request: Value = serde_json::from_slice(body).unwrap();
        if answer && let Some(base) = url.lock().unwrap().clone() {
            let mut response = example("eligibility.response");
            response["correlation"]["trace_numbers"] = request["correlation"]["trace_numbers"].clone();
            let r = http().post(format!("{base}/v1/inbound/replies")).body(serde_json::to_vec(&response).unwrap()).send().unwrap();
            assert_eq!(r.status().as_u16(), 202);
        }
        200
    });
    (port, hub_url)
}

fn request(trace: &str) -> Vec<u8> {
    let mut r = example("eligibility.request");
    r["correlation"]["trace_numbers"] = serde_json::json!([trace]);
    serde_json::to_vec(&r).unwrap()
}

#[test]
fn the_sender_gets_the_correlated_reply() {
    let (port, hub_url) = payer(true);
    let hub = Hub::start(&config(port));
    *hub_url.lock().unwrap() = Some(hub.url.clone());
    let r = http().post(format!("{}/v1/inbound/in", hub.url)).body(request("TRN-REPLY-1")).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let reply_id = r.headers()["x-clearway-reply-id"].to_str().unwrap().to_owned();
    let request_id = r.headers()["x-clearway-request-id"].to_str().unwrap().to_owned();
    let body: Value = r.json().unwrap();
    assert_eq!(body["kind"], "eligibility.response");
    assert_eq!(body["correlation"]["trace_numbers"][0], "TRN-REPLY-1");
    assert_eq!(body["id"], reply_id.as_str());

    // The reply's history says it went back to the waiting sender; the timeline
    // of the trace number holds both.
    let (_, rec) = hub.get(&format!("/v1/messages/{reply_id}"));
    let last = rec["record"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "reply:in");
    assert!(last["note"].as_str().unwrap().contains(&request_id));
    let (_, tl) = hub.get("/v1/claims/TRN-REPLY-1/timeline");
    let kinds: Vec<&str> = tl["items"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["eligibility.request", "eligibility.response"]);
}

#[test]
fn without_a_reply_in_time_the_sender_gets_202_and_the_request_id() {
    let (port, _) = payer(false);
    let hub = Hub::start(&config(port));
    let r = http().post(format!("{}/v1/inbound/in?wait=1", hub.url)).body(request("TRN-REPLY-2")).send().unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().unwrap();
    assert_eq!(body["reply"]["status"], "timeout");
    assert_eq!(body["reply"]["waited_ms"], 1000);
    assert_eq!(body["reply"]["request_id"], body["messages"][0]["id"]);

    let (status, err) = hub.post_inbound("in?wait=0", &request("TRN-REPLY-3"));
    assert_eq!(status, 400, "{err}");
}
