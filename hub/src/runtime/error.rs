//! Errors of loading a plugin and of calling one.
//!
//! Messages name the file, the limit or the import, never the input being
//! processed. A `CallError::Connector` carries what the connector said, and
//! `CallError::Trap::guest_stderr` carries what the guest wrote to stderr; the
//! connector contract forbids patient data in both, but both come from the
//! plugin, so callers log them at their own discretion.

use serde::{Deserialize, Serialize};

use super::ConnectorError;

/// Why a plugin could not be loaded.
///
/// Serialized with a `code` tag (the variant's name in snake case) and the
/// details under `detail`.
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum LoadError {
    /// The `.wasm` file could not be read.
    #[error("cannot read plugin {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The file's sha256 is not the pinned one.
    #[error("plugin {path} has sha256 {actual}, but the configuration pins {expected}")]
    PinMismatch {
        /// The file.
        path: String,
        /// The pinned hash, as configured.
        expected: String,
        /// The hash of the file's contents (lowercase hex).
        actual: String,
    },
    /// The file is not a WebAssembly component (a core module, or not
    /// WebAssembly at all); the text names the file and what it is instead.
    #[error("{0}")]
    NotAComponent(String),
    /// The component is malformed or cannot be compiled; the text names the
    /// file and the compiler's reason.
    #[error("{0}")]
    Compile(String),
    /// The component imports something the host does not provide, or does not
    /// export the `connector` world; the text names the file and the import or
    /// export.
    #[error("{0}")]
    Link(String),
    /// A limit is out of range; the text names the limit and its range.
    #[error("invalid plugin limits: {0}")]
    InvalidLimits(String),
    /// The plugin's `describe` failed.
    #[error("the plugin's describe failed: {0}")]
    Describe(CallError),
}

/// Why a call into a plugin failed.
///
/// Serialized with a `code` tag equal to [`CallError::code`] and the details
/// under `detail`.
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize, PartialEq)]
#[serde(tag = "code", content = "detail")]
pub enum CallError {
    /// The connector returned a typed error.
    #[serde(rename = "connector_error")]
    #[error("the connector reported an error: {}", describe_connector_error(.0))]
    Connector(ConnectorError),
    /// The call ran past its deadline and was interrupted.
    #[serde(rename = "timeout")]
    #[error("the plugin did not finish within {timeout_ms} ms")]
    Timeout {
        /// The deadline that was exceeded.
        timeout_ms: u32,
    },
    /// The plugin tried to grow its memory past the cap (and then trapped, or
    /// gave up with an `internal` connector error).
    #[serde(rename = "out_of_memory")]
    #[error("the plugin needed more than its {memory_mib} MiB memory limit")]
    OutOfMemory {
        /// The cap that was hit.
        memory_mib: u32,
    },
    /// The plugin trapped (a panic, `unreachable`, an out-of-bounds access...).
    #[serde(rename = "trap")]
    #[error("the plugin trapped: {reason}{}", stderr_suffix(.guest_stderr))]
    Trap {
        /// The trap, e.g. "wasm `unreachable` instruction executed".
        reason: String,
        /// The last bytes (at most 4 KiB) the guest wrote to stderr, where a
        /// Rust guest's panic message goes.
        guest_stderr: Option<String>,
    },
    /// The call returned more than the output cap allows.
    #[serde(rename = "output_too_large")]
    #[error("the plugin returned {bytes} bytes, more than the limit of {limit_bytes}")]
    OutputTooLarge {
        /// The size of what was returned.
        bytes: u64,
        /// The cap.
        limit_bytes: u64,
    },
    /// The host failed (not the plugin's fault).
    #[serde(rename = "host_error")]
    #[error("host error while running the plugin: {0}")]
    Host(String),
}

impl CallError {
    /// A stable machine-readable code for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Connector(_) => "connector_error",
            CallError::Timeout { .. } => "timeout",
            CallError::OutOfMemory { .. } => "out_of_memory",
            CallError::Trap { .. } => "trap",
            CallError::OutputTooLarge { .. } => "output_too_large",
            CallError::Host(_) => "host_error",
        }
    }
}

/// A one-line rendering of a connector error: the kind, then the problems'
/// codes and messages (which the contract keeps free of patient data).
pub fn describe_connector_error(error: &ConnectorError) -> String {
    let problems = |kind: &str, list: &[super::Problem]| {
        let shown: Vec<String> = list
            .iter()
            .take(5)
            .map(|p| format!("{} ({})", p.message, p.code))
            .collect();
        let more = list.len().saturating_sub(shown.len());
        let mut text = format!("{kind}: {}", shown.join("; "));
        if more > 0 {
            text.push_str(&format!("; and {more} more"));
        }
        text
    };
    match error {
        ConnectorError::Malformed(list) => problems("malformed input", list),
        ConnectorError::Invalid(list) => problems("invalid input", list),
        ConnectorError::Unsupported(what) => format!("unsupported: {what}"),
        ConnectorError::Config(what) => format!("configuration: {what}"),
        ConnectorError::Internal(what) => format!("internal connector error: {what}"),
    }
}

fn stderr_suffix(stderr: &Option<String>) -> String {
    match stderr {
        Some(text) if !text.trim().is_empty() => format!(" (guest stderr: {})", text.trim_end()),
        _ => String::new(),
    }
}
