//! What a failed delivery or connector call is recorded as.

use crate::runtime::{CallError, ConnectorError, Problem, Severity};
use crate::store::ErrorInfo;

/// A failed delivery: what to record, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct DeliveryError {
    /// Recorded in the message's history.
    pub info: ErrorInfo,
    /// Whether the delivery should be retried with backoff.
    pub retryable: bool,
}

impl DeliveryError {
    /// A failure that may pass (network down, disk full, receiver busy).
    pub fn transient(code: &str, message: impl Into<String>) -> Self {
        DeliveryError {
            info: ErrorInfo::new(code, message),
            retryable: true,
        }
    }

    /// A failure that will not pass by itself (the receiver rejected the payload).
    pub fn permanent(code: &str, message: impl Into<String>) -> Self {
        DeliveryError {
            info: ErrorInfo::new(code, message),
            retryable: false,
        }
    }
}

/// The error info recorded for a failed connector call.
pub fn call_error_info(stage: &str, e: &CallError) -> ErrorInfo {
    let code = format!("{stage}.{}", e.code());
    match e {
        CallError::Connector(ce) => {
            let (what, problems) = match ce {
                ConnectorError::Malformed(p) => {
                    ("the input is not in the connector's format", p.clone())
                }
                ConnectorError::Invalid(p) => {
                    ("the input breaks the rules of its format", p.clone())
                }
                ConnectorError::Unsupported(s) => {
                    return ErrorInfo::new(code, format!("unsupported: {s}"));
                }
                ConnectorError::Config(s) => {
                    return ErrorInfo::new(code, format!("connector config: {s}"));
                }
                ConnectorError::Internal(s) => {
                    return ErrorInfo::new(code, format!("connector error: {s}"));
                }
            };
            let first = problems
                .first()
                .map(|p| format!(": {}", p.message))
                .unwrap_or_default();
            let mut info = ErrorInfo::new(
                code,
                format!("{what} ({} problem(s)){first}", problems.len()),
            );
            info.details = serde_json::json!({ "problems": problems.iter().map(problem_json).collect::<Vec<_>>() });
            info
        }
        CallError::Trap { guest_stderr, .. } => {
            let mut info = ErrorInfo::new(code, "the connector crashed (trap)");
            if let Some(s) = guest_stderr {
                info.details = serde_json::json!({ "guest_stderr": s });
            }
            info
        }
        other => ErrorInfo::new(code, other.to_string()),
    }
}

/// A connector problem as the API shows it: code, message, severity, and only the
/// location fields the connector filled in.
pub fn problem_json(p: &Problem) -> serde_json::Value {
    let mut location = serde_json::Map::new();
    if let Ok(serde_json::Value::Object(all)) = serde_json::to_value(&p.location) {
        location.extend(all.into_iter().filter(|(_, v)| !v.is_null()));
    }
    let severity = match p.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    serde_json::json!({ "code": p.code, "message": p.message, "severity": severity, "location": location })
}
