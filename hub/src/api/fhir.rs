//! The FHIR REST facade for `fhir` endpoints: EHRs post FHIR resources and hear
//! back in FHIR (`application/fhir+json`, errors as `OperationOutcome` with the
//! FHIRPath of each problem). The endpoint's connector does the translation; the
//! facade only moves bytes and shapes answers.
//!
//! - `POST /fhir/{endpoint}/Claim/$submit`: a Claim or a Bundle of them.
//! - `POST /fhir/{endpoint}/CoverageEligibilityRequest`.
//! - `POST /fhir/{endpoint}`: a Bundle.
//! - `GET /fhir/{endpoint}/metadata`: the CapabilityStatement.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::config::Transport;
use crate::pipeline::reply::ReplyOutcome;
use crate::pipeline::{Hub, HubError};
use crate::store::Status;

/// The media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The facade's routes.
pub(super) fn routes(api: super::Routes) -> super::Routes {
    api.add(Method::GET, "/fhir/{endpoint}/metadata", get(metadata))
        .add(
            Method::POST,
            "/fhir/{endpoint}/Claim/$submit",
            post(claim_submit),
        )
        .add(
            Method::POST,
            "/fhir/{endpoint}/CoverageEligibilityRequest",
            post(eligibility),
        )
        .add(Method::POST, "/fhir/{endpoint}", post(bundle))
}

/// A FHIR answer: the resource as `application/fhir+json`.
fn fhir(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    r
}

/// An OperationOutcome with one issue.
pub fn outcome(status: StatusCode, severity: &str, code: &str, diagnostics: &str) -> Response {
    fhir(
        status,
        json!({
            "resourceType": "OperationOutcome",
            "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }]
        }),
    )
}

/// `None` if `endpoint` is a `fhir` endpoint; the 404 OperationOutcome otherwise.
fn not_fhir_endpoint(hub: &Hub, endpoint: &str) -> Option<Response> {
    match hub.endpoint(endpoint).map(|e| &e.transport) {
        Some(Transport::Fhir) => None,
        _ => Some(outcome(
            StatusCode::NOT_FOUND,
            "error",
            "not-found",
            &format!("no FHIR endpoint `{endpoint}`"),
        )),
    }
}

async fn metadata(State(hub): State<Arc<Hub>>, Path(endpoint): Path<String>) -> Response {
    if let Some(r) = not_fhir_endpoint(&hub, &endpoint) {
        return r;
    }
    let decodes: Vec<String> = hub
        .endpoint(&endpoint)
        .and_then(|e| hub.connectors.get(&e.connector))
        .map(|p| p.description().decodes.clone())
        .unwrap_or_default();
    let takes = |kind: &str| decodes.iter().any(|d| d == kind);
    let mut resources = Vec::new();
    if takes("claim") || takes("prior_auth.request") {
        resources.push(json!({
            "type": "Claim",
            "operation": [{ "name": "submit", "definition": "http://hl7.org/fhir/OperationDefinition/Claim-submit" }]
        }));
    }
    if takes("eligibility.request") {
        resources.push(
            json!({ "type": "CoverageEligibilityRequest", "interaction": [{ "code": "create" }] }),
        );
    }
    let date = crate::store::record::now_rfc3339();
    fhir(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "publisher": "Clearway",
            "kind": "instance",
            "software": { "name": "Clearway", "version": env!("CARGO_PKG_VERSION") },
            "implementation": { "description": format!("Clearway FHIR endpoint `{endpoint}`") },
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON, "json"],
            "rest": [{
                "mode": "server",
                "resource": resources,
                "interaction": [{ "code": "batch" }]
            }]
        }),
    )
}

async fn claim_submit(
    state: State<Arc<Hub>>,
    path: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit(state, path, headers, body, &["Claim", "Bundle"]).await
}

async fn eligibility(
    state: State<Arc<Hub>>,
    path: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit(
        state,
        path,
        headers,
        body,
        &["CoverageEligibilityRequest", "Bundle"],
    )
    .await
}

async fn bundle(
    state: State<Arc<Hub>>,
    path: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit(state, path, headers, body, &["Bundle"]).await
}

/// The `resourceType` of a JSON body, if it has one (without parsing it twice
/// for the connector: a cheap look at the top-level object).
fn resource_type(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("resourceType")?.as_str().map(str::to_owned)
}

async fn submit(
    State(hub): State<Arc<Hub>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Body,
    accepted: &[&str],
) -> Response {
    if let Some(r) = not_fhir_endpoint(&hub, &endpoint) {
        return r;
    }
    let body = match super::read_body(&hub, &endpoint, body).await {
        Ok(b) => b,
        Err(e) => {
            let code = if e.status == StatusCode::PAYLOAD_TOO_LARGE {
                "too-costly"
            } else {
                "incomplete"
            };
            return outcome(e.status, "error", code, &e.message);
        }
    };
    if body.is_empty() {
        return outcome(
            StatusCode::BAD_REQUEST,
            "error",
            "required",
            "the request body is empty",
        );
    }
    // A body that is JSON but the wrong resource is refused here; one that is not
    // JSON at all goes to the connector, which reports where the syntax breaks.
    if let Some(rt) = resource_type(&body)
        && !accepted.contains(&rt.as_str())
    {
        return outcome(
            StatusCode::BAD_REQUEST,
            "error",
            "not-supported",
            &format!("this operation takes {}, not {rt}", accepted.join(" or ")),
        );
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let result = match super::ingest_in_task(&hub, &endpoint, Vec::from(body), content_type).await {
        Ok(r) => r,
        Err(HubError::UnknownEndpoint(_)) => {
            return outcome(
                StatusCode::NOT_FOUND,
                "error",
                "not-found",
                &format!("no FHIR endpoint `{endpoint}`"),
            );
        }
        Err(
            e @ (HubError::NotReady
            | HubError::Refused(_)
            | HubError::Store(
                crate::store::StoreError::Unhealthy { .. } | crate::store::StoreError::Fsync { .. },
            )),
        ) => {
            let status = match &e {
                HubError::Refused(crate::pipeline::pressure::Refusal::DiskFull { .. }) => {
                    StatusCode::INSUFFICIENT_STORAGE
                }
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            // The store's own error names files and OS errors: callers get a fixed text.
            let text = match &e {
                HubError::Refused(r) => format!("not taken in: {r}; try again later"),
                HubError::NotReady => e.to_string(),
                _ => "the hub's store could not make data durable; nothing is taken in until the hub is restarted".to_owned(),
            };
            let mut resp = outcome(status, "error", "transient", &text);
            resp.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(5u64));
            return resp;
        }
        Err(e) => {
            tracing::error!(error = %e, "FHIR submit failed");
            return outcome(
                StatusCode::INTERNAL_SERVER_ERROR,
                "fatal",
                "exception",
                "internal error; see the hub's log",
            );
        }
    };
    if result.status == Status::DecodeFailed {
        let err = result
            .error
            .unwrap_or_else(|| crate::store::ErrorInfo::new("decode_failed", "decode failed"));
        let mut issues: Vec<Value> = err
            .details
            .get("problems")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let mut issue = json!({
                            "severity": if p["severity"] == "warning" { "warning" } else { "error" },
                            "code": "invalid",
                            "diagnostics": p["message"],
                            "details": { "coding": [{ "system": "https://clearway.dev/problem-codes", "code": p["code"] }] }
                        });
                        if let Some(path) = p["location"]["path"].as_str() {
                            issue["expression"] = json!([path]);
                        }
                        issue
                    })
                    .collect()
            })
            .unwrap_or_default();
        if issues.is_empty() {
            issues.push(
                json!({ "severity": "error", "code": "processing", "diagnostics": err.message }),
            );
        }
        let mut r = fhir(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "resourceType": "OperationOutcome", "issue": issues }),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("/v1/messages/{}", result.inbound_id)) {
            r.headers_mut().insert(header::CONTENT_LOCATION, v);
        }
        return r;
    }
    match hub.reply_for(&endpoint, &result, None).await {
        Ok(ReplyOutcome::NotWaited) => {}
        Ok(ReplyOutcome::Replied {
            payload, reply_id, ..
        }) => {
            let mut r = (StatusCode::OK, payload.data).into_response();
            if let Ok(v) = HeaderValue::from_str(&payload.content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!("/v1/messages/{reply_id}")) {
                r.headers_mut().insert(header::CONTENT_LOCATION, v);
            }
            return r;
        }
        Ok(ReplyOutcome::TimedOut { request_id, waited }) => {
            let mut r = outcome(
                StatusCode::ACCEPTED,
                "information",
                "informational",
                &format!(
                    "no reply within {} ms; the request is message {request_id}: /v1/messages/{request_id}",
                    waited.as_millis()
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("/v1/messages/{request_id}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        Ok(ReplyOutcome::Failed { request_id, error }) => {
            tracing::warn!(request_id = %request_id, code = %error.code, "the reply could not be encoded");
            return outcome(
                StatusCode::BAD_GATEWAY,
                "error",
                "exception",
                &format!(
                    "the reply to {request_id} came but could not be encoded: {}",
                    error.message
                ),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "waiting for a reply failed");
            return outcome(
                StatusCode::INTERNAL_SERVER_ERROR,
                "fatal",
                "exception",
                "internal error; see the hub's log",
            );
        }
    }
    let mut issues: Vec<Value> = result
        .messages
        .iter()
        .map(|m| {
            json!({
                "severity": "information",
                "code": "informational",
                "diagnostics": format!("accepted as {} message {} ({}): /v1/messages/{}", m.kind, m.id, m.status, m.id)
            })
        })
        .collect();
    if issues.is_empty() {
        issues.push(json!({
            "severity": "information",
            "code": "informational",
            "diagnostics": format!("stored as {}; it held no message", result.inbound_id)
        }));
    }
    let mut r = fhir(
        StatusCode::ACCEPTED,
        json!({ "resourceType": "OperationOutcome", "issue": issues }),
    );
    let link = match result.messages.first() {
        Some(m) => format!("/v1/messages/{}", m.id),
        None => format!("/v1/messages/{}", result.inbound_id),
    };
    if let Ok(v) = HeaderValue::from_str(&link) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}
