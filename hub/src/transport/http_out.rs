//! `http-out`: POST or PUT each payload to a URL. 2xx is delivered; 408, 429, 5xx
//! and network failures are retried; any other status is a rejection (dead).

use std::time::Duration;

use super::DeliveryError;
use crate::config::{HttpMethod, HttpOut, HttpSettings};
use crate::runtime::Payload;

/// Send one payload.
pub async fn send(client: &reqwest::Client, dest: &str, cfg: &HttpOut, payload: &Payload) -> Result<String, DeliveryError> {
    let req = match cfg.method {
        HttpMethod::Post => client.post(&cfg.url),
        HttpMethod::Put => client.put(&cfg.url),
    }
    .header(reqwest::header::CONTENT_TYPE, payload.content_type.as_str())
    .body(payload.data.clone());
    let resp = execute(dest, &cfg.http, req).await?;
    let status = resp.status();
    if status.is_success() {
        return Ok(format!("HTTP {}", status.as_u16()));
    }
    Err(status_error(dest, status, String::new()))
}

/// Adds the endpoint's timeout, headers and bearer token to `req` and sends it. Network
/// failures are transient; the answer, whatever its status, is returned.
pub(crate) async fn execute(
    dest: &str,
    http: &HttpSettings,
    mut req: reqwest::RequestBuilder,
) -> Result<reqwest::Response, DeliveryError> {
    req = req.timeout(Duration::from_millis(http.timeout_ms));
    for (name, value) in &http.headers {
        let v = value
            .resolve()
            .map_err(|e| DeliveryError::transient("delivery.secret", format!("header `{name}`: {e}")))?;
        req = req.header(name.as_str(), v);
    }
    if let Some(token) = &http.bearer_token {
        let t = token
            .resolve()
            .map_err(|e| DeliveryError::transient("delivery.secret", format!("bearer_token: {e}")))?;
        req = req.bearer_auth(t);
    }
    req.send().await.map_err(|e| {
        // reqwest's text names the URL, never the body.
        let what = if e.is_timeout() { "timed out" } else if e.is_connect() { "could not connect" } else { "request failed" };
        DeliveryError::transient("delivery.http_transport", format!("{dest}: {what}"))
    })
}

/// The failure for a non-2xx answer: 408, 429 and 5xx may pass (retried), anything else is
/// a rejection. `detail` (already free of message content) is appended.
pub(crate) fn status_error(dest: &str, status: reqwest::StatusCode, detail: String) -> DeliveryError {
    let msg = format!("{dest}: the receiver answered HTTP {}{detail}", status.as_u16());
    if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
        DeliveryError::transient("delivery.http_status", msg)
    } else {
        DeliveryError::permanent("delivery.http_status", msg)
    }
}
