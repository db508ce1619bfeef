//! `http-out`: POST or PUT each payload to a URL. 2xx is delivered; 408, 429, 5xx
//! and network failures are retried; any other status is a rejection (dead).
//!
//! Redirects are never followed (the hub's client has no redirect policy): a 3xx is a
//! rejection, `delivery.redirect`. The receiver's answer is read in chunks up to the
//! endpoint's `max_response_kib`; a longer one fails the delivery
//! (`delivery.response_too_large`) without being read further.

pub mod config;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use self::config::{HttpMethod, HttpOut, HttpSettings};
use super::DeliveryError;
use crate::runtime::Payload;

/// Send one payload.
pub async fn send(
    client: &reqwest::Client,
    dest: &str,
    cfg: &HttpOut,
    payload: &Payload,
) -> Result<String, DeliveryError> {
    let req = match cfg.method {
        HttpMethod::Post => client.post(&cfg.url),
        HttpMethod::Put => client.put(&cfg.url),
    }
    .header(reqwest::header::CONTENT_TYPE, payload.content_type.as_str())
    .body(payload.data.clone());
    let resp = execute(dest, &cfg.http, req).await?;
    let status = resp.status();
    if !status.is_success() {
        return Err(status_error(dest, status, String::new()));
    }
    // Read (and drop) the answer, bounded, so that an endless one fails rather than
    // holding the delivery until the timeout. An answer cut off after a 2xx is still a
    // delivery (the receiver said it took the payload; sending again would duplicate
    // it), recorded with what went wrong.
    match read_bounded(dest, &cfg.http, resp).await {
        Ok(_) => Ok(format!("HTTP {}", status.as_u16())),
        Err(e) if e.retryable => Ok(format!(
            "HTTP {}; the answer could not be read ({}: {})",
            status.as_u16(),
            e.info.code,
            e.info.message
        )),
        Err(e) => Err(e),
    }
}

/// The receiver's answer, read chunk by chunk up to the endpoint's `max_response_kib`.
/// A declared or actual length beyond it is a permanent `delivery.response_too_large`;
/// a connection lost while reading is transient.
pub(crate) async fn read_bounded(
    dest: &str,
    http: &HttpSettings,
    mut resp: reqwest::Response,
) -> Result<Vec<u8>, DeliveryError> {
    let limit = usize::try_from(http.max_response_kib.saturating_mul(1024)).unwrap_or(usize::MAX);
    let status = resp.status().as_u16();
    let too_large = || {
        DeliveryError::permanent(
            "delivery.response_too_large",
            format!(
                "{dest}: the receiver answered HTTP {status} with more than max_response_kib = {} KiB; the answer was not read further",
                http.max_response_kib
            ),
        )
    };
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(resp.content_length().map_or(0, |n| n as usize).min(limit));
    loop {
        let chunk = resp.chunk().await.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out reading the answer"
            } else {
                "the answer was cut off"
            };
            DeliveryError::transient("delivery.http_transport", format!("{dest}: {what}"))
        })?;
        let Some(chunk) = chunk else { return Ok(body) };
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
}

/// A 3xx answer: never followed. The error names the status and the host of the
/// `Location` (never its path or query, which may carry data).
fn redirect_error(dest: &str, resp: &reqwest::Response) -> DeliveryError {
    let host = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| resp.url().join(l).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| {
            h.len() <= 253
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let to = host.map(|h| format!(" to host `{h}`")).unwrap_or_default();
    DeliveryError::permanent(
        "delivery.redirect",
        format!(
            "{dest}: the receiver answered HTTP {} (a redirect{to}), which the hub does not follow; point the endpoint at the final URL",
            resp.status().as_u16()
        ),
    )
}

/// Adds the endpoint's timeout, headers and bearer token to `req` and sends it. Network
/// failures are transient, a redirect (3xx) is a permanent `delivery.redirect`; any
/// other answer, whatever its status, is returned with its body unread.
pub(crate) async fn execute(
    dest: &str,
    http: &HttpSettings,
    mut req: reqwest::RequestBuilder,
) -> Result<reqwest::Response, DeliveryError> {
    req = req.timeout(Duration::from_millis(http.timeout_ms));
    for (name, value) in &http.headers {
        let v = value.resolve().map_err(|e| {
            DeliveryError::transient("delivery.secret", format!("header `{name}`: {e}"))
        })?;
        req = req.header(name.as_str(), v);
    }
    if let Some(token) = &http.bearer_token {
        let t = token.resolve().map_err(|e| {
            DeliveryError::transient("delivery.secret", format!("bearer_token: {e}"))
        })?;
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| {
        // reqwest's text names the URL, never the body.
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        DeliveryError::transient("delivery.http_transport", format!("{dest}: {what}"))
    })?;
    if resp.status().is_redirection() {
        return Err(redirect_error(dest, &resp));
    }
    Ok(resp)
}

/// The failure for a non-2xx answer: 408, 429 and 5xx may pass (retried), anything else is
/// a rejection. `detail` (already free of message content) is appended.
pub(crate) fn status_error(
    dest: &str,
    status: reqwest::StatusCode,
    detail: String,
) -> DeliveryError {
    let msg = format!(
        "{dest}: the receiver answered HTTP {}{detail}",
        status.as_u16()
    );
    if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
        DeliveryError::transient("delivery.http_status", msg)
    } else {
        DeliveryError::permanent("delivery.http_status", msg)
    }
}
