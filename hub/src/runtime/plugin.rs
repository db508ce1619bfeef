//! A loaded plugin and the machinery of one call: a fresh store and instance,
//! the limits, and the classification of failures.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, Trap};

use super::bindings::{Connector, ConnectorPre};
use super::engine::{EPOCH_TICK, RuntimeInner};
use super::sandbox::{ConnectorHost, HostState, StderrTail};
use super::{
    CallError, ConfigKey, ConnectorError, Description, Grants, InboundMeta, Limits, LoadError,
    OutboundMeta, Payload,
};

/// A loaded connector: compiled, linked and described. Calls are independent
/// (each gets its own instance), so one `Plugin` serves any number of threads.
pub struct Plugin {
    runtime: Arc<RuntimeInner>,
    name: Arc<str>,
    sha256: String,
    description: Description,
    limits: Limits,
    loaded_from_cache: bool,
    config: Arc<BTreeMap<String, String>>,
    grants: Grants,
    pre: ConnectorPre<HostState>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("sha256", &self.sha256)
            .field("connector", &self.description.name)
            .field("limits", &self.limits)
            .field("loaded_from_cache", &self.loaded_from_cache)
            .finish_non_exhaustive()
    }
}

/// What the operator gives a plugin: config values and capability grants.
pub(super) struct Operator {
    /// Config values (the plugin keeps those of the keys it declares).
    pub config: BTreeMap<String, String>,
    /// Capabilities granted (the plugin keeps those it asks for).
    pub grants: Grants,
}

impl Plugin {
    /// Describes the connector (with no config) and keeps the config values
    /// for the keys it declared.
    pub(super) fn start(
        runtime: Arc<RuntimeInner>,
        name: &str,
        sha256: String,
        limits: Limits,
        pre: ConnectorPre<HostState>,
        loaded_from_cache: bool,
        operator: Operator,
    ) -> Result<Arc<Plugin>, LoadError> {
        let Operator { config, grants } = operator;
        let mut plugin = Plugin {
            runtime,
            name: Arc::from(name),
            sha256,
            description: Description {
                name: String::new(),
                version: String::new(),
                decodes: Vec::new(),
                encodes: Vec::new(),
                formats: Vec::new(),
                capabilities: Vec::new(),
                config_keys: Vec::new(),
                acknowledges: false,
            },
            limits,
            loaded_from_cache,
            config: Arc::new(BTreeMap::new()),
            grants: Grants::default(),
            pre,
        };
        let description = plugin
            .call(
                None,
                |store, connector| connector.call_describe(store).map(Ok),
                description_size,
            )
            .map_err(LoadError::Describe)?;
        plugin.config = Arc::new(declared_config(&description.config_keys, config));
        // A grant counts only for what the connector asked for.
        let asks = |cap: &str| description.capabilities.iter().any(|c| c == cap);
        plugin.grants = Grants {
            control_numbers: grants.control_numbers.filter(|_| asks("control-numbers")),
        };
        plugin.description = description;
        Ok(Arc::new(plugin))
    }

    /// Whether the plugin holds capability `name` (asked for and granted).
    pub fn has_grant(&self, name: &str) -> bool {
        match name {
            "control-numbers" => self.grants.control_numbers.is_some(),
            _ => false,
        }
    }

    /// The name the operator gave this plugin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sha256 of the `.wasm` file (lowercase hex).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// What the connector said about itself at load time.
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether the compiled component came from the cache (no compilation).
    pub fn loaded_from_cache(&self) -> bool {
        self.loaded_from_cache
    }

    /// The required config keys the connector declared that the `config`
    /// given to `load` did not set.
    pub fn missing_required_config(&self) -> Vec<String> {
        self.description
            .config_keys
            .iter()
            .filter(|key| key.required && !self.config.contains_key(&key.name))
            .map(|key| key.name.clone())
            .collect()
    }

    /// Outside bytes to normalized messages, each one JSON text. Blocking.
    pub fn decode(&self, input: &[u8], meta: &InboundMeta) -> Result<Vec<String>, CallError> {
        self.call(
            Some(&meta.inbound_id),
            |store, connector| connector.call_decode(store, input, meta),
            |messages| messages.iter().map(|m| m.len() as u64).sum(),
        )
    }

    /// Normalized messages (JSON text each) to outside payloads. Blocking.
    pub fn encode(
        &self,
        messages: &[String],
        meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, CallError> {
        self.call(
            None,
            |store, connector| connector.call_encode(store, messages, meta),
            |payloads: &Vec<Payload>| payloads_size(payloads),
        )
    }

    /// The acknowledgments an inbound payload calls for. Blocking.
    pub fn acknowledge(&self, input: &[u8], meta: &InboundMeta) -> Result<Vec<Payload>, CallError> {
        self.call(
            Some(&meta.inbound_id),
            |store, connector| connector.call_acknowledge(store, input, meta),
            |payloads: &Vec<Payload>| payloads_size(payloads),
        )
    }

    /// Runs `run` on a fresh instance under the plugin's limits and checks the
    /// size of what it returned with `size`.
    fn call<R>(
        &self,
        inbound_id: Option<&str>,
        run: impl FnOnce(
            &mut Store<HostState>,
            &Connector,
        ) -> wasmtime::Result<Result<R, ConnectorError>>,
        size: impl FnOnce(&R) -> u64,
    ) -> Result<R, CallError> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(self.limits.timeout_ms));
        let stderr = StderrTail::default();
        let host = ConnectorHost::new(
            self.name.clone(),
            inbound_id.map(str::to_owned),
            self.config.clone(),
            self.grants.control_numbers.clone(),
        );
        let state = HostState::new(host, &self.limits, stderr.clone(), deadline);
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(deadline_ticks(self.limits.timeout_ms));

        let connector = match self.pre.instantiate(&mut store) {
            Ok(connector) => connector,
            Err(err) => return Err(self.classify(err, &store, &stderr, Phase::Instantiate)),
        };
        let result = run(&mut store, &connector);
        let memory_refused = store.data().limiter.memory_refused();
        match result {
            Ok(Ok(value)) => {
                let bytes = size(&value);
                let limit_bytes = self.limits.max_output_bytes();
                if bytes > limit_bytes {
                    return Err(CallError::OutputTooLarge { bytes, limit_bytes });
                }
                Ok(value)
            }
            // A connector that caught a failed allocation and gave up: the
            // operator's remedy is the memory limit, so say so.
            Ok(Err(ConnectorError::Internal(_))) if memory_refused => Err(CallError::OutOfMemory {
                memory_mib: self.limits.memory_mib,
            }),
            Ok(Err(error)) => Err(CallError::Connector(error)),
            Err(err) => Err(self.classify(err, &store, &stderr, Phase::Call)),
        }
    }

    /// Turns a wasmtime error into the [`CallError`] that names its cause.
    fn classify(
        &self,
        err: wasmtime::Error,
        store: &Store<HostState>,
        stderr: &StderrTail,
        phase: Phase,
    ) -> CallError {
        tracing::debug!(
            target: "clearway::runtime",
            connector = %self.name,
            error = %format!("{err:#}"),
            "plugin call failed"
        );
        if matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
            return CallError::Timeout {
                timeout_ms: self.limits.timeout_ms,
            };
        }
        if store.data().limiter.memory_refused() {
            return CallError::OutOfMemory {
                memory_mib: self.limits.memory_mib,
            };
        }
        let guest_stderr = stderr.contents();
        if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return CallError::Trap {
                reason: format!("the plugin called exit with status {}", exit.0),
                guest_stderr,
            };
        }
        if let Some(trap) = err.downcast_ref::<Trap>() {
            return CallError::Trap {
                reason: trap.to_string(),
                guest_stderr,
            };
        }
        match phase {
            Phase::Instantiate => CallError::Host(format!("cannot instantiate the plugin: {err}")),
            // An error raised by a host function on the guest's behalf (a bad
            // handle, a write past a stream's budget...): the guest's fault.
            Phase::Call => CallError::Trap {
                reason: err.to_string(),
                guest_stderr,
            },
        }
    }
}

/// The entries of `config` whose keys the connector declared: `host.config`
/// answers nothing else.
pub fn declared_config(
    keys: &[ConfigKey],
    config: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    config
        .into_iter()
        .filter(|(key, _)| keys.iter().any(|declared| &declared.name == key))
        .collect()
}

/// Which step of a call failed.
#[derive(Clone, Copy)]
enum Phase {
    Instantiate,
    Call,
}

/// Epoch ticks for a deadline of `timeout_ms`: rounded up, plus one because
/// the first tick may come right after the deadline is set.
pub fn deadline_ticks(timeout_ms: u32) -> u64 {
    let tick_ms = u64::try_from(EPOCH_TICK.as_millis()).unwrap_or(1).max(1);
    u64::from(timeout_ms).div_ceil(tick_ms) + 1
}

fn payloads_size(payloads: &[Payload]) -> u64 {
    payloads
        .iter()
        .map(|p| {
            p.data.len() as u64
                + p.content_type.len() as u64
                + p.filename_hint.as_ref().map_or(0, |f| f.len() as u64)
                + 4 * p.carries.len() as u64
        })
        .sum()
}

fn description_size(description: &Description) -> u64 {
    let strings = |list: &[String]| list.iter().map(|s| s.len() as u64).sum::<u64>();
    description.name.len() as u64
        + description.version.len() as u64
        + strings(&description.decodes)
        + strings(&description.encodes)
        + strings(&description.formats)
        + strings(&description.capabilities)
        + description
            .config_keys
            .iter()
            .map(|k| k.name.len() as u64 + k.description.len() as u64 + 2)
            .sum::<u64>()
}
