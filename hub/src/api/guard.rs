//! The access-control layer in front of every route: the `Host` check, who the
//! caller is (bearer token or session cookie with its CSRF token), and what the
//! route x role matrix ([`crate::auth::policy`]) lets them do. Handlers get the
//! [`Caller`] to mask, audit and bind to endpoints.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Extension, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::audit::Event;
use crate::auth::session::COOKIE;
use crate::auth::{Access, Auth, Principal, Rule, Via, policy};
use crate::store::record::now_ms;

/// The peer's address, put on each request by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// An authenticated caller, for handlers.
#[derive(Clone)]
pub struct Caller {
    /// Who.
    pub principal: Principal,
    /// What the matrix lets them do with this route.
    pub access: Access,
    /// Their address.
    pub source: String,
    /// The access-control state (audit log, sessions).
    pub auth: Arc<Auth>,
}

impl Caller {
    /// Record an audit entry for this caller.
    pub async fn audit(
        &self,
        action: &str,
        records: Vec<String>,
        outcome: &str,
    ) -> Result<(), ApiError> {
        self.auth
            .audit
            .record(Event {
                actor: self.principal.name.clone(),
                role: Some(self.principal.role.as_str().into()),
                action: action.into(),
                records,
                source: Some(self.source.clone()),
                outcome: outcome.into(),
            })
            .await
            .map(|_| ())
            .map_err(ApiError::internal)
    }

    /// Whether PHI must be masked in this answer.
    pub fn masked(&self) -> bool {
        self.access == Access::Masked
    }
}

/// The source address of a request.
pub fn source(req: &Request) -> String {
    req.extensions()
        .get::<Peer>()
        .map_or_else(|| "unknown".into(), |p| p.0.ip().to_string())
}

fn unauthenticated(message: &str) -> Response {
    let mut r = ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"clearway\""),
    );
    r
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

// The error is the refusal to answer, built once; boxing it gains nothing on this path.
#[allow(clippy::result_large_err)]
/// Who the request's credential stands for: `Ok(None)` when it carries none,
/// `Err` (a 401 or 403 answer) when it carries a bad one.
pub fn authenticate(
    auth: &Auth,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Response> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let Some(token) = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return Err(unauthenticated(
                "the Authorization header must be `Bearer TOKEN`",
            ));
        };
        return match auth.credentials.authenticate_token(token) {
            Ok(Some(p)) => Ok(Some(p)),
            Ok(None) => Err(unauthenticated(
                "the bearer token is not valid (unknown, revoked or expired)",
            )),
            Err(e) => Err(ApiError::internal(e).into_response()),
        };
    }
    let Some(id) = cookie(headers, COOKIE) else {
        return Ok(None);
    };
    let Some(s) = auth.sessions.touch(id, now_ms()) else {
        return Err(unauthenticated(
            "the session has ended (logged out, idle too long or too old): log in again",
        ));
    };
    if !auth.credentials.user_active(&s.user) {
        auth.sessions.end(id);
        return Err(unauthenticated(
            "the session has ended: the account is disabled",
        ));
    }
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !crate::auth::secret_same(sent, &s.csrf) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "a request authenticated by the session cookie that changes something needs the session's `X-CSRF-Token` header",
            )
            .into_response());
        }
    }
    Ok(Some(Principal {
        name: s.user,
        role: s.role,
        endpoints: Vec::new(),
        via: Via::Session { id: s.id },
    }))
}

#[allow(clippy::result_large_err)]
/// Refuse a `Host` this hub does not answer to (DNS rebinding).
pub fn check_host(auth: &Auth, headers: &HeaderMap) -> Result<(), Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if auth.host_allowed(host) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            "this hub does not answer to the request's Host (add it to [hub] allowed_hosts)",
        )
        .into_response())
    }
}

/// Largest HTML form body the console takes.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// HTML forms cannot send headers: for a form post (urlencoded) authenticated by
/// the session cookie and without `X-CSRF-Token`, the token is read from the
/// form's `_csrf` field and checked like the header (the body is put back for the
/// handler). Anything else passes through untouched.
// The error is the refusal to answer, built once; boxing it gains nothing on this path.
#[allow(clippy::result_large_err)]
async fn form_csrf(req: Request) -> Result<Request, Response> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if safe
        || !form
        || req.headers().contains_key("x-csrf-token")
        || req.headers().contains_key(header::AUTHORIZATION)
        || cookie(req.headers(), COOKIE).is_none()
    {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a form is at most {} KiB", MAX_FORM_BYTES / 1024),
            )
            .into_response()
        })?;
    if let Some(token) = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned())
        && let Ok(v) = HeaderValue::from_str(&token)
    {
        parts.headers.insert("x-csrf-token", v);
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// The value of the path parameter `{name}` of `pattern` in `path`.
fn path_param<'a>(pattern: &str, path: &'a str, name: &str) -> Option<&'a str> {
    let want = format!("{{{name}}}");
    let i = pattern.split('/').position(|seg| seg == want)?;
    path.split('/').nth(i)
}

/// The layer on every matched route.
pub async fn guard(State(auth): State<Arc<Auth>>, req: Request, next: Next) -> Response {
    let pattern = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let method = req.method().clone();
    let Some(rule) = policy::rule(&method, &pattern) else {
        tracing::error!(%method, route = %pattern, "a route has no access rule; refusing it");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this route has no access rule",
        )
        .into_response();
    };
    if rule == Rule::Public {
        return next.run(req).await;
    }
    if let Err(r) = check_host(&auth, req.headers()) {
        return r;
    }
    let mut req = match form_csrf(req).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let principal = match authenticate(&auth, &method, req.headers()) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return unauthenticated(
                "this route needs a credential: `Authorization: Bearer TOKEN` or a session",
            );
        }
        Err(r) => return r,
    };
    let source = source(&req);
    let access = rule.access(principal.role);
    let refusal = match access {
        Access::Denied => Some(format!(
            "the {} role may not use {method} {pattern}",
            principal.role
        )),
        Access::OwnEndpoints
            if auth.sender_cert_required
                && req
                    .extensions()
                    .get::<super::listener::ClientCert>()
                    .is_none() =>
        {
            Some(
                "sender tokens also need a TLS client certificate signed by [hub] tls.client_ca"
                    .to_owned(),
            )
        }
        Access::OwnEndpoints => match path_param(&pattern, req.uri().path(), "endpoint") {
            Some(ep) if principal.endpoints.iter().any(|e| e == ep) => None,
            _ => Some(format!(
                "token `{}` may only post to its own endpoints ({})",
                principal.name,
                principal.endpoints.join(", ")
            )),
        },
        Access::Masked if has_param(req.uri().query(), "q") => Some(format!(
            "the {} role may not search with `q`",
            principal.role
        )),
        _ => None,
    };
    let caller = Caller {
        principal,
        access,
        source,
        auth: auth.clone(),
    };
    if let Some(message) = refusal {
        let _ = caller
            .audit(
                "access.denied",
                vec![format!("{method} {pattern}")],
                "denied",
            )
            .await;
        return ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

fn has_param(query: Option<&str>, name: &str) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv.split('=').next() == Some(name)))
}

/// Paths no route matches: 401 without a credential (so the API's shape is not
/// shown to strangers), 404 with one.
pub async fn fallback(Extension(auth): Extension<Arc<Auth>>, req: Request) -> Response {
    if let Err(r) = check_host(&auth, req.headers()) {
        return r;
    }
    match authenticate(&auth, req.method(), req.headers()) {
        Ok(Some(_)) => ApiError::not_found("no such API path").into_response(),
        Ok(None) => unauthenticated(
            "this route needs a credential: `Authorization: Bearer TOKEN` or a session",
        ),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_by_pattern() {
        assert_eq!(
            path_param("/v1/inbound/{endpoint}", "/v1/inbound/lab", "endpoint"),
            Some("lab")
        );
        assert_eq!(
            path_param(
                "/fhir/{endpoint}/Claim/$submit",
                "/fhir/ehr/Claim/$submit",
                "endpoint"
            ),
            Some("ehr")
        );
        assert_eq!(path_param("/v1/messages", "/v1/messages", "endpoint"), None);
    }

    #[test]
    fn query_params_by_name() {
        assert!(has_param(Some("q=smith&limit=5"), "q"));
        assert!(has_param(Some("limit=5&q"), "q"));
        assert!(!has_param(Some("qq=1&status=dead"), "q"));
        assert!(!has_param(None, "q"));
    }
}
