//! The per-call store state: a WASI context that grants nothing, the memory
//! limiter, the `host` interface given to connectors, and the bounded capture
//! of the guest's stderr.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::AsyncWrite;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::pipe::{ClosedInputStream, SinkOutputStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::Limits;
use super::bindings::clearway::connector::host::{Host, Level};
use super::bindings::clearway::connector::types;

/// How much of the guest's stderr is kept: the last 4 KiB.
pub const STDERR_TAIL_BYTES: usize = 4096;

/// The longest log line a connector may write; longer lines are cut.
pub const MAX_LOG_LINE_BYTES: usize = 2048;

/// How many log lines one call may write; further lines are dropped after one
/// warning.
pub const MAX_LOG_LINES_PER_CALL: u32 = 1000;

/// Entries the WASI resource table may hold (streams, pollables...): bounds the
/// host memory a guest can pin by creating handles in a loop.
const MAX_RESOURCES: usize = 4096;

/// The most bytes one `wasi:random` call may ask for.
const MAX_RANDOM_BYTES: u64 = 1024 * 1024;

/// Instances, tables and memories one store may create. A Rust component has
/// a handful of core instances, one memory and one or two tables.
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 32;
const MAX_MEMORIES: usize = 8;

/// The most elements a table may grow to (the pool's per-table capacity).
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Everything a store holds for one call.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: CallLimiter,
    pub host: ConnectorHost,
    /// When the call's deadline passes (used to cut clock sleeps short).
    pub deadline: Instant,
}

impl HostState {
    /// A fresh state for one call of the plugin `host.connector`.
    pub fn new(
        host: ConnectorHost,
        limits: &Limits,
        stderr: StderrTail,
        deadline: Instant,
    ) -> Self {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdin(ClosedInputStream)
            .stdout(SinkOutputStream)
            .stderr(stderr)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .max_random_size(MAX_RANDOM_BYTES);
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        HostState {
            wasi: wasi.build(),
            table,
            limiter: CallLimiter::new(limits),
            host,
            deadline,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// [`StoreLimits`] plus a record of whether the guest was refused memory, so
/// an allocation failure that surfaces as a trap (a Rust guest aborts, which
/// executes `unreachable`) is reported as out-of-memory.
pub struct CallLimiter {
    limits: StoreLimits,
    memory_refused: bool,
}

impl CallLimiter {
    fn new(limits: &Limits) -> Self {
        let memory = usize::try_from(limits.memory_bytes()).unwrap_or(usize::MAX);
        CallLimiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory)
                .table_elements(MAX_TABLE_ELEMENTS)
                .instances(MAX_INSTANCES)
                .tables(MAX_TABLES)
                .memories(MAX_MEMORIES)
                .trap_on_grow_failure(false)
                .build(),
            memory_refused: false,
        }
    }

    /// Whether a memory growth was refused during this call.
    pub fn memory_refused(&self) -> bool {
        self.memory_refused
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.memory_refused = true;
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // The growth was allowed but the host could not provide it (the pool
        // slot is smaller, or mmap failed): to the guest it is the same.
        self.memory_refused = true;
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// The `host` interface as one plugin call sees it.
pub struct ConnectorHost {
    /// The plugin's configured name, a field of every log event.
    name: Arc<str>,
    /// The inbound record being processed, when there is one.
    inbound_id: Option<String>,
    /// The config values the connector declared and the operator set.
    config: Arc<BTreeMap<String, String>>,
    /// The `control-numbers` capability, when granted and asked for.
    control_numbers: Option<Arc<dyn super::ControlNumbers>>,
    log_lines: u32,
}

impl ConnectorHost {
    /// The host for one call.
    pub fn new(
        name: Arc<str>,
        inbound_id: Option<String>,
        config: Arc<BTreeMap<String, String>>,
        control_numbers: Option<Arc<dyn super::ControlNumbers>>,
    ) -> Self {
        ConnectorHost {
            name,
            inbound_id,
            config,
            control_numbers,
            log_lines: 0,
        }
    }
}

/// The longest sequence name a connector may use.
const MAX_SEQUENCE_NAME: usize = 256;

impl super::bindings::clearway::connector::control_numbers::Host for ConnectorHost {
    fn next(&mut self, sequence: String) -> Result<u64, String> {
        let Some(numbers) = &self.control_numbers else {
            return Err(format!(
                "the `control-numbers` capability is not granted to connector `{}`: it must list it in describe().capabilities and the operator must grant it (grants = [\"control-numbers\"])",
                self.name
            ));
        };
        if sequence.is_empty() || sequence.len() > MAX_SEQUENCE_NAME || sequence.contains('\0') {
            return Err(format!(
                "a sequence name must be 1 to {MAX_SEQUENCE_NAME} bytes without NUL"
            ));
        }
        numbers.next(&self.name, &sequence)
    }
}

impl types::Host for ConnectorHost {}

/// Emits one plugin log event at a level chosen at run time.
macro_rules! plugin_event {
    ($level:expr, $name:expr, $inbound:expr, $text:expr) => {
        match $inbound {
            Some(inbound_id) => match $level {
                tracing::Level::ERROR => tracing::error!(target: "clearway::plugin", connector = %$name, inbound_id = %inbound_id, "{}", $text),
                tracing::Level::WARN => tracing::warn!(target: "clearway::plugin", connector = %$name, inbound_id = %inbound_id, "{}", $text),
                tracing::Level::INFO => tracing::info!(target: "clearway::plugin", connector = %$name, inbound_id = %inbound_id, "{}", $text),
                _ => tracing::debug!(target: "clearway::plugin", connector = %$name, inbound_id = %inbound_id, "{}", $text),
            },
            None => match $level {
                tracing::Level::ERROR => tracing::error!(target: "clearway::plugin", connector = %$name, "{}", $text),
                tracing::Level::WARN => tracing::warn!(target: "clearway::plugin", connector = %$name, "{}", $text),
                tracing::Level::INFO => tracing::info!(target: "clearway::plugin", connector = %$name, "{}", $text),
                _ => tracing::debug!(target: "clearway::plugin", connector = %$name, "{}", $text),
            },
        }
    };
}

impl Host for ConnectorHost {
    fn log(&mut self, level: Level, message: String) {
        self.log_lines = self.log_lines.saturating_add(1);
        if self.log_lines > MAX_LOG_LINES_PER_CALL {
            if self.log_lines == MAX_LOG_LINES_PER_CALL + 1 {
                plugin_event!(
                    tracing::Level::WARN,
                    self.name,
                    self.inbound_id.as_deref(),
                    format_args!(
                        "the connector wrote more than {MAX_LOG_LINES_PER_CALL} log lines in one call; the rest are dropped"
                    )
                );
            }
            return;
        }
        // Trace and debug lines both go out at debug: a connector's chatter
        // never reaches an info-level log.
        let level = match level {
            Level::Trace | Level::Debug => tracing::Level::DEBUG,
            Level::Info => tracing::Level::INFO,
            Level::Warn => tracing::Level::WARN,
            Level::Error => tracing::Level::ERROR,
        };
        let text = sanitize_log_line(&message);
        plugin_event!(level, self.name, self.inbound_id.as_deref(), text);
    }

    fn config(&mut self, key: String) -> Option<String> {
        self.config.get(&key).cloned()
    }
}

/// Cuts a log line to [`MAX_LOG_LINE_BYTES`] (on a character boundary) and
/// escapes control characters, so one connector line is one log line.
pub fn sanitize_log_line(message: &str) -> String {
    let mut end = message.len().min(MAX_LOG_LINE_BYTES);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let mut text = String::with_capacity(end + 16);
    for c in message[..end].chars() {
        if c.is_control() {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    if end < message.len() {
        text.push_str("... (cut)");
    }
    text
}

/// The guest's stderr: keeps the last [`STDERR_TAIL_BYTES`] written, never
/// blocks and never fails, however much the guest writes.
#[derive(Clone, Default)]
pub struct StderrTail {
    buffer: Arc<Mutex<VecDeque<u8>>>,
}

impl StderrTail {
    /// What the guest wrote, lossily decoded; `None` when it wrote nothing.
    pub fn contents(&self) -> Option<String> {
        let buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        if buffer.is_empty() {
            return None;
        }
        let bytes: Vec<u8> = buffer.iter().copied().collect();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = &bytes[bytes.len().saturating_sub(STDERR_TAIL_BYTES)..];
        let overflow = (buffer.len() + keep.len()).saturating_sub(STDERR_TAIL_BYTES);
        buffer.drain(..overflow);
        buffer.extend(keep);
    }
}

impl IsTerminal for StderrTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrTail {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for StderrTail {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
