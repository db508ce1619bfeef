//! The checked configuration: what `parse` builds once every rule holds.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::Kind;
use super::problem::Pos;
use super::value::ConfigValue;
// Each transport's settings live in its folder (`transport/*/config.rs`).
pub use crate::transport::dir_in::config::DirIn;
pub use crate::transport::dir_out::config::DirOut;
pub use crate::transport::fhir_out::config::{FhirCollections, FhirOut};
pub use crate::transport::http_out::config::{HttpMethod, HttpOut, HttpSettings};
pub use crate::transport::test_clearinghouse::config::TestClearinghouse;

/// A complete, checked `clearway.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The configuration file, as it was given.
    pub path: PathBuf,
    /// The folder relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// The `[hub]` table.
    pub hub: HubConfig,
    /// The `[connectors.NAME]` tables, by name.
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// The `[endpoints.NAME]` tables, by name.
    pub endpoints: BTreeMap<String, EndpointConfig>,
    /// The `[[routes]]`, in file order.
    pub routes: Vec<RouteConfig>,
    /// The `[console]` table.
    pub console: ConsoleConfig,
    /// The `[retention]` table.
    pub retention: RetentionConfig,
    /// The `[alerts]` table.
    pub alerts: AlertsConfig,
}

/// The `[alerts]` table: rules over endpoints, fired to an `http-out` webhook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertsConfig {
    /// The `http-out` endpoint alerts are POSTed through.
    pub webhook: Option<String>,
    /// Seconds between evaluations (default 10).
    pub interval_seconds: u64,
    /// The rules.
    pub rules: Vec<AlertRule>,
}

/// One `[[alerts.rules]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    /// Its name (unique), in the alert and the metric label.
    pub name: String,
    /// The endpoint it watches.
    pub endpoint: String,
    /// When it fires.
    pub condition: AlertCondition,
}

/// When an alert rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertCondition {
    /// Failures are at least `percent` of the endpoint's outcomes over the last
    /// `window_minutes` (with at least `min_messages` outcomes): decode failures of
    /// an inbound endpoint, failed attempts (retrying, dead) of an outbound one.
    ErrorRate {
        /// The threshold.
        percent: u32,
        /// The window.
        window_minutes: u64,
        /// Fewer outcomes than this in the window never fire.
        min_messages: u64,
    },
    /// Nothing arrived at (inbound) or was delivered by (outbound) the endpoint for
    /// `minutes`.
    NoTraffic {
        /// The quiet period.
        minutes: u64,
    },
    /// More than `above` messages wait in the endpoint's queue.
    QueueDepth {
        /// The threshold.
        above: u64,
    },
    /// The oldest message waiting in the endpoint's queue is older than `minutes`.
    OldestMessage {
        /// The threshold.
        minutes: u64,
    },
}

/// The `[retention]` table: how long what the hub keeps is kept. A stage without a
/// number is kept for ever (the default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetentionConfig {
    /// Inbound raw payloads (as received), days after they came in.
    pub raw_days: Option<u32>,
    /// For every kind without its own line.
    pub default: RetentionDays,
    /// Per kind.
    pub kinds: std::collections::BTreeMap<clearway_schemas::Kind, RetentionDays>,
    /// Seconds between pruning passes (default 60).
    pub interval_seconds: u64,
    /// Records looked at per second, at most, as written (0 or left out: the
    /// default, [`RetentionConfig::DEFAULT_RATE`]); read it with
    /// [`RetentionConfig::records_per_second`].
    pub max_records_per_second: u64,
}

impl RetentionConfig {
    /// `max_records_per_second` when it is not set (or 0): well above what a
    /// practice's or billing company's ingest leaves to remove, and low enough that
    /// ingest's p99 latency holds while retention works (`./bench.sh prune`: within
    /// 5% at 500, twice as high at 2,000; docs/operations.md, "Retention").
    pub const DEFAULT_RATE: u64 = 500;
    /// The highest `max_records_per_second`: retention's steps (500 records at
    /// most, 20 ms apart at least) go no faster.
    pub const MAX_RATE: u64 = 25_000;

    /// Records looked at per second, at most: `max_records_per_second`, or the
    /// default when it is 0.
    pub fn records_per_second(&self) -> u64 {
        match self.max_records_per_second {
            0 => Self::DEFAULT_RATE,
            n => n.min(Self::MAX_RATE),
        }
    }

    /// The retention of messages of `kind`.
    pub fn of(&self, kind: Option<clearway_schemas::Kind>) -> RetentionDays {
        kind.and_then(|k| self.kinds.get(&k).copied())
            .unwrap_or(self.default)
    }
}

/// How long a kind's normalized payloads and records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionDays {
    /// Normalized payloads, days after the message was made.
    pub normalized_days: Option<u32>,
    /// Records (metadata, correlation, status history) and any payload left, days.
    pub history_days: Option<u32>,
}

/// The `[console]` table: the coordinator console's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// The practice's IANA time zone: every time on the console is shown in it
    /// (date-only fields, such as service and payment dates, never shift).
    pub time_zone: String,
    /// Days a payer allows from the date of service to file a claim (the denials
    /// worklist counts down to it), unless the payer has its own.
    pub timely_filing_days: u32,
    /// Per payer id (or name), its own timely filing limit in days.
    pub payer_timely_filing_days: std::collections::BTreeMap<String, u32>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            time_zone: "UTC".into(),
            timely_filing_days: 365,
            payer_timely_filing_days: std::collections::BTreeMap::new(),
        }
    }
}

/// The `[hub]` table: process-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// Folder of the store and the compiled-plugin cache, resolved against
    /// the configuration file's folder.
    pub data_dir: PathBuf,
    /// Where `data_dir` was written, if it was.
    pub data_dir_at: Option<Pos>,
    /// Socket address of the HTTP API.
    pub listen: SocketAddr,
    /// Format of log lines.
    pub log_format: LogFormat,
    /// What an acknowledged message survives.
    pub durability: Durability,
    /// TLS on the listener (`tls = { cert = "file:...", key = "file:..." }`).
    pub tls: Option<TlsConfig>,
    /// Serve plaintext HTTP on a non-loopback `listen` (refused unless set).
    pub allow_plaintext: bool,
    /// `Host` header values the hub answers (DNS rebinding); empty: the listen
    /// address, `localhost` and `127.0.0.1`/`[::1]`, each with the listen port.
    pub allowed_hosts: Vec<String>,
    /// The master key that wraps each record's data key (`file:` or `env:`, 64 hex
    /// digits). `None`: `data_dir/master.key`, made on first start.
    pub encryption_key: Option<ConfigValue>,
    /// Serve `/metrics` without a credential on this address of its own.
    pub metrics_listen: Option<SocketAddr>,
    /// A browser session ends after this many idle minutes (HIPAA automatic logoff).
    pub session_idle_minutes: u64,
    /// A browser session ends this many hours after login, however busy.
    pub session_max_hours: u64,
    /// Inbound endpoints refuse new work (503) while a destination their routes
    /// lead to has this many messages queued.
    pub max_queue_per_destination: u64,
    /// Inbound endpoints refuse new work (503) while all destinations together
    /// have this many messages queued.
    pub max_backlog: u64,
    /// Inbound endpoints refuse new work (507) while the data folder's file system
    /// has less free space than this, in MiB; 0 turns the check off.
    pub min_free_disk_mib: u64,
    /// The store's page cache, in MiB (sled's `cache_capacity`; sled's own default
    /// is 1 GiB): the largest part of the hub's memory that grows with the store.
    pub store_cache_mib: u64,
    /// The most threads of the pool that runs store IO and connector calls (tokio's
    /// `max_blocking_threads`): bounds their stacks and per-thread allocator state.
    pub max_blocking_threads: u64,
}

/// TLS settings of the listener. Both files are PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The certificate chain (`file:PATH`).
    pub cert: PathBuf,
    /// The private key (`file:PATH`).
    pub key: PathBuf,
    /// Optional: client certificates signed by this CA are asked for and checked
    /// (mTLS for sender endpoints); a client without one may still use a token.
    pub client_ca: Option<PathBuf>,
}

/// Format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What an acknowledged message survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Flushed to the operating system: survives a killed process.
    Flush,
    /// Also synced to the disk: survives power loss.
    #[default]
    Fsync,
}

/// A `[connectors.NAME]` table: one WebAssembly connector and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// The connector's name (the table key).
    pub name: String,
    /// The component file, resolved against the configuration file's folder.
    pub plugin: PathBuf,
    /// Where `plugin` was written.
    pub plugin_at: Pos,
    /// Optional SHA-256 pin of the component file, 64 lowercase hex digits.
    pub sha256: Option<String>,
    /// Where `sha256` was written.
    pub sha256_at: Option<Pos>,
    /// Resource limits for every call into the connector.
    pub limits: Limits,
    /// Operator-set values the connector reads through its `config` import.
    pub config: BTreeMap<String, ConfigValue>,
    /// Where each value of `config` was written, by key.
    pub config_at: BTreeMap<String, Pos>,
    /// Host capabilities the operator grants (`control-numbers`); a connector
    /// gets one only if it also asks for it in `describe`.
    pub grants: Vec<String>,
    /// The table header.
    pub at: Pos,
}

/// Resource limits for calls into a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory cap, in MiB (1..=4096, default 64).
    pub memory_mib: u32,
    /// Deadline of one call, in milliseconds (1..=600000, default 2000).
    pub timeout_ms: u32,
    /// Cap on the output of one call, in MiB (1..=1024, default 16).
    pub max_output_mib: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: 64,
            timeout_ms: 2000,
            max_output_mib: 16,
        }
    }
}

/// An `[endpoints.NAME]` table: one transport bound to one connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    /// The endpoint's name (the table key).
    pub name: String,
    /// The connector that decodes or encodes this endpoint's payloads.
    pub connector: String,
    /// The transport and its settings.
    pub transport: Transport,
    /// Inbound only: the outbound endpoint that takes the acknowledgments the connector
    /// makes for each payload received (e.g. the TA1/999 of an X12 interchange).
    pub acknowledgments: Option<String>,
    /// `http` and `fhir` only: the largest request body taken, in MiB (1..=1024,
    /// default 64); larger ones get 413 naming the limit.
    pub max_body_mib: u32,
    /// Outbound only: concurrency, rate limit and circuit breaker (`delivery` table).
    pub delivery: DeliveryLimits,
    /// The table header.
    pub at: Pos,
}

/// How an outbound endpoint's worker paces its deliveries (`delivery = { ... }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryLimits {
    /// Payloads of one batch in the transport's hands at once (1..=64, default 8).
    pub concurrency: usize,
    /// Payloads sent a second at most, for partners that throttle (default: none).
    pub rate_per_second: Option<u32>,
    /// Payloads failed in a row (network, timeout, 408, 429, 5xx) that open the
    /// circuit breaker (default 10; 0 turns it off).
    pub breaker_failures: u32,
    /// How long the breaker first stays open before a probe, in ms (default 10000;
    /// doubled after each failed probe, up to 5 minutes).
    pub breaker_cooldown_ms: u64,
    /// Messages go one at a time in the order they arrived, and one that fails
    /// (and will be retried) holds back those behind it (default false). With it,
    /// `concurrency` is 1.
    pub ordered: bool,
}

impl Default for DeliveryLimits {
    fn default() -> Self {
        DeliveryLimits {
            concurrency: 8,
            rate_per_second: None,
            breaker_failures: 10,
            breaker_cooldown_ms: 10_000,
            ordered: false,
        }
    }
}

/// A transport and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Inbound: payloads posted to the hub's HTTP API.
    Http,
    /// Inbound: the FHIR REST facade (`/fhir/{endpoint}/...`), answering in FHIR.
    Fhir,
    /// Inbound: files dropped into a folder.
    Dir(DirIn),
    /// Outbound: files written into a folder.
    DirOut(DirOut),
    /// Outbound: payloads sent to an HTTP server.
    HttpOut(HttpOut),
    /// Outbound: FHIR resources created or updated on an EHR's FHIR REST API.
    FhirOut(FhirOut),
    /// Outbound: a built-in test clearinghouse and payer that answers what it receives
    /// (999, 277CA, 835, 271, 277, 278) through an inbound endpoint.
    TestClearinghouse(TestClearinghouse),
}

impl Transport {
    /// Whether messages enter the hub through this transport (and so it may
    /// be a route's `from`); outbound transports may only be a route's `to`.
    pub fn is_inbound(&self) -> bool {
        matches!(self, Transport::Http | Transport::Fhir | Transport::Dir(_))
    }

    /// The transport's name as written in `transport = "..."`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Fhir => "fhir",
            Transport::Dir(_) => "dir",
            Transport::DirOut(_) => "dir-out",
            Transport::HttpOut(_) => "http-out",
            Transport::FhirOut(_) => "fhir-out",
            Transport::TestClearinghouse(_) => "test-clearinghouse",
        }
    }
}

/// How an outbound endpoint retries a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Deliveries tried in all, the first included, before the message is
    /// marked failed.
    pub max_attempts: u32,
    /// Wait after the first failed attempt, in milliseconds.
    pub initial_backoff_ms: u64,
    /// Longest wait between attempts, in milliseconds.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            initial_backoff_ms: 500,
            max_backoff_ms: 300_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based; 0 counts as
    /// 1): `initial_backoff_ms * 2^(attempt - 1)`, capped at `max_backoff_ms`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1);
        let ms = 2u64
            .checked_pow(doublings)
            .and_then(|factor| self.initial_backoff_ms.checked_mul(factor))
            .map_or(self.max_backoff_ms, |ms| ms.min(self.max_backoff_ms));
        Duration::from_millis(ms)
    }

    /// [`RetryPolicy::backoff`] with "equal jitter": half the wait, plus a part of
    /// the other half chosen by `random` (any value), so retries of many messages
    /// after one outage spread out instead of arriving together.
    pub fn backoff_with_jitter(&self, attempt: u32, random: u64) -> Duration {
        let full = u64::try_from(self.backoff(attempt).as_millis()).unwrap_or(u64::MAX);
        let half = full / 2;
        let span = full - half;
        Duration::from_millis(half + random % span.saturating_add(1))
    }
}

/// A `[[routes]]` entry: which messages from one endpoint go to which
/// endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfig {
    /// Optional label, unique among routes.
    pub name: Option<String>,
    /// The inbound endpoint messages come from.
    pub from: String,
    /// The message kinds this route takes; `None` takes every kind.
    pub kinds: Option<Vec<Kind>>,
    /// Dotted JSON paths into the normalized message, each with the exact
    /// string value it must have; all must hold.
    pub matches: BTreeMap<String, String>,
    /// The outbound endpoints messages go to, without duplicates.
    pub to: Vec<String>,
    /// Whether the sender of a request on this route waits for the correlated
    /// reply (real-time eligibility, claim status, prior authorization).
    pub request_reply: bool,
    /// How long it waits, ms (default 20000).
    pub reply_timeout_ms: u64,
    /// The `[[routes]]` header.
    pub at: Pos,
}
