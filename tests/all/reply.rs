//! Request/reply: a sender waits for the correlated reply that comes back
//! through another endpoint; without one in time it gets its 202 and a link.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use clearway_tests::support::{Hub, client_with_token, example, http_receiver, plugin};
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
/// The hub's URL and a sender token of its `replies` endpoint, once the hub runs.
type HubAccess = Arc<Mutex<Option<(String, String)>>>;

fn payer(answer: bool) -> (u16, HubAccess) {
    let hub_url: HubAccess = Arc::default();
    let url = hub_url.clone();
    let port = http_receiver(move |_, body| {
        let request: Value = serde_json::from_slice(body).unwrap();
        if answer && let Some((base, token)) = url.lock().unwrap().clone() {
            let mut response = example("eligibility.response");
            response["correlation"]["trace_numbers"] =
                request["correlation"]["trace_numbers"].clone();
            response["parties"]["subscriber"]["member_id"] =
                request["parties"]["subscriber"]["member_id"].clone();
            let r = client_with_token(&token)
                .post(format!("{base}/v1/inbound/replies"))
                .body(serde_json::to_vec(&response).unwrap())
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), 202);
        }
        200
    });
    (port, hub_url)
}

fn request(trace: &str) -> Vec<u8> {
    request_for(trace, "XTEST00000001")
}

/// An eligibility request with trace number `trace` for the subscriber `member_id`.
fn request_for(trace: &str, member_id: &str) -> Vec<u8> {
    let mut r = example("eligibility.request");
    r["correlation"]["trace_numbers"] = serde_json::json!([trace]);
    r["parties"]["subscriber"]["member_id"] = member_id.into();
    serde_json::to_vec(&r).unwrap()
}

#[test]
fn the_sender_gets_the_correlated_reply() {
    let (port, hub_url) = payer(true);
    let hub = Hub::start(&config(port));
    *hub_url.lock().unwrap() = Some((
        hub.url.clone(),
        hub.create_token("payer", "sender", &["replies"]),
    ));
    let r = hub
        .http()
        .post(format!("{}/v1/inbound/in", hub.url))
        .body(request("TRN-REPLY-1"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let reply_id = r.headers()["x-clearway-reply-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let request_id = r.headers()["x-clearway-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = r.json().unwrap();
    assert_eq!(body["kind"], "eligibility.response");
    assert_eq!(body["correlation"]["trace_numbers"][0], "TRN-REPLY-1");
    assert_eq!(body["id"], reply_id.as_str());

    // The reply's history says it went back to the waiting sender; the timeline
    // of the trace number holds both.
    let (_, rec) = hub.get(&format!("/v1/messages/{reply_id}"));
    let last = rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["actor"], "reply:in");
    assert!(last["note"].as_str().unwrap().contains(&request_id));
    let (_, tl) = hub.get("/v1/claims/TRN-REPLY-1/timeline");
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["eligibility.request", "eligibility.response"]);
}

#[test]
fn without_a_reply_in_time_the_sender_gets_202_and_the_request_id() {
    let (port, _) = payer(false);
    let hub = Hub::start(&config(port));
    let r = hub
        .http()
        .post(format!("{}/v1/inbound/in?wait=1", hub.url))
        .body(request("TRN-REPLY-2"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().unwrap();
    assert_eq!(body["reply"]["status"], "timeout");
    assert_eq!(body["reply"]["waited_ms"], 1000);
    assert_eq!(body["reply"]["request_id"], body["messages"][0]["id"]);

    let (status, err) = hub.post_inbound("in?wait=0", &request("TRN-REPLY-3"));
    assert_eq!(status, 400, "{err}");
}

/// Regression: a `?wait` sender got the first stored response with an equal
/// correlation value, so a sender reusing another's trace number was handed the other
/// sender's 271 (another patient's coverage) straight from the correlation index.
#[test]
fn two_senders_with_the_same_trace_number_each_get_only_their_own_271() {
    let (port, hub_url) = payer(true);
    let hub = Hub::start(&config(port));
    *hub_url.lock().unwrap() = Some((
        hub.url.clone(),
        hub.create_token("payer", "sender", &["replies"]),
    ));
    let clinic_a = client_with_token(&hub.create_token("clinic-a", "sender", &["in"]));
    let clinic_b = client_with_token(&hub.create_token("clinic-b", "sender", &["in"]));
    let ask = |client: &reqwest::blocking::Client, member: &str| -> (String, Value) {
        let r = client
            .post(format!("{}/v1/inbound/in", hub.url))
            .body(request_for("TRN-SHARED", member))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", hub.log());
        let reply_id = r.headers()["x-clearway-reply-id"]
            .to_str()
            .unwrap()
            .to_owned();
        (reply_id, r.json().unwrap())
    };
    let (first, a) = ask(&clinic_a, "MEMBER-A");
    assert_eq!(a["parties"]["subscriber"]["member_id"], "MEMBER-A");
    // The second sender's request comes after the first reply was stored: that reply
    // shares the trace number but is older than the request, and was already returned.
    let (second, b) = ask(&clinic_b, "MEMBER-B");
    assert_eq!(
        b["parties"]["subscriber"]["member_id"], "MEMBER-B",
        "clinic B got another sender's reply"
    );
    assert_ne!(first, second);
    assert_eq!(b["correlation"]["trace_numbers"][0], "TRN-SHARED");
}

/// Two payers, each answering through its own endpoint (`replies_from`), and two
/// senders waiting at the same time with the same trace number: payer B answers first,
/// and that reply goes to B's sender only, although A's sender waited longer.
#[test]
fn a_reply_counts_only_through_the_endpoint_its_requests_destination_answers_through() {
    let json = plugin("json");
    // Payer A answers only once payer B has answered; each answers through its own endpoint.
    let (b_answered_tx, b_answered_rx) = mpsc::channel::<()>();
    let b_answered = Arc::new(Mutex::new(b_answered_rx));
    let (a_received_tx, a_received) = mpsc::channel::<()>();
    let a_received_tx = Arc::new(Mutex::new(a_received_tx));
    let b_answered_tx = Arc::new(Mutex::new(b_answered_tx));
    let hub_url: Arc<Mutex<Option<(String, String, String)>>> = Arc::default();
    let answer = |request: &[u8], base: &str, token: &str, endpoint: &str| {
        let request: Value = serde_json::from_slice(request).unwrap();
        let mut response = example("eligibility.response");
        response["correlation"]["trace_numbers"] = request["correlation"]["trace_numbers"].clone();
        response["parties"]["subscriber"]["member_id"] =
            request["parties"]["subscriber"]["member_id"].clone();
        let r = client_with_token(token)
            .post(format!("{base}/v1/inbound/{endpoint}"))
            .body(serde_json::to_vec(&response).unwrap())
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
    };
    let (url_a, url_b) = (hub_url.clone(), hub_url.clone());
    let port_a = http_receiver(move |_, body| {
        a_received_tx.lock().unwrap().send(()).unwrap();
        b_answered
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30))
            .unwrap();
        let (base, token, _) = url_a.lock().unwrap().clone().unwrap();
        answer(body, &base, &token, "replies-a");
        200
    });
    let port_b = http_receiver(move |_, body| {
        let (base, _, token) = url_b.lock().unwrap().clone().unwrap();
        answer(body, &base, &token, "replies-b");
        b_answered_tx.lock().unwrap().send(()).unwrap();
        200
    });
    let config = format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.json]
plugin = "{json}"

[endpoints.clinic-a]
transport = "http"
connector = "json"

[endpoints.clinic-b]
transport = "http"
connector = "json"

[endpoints.payer-a]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{port_a}/270"
replies_from = ["replies-a"]

[endpoints.payer-b]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{port_b}/270"
replies_from = ["replies-b"]

[endpoints.replies-a]
transport = "http"
connector = "json"

[endpoints.replies-b]
transport = "http"
connector = "json"

[[routes]]
from = "clinic-a"
kinds = ["eligibility.request"]
to = ["payer-a"]
request_reply = true
reply_timeout_ms = 30000

[[routes]]
from = "clinic-b"
kinds = ["eligibility.request"]
to = ["payer-b"]
request_reply = true
reply_timeout_ms = 30000
"#,
        json = json.display()
    );
    let hub = Hub::start(&config);
    *hub_url.lock().unwrap() = Some((
        hub.url.clone(),
        hub.create_token("payer-a", "sender", &["replies-a"]),
        hub.create_token("payer-b", "sender", &["replies-b"]),
    ));
    let send = |endpoint: &str, member: &str| {
        let client = client_with_token(&hub.create_token(endpoint, "sender", &[endpoint]));
        let url = format!("{}/v1/inbound/{endpoint}", hub.url);
        let body = request_for("TRN-TWO-PAYERS", member);
        std::thread::spawn(move || {
            let r = client.post(url).body(body).send().unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().unwrap())
        })
    };
    let a = send("clinic-a", "MEMBER-A");
    // Sender A waits (its payer holds the answer) before sender B asks.
    a_received.recv_timeout(Duration::from_secs(30)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let b = send("clinic-b", "MEMBER-B");
    let (status_b, reply_b) = b.join().unwrap();
    let (status_a, reply_a) = a.join().unwrap();
    assert_eq!(
        (status_a, status_b),
        (200, 200),
        "{reply_a}\n{reply_b}\n{}",
        hub.log()
    );
    assert_eq!(reply_b["parties"]["subscriber"]["member_id"], "MEMBER-B");
    assert_eq!(
        reply_a["parties"]["subscriber"]["member_id"], "MEMBER-A",
        "sender A got payer B's answer to sender B"
    );
}
