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
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            details: Value::Null,
        }
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
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if !self.details.is_null() {
            body["details"] = self.details;
        }
        (self.status, Json(json!({ "error": body }))).into_response()
    }
}
