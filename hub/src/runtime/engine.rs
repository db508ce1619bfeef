//! The process-wide engine: configuration, the pooling allocator (with an
//! on-demand fallback), the epoch ticker, the shared linker, and loading.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{Connector, ConnectorPre};
use super::cache::ComponentCache;
use super::plugin::Operator;
use super::plugin::Plugin;
use super::sandbox::{HostState, MAX_TABLE_ELEMENTS};
use super::{Grants, Limits, LoadError, MAX_MEMORY_MIB, clock};

/// How often the ticker thread advances the engine's epoch; deadlines are
/// counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How instance memory is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocator {
    /// Slots reserved up front and reused: instantiation in microseconds.
    Pooling,
    /// Memory mapped per instance: slower, used when the pool could not be
    /// reserved (e.g. a small `ulimit -v`).
    OnDemand,
}

/// Sizes of the instance pool.
#[derive(Debug, Clone, Copy)]
pub(super) struct PoolSizing {
    /// Concurrent component instances (concurrent calls).
    pub component_instances: u32,
    /// Core instances per component at most.
    pub core_instances_per_component: u32,
    /// Concurrent linear memories.
    pub memories: u32,
}

impl Default for PoolSizing {
    fn default() -> Self {
        PoolSizing {
            component_instances: 1000,
            core_instances_per_component: 16,
            memories: 1000,
        }
    }
}

/// The plugin runtime: one per process. Cheap to clone; every clone and every
/// loaded [`Plugin`] share the engine, the linker and the epoch ticker, which
/// stops when the last of them is dropped.
#[derive(Clone)]
pub struct Runtime {
    pub(super) inner: Arc<RuntimeInner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("allocator", &self.inner.allocator)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

pub(super) struct RuntimeInner {
    pub engine: Engine,
    pub linker: Linker<HostState>,
    cache: ComponentCache,
    allocator: Allocator,
    /// Dropping this stops the ticker thread.
    _ticker: mpsc::Sender<()>,
}

impl Runtime {
    /// Creates the engine (component model, pooling allocator or, failing
    /// that, on-demand allocation with a warning, epoch interruption with a
    /// ticker thread every [`EPOCH_TICK`]) and opens the compiled-component
    /// cache in `cache_dir`, creating it if missing.
    pub fn new(cache_dir: &Path) -> anyhow::Result<Runtime> {
        Runtime::with_pool(cache_dir, PoolSizing::default())
    }

    pub(super) fn with_pool(cache_dir: &Path, sizing: PoolSizing) -> anyhow::Result<Runtime> {
        let (engine, allocator) = match Engine::new(&engine_config(Some(sizing))) {
            Ok(engine) => (engine, Allocator::Pooling),
            Err(err) => {
                tracing::warn!(
                    error = %format!("{err:#}"),
                    "cannot reserve the plugin instance pool (is `ulimit -v` limited?); \
                     falling back to on-demand allocation, which instantiates more slowly"
                );
                let engine = Engine::new(&engine_config(None)).map_err(|err| {
                    anyhow::anyhow!("cannot create the WebAssembly engine: {err:#}")
                })?;
                (engine, Allocator::OnDemand)
            }
        };
        let cache = ComponentCache::open(cache_dir, &engine)
            .with_context(|| format!("cannot open the plugin cache {}", cache_dir.display()))?;
        let linker = build_linker(&engine)?;
        let ticker = start_ticker(engine.clone())?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                cache,
                allocator,
                _ticker: ticker,
            }),
        })
    }

    /// Which allocator the engine uses.
    pub fn allocator(&self) -> Allocator {
        self.inner.allocator
    }

    /// Loads the plugin `name` from `wasm`: reads and hashes it (sha256,
    /// lowercase hex), checks the hash against `pin_sha256` when given,
    /// compiles it or loads it from the cache, links it, calls `describe` once
    /// under `limits` (with no config), and keeps from `config` the keys the
    /// connector declared.
    pub fn load(
        &self,
        name: &str,
        wasm: &Path,
        pin_sha256: Option<&str>,
        limits: Limits,
        config: BTreeMap<String, String>,
    ) -> Result<Arc<Plugin>, LoadError> {
        self.load_with(name, wasm, pin_sha256, limits, config, Grants::default())
    }

    /// [`Runtime::load`] with capabilities the operator grants (each given to
    /// the plugin only if its `describe` asks for it).
    pub fn load_with(
        &self,
        name: &str,
        wasm: &Path,
        pin_sha256: Option<&str>,
        limits: Limits,
        config: BTreeMap<String, String>,
        grants: Grants,
    ) -> Result<Arc<Plugin>, LoadError> {
        limits.validate().map_err(LoadError::InvalidLimits)?;
        let bytes = std::fs::read(wasm).map_err(|err| LoadError::Read {
            path: wasm.display().to_string(),
            reason: err.to_string(),
        })?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if let Some(pin) = pin_sha256
            && !pin.trim().eq_ignore_ascii_case(&sha256)
        {
            return Err(LoadError::PinMismatch {
                path: wasm.display().to_string(),
                expected: pin.trim().to_owned(),
                actual: sha256,
            });
        }
        check_component_header(&bytes, wasm)?;

        let compiled =
            self.inner
                .cache
                .load_or_compile(&self.inner.engine, &sha256, &bytes, wasm)?;
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(&compiled.component)
            .map_err(|err| {
                LoadError::Link(format!(
                    "plugin {} cannot be linked: {err:#}",
                    wasm.display()
                ))
            })?;
        let pre = ConnectorPre::new(instance_pre).map_err(|err| {
            LoadError::Link(format!(
                "plugin {} does not export the clearway:connector/connector world: {err:#}",
                wasm.display()
            ))
        })?;
        Plugin::start(
            self.inner.clone(),
            name,
            sha256,
            limits,
            pre,
            compiled.from_cache,
            Operator { config, grants },
        )
    }
}

/// Rejects files that are not component binaries before the compiler does,
/// with a clearer message for the common mistake of a core module.
fn check_component_header(bytes: &[u8], path: &Path) -> Result<(), LoadError> {
    const MAGIC: &[u8] = b"\0asm";
    const CORE_VERSION: [u8; 4] = [0x01, 0x00, 0x00, 0x00];
    const COMPONENT_LAYER: [u8; 2] = [0x01, 0x00];
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err(LoadError::NotAComponent(format!(
            "{} is not a WebAssembly binary",
            path.display()
        )));
    }
    if bytes[4..8] == CORE_VERSION {
        return Err(LoadError::NotAComponent(format!(
            "{} is a core WebAssembly module, not a component (build the connector for \
             wasm32-wasip2, which links a component)",
            path.display()
        )));
    }
    if bytes[6..8] != COMPONENT_LAYER {
        return Err(LoadError::NotAComponent(format!(
            "{} has an unknown WebAssembly layer",
            path.display()
        )));
    }
    Ok(())
}

/// Bytes of each pooled linear memory kept mapped (and reset in place) between calls:
/// the hub's default per-call memory limit (64 MiB), so a slot's next call takes no page
/// faults for memory an earlier call already touched. `./bench.sh x12` (2,000-claim
/// 837P, ~30 MB of guest memory): with 16 MiB, 13% of an encode call was page faults,
/// madvise and mprotect in the kernel; with 64 MiB, 6%, and the call ~10% faster.
const KEEP_RESIDENT_BYTES: usize = 64 * 1024 * 1024;

fn engine_config(pool: Option<PoolSizing>) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.parallel_compilation(true);
    // For profiling connectors with `perf`: names the compiled functions in
    // /tmp/perf-<pid>.map (tests/README.md, "Benchmarks").
    if std::env::var_os("CLEARWAY_WASM_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if let Some(sizing) = pool {
        let mut pooling = PoolingAllocationConfig::new();
        let core_instances = sizing
            .component_instances
            .saturating_mul(sizing.core_instances_per_component);
        pooling
            .total_component_instances(sizing.component_instances)
            .total_core_instances(core_instances)
            .max_core_instances_per_component(sizing.core_instances_per_component)
            .max_memories_per_component(4)
            .max_tables_per_component(8)
            .max_tables_per_module(2)
            .total_memories(sizing.memories)
            .total_tables(sizing.memories.saturating_mul(2))
            .table_elements(MAX_TABLE_ELEMENTS)
            .max_memory_size(
                usize::try_from(u64::from(MAX_MEMORY_MIB) * 1024 * 1024).unwrap_or(usize::MAX),
            )
            // Every call gets a fresh instance: zero the first pages of a returned memory
            // with memset and keep them mapped, instead of madvise and a page fault per page
            // on the next call.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            // Reuse the least recently used slot before touching a fresh one, so the slots
            // ever used (and the memory they keep resident) are bounded by the peak number
            // of concurrent calls, not by the pool's size.
            .max_unused_warm_slots(0);
        // Reset only the pages a call wrote (Linux 6.7+ PAGEMAP_SCAN; elsewhere the first
        // KEEP_RESIDENT_BYTES of the memory, whether written or not). Without it every
        // call of a small message memset and copied the whole of its memory: in
        // `./bench.sh pipeline a` (one 1 KB claim per call to `json`) that reset was 7%
        // of the hub's CPU and 60% of a decode call's; with it the decode stage's CPU
        // halved (3 runs each, 3,000 messages: 10-11% of hub CPU against 14-17%).
        pooling.pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    }
    config
}

/// The linker every plugin is instantiated with: WASI p2 (synchronous), with
/// the monotonic clock replaced by the deadline-aware one, and the
/// `clearway:connector/host` interface.
fn build_linker(engine: &Engine) -> anyhow::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .map_err(|err| anyhow::anyhow!("cannot link WASI: {err:#}"))?;
    clock::shadow_monotonic_clock(&mut linker)
        .map_err(|err| anyhow::anyhow!("cannot link the deadline-aware clock: {err:#}"))?;
    Connector::add_to_linker::<HostState, HasSelf<super::sandbox::ConnectorHost>>(
        &mut linker,
        |state| &mut state.host,
    )
    .map_err(|err| anyhow::anyhow!("cannot link the connector host interface: {err:#}"))?;
    Ok(linker)
}

/// Starts the thread that advances `engine`'s epoch every [`EPOCH_TICK`]; it
/// stops when the returned sender is dropped.
fn start_ticker(engine: Engine) -> anyhow::Result<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("clearway-epoch".to_owned())
        .spawn(move || {
            // Nothing is ever sent: the loop ends when the sender is dropped.
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                engine.increment_epoch();
            }
        })
        .context("cannot start the epoch ticker thread")?;
    Ok(stop)
}
