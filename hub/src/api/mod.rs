//! The HTTP API under `/v1`, plus `/healthz`, `/readyz` and `/metrics`.

mod error;
pub mod fhir;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub use error::ApiError;

use crate::config::Transport;
use crate::pipeline::Hub;
use crate::pipeline::reply::ReplyOutcome;
use crate::store::record::parse_time_ms;
use crate::store::{Filter, Record, RecordType, Status};

/// Largest inbound payload the API takes.
pub const MAX_INBOUND_BYTES: usize = 64 * 1024 * 1024;

/// The API's router over a running hub.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/v1/inbound/{endpoint}", post(inbound))
        .route("/v1/messages", get(list))
        .route("/v1/messages/{id}", get(show))
        .route("/v1/messages/{id}/replay", post(replay))
        .route("/v1/claims/{key}/timeline", get(timeline))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(fhir::routes())
        .fallback(|| async { ApiError::not_found("no such API path") })
        .layer(DefaultBodyLimit::max(MAX_INBOUND_BYTES))
        .with_state(hub)
}

async fn readyz(State(hub): State<Arc<Hub>>) -> Response {
    if hub.is_ready() {
        Json(json!({"status": "ready"})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "starting"}))).into_response()
    }
}

async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    let depths: Vec<(String, usize)> = hub
        .config
        .endpoints
        .iter()
        .filter(|(_, e)| !e.transport.is_inbound())
        .map(|(n, _)| (n.clone(), hub.store.queue_depth(n)))
        .collect();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], hub.metrics.render(&depths)).into_response()
}

/// `POST /v1/inbound/{endpoint}`: store, decode, route; 202 with the ids.
async fn inbound(
    State(hub): State<Arc<Hub>>,
    Path(endpoint): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if let Some(k) = params.keys().find(|k| k.as_str() != "wait") {
        return Err(ApiError::bad_request(format!("unknown query parameter `{k}` (expected: wait)")));
    }
    let wait = match params.get("wait") {
        None => None,
        Some(w) => Some(
            w.parse::<u64>()
                .ok()
                .filter(|n| (1..=600).contains(n))
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| ApiError::bad_request("`wait` must be a whole number of seconds from 1 to 600"))?,
        ),
    };
    match hub.endpoint(&endpoint).map(|e| &e.transport) {
        Some(Transport::Http) => {}
        Some(other) => {
            return Err(ApiError::not_found(format!(
                "endpoint `{endpoint}` is a `{}` endpoint, not `http`",
                other.kind_name()
            )));
        }
        None => return Err(ApiError::not_found(format!("no inbound endpoint `{endpoint}`"))),
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let outcome = hub.ingest(&endpoint, body.to_vec(), content_type, None, None).await?;
    if outcome.status == Status::DecodeFailed {
        let err = outcome.error.clone().unwrap_or_else(|| crate::store::ErrorInfo::new("decode_failed", "decode failed"));
        // Only the connector's positioned problems go back; trap output stays in the log.
        let problems = err.details.get("problems").cloned().unwrap_or(Value::Array(Vec::new()));
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: err.code,
            message: format!("the payload was stored as {} but could not be decoded: {}", outcome.inbound_id, err.message),
            details: json!({ "inbound_id": outcome.inbound_id, "problems": problems }),
        });
    }
    match hub.reply_for(&endpoint, &outcome, wait).await? {
        ReplyOutcome::NotWaited => Ok((StatusCode::ACCEPTED, Json(outcome)).into_response()),
        ReplyOutcome::Replied { request_id, reply_id, payload } => {
            let mut r = (StatusCode::OK, payload.data).into_response();
            let h = r.headers_mut();
            for (name, value) in [
                (header::CONTENT_TYPE.as_str(), payload.content_type.as_str()),
                ("x-clearway-request-id", request_id.as_str()),
                ("x-clearway-reply-id", reply_id.as_str()),
            ] {
                if let Ok(v) = header::HeaderValue::from_str(value) {
                    h.insert(header::HeaderName::from_static(name), v);
                }
            }
            Ok(r)
        }
        ReplyOutcome::TimedOut { request_id, waited } => {
            let mut body = serde_json::to_value(&outcome).unwrap_or(Value::Null);
            body["reply"] = json!({ "status": "timeout", "request_id": request_id, "waited_ms": waited.as_millis() as u64 });
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
        ReplyOutcome::Failed { request_id, error } => Err(ApiError {
            status: StatusCode::BAD_GATEWAY,
            code: error.code,
            message: format!("the reply to {request_id} came but could not be encoded: {}", error.message),
            details: json!({ "request_id": request_id, "inbound_id": outcome.inbound_id }),
        }),
    }
}

/// A record without its history, for listings.
fn summary(r: &Record) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.remove("history");
        if let Some(e) = r.history.iter().rev().find_map(|h| h.error.as_ref()) {
            map.insert("last_error".into(), json!({"code": e.code, "message": e.message}));
        }
    }
    v
}

const LIST_PARAMS: [&str; 10] =
    ["status", "kind", "endpoint", "correlation", "since", "until", "q", "type", "limit", "cursor"];

/// `GET /v1/messages`: filters and cursor pagination, newest first.
async fn list(
    State(hub): State<Arc<Hub>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if let Some(k) = p.keys().find(|k| !LIST_PARAMS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!("unknown query parameter `{k}` (expected one of: {})", LIST_PARAMS.join(", "))));
    }
    let time = |name: &str| -> Result<Option<u64>, ApiError> {
        p.get(name)
            .map(|s| parse_time_ms(s).ok_or_else(|| ApiError::bad_request(format!("`{name}` must be RFC 3339 or YYYY-MM-DD"))))
            .transpose()
    };
    let filter = Filter {
        status: p.get("status").map(|s| s.parse()).transpose().map_err(|e| ApiError::bad_request(format!("{e}")))?,
        kind: p.get("kind").map(|s| s.parse()).transpose().map_err(|e| ApiError::bad_request(format!("{e}")))?,
        endpoint: p.get("endpoint").cloned(),
        correlation: p.get("correlation").cloned(),
        since_ms: time("since")?,
        until_ms: time("until")?,
        q: p.get("q").cloned(),
        record_type: match p.get("type").map(String::as_str) {
            None => None,
            Some("inbound") => Some(RecordType::Inbound),
            Some("message") => Some(RecordType::Message),
            Some("ack") => Some(RecordType::Ack),
            Some(_) => return Err(ApiError::bad_request("`type` must be `inbound`, `message` or `ack`")),
        },
    };
    let limit = match p.get("limit") {
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("`limit` must be a whole number from 1 to 1000"))?,
        None => 50,
    };
    let cursor = p.get("cursor").map(String::as_str);
    if let Some(c) = cursor
        && ulid::Ulid::from_string(c).is_err()
    {
        return Err(ApiError::bad_request("`cursor` is not a cursor this API gave out"));
    }
    let page = hub.store.list(&filter, cursor, limit)?;
    Ok(Json(json!({
        "items": page.items.iter().map(summary).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    })))
}

fn raw_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => json!({"encoding": "utf-8", "data": s}),
        Err(_) => json!({"encoding": "hex", "data": hex::encode(bytes)}),
    }
}

/// `GET /v1/messages/{id}`: the record, its history, and its payloads.
async fn show(State(hub): State<Arc<Hub>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let r = hub.store.get(&id)?.ok_or_else(|| ApiError::not_found(format!("no record {id}")))?;
    let mut out = json!({ "record": r });
    match r.record_type {
        RecordType::Inbound | RecordType::Ack => {
            if let Some(raw) = hub.store.raw(&id)? {
                out["raw"] = raw_json(&raw);
            }
        }
        RecordType::Message => {
            if let Some(n) = hub.store.normalized(&id)? {
                out["normalized"] = serde_json::from_str(&n).unwrap_or(Value::String(n));
            }
        }
    }
    Ok(Json(out))
}

/// `POST /v1/messages/{id}/replay`.
async fn replay(State(hub): State<Arc<Hub>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    if ulid::Ulid::from_string(&id).is_err() {
        return Err(ApiError::not_found(format!("no record {id}")));
    }
    let r = hub.replay(&id).await?;
    tracing::info!(record_id = %id, "replayed on API request");
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": r.id, "status": r.status, "record": summary(&r) }))).into_response())
}

/// `GET /v1/claims/{key}/timeline`: every message tied to one claim, oldest first.
async fn timeline(State(hub): State<Arc<Hub>>, Path(key): Path<String>) -> Result<Json<Value>, ApiError> {
    let items = hub.store.timeline(&key)?;
    if items.is_empty() {
        return Err(ApiError::not_found(format!("no message has the correlation key `{key}`")));
    }
    Ok(Json(json!({ "key": key, "items": items })))
}
