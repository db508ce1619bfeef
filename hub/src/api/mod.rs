//! The HTTP API under `/v1`, plus `/healthz`, `/readyz` and `/metrics`, every route
//! behind the access-control layer ([`guard`]) but the two health checks and the login.

mod admin;
mod claims;
pub(crate) mod dead_letters;
mod endpoints;
mod error;
pub mod fhir;
pub mod guard;
pub mod listener;
pub(crate) mod params;
pub mod session;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

pub use admin::check_sender_endpoints;
pub use error::ApiError;
pub use guard::{Caller, Peer};
use params::Params;

use crate::auth::{Access, Auth};
use crate::config::Transport;
use crate::pipeline::reply::ReplyOutcome;
use crate::pipeline::{Hub, HubError, IngestOutcome};
use crate::store::{Filter, Record, RecordType, Status};

/// Largest inbound payload the API takes.
pub const MAX_INBOUND_BYTES: usize = 64 * 1024 * 1024;
/// Requests served at once; past it the hub answers 503 with `Retry-After`.
pub const MAX_CONCURRENT_REQUESTS: usize = 512;
/// How long a client may take to send a request body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The router's routes as they are added, so the route table can be listed (the
/// access-control test walks it; a route without an access rule is refused).
pub struct Routes {
    router: Router<Arc<Hub>>,
    table: Vec<(Method, &'static str)>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// Add one route for one method.
    pub(crate) fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<Arc<Hub>>,
    ) -> Routes {
        self.table.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }
}

fn all_routes() -> Routes {
    let api = Routes::new()
        .add(
            Method::GET,
            "/healthz",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .add(Method::GET, "/readyz", get(readyz))
        .add(Method::GET, "/metrics", get(metrics))
        .add(Method::POST, "/v1/inbound/{endpoint}", post(inbound))
        .add(Method::GET, "/v1/messages", get(list))
        .add(Method::GET, "/v1/messages/{id}", get(show))
        .add(Method::POST, "/v1/messages/{id}/replay", post(replay))
        .add(Method::GET, "/v1/dead-letters", get(dead_letters::list))
        .add(
            Method::POST,
            "/v1/dead-letters/replay",
            post(dead_letters::replay),
        )
        .add(Method::GET, "/v1/endpoints", get(endpoints::list))
        .add(Method::GET, "/v1/claims/{key}/timeline", get(timeline))
        .add(Method::GET, "/v1/claims", get(claims::list))
        .add(Method::GET, "/v1/claims/{key}", get(claims::show))
        .add(Method::GET, "/v1/audit", get(admin::audit))
        .add(Method::GET, "/v1/audit/verify", get(admin::audit_verify))
        .add(Method::GET, "/v1/admin/tokens", get(admin::list_tokens))
        .add(Method::POST, "/v1/admin/tokens", post(admin::create_token))
        .add(
            Method::DELETE,
            "/v1/admin/tokens/{name}",
            delete(admin::revoke_token),
        )
        .add(Method::GET, "/v1/admin/users", get(admin::list_users))
        .add(Method::POST, "/v1/admin/users", post(admin::add_user))
        .add(
            Method::POST,
            "/v1/admin/users/{name}/disable",
            post(admin::disable_user),
        )
        .add(
            Method::POST,
            "/v1/admin/users/{name}/password",
            post(admin::set_password),
        )
        .add(Method::POST, "/v1/session", post(session::login))
        .add(Method::GET, "/v1/session", get(session::whoami))
        .add(Method::DELETE, "/v1/session", delete(session::logout));
    crate::console::routes(fhir::routes(api))
}

/// Every (method, path pattern) the router serves, in the order they were added.
pub fn route_table() -> Vec<(Method, &'static str)> {
    all_routes().table
}

/// The API's router over a running hub, behind its access control.
pub fn router(hub: Arc<Hub>, auth: Arc<Auth>, tls: bool) -> Router {
    let Routes { router, table } = all_routes();
    for (method, path) in &table {
        assert!(
            crate::auth::policy::rule(method, path).is_some(),
            "route {method} {path} has no access rule"
        );
    }
    let router = router
        .route_layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            guard::guard,
        ))
        .fallback(guard::fallback)
        .layer(axum::middleware::from_fn(crate::console::login_redirect));
    let mut headers = vec![
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ];
    if tls {
        headers.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    }
    let mut router = router
        .layer(axum::middleware::from_fn(header_limit))
        .layer(DefaultBodyLimit::max(MAX_INBOUND_BYTES))
        .layer(Extension(auth))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            BODY_READ_TIMEOUT,
        ));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    overloaded()
                }))
                .load_shed()
                .concurrency_limit(MAX_CONCURRENT_REQUESTS),
        )
        .with_state(hub)
}

/// `/metrics` alone, without a credential, for `[hub] metrics_listen`.
pub fn metrics_router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(hub)
}

/// 431 for a request whose headers add up to more than
/// [`listener::MAX_HEADER_BYTES`]: hyper's buffer limit only stops headers that
/// arrive in pieces, so the whole set is measured here too.
async fn header_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + req.uri().to_string().len();
    if size > listener::MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request line and headers are larger than {} KiB",
                listener::MAX_HEADER_BYTES / 1024
            ),
        )
        .into_response();
    }
    next.run(req).await
}

fn overloaded() -> Response {
    let mut r = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        format!("the hub is serving {MAX_CONCURRENT_REQUESTS} requests already: try again shortly"),
    )
    .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// Read a request body up to the endpoint's `max_body_mib`; 413 naming the limit beyond.
pub(crate) async fn read_body(
    hub: &Hub,
    endpoint: &str,
    body: axum::body::Body,
) -> Result<Bytes, ApiError> {
    let mib = hub.endpoint(endpoint).map_or(64, |e| e.max_body_mib);
    axum::body::to_bytes(body, mib as usize * 1024 * 1024).await.map_err(|e| {
        let too_large = std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| e.source())
            .any(|e| e.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than endpoint `{endpoint}`'s limit of {mib} MiB (`max_body_mib`)"),
            )
        } else {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_unreadable",
                "the request body could not be read: the client stopped sending or was too slow",
            )
        }
    })
}

/// Ingest in a task of its own, so a client that disconnects mid-request cannot
/// leave a stored payload half processed.
pub(crate) async fn ingest_in_task(
    hub: &Arc<Hub>,
    endpoint: &str,
    body: Vec<u8>,
    content_type: Option<String>,
) -> Result<IngestOutcome, HubError> {
    let (hub, endpoint) = (hub.clone(), endpoint.to_owned());
    tokio::spawn(async move { hub.ingest(&endpoint, body, content_type, None, None).await })
        .await
        .map_err(|e| HubError::Task(e.to_string()))?
}

async fn readyz(State(hub): State<Arc<Hub>>) -> Response {
    if hub.store.unhealthy().is_some() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "store_unhealthy"})),
        )
            .into_response()
    } else if hub.is_ready() {
        Json(json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "starting"})),
        )
            .into_response()
    }
}

async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    // Queue depths count queue entries: a scan, so not on an async worker.
    let rendered = tokio::task::spawn_blocking(move || {
        let depths: Vec<(String, usize)> = hub
            .config
            .endpoints
            .iter()
            .filter(|(_, e)| !e.transport.is_inbound())
            .map(|(n, _)| (n.clone(), hub.store.queue_depth(n)))
            .collect();
        let mut text = hub.metrics.render(&depths);
        let now = std::time::Instant::now();
        let circuits: Vec<_> = hub
            .breakers
            .iter()
            .map(|(n, b)| (n.clone(), b.view(now)))
            .collect();
        crate::metrics::Metrics::render_circuits(&mut text, &circuits);
        crate::metrics::Metrics::render_alerts(&mut text, &hub.alerts_firing.lock().expect("lock"));
        if let Some(stats) = hub.store_stats.lock().expect("lock").as_ref() {
            crate::metrics::Metrics::render_store(&mut text, stats);
        }
        crate::metrics::Metrics::render_retention(&mut text, &crate::retention::counts());
        crate::cpu::render(&mut text);
        text
    })
    .await;
    match rendered {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// `POST /v1/inbound/{endpoint}`: store, decode, route; 202 with the ids.
async fn inbound(
    State(hub): State<Arc<Hub>>,
    Path(endpoint): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if let Some(k) = params.keys().find(|k| k.as_str() != "wait") {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter `{k}` (expected: wait)"
        )));
    }
    let wait = match params.get("wait") {
        None => None,
        Some(w) => Some(
            w.parse::<u64>()
                .ok()
                .filter(|n| (1..=600).contains(n))
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| {
                    ApiError::bad_request("`wait` must be a whole number of seconds from 1 to 600")
                })?,
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
        None => {
            return Err(ApiError::not_found(format!(
                "no inbound endpoint `{endpoint}`"
            )));
        }
    }
    let body = read_body(&hub, &endpoint, body).await?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let outcome = ingest_in_task(&hub, &endpoint, Vec::from(body), content_type).await?;
    if outcome.status == Status::DecodeFailed {
        let err = outcome
            .error
            .clone()
            .unwrap_or_else(|| crate::store::ErrorInfo::new("decode_failed", "decode failed"));
        // Only the connector's positioned problems go back; trap output stays in the log.
        let problems = err
            .details
            .get("problems")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: err.code,
            message: format!(
                "the payload was stored as {} but could not be decoded: {}",
                outcome.inbound_id, err.message
            ),
            details: json!({ "inbound_id": outcome.inbound_id, "problems": problems }),
            retry_after: None,
        });
    }
    match hub.reply_for(&endpoint, &outcome, wait).await? {
        ReplyOutcome::NotWaited => Ok((StatusCode::ACCEPTED, Json(outcome)).into_response()),
        ReplyOutcome::Replied {
            request_id,
            reply_id,
            payload,
        } => {
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
            message: format!(
                "the reply to {request_id} came but could not be encoded: {}",
                error.message
            ),
            details: json!({ "request_id": request_id, "inbound_id": outcome.inbound_id }),
            retry_after: None,
        }),
    }
}

/// A record without its history, for listings.
fn summary(r: &Record) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.remove("history");
        if let Some(e) = r.history.iter().rev().find_map(|h| h.error.as_ref()) {
            map.insert(
                "last_error".into(),
                json!({"code": e.code, "message": e.message}),
            );
        }
    }
    v
}

pub(crate) const LIST_PARAMS: [&str; 10] = [
    "status",
    "kind",
    "endpoint",
    "correlation",
    "since",
    "until",
    "q",
    "type",
    "limit",
    "cursor",
];

/// The store [`Filter`] of a listing's checked parameters (`status`, `kind`,
/// `endpoint`, `correlation`, `since`, `until`, `q`, `type`): one reading of them
/// for `/v1/messages` and the console's message pages.
pub(crate) fn message_filter(p: &Params) -> Result<Filter, ApiError> {
    Ok(Filter {
        status: p
            .get("status")
            .map(|s| s.parse())
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("{e}")))?,
        kind: p
            .get("kind")
            .map(|s| s.parse())
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("{e}")))?,
        endpoint: p.get("endpoint").cloned(),
        correlation: p.get("correlation").cloned(),
        since_ms: p.time("since")?,
        until_ms: p.time("until")?,
        q: p.get("q").cloned(),
        record_type: match p.get("type").map(String::as_str) {
            None => None,
            Some("inbound") => Some(RecordType::Inbound),
            Some("message") => Some(RecordType::Message),
            Some("ack") => Some(RecordType::Ack),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "`type` must be `inbound`, `message` or `ack`",
                ));
            }
        },
    })
}

/// `GET /v1/messages`: filters and cursor pagination, newest first.
async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = Params::new(query, &LIST_PARAMS)?;
    let filter = message_filter(&p)?;
    let limit = p.limit(50)?;
    let cursor = p.ulid_cursor()?;
    let store = hub.store.clone();
    let searched = filter.q.is_some();
    let page = tokio::task::spawn_blocking(move || store.list(&filter, cursor.as_deref(), limit))
        .await
        .map_err(ApiError::internal)??;
    let ids: Vec<String> = page.items.iter().map(|r| r.id.clone()).collect();
    if !caller.masked() {
        caller
            .audit(
                if searched {
                    "messages.search"
                } else {
                    "messages.list"
                },
                ids,
                "ok",
            )
            .await?;
    }
    let items = page
        .items
        .iter()
        .map(|r| {
            let mut v = summary(r);
            if caller.masked() {
                mask(&mut v);
            }
            v
        })
        .collect::<Vec<_>>();
    // `partial`: the scan ran out of its time budget; `next_cursor` goes on from there.
    Ok(Json(
        json!({ "items": items, "next_cursor": page.next_cursor, "partial": page.partial }),
    ))
}

/// Withhold what identifies a patient from a record's JSON (for viewers):
/// correlation values (claim ids are patient account numbers) and file names.
fn mask(record: &mut Value) {
    if let Some(pairs) = record.get_mut("correlation").and_then(Value::as_array_mut) {
        for pair in pairs {
            if let Some(v) = pair.get_mut(1) {
                *v = json!("[masked]");
            }
        }
    }
    if let Some(f) = record.get_mut("filename")
        && !f.is_null()
    {
        *f = json!("[masked]");
    }
}

fn raw_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => json!({"encoding": "utf-8", "data": s}),
        Err(_) => json!({"encoding": "hex", "data": hex::encode(bytes)}),
    }
}

/// `GET /v1/messages/{id}`: the record, its history, and its payloads (the raw
/// payload not for coordinators, neither payload for viewers).
async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = hub
        .store
        .get(&id)?
        .ok_or_else(|| ApiError::not_found(format!("no record {id}")))?;
    let mut out = json!({ "record": r });
    match (r.record_type, caller.access) {
        (_, Access::Masked) => {
            mask(&mut out["record"]);
            out["payloads"] = json!("withheld");
        }
        (RecordType::Inbound | RecordType::Ack, Access::NoRaw) => out["raw"] = json!("withheld"),
        (RecordType::Inbound | RecordType::Ack, _) => {
            if let Some(raw) = hub.store.raw(&id)? {
                out["raw"] = raw_json(&raw);
            }
        }
        (RecordType::Message, _) => {
            if let Some(n) = hub.store.normalized(&id)? {
                out["normalized"] = serde_json::from_str(&n).unwrap_or(Value::String(n));
            }
        }
    }
    if !caller.masked() {
        let action = if out.get("raw").is_some_and(|r| r.is_object()) {
            "payload.read"
        } else {
            "message.read"
        };
        caller.audit(action, vec![id], "ok").await?;
    }
    Ok(Json(out))
}

/// `POST /v1/messages/{id}/replay`.
async fn replay(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if ulid::Ulid::from_string(&id).is_err() {
        return Err(ApiError::not_found(format!("no record {id}")));
    }
    let result = hub.replay(&id).await;
    caller
        .audit(
            "message.replay",
            vec![id.clone()],
            if result.is_ok() { "ok" } else { "failed" },
        )
        .await?;
    let r = result?;
    tracing::info!(record_id = %id, actor = %caller.principal.name, "replayed on API request");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "id": r.id, "status": r.status, "record": summary(&r) })),
    )
        .into_response())
}

const TIMELINE_PARAMS: [&str; 2] = ["limit", "cursor"];

/// `GET /v1/claims/{key}/timeline`: every message tied to one claim, oldest first,
/// a page at a time (`limit`, default 200; `cursor`: the last id of the previous page).
async fn timeline(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = Params::new(query, &TIMELINE_PARAMS)?;
    let limit = p.limit(200)?;
    let after = p.ulid_cursor()?;
    let store = hub.store.clone();
    let k = key.clone();
    let (items, next) =
        tokio::task::spawn_blocking(move || store.timeline_page(&k, after.as_deref(), limit))
            .await
            .map_err(ApiError::internal)??;
    if items.is_empty() && p.get("cursor").is_none() {
        return Err(ApiError::not_found("no message has this correlation key"));
    }
    let mut items: Vec<Value> = items
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    if caller.masked() {
        items.iter_mut().for_each(mask);
    } else {
        let ids = items
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect();
        caller.audit("timeline.read", ids, "ok").await?;
    }
    let key = if caller.masked() {
        json!("[masked]")
    } else {
        json!(key)
    };
    Ok(Json(
        json!({ "key": key, "items": items, "next_cursor": next }),
    ))
}
