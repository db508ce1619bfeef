//! `http-out` against a receiver on a local socket: which answers deliver, which are
//! retried and which are rejections, and what goes on the wire.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

use super::*;
use crate::config::{ConfigValue, RetryPolicy};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A receiver whose answer the path chooses: `/status/{code}` answers that code,
/// `/slow` answers after two seconds, `/redirect` a 302 to another host, `/big` 200
/// with 4 KiB.
async fn receiver() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                let path = uri.path().to_owned();
                log.lock().unwrap().push(Seen {
                    method,
                    path: path.clone(),
                    headers,
                    body: body.to_vec(),
                });
                if let Some(code) = path.strip_prefix("/status/") {
                    return StatusCode::from_u16(code.parse().unwrap())
                        .unwrap()
                        .into_response();
                }
                match path.as_str() {
                    "/slow" => {
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        StatusCode::OK.into_response()
                    }
                    "/redirect" => (
                        StatusCode::FOUND,
                        [("location", "https://elsewhere.example/secret/path?id=1")],
                    )
                        .into_response(),
                    "/big" => (StatusCode::OK, vec![b'x'; 4096]).into_response(),
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

/// The hub's client: redirects are never followed.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout_ms: 5_000,
        headers: BTreeMap::new(),
        headers_at: BTreeMap::new(),
        bearer_token: None,
        bearer_token_at: None,
        retry: RetryPolicy::default(),
        batch_size: 100,
        allow_plaintext: false,
        max_response_kib: 1,
        replies_from: Vec::new(),
        replies_from_at: BTreeMap::new(),
    }
}

fn out(url: String) -> HttpOut {
    HttpOut {
        url,
        method: HttpMethod::Post,
        http: settings(),
    }
}

fn payload() -> Payload {
    Payload {
        data: b"ISA*00*~".to_vec(),
        content_type: "application/edi-x12".into(),
        filename_hint: None,
        carries: vec![0],
    }
}

#[tokio::test]
async fn status_classes_deliver_retry_or_reject() {
    let (base, seen) = receiver().await;
    let client = client();
    for code in [200u16, 202, 204] {
        let cfg = out(format!("{base}/status/{code}"));
        assert_eq!(
            send(&client, "payer", &cfg, &payload()).await.unwrap(),
            format!("HTTP {code}")
        );
    }
    for (code, retryable) in [
        (400u16, false),
        (401, false),
        (404, false),
        (409, false),
        (408, true),
        (429, true),
        (500, true),
        (503, true),
    ] {
        let cfg = out(format!("{base}/status/{code}"));
        let e = send(&client, "payer", &cfg, &payload())
            .await
            .expect_err("not a 2xx");
        assert_eq!(e.retryable, retryable, "HTTP {code}");
        assert_eq!(e.info.code, "delivery.http_status");
        assert_eq!(
            e.info.message,
            format!("payer: the receiver answered HTTP {code}")
        );
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 11, "one request per send, none repeated");
    assert!(seen.iter().all(|s| s.method == Method::POST));
    assert!(seen.iter().all(|s| s.body == payload().data));
    assert!(
        seen.iter()
            .all(|s| s.headers["content-type"] == "application/edi-x12")
    );
}

#[tokio::test]
async fn a_timeout_and_a_refused_connection_are_retried() {
    let (base, _) = receiver().await;
    let mut cfg = out(format!("{base}/slow"));
    cfg.http.timeout_ms = 100;
    let e = send(&client(), "payer", &cfg, &payload())
        .await
        .expect_err("the receiver is too slow");
    assert!(e.retryable);
    assert_eq!(e.info.code, "delivery.http_transport");
    assert_eq!(e.info.message, "payer: timed out");

    // A port nobody listens on (bound, then closed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/in", closed.local_addr().unwrap());
    drop(closed);
    let e = send(&client(), "payer", &out(url), &payload())
        .await
        .expect_err("nobody listens");
    assert!(e.retryable);
    assert_eq!(e.info.code, "delivery.http_transport");
    assert_eq!(e.info.message, "payer: could not connect");
}

#[tokio::test]
async fn a_redirect_is_a_rejection_naming_only_the_host() {
    let (base, seen) = receiver().await;
    let e = send(
        &client(),
        "payer",
        &out(format!("{base}/redirect")),
        &payload(),
    )
    .await
    .expect_err("redirects are not followed");
    assert!(!e.retryable);
    assert_eq!(e.info.code, "delivery.redirect");
    assert!(
        e.info.message.starts_with(
            "payer: the receiver answered HTTP 302 (a redirect to host `elsewhere.example`)"
        ),
        "{}",
        e.info.message
    );
    assert!(!e.info.message.contains("secret"), "{}", e.info.message);
    assert_eq!(seen.lock().unwrap().len(), 1, "not followed");
}

#[tokio::test]
async fn an_answer_past_max_response_kib_fails_the_delivery() {
    let (base, _) = receiver().await;
    let e = send(&client(), "payer", &out(format!("{base}/big")), &payload())
        .await
        .expect_err("4 KiB > max_response_kib = 1");
    assert!(!e.retryable);
    assert_eq!(e.info.code, "delivery.response_too_large");
}

#[tokio::test]
async fn put_sends_the_headers_and_the_token() {
    let (base, seen) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let mut cfg = out(format!("{base}/status/201"));
    cfg.method = HttpMethod::Put;
    cfg.http
        .headers
        .insert("X-Partner".into(), ConfigValue::Literal("clearway".into()));
    cfg.http.bearer_token = Some(ConfigValue::File(token));
    assert_eq!(
        send(&client(), "payer", &cfg, &payload()).await.unwrap(),
        "HTTP 201"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].method, Method::PUT);
    assert_eq!(seen[0].path, "/status/201");
    assert_eq!(seen[0].headers["x-partner"], "clearway");
    assert_eq!(seen[0].headers["authorization"], "Bearer s3cret");
}

#[tokio::test]
async fn a_missing_secret_is_retried_without_a_request() {
    let (base, seen) = receiver().await;
    let mut cfg = out(format!("{base}/status/200"));
    cfg.http.bearer_token = Some(ConfigValue::File("/nonexistent/clearway-token".into()));
    let e = send(&client(), "payer", &cfg, &payload())
        .await
        .expect_err("the token cannot be read");
    assert!(e.retryable, "the operator may put the file back");
    assert_eq!(e.info.code, "delivery.secret");
    assert!(
        e.info.message.starts_with("bearer_token: "),
        "{}",
        e.info.message
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}
