//! A connector component loaded the way the hub loads it: the hub's [`Runtime`]
//! (wasmtime, pooling allocator, epoch deadlines, a fresh sandboxed instance per call)
//! with the compiled component from the on-disk cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clearway::runtime::{Allocator, InboundMeta, Limits, OutboundMeta, Payload, Plugin, Runtime};

/// The limits every benchmark call runs under: room for a whole large batch in one call
/// (the hub's defaults, 64 MiB and 2 s, are sized for one message at a time).
pub const LIMITS: Limits = Limits {
    memory_mib: 2048,
    timeout_ms: 600_000,
    max_output_mib: 1024,
};

/// A loaded connector and how it was loaded.
pub struct Loaded {
    /// The plugin, ready for calls.
    pub plugin: Arc<Plugin>,
    /// The `.wasm` file.
    pub path: PathBuf,
    /// How long the first load took (compiling, unless the cache already held it).
    pub first_load: Duration,
    /// Whether the first load already found the compiled component in the cache.
    pub first_load_cached: bool,
    /// Which instance allocator the engine uses.
    pub allocator: Allocator,
}

impl Loaded {
    /// `Plugin::decode`, its failure as an error naming the call.
    pub fn decode(&self, input: &[u8], meta: &InboundMeta) -> anyhow::Result<Vec<String>> {
        self.plugin
            .decode(input, meta)
            .map_err(|e| call_error("decode", &e))
    }

    /// `Plugin::encode`, its failure as an error naming the call.
    pub fn encode(&self, messages: &[String], meta: &OutboundMeta) -> anyhow::Result<Vec<Payload>> {
        self.plugin
            .encode(messages, meta)
            .map_err(|e| call_error("encode", &e))
    }

    /// One line saying what is measured: the file, its hash, the cache, the allocator.
    pub fn describe(&self) -> String {
        let first = if self.first_load_cached {
            "already cached".to_owned()
        } else {
            format!(
                "compiled and cached in {}",
                super::report::duration(self.first_load)
            )
        };
        format!(
            "{} (sha256 {}..., {first}; timed calls use the cached compiled component; \
             allocator {:?}; limits {} MiB memory, {} ms deadline)",
            self.path.display(),
            self.plugin.sha256().get(..12).unwrap_or_default(),
            self.allocator,
            LIMITS.memory_mib,
            LIMITS.timeout_ms,
        )
    }
}

/// The component `dist/plugins/<name>.wasm`, or the file in the environment variable
/// `override_var` when set (to compare builds of the same connector).
pub fn component_path(name: &str, override_var: &str) -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os(override_var) {
        Some(path) => PathBuf::from(path),
        None => super::root()
            .join("dist")
            .join("plugins")
            .join(format!("{name}.wasm")),
    };
    anyhow::ensure!(
        path.is_file(),
        "{} is missing: run scripts/build-plugins.sh (./bench.sh does)",
        path.display()
    );
    Ok(path)
}

/// The hub's runtime with its compiled-component cache in `<target>/clearway-bench-cache`.
pub fn runtime() -> anyhow::Result<Runtime> {
    let cache = super::target_dir().join("clearway-bench-cache");
    Runtime::new(&cache).context("starting the plugin runtime")
}

/// Loads `path` as `name` with `config`, twice: the first load compiles the component
/// and stores it in the cache (unless it is there already), the second must come from
/// the cache, as it does when the hub restarts. The second is returned.
pub fn load(
    runtime: &Runtime,
    name: &str,
    path: &Path,
    config: &[(&str, &str)],
) -> anyhow::Result<Loaded> {
    let config: BTreeMap<String, String> = config
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    let started = Instant::now();
    let first = runtime
        .load(name, path, None, LIMITS, config.clone())
        .with_context(|| format!("loading {}", path.display()))?;
    let first_load = started.elapsed();
    let first_load_cached = first.loaded_from_cache();
    drop(first);
    let plugin = runtime
        .load(name, path, None, LIMITS, config)
        .with_context(|| format!("loading {} again", path.display()))?;
    anyhow::ensure!(
        plugin.loaded_from_cache(),
        "the second load of {} did not come from the compiled-component cache",
        path.display()
    );
    let missing = plugin.missing_required_config();
    anyhow::ensure!(
        missing.is_empty(),
        "config keys not set: {}",
        missing.join(", ")
    );
    Ok(Loaded {
        plugin,
        path: path.to_path_buf(),
        first_load,
        first_load_cached,
        allocator: runtime.allocator(),
    })
}

/// The metadata of an inbound payload named `filename` on endpoint `bench`.
pub fn inbound(filename: &str, content_type: &str) -> InboundMeta {
    InboundMeta {
        inbound_id: "01JBENCH000000000000000000".to_owned(),
        endpoint: "bench".to_owned(),
        content_type: Some(content_type.to_owned()),
        filename: Some(filename.to_owned()),
        received_at: "2025-01-01T00:00:00Z".to_owned(),
    }
}

/// The metadata of an outbound call on endpoint `bench`.
pub fn outbound() -> OutboundMeta {
    OutboundMeta {
        endpoint: "bench".to_owned(),
    }
}

/// A failed plugin call as an error naming `what` failed, with the connector's problems
/// (code, rule and place; the benchmark inputs are synthetic).
fn call_error(what: &str, error: &clearway::runtime::CallError) -> anyhow::Error {
    let detail = serde_json::to_string(error).unwrap_or_default();
    let detail: String = detail.chars().take(2000).collect();
    anyhow::anyhow!("{what} in WebAssembly failed: {error}; detail: {detail}")
}
