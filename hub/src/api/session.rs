//! `POST /v1/session` (log in), `GET /v1/session` (who am I, and the CSRF token),
//! `DELETE /v1/session` (log out).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::ApiError;
use super::guard::{Caller, source};
use crate::audit::Event;
use crate::auth::credentials::LoginFailure;
use crate::auth::session::{COOKIE, Session};
use crate::auth::{Auth, Via};
use crate::store::record::{now_ms, rfc3339_ms};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

fn parse_login(headers: &HeaderMap, body: &[u8]) -> Result<Login, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let parsed = if form {
        serde_urlencoded_login(body)
    } else {
        serde_json::from_slice::<Login>(body).map_err(|e| {
            format!(
                "the body must be JSON `{{\"name\": ..., \"password\": ...}}` (line {} column {})",
                e.line(),
                e.column()
            )
        })
    };
    parsed.map_err(ApiError::bad_request)
}

fn serde_urlencoded_login(body: &[u8]) -> Result<Login, String> {
    let (mut name, mut password) = (None, None);
    for (k, v) in form_urlencoded::parse(body) {
        match &*k {
            "name" => name = Some(v.into_owned()),
            "password" => password = Some(v.into_owned()),
            _ => {}
        }
    }
    match (name, password) {
        (Some(name), Some(password)) => Ok(Login { name, password }),
        _ => Err("the form needs `name` and `password`".into()),
    }
}

/// `POST /v1/session`.
pub async fn login(
    Extension(auth): Extension<Arc<Auth>>,
    req: Request,
) -> Result<Response, ApiError> {
    let from = source(&req);
    super::guard::check_host(&auth, req.headers()).map_err(|_| {
        ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            "this hub does not answer to the request's Host",
        )
    })?;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "a login is at most 16 KiB",
        )
    })?;
    let Login { name, password } = parse_login(&parts.headers, &body)?;
    match attempt(&auth, &from, &name, password).await? {
        LoginOutcome::Throttled(wait) => {
            let mut r = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_logins",
                format!("too many failed logins for this name or address: try again in {wait} s"),
            )
            .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            Ok(r)
        }
        LoginOutcome::Failed => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login_failed",
            "wrong name or password, or the account is disabled",
        )),
        LoginOutcome::LoggedIn(s) => {
            let mut r = (
                StatusCode::CREATED,
                Json(json!({
                    "name": s.user,
                    "role": s.role,
                    "csrf_token": s.csrf,
                    "idle_timeout_s": auth.sessions.idle().as_secs(),
                    "logged_in_at": rfc3339_ms(s.created_ms),
                })),
            )
                .into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&session_cookie(&s.id)).map_err(ApiError::internal)?,
            );
            Ok(r)
        }
    }
}

/// What a login attempt gave.
pub enum LoginOutcome {
    /// A new session.
    LoggedIn(Session),
    /// Too many failures for this name or address: try again in this many seconds.
    Throttled(u64),
    /// Wrong name or password, or a disabled account (which one is not said).
    Failed,
}

/// Check a name and password (throttled, audited, failures delayed) and open a
/// session: the one login of the API and the console.
pub async fn attempt(
    auth: &Auth,
    from: &str,
    name: &str,
    password: String,
) -> Result<LoginOutcome, ApiError> {
    let event = |action: &str, outcome: &str| Event {
        actor: name.to_owned(),
        role: None,
        action: action.into(),
        records: Vec::new(),
        source: Some(from.to_owned()),
        outcome: outcome.into(),
    };
    if let Err(wait) = auth.throttle.check(name, from, now_ms()) {
        auth.audit
            .record(event("login.failed", "throttled"))
            .await
            .map_err(ApiError::internal)?;
        return Ok(LoginOutcome::Throttled(wait));
    }
    let creds = auth.credentials.clone();
    let (n, p) = (name.to_owned(), password);
    let result = tokio::task::spawn_blocking(move || creds.authenticate_user(&n, &p))
        .await
        .map_err(ApiError::internal)?;
    match result {
        Err(failure) => {
            let delay = auth.throttle.fail(name, from, now_ms());
            auth.audit
                .record(match failure {
                    // A name no account has may be a password typed in the wrong
                    // field: the audit log keeps that it happened, not the text.
                    LoginFailure::UnknownUser => Event {
                        actor: "(unknown name)".into(),
                        ..event("login.failed", failure.code())
                    },
                    _ => event("login.failed", failure.code()),
                })
                .await
                .map_err(ApiError::internal)?;
            tokio::time::sleep(delay).await;
            Ok(LoginOutcome::Failed)
        }
        Ok(p) => {
            auth.throttle.succeed(name);
            let s = auth.sessions.create(&p.name, p.role, now_ms());
            auth.audit
                .record(Event {
                    role: Some(p.role.as_str().into()),
                    ..event("login", "ok")
                })
                .await
                .map_err(ApiError::internal)?;
            Ok(LoginOutcome::LoggedIn(s))
        }
    }
}

/// The `Set-Cookie` value of session `id`.
pub fn session_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

/// End the caller's session (audited); an error for a token, which has none.
pub async fn end_session(caller: &Caller) -> Result<(), ApiError> {
    let Via::Session { id } = &caller.principal.via else {
        return Err(ApiError::bad_request(
            "a token has no session to end (revoke it with `clearway token revoke`)",
        ));
    };
    caller.auth.sessions.end(id);
    caller.audit("logout", Vec::new(), "ok").await
}

/// `GET /v1/session`: who the credential stands for (and, for a session, its CSRF token).
pub async fn whoami(Extension(caller): Extension<Caller>) -> Json<serde_json::Value> {
    let p = &caller.principal;
    let mut out = json!({ "name": p.name, "role": p.role, "endpoints": p.endpoints });
    match &p.via {
        Via::Token => out["via"] = json!("token"),
        Via::Session { id } => {
            out["via"] = json!("session");
            if let Some(s) = caller.auth.sessions.touch(id, now_ms()) {
                out["csrf_token"] = json!(s.csrf);
                out["logged_in_at"] = json!(rfc3339_ms(s.created_ms));
            }
        }
    }
    Json(out)
}

/// `DELETE /v1/session`: log out.
pub async fn logout(Extension(caller): Extension<Caller>) -> Result<Response, ApiError> {
    end_session(&caller).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear_cookie()).map_err(ApiError::internal)?,
    );
    Ok(r)
}
