//! The plugin runtime: loads connector components and runs them in a sandbox.
//!
//! A connector is a WebAssembly component for the world `connector` of
//! `plugin-sdk/wit/connector.wit`. The runtime keeps one wasmtime [`Engine`]
//! for the process (component model, pooling allocator, epoch interruption
//! driven by a ticker thread) and a directory of compiled components keyed by
//! the content hash of the `.wasm` and the engine's compatibility hash, so a
//! restart does not compile again.
//!
//! Every call gets a fresh `Store` and a fresh instance (made cheaply from the
//! plugin's `InstancePre`), runs under the plugin's [`Limits`] (memory cap,
//! deadline, output cap) and with a WASI context that grants nothing: no
//! files, no environment, no arguments, no network, stdin closed, stdout
//! discarded and stderr captured (bounded) so a panic message reaches the
//! [`CallError`]. An instance is never entered again after a call, so a trap
//! cannot leave state behind for the next message.
//!
//! The calls are blocking: run them on `tokio::task::spawn_blocking` (or any
//! thread that is not a tokio worker), never directly inside an async task.
//!
//! ```no_run
//! # use std::collections::BTreeMap;
//! # use std::path::Path;
//! # use clearway::runtime::{InboundMeta, Limits, Runtime};
//! # fn main() -> anyhow::Result<()> {
//! let runtime = Runtime::new(Path::new("/var/lib/clearway/cache"))?;
//! let plugin = runtime.load("json-in", Path::new("plugins/json.wasm"), None, Limits::default(), BTreeMap::new())?;
//! let meta = InboundMeta {
//!     inbound_id: "01J0000000000000000000000".into(),
//!     endpoint: "json-in".into(),
//!     content_type: Some("application/json".into()),
//!     filename: None,
//!     received_at: "2025-01-01T00:00:00Z".into(),
//! };
//! let messages = plugin.decode(br#"{"kind":"claim"}"#, &meta)?;
//! # let _ = messages;
//! # Ok(())
//! # }
//! ```
//!
//! [`Engine`]: wasmtime::Engine

mod cache;
mod clock;
mod engine;
mod error;
mod plugin;
mod sandbox;

#[cfg(test)]
mod tests;

pub use self::engine::{Allocator, Runtime};
pub use self::error::{CallError, LoadError};
pub use self::plugin::Plugin;

/// Host-side bindings generated from `plugin-sdk/wit/connector.wit`.
///
/// The generated types carry serde derives so they can travel in API
/// responses and error reports unchanged.
mod bindings {
    wasmtime::component::bindgen!({
        path: "../plugin-sdk/wit",
        world: "connector",
        additional_derives: [serde::Serialize, serde::Deserialize, Clone, PartialEq, Eq],
    });
}

pub use self::bindings::clearway::connector::types::{
    ConfigKey, ConnectorError, Description, InboundMeta, Location, OutboundMeta, Payload, Problem,
    Severity,
};

/// Hands out persistent, never-repeating numbers (the `control-numbers`
/// capability). The hub's store implements it.
pub trait ControlNumbers: Send + Sync {
    /// The next number of `sequence` for connector `connector`, starting at 1,
    /// durable before it is returned.
    fn next(&self, connector: &str, sequence: &str) -> Result<u64, String>;
}

/// What the operator grants a plugin beyond `log` and `config`. A grant takes
/// effect only if the plugin also asks for it in `describe().capabilities`.
#[derive(Clone, Default)]
pub struct Grants {
    /// The `control-numbers` capability.
    pub control_numbers: Option<std::sync::Arc<dyn ControlNumbers>>,
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants")
            .field("control_numbers", &self.control_numbers.is_some())
            .finish()
    }
}

/// The host-side log level type of the `host` interface.
pub use self::bindings::clearway::connector::host::Level as LogLevel;

/// Resource limits for one plugin; every call runs under them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// The most linear memory the plugin may use, in MiB (1 to 4096).
    pub memory_mib: u32,
    /// Wall-clock deadline of one call, in milliseconds (at least 1),
    /// instantiation included.
    pub timeout_ms: u32,
    /// The most output one call may return, in MiB (1 to 4096): the summed
    /// length of the message strings for `decode`, of the payload bytes for
    /// `encode` and `acknowledge`.
    pub max_output_mib: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_mib: 64,
            timeout_ms: 2000,
            max_output_mib: 16,
        }
    }
}

/// The largest `memory_mib` a plugin may ask for: a 32-bit linear memory
/// cannot grow past 4 GiB, and the pool reserves that much per slot.
pub const MAX_MEMORY_MIB: u32 = 4096;

/// The largest `max_output_mib`.
pub const MAX_OUTPUT_MIB: u32 = 4096;

const MIB: u64 = 1024 * 1024;

impl Limits {
    /// Checks that every limit is within its range; the error names the
    /// limit and the range.
    pub fn validate(&self) -> Result<(), String> {
        if self.memory_mib == 0 || self.memory_mib > MAX_MEMORY_MIB {
            return Err(format!("memory_mib must be between 1 and {MAX_MEMORY_MIB}"));
        }
        if self.timeout_ms == 0 {
            return Err("timeout_ms must be at least 1".to_owned());
        }
        if self.max_output_mib == 0 || self.max_output_mib > MAX_OUTPUT_MIB {
            return Err(format!(
                "max_output_mib must be between 1 and {MAX_OUTPUT_MIB}"
            ));
        }
        Ok(())
    }

    /// The memory cap in bytes.
    pub fn memory_bytes(&self) -> u64 {
        u64::from(self.memory_mib) * MIB
    }

    /// The output cap in bytes.
    pub fn max_output_bytes(&self) -> u64 {
        u64::from(self.max_output_mib) * MIB
    }
}
