//! The `http-out` transport against a real HTTP receiver on loopback: retried on
//! 503 with backoff, then delivered; a 400 is final (`dead`); the bearer token
//! comes from a secret reference; a redirect is not followed and an oversized or
//! endless answer is not read past `max_response_kib`, both recorded as errors.

use std::sync::{Arc, Mutex};

use clearway_tests::support::{Hub, claim, http_receiver, http_server, plugin};
use serde_json::Value;

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
    config_with(port, "")
}

/// [`config`] with `extra` keys for the `payer` endpoint.
fn config_with(port: u16, extra: &str) -> String {
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
{extra}
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
    hub.wait_for("delivery after two 503s", 60, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let statuses: Vec<String> = rec["record"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses,
        ["decoded", "queued", "retrying", "retrying", "delivered"]
    );
    assert_eq!(rec["record"]["deliveries"]["payer"]["attempts"], 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|(auth, _)| auth == "Bearer s3cret-token"),
        "{seen:?}"
    );
    assert!(seen[2].1.contains("HTTP-1"));
    assert!(
        !hub.log().contains("s3cret-token"),
        "secrets never reach the log"
    );
}

#[test]
fn a_rejection_is_final() {
    let (port, seen) = receiver(vec![400]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "t").unwrap();
    let hub = Hub::start_in(dir, &config(port));
    let (_, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("HTTP-2")).unwrap());
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    hub.wait_for("dead", 30, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "dead"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let last = rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["error"]["code"], "delivery.http_status");
    assert!(last["error"]["message"].as_str().unwrap().contains("400"));
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a rejected payload is not sent again"
    );
}

/// A hub whose `payer` endpoint (with `extra` keys) talks to the server on `port`; one
/// claim posted. Returns the hub and the claim's message id once it is `dead`.
fn dead_claim(port: u16, extra: &str, pcn: &str) -> (Hub, Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token.txt"), "t0ken-9").unwrap();
    let hub = Hub::start_in(dir, &config_with(port, extra));
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim(pcn)).unwrap());
    assert_eq!(status, 202, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    hub.wait_for("dead", 30, || {
        hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "dead"
    });
    let (_, rec) = hub.get(&format!("/v1/messages/{id}"));
    let last = rec["record"]["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    (hub, last)
}

#[test]
fn a_redirect_is_not_followed_and_is_recorded() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let port = http_server(move |request| {
        s.lock().unwrap().push(request.path.clone());
        (
            307,
            vec![(
                "location".into(),
                "/elsewhere?member=SECRET-MEMBER-7".into(),
            )],
            Vec::new(),
        )
    });
    let (hub, last) = dead_claim(port, "", "HTTP-REDIRECT");
    assert_eq!(last["error"]["code"], "delivery.redirect", "{last}");
    let message = last["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 307") && message.contains("`127.0.0.1`"),
        "{message}"
    );
    assert!(
        !message.contains("SECRET-MEMBER-7") && !message.contains("elsewhere"),
        "{message}"
    );
    assert!(!hub.log().contains("SECRET-MEMBER-7"));
    assert_eq!(
        *seen.lock().unwrap(),
        ["/claims"],
        "the redirect was followed, or the delivery retried"
    );
}

#[test]
fn an_oversized_answer_is_bounded_and_recorded() {
    // Declared: 2 MiB with a Content-Length, beyond the default 1024 KiB.
    let calls: Arc<Mutex<usize>> = Arc::default();
    let c = calls.clone();
    let port = http_server(move |_| {
        *c.lock().unwrap() += 1;
        (200, Vec::new(), vec![b'x'; 2 << 20])
    });
    let (_, last) = dead_claim(port, "", "HTTP-BIG");
    assert_eq!(
        last["error"]["code"], "delivery.response_too_large",
        "{last}"
    );
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_response_kib = 1024 KiB"),
        "{last}"
    );
    assert_eq!(*calls.lock().unwrap(), 1, "not sent again");
}

#[test]
fn an_endless_answer_is_read_only_up_to_the_limit() {
    // A receiver that streams a chunked answer without end: the hub stops at
    // `max_response_kib` instead of reading until the request's deadline (which would
    // be a transient `delivery.http_transport` timeout, retried).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent: Arc<Mutex<usize>> = Arc::default();
    let total = sent.clone();
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim_end().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let _ = reader.read_exact(&mut vec![0; len]);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            let chunk = [b'y'; 16 * 1024];
            while stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .is_ok()
                && stream.write_all(&chunk).is_ok()
                && stream.write_all(b"\r\n").is_ok()
            {
                *total.lock().unwrap() += chunk.len();
                if *total.lock().unwrap() > 1 << 30 {
                    break;
                }
            }
        }
    });
    let (_, last) = dead_claim(
        port,
        "max_response_kib = 64\ntimeout_ms = 60000\n",
        "HTTP-ENDLESS",
    );
    assert_eq!(
        last["error"]["code"], "delivery.response_too_large",
        "{last}"
    );
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_response_kib = 64 KiB"),
        "{last}"
    );
    // What the receiver managed to write is socket buffers away from the limit, not a gigabyte.
    assert!(
        *sent.lock().unwrap() < 64 << 20,
        "{} bytes sent",
        sent.lock().unwrap()
    );
}
