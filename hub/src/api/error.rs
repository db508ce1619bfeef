//! The API's one error shape: `{"error": {"code", "message", "details"}}`.
//! A 500 never carries internals: the log gets the detail, the caller an id-free
//! generic text.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::pipeline::HubError;

/// An error answered to an API caller.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code.
    pub code: String,
    /// Human-readable, without PHI or internals.
    pub message: String,
    /// Structured details (e.g. decode problems with positions).
    pub details: Value,
    /// Seconds for a `Retry-After` header (503, 507, 429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            details: Value::Null,
            retry_after: None,
        }
    }

    /// The same error with a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 503 while the store cannot make data durable (a failed sync).
    fn store_unhealthy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unhealthy",
            "the hub's store could not make data durable; nothing is taken in until the hub is restarted (see its log)",
        )
        .retry_after(30)
    }

    /// 400 for a bad parameter.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 500, logging the detail but answering a generic text.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error answering an API request");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the hub's log",
        )
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::UnknownEndpoint(name) => {
                ApiError::not_found(format!("no inbound endpoint `{name}`"))
            }
            HubError::NotFound(id) => ApiError::not_found(format!("no record {id}")),
            HubError::NotReady => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "starting",
                "the hub is finishing what it was doing before it stopped; try again shortly",
            )
            .retry_after(2),
            HubError::Store(
                crate::store::StoreError::Unhealthy { .. } | crate::store::StoreError::Fsync { .. },
            ) => ApiError::store_unhealthy(),
            HubError::Refused(r) => {
                let (status, code) = match r {
                    crate::pipeline::pressure::Refusal::DiskFull { .. } => {
                        (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage")
                    }
                    _ => (StatusCode::SERVICE_UNAVAILABLE, "backpressure"),
                };
                ApiError::new(status, code, format!("not taken in: {r}; try again later"))
                    .retry_after(r.retry_after())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Unhealthy { .. } | crate::store::StoreError::Fsync { .. } => {
                ApiError::store_unhealthy()
            }
            e => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if !self.details.is_null() {
            body["details"] = self.details;
        }
        let mut resp = (self.status, Json(json!({ "error": body }))).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(s),
            );
        }
        resp
    }
}
