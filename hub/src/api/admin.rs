//! Credentials and the audit log over the API (admins only), so the command line
//! can manage a running hub: `/v1/admin/tokens`, `/v1/admin/users`, `/v1/audit`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiError;
use super::guard::Caller;
use super::params::Params;
use crate::auth::{CredentialError, Role};
use crate::pipeline::Hub;

impl From<CredentialError> for ApiError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::Store(e) => ApiError::internal(e),
            CredentialError::Hash(e) => ApiError::internal(e),
            CredentialError::NotFound { .. } => ApiError::not_found(e.to_string()),
            CredentialError::Exists { .. } => {
                ApiError::new(StatusCode::CONFLICT, "exists", e.to_string())
            }
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        ApiError::bad_request(format!(
            "the body is not what this route takes at `{}` (line {} column {}): {:?}",
            e.path(),
            inner.line(),
            inner.column(),
            inner.classify()
        ))
    })
}

/// Check that every endpoint a sender token is bound to is an inbound endpoint of this hub.
pub fn check_sender_endpoints(
    config: &crate::config::Config,
    endpoints: &[String],
) -> Result<(), String> {
    for e in endpoints {
        match config.endpoints.get(e) {
            Some(ep) if ep.transport.is_inbound() => {}
            Some(_) => {
                return Err(format!(
                    "endpoint `{e}` is outbound: senders post only to inbound endpoints"
                ));
            }
            None => return Err(format!("no endpoint `{e}` in the config")),
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: Role,
    #[serde(default)]
    endpoints: Vec<String>,
    #[serde(default)]
    expires_days: Option<u32>,
}

/// `GET /v1/admin/tokens`.
pub async fn list_tokens(Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "items": caller.auth.credentials.list_tokens()? }),
    ))
}

/// `POST /v1/admin/tokens`: 201 with the token, shown this once.
pub async fn create_token(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let t: NewToken = json_body(&body)?;
    check_sender_endpoints(&hub.config, &t.endpoints).map_err(ApiError::bad_request)?;
    let result =
        caller
            .auth
            .credentials
            .create_token(&t.name, t.role, &t.endpoints, t.expires_days);
    let outcome = if result.is_ok() { "ok" } else { "refused" };
    caller
        .audit("token.create", vec![t.name.clone()], outcome)
        .await?;
    let token = result?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": t.name, "role": t.role, "endpoints": t.endpoints, "token": token })),
    )
        .into_response())
}

/// `DELETE /v1/admin/tokens/{name}`.
pub async fn revoke_token(
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let result = caller.auth.credentials.revoke_token(&name);
    caller
        .audit(
            "token.revoke",
            vec![name],
            if result.is_ok() { "ok" } else { "refused" },
        )
        .await?;
    result?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: Role,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

/// `GET /v1/admin/users`.
pub async fn list_users(Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "items": caller.auth.credentials.list_users()? }),
    ))
}

/// `POST /v1/admin/users`.
pub async fn add_user(
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let u: NewUser = json_body(&body)?;
    let creds = caller.auth.credentials.clone();
    let (name, role) = (u.name.clone(), u.role);
    let result = tokio::task::spawn_blocking(move || creds.add_user(&u.name, u.role, &u.password))
        .await
        .map_err(ApiError::internal)?;
    caller
        .audit(
            "user.add",
            vec![name.clone()],
            if result.is_ok() { "ok" } else { "refused" },
        )
        .await?;
    result?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": name, "role": role })),
    )
        .into_response())
}

/// `POST /v1/admin/users/{name}/disable`: also ends their sessions.
pub async fn disable_user(
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let result = caller.auth.credentials.disable_user(&name);
    caller
        .audit(
            "user.disable",
            vec![name.clone()],
            if result.is_ok() { "ok" } else { "refused" },
        )
        .await?;
    result?;
    let ended = caller.auth.sessions.end_user(&name);
    Ok(Json(json!({ "name": name, "disabled": true, "sessions_ended": ended })).into_response())
}

/// `POST /v1/admin/users/{name}/password`: also ends their sessions.
pub async fn set_password(
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let p: NewPassword = json_body(&body)?;
    let creds = caller.auth.credentials.clone();
    let n = name.clone();
    let result = tokio::task::spawn_blocking(move || creds.set_password(&n, &p.password))
        .await
        .map_err(ApiError::internal)?;
    caller
        .audit(
            "user.passwd",
            vec![name.clone()],
            if result.is_ok() { "ok" } else { "refused" },
        )
        .await?;
    result?;
    let ended = caller.auth.sessions.end_user(&name);
    Ok(Json(json!({ "name": name, "sessions_ended": ended })).into_response())
}

const AUDIT_PARAMS: [&str; 7] = [
    "actor", "action", "record", "since", "until", "cursor", "limit",
];

/// `GET /v1/audit`: newest first, with filters and a cursor.
pub async fn audit(
    Extension(caller): Extension<Caller>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = Params::new(query, &AUDIT_PARAMS)?;
    let q = crate::audit::Query {
        actor: p.get("actor").cloned(),
        action: p.get("action").cloned(),
        record: p.get("record").cloned(),
        since_ms: p.time("since")?,
        until_ms: p.time("until")?,
        before: p
            .get("cursor")
            .map(|c| c.parse::<u64>().map_err(|_| super::params::bad_cursor()))
            .transpose()?,
        limit: p.limit(100)?,
    };
    let auth = caller.auth.clone();
    let (items, next) = tokio::task::spawn_blocking(move || auth.audit.list(&q))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(
        json!({ "items": items, "next_cursor": next.map(|n| n.to_string()) }),
    ))
}

/// `GET /v1/audit/verify`: walk the chain.
pub async fn audit_verify(Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    let auth = caller.auth.clone();
    let v = tokio::task::spawn_blocking(move || auth.audit.verify())
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(serde_json::to_value(v).map_err(ApiError::internal)?))
}
