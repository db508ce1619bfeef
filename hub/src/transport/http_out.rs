//! `http-out`: POST or PUT each payload to a URL. 2xx is delivered; 408, 429, 5xx
//! and network failures are retried; any other status is a rejection (dead).

use std::time::Duration;

use super::DeliveryError;
use crate::config::{HttpMethod, HttpOut};
use crate::runtime::Payload;

/// Send one payload.
pub async fn send(client: &reqwest::Client, dest: &str, cfg: &HttpOut, payload: &Payload) -> Result<String, DeliveryError> {
    let mut req = match cfg.method {
        HttpMethod::Post => client.post(&cfg.url),
        HttpMethod::Put => client.put(&cfg.url),
    }
    .timeout(Duration::from_millis(cfg.timeout_ms))
    .header(reqwest::header::CONTENT_TYPE, payload.content_type.as_str())
    .body(payload.data.clone());
    for (name, value) in &cfg.headers {
        let v = value
            .resolve()
            .map_err(|e| DeliveryError::transient("delivery.secret", format!("header `{name}`: {e}")))?;
        req = req.header(name.as_str(), v);
    }
    if let Some(token) = &cfg.bearer_token {
        let t = token
            .resolve()
            .map_err(|e| DeliveryError::transient("delivery.secret", format!("bearer_token: {e}")))?;
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| {
        // reqwest's text names the URL, never the body.
        let what = if e.is_timeout() { "timed out" } else if e.is_connect() { "could not connect" } else { "request failed" };
        DeliveryError::transient("delivery.http_transport", format!("{dest}: {what}"))
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(format!("HTTP {}", status.as_u16()));
    }
    let msg = format!("{dest}: the receiver answered HTTP {}", status.as_u16());
    if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
        Err(DeliveryError::transient("delivery.http_status", msg))
    } else {
        Err(DeliveryError::permanent("delivery.http_status", msg))
    }
}
