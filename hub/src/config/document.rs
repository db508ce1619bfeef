//! The whole file: syntax, the top-level tables, `[hub]`, and assembling the
//! checked [`Config`] once every section is read.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::fields::Fields;
use super::model::{Config, Durability, HubConfig, LogFormat, TlsConfig};
use super::problem::{Problem, Report};
use super::value::ConfigValue;
use super::{alerts, connectors, console, endpoints, retention, routes};

/// Keys allowed at the top of the file.
const TOP_KEYS: &[&str] = &[
    "hub",
    "connectors",
    "endpoints",
    "routes",
    "console",
    "retention",
    "alerts",
];
/// Keys allowed in `[hub]`.
const HUB_KEYS: &[&str] = &[
    "data_dir",
    "listen",
    "log_format",
    "durability",
    "tls",
    "allow_plaintext",
    "allowed_hosts",
    "encryption_key",
    "metrics_listen",
    "session_idle_minutes",
    "session_max_hours",
    "max_queue_per_destination",
    "max_backlog",
    "min_free_disk_mib",
    "store_cache_mib",
    "max_blocking_threads",
];
/// Keys allowed in `[hub] tls`.
const TLS_KEYS: &[&str] = &["cert", "key", "client_ca"];

/// `data_dir` when not set.
pub(crate) const DEFAULT_DATA_DIR: &str = "data";
/// `listen` when not set: 127.0.0.1:8080.
const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// Parses and checks `text`, the contents of `path`, resolving relative
/// paths against `base_dir`. Returns every problem found and, unless the
/// text is not valid TOML, the configuration as far as it could be built:
/// entries with problems that keep them from being built are left out, and
/// values with other problems are replaced by their defaults. That partial
/// configuration is only good for [`check_files`](super::check_files) when
/// there are problems.
///
/// Syntax errors are all reported, and then checking stops: the rest of a
/// document that does not parse would only yield misleading follow-on
/// problems.
pub(crate) fn read_document(
    path: &Path,
    base_dir: &Path,
    text: &str,
) -> (Option<Config>, Vec<Problem>) {
    let mut report = Report::new(path, text);
    let (doc, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let pos = error.span().map(|span| report.pos(&span));
            report.push(pos, format!("invalid TOML: {}", error.message()));
        }
        return (None, report.into_problems());
    }

    let root = Fields::new(
        &mut report,
        doc.get_ref(),
        0..0,
        super::fields::TOP_LEVEL.to_string(),
        TOP_KEYS,
    );
    let hub = parse_hub(&mut report, &root, base_dir);
    let connectors = connectors::parse(&mut report, &root, base_dir);
    let endpoints = endpoints::parse(&mut report, &root, base_dir, &connectors.names);
    let routes = routes::parse(&mut report, &root, &endpoints.transports);
    let console = console::parse(&mut report, &root);
    let retention = retention::parse(&mut report, &root);
    let alerts = alerts::parse(&mut report, &root, &endpoints.transports);

    let config = Config {
        path: path.to_path_buf(),
        base_dir: base_dir.to_path_buf(),
        hub,
        connectors: connectors.built,
        endpoints: endpoints.built,
        routes,
        console,
        retention,
        alerts,
    };
    (Some(config), report.into_problems())
}

/// Reads `[hub]`; every key has a default, so the table may be left out.
fn parse_hub(report: &mut Report<'_>, root: &Fields<'_, '_>, base_dir: &Path) -> HubConfig {
    let mut hub = HubConfig {
        data_dir: base_dir.join(DEFAULT_DATA_DIR),
        data_dir_at: None,
        listen: SocketAddr::from(DEFAULT_LISTEN),
        log_format: LogFormat::default(),
        durability: Durability::default(),
        tls: None,
        allow_plaintext: false,
        allowed_hosts: Vec::new(),
        encryption_key: None,
        metrics_listen: None,
        session_idle_minutes: 15,
        session_max_hours: 12,
        max_queue_per_destination: DEFAULT_MAX_QUEUE,
        max_backlog: DEFAULT_MAX_BACKLOG,
        min_free_disk_mib: DEFAULT_MIN_FREE_DISK_MIB,
        store_cache_mib: DEFAULT_STORE_CACHE_MIB,
        max_blocking_threads: default_max_blocking_threads(),
    };
    let Some(value) = root.get("hub") else {
        return hub;
    };
    let DeValue::Table(table) = value.get_ref() else {
        root.wrong_type(report, "hub", value, "a table");
        return hub;
    };
    let fields = Fields::new(report, table, value.span(), "[hub]".to_string(), HUB_KEYS);

    if let Some(data_dir) = fields.str(report, "data_dir")
        && let Some(resolved) = resolve_path(report, &fields, "data_dir", &data_dir, base_dir)
    {
        hub.data_dir = resolved;
        hub.data_dir_at = Some(report.pos(&data_dir.span()));
    }
    if let Some(listen) = fields.str(report, "listen") {
        match listen.get_ref().parse::<SocketAddr>() {
            Ok(addr) => hub.listen = addr,
            Err(_) => fields.invalid(
                report,
                "listen",
                &listen.span(),
                "must be a socket address such as `127.0.0.1:8080` or `[::1]:8080`",
            ),
        }
    }
    hub.log_format = fields.choice(
        report,
        "log_format",
        &[("text", LogFormat::Text), ("json", LogFormat::Json)],
        LogFormat::default(),
    );
    hub.durability = fields.choice(
        report,
        "durability",
        &[("flush", Durability::Flush), ("fsync", Durability::Fsync)],
        Durability::default(),
    );
    if let Some(tls) = fields.table(report, "tls", TLS_KEYS) {
        let cert = file_ref(report, &tls, "cert", base_dir);
        let key = file_ref(report, &tls, "key", base_dir);
        if tls.get("cert").is_none() {
            tls.missing(report, "cert");
        }
        if tls.get("key").is_none() {
            tls.missing(report, "key");
        }
        let client_ca = file_ref(report, &tls, "client_ca", base_dir);
        if let (Some(cert), Some(key)) = (cert, key) {
            hub.tls = Some(TlsConfig {
                cert,
                key,
                client_ca,
            });
        }
    }
    hub.allow_plaintext = fields.bool(report, "allow_plaintext", false);
    if let Some(hosts) = fields.str_array(report, "allowed_hosts") {
        for h in hosts.get_ref() {
            if h.get_ref().is_empty() || h.get_ref().contains(['/', ' ', '@']) {
                report.at(&h.span(), "elements of `allowed_hosts` in [hub] must be host names or host:port, such as `hub.example.org` or `10.0.0.5:8443`");
            } else {
                hub.allowed_hosts.push(h.get_ref().to_ascii_lowercase());
            }
        }
    }
    if let Some(v) = fields.str(report, "encryption_key") {
        match ConfigValue::from_text(v.get_ref(), base_dir) {
            Ok(ConfigValue::Literal(_)) => fields.invalid(
                report,
                "encryption_key",
                &v.span(),
                "must be a reference (`file:PATH` or `env:NAME`), never the key itself",
            ),
            Ok(r) => hub.encryption_key = Some(r),
            Err(e) => fields.invalid(report, "encryption_key", &v.span(), e.message()),
        }
    }
    if let Some(m) = fields.str(report, "metrics_listen") {
        match m.get_ref().parse::<SocketAddr>() {
            Ok(addr) => hub.metrics_listen = Some(addr),
            Err(_) => fields.invalid(
                report,
                "metrics_listen",
                &m.span(),
                "must be a socket address such as `127.0.0.1:9090`",
            ),
        }
    }
    hub.session_idle_minutes = fields.uint(report, "session_idle_minutes", 1, 24 * 60, 15);
    hub.session_max_hours = fields.uint(report, "session_max_hours", 1, 7 * 24, 12);
    hub.max_queue_per_destination = fields.uint(
        report,
        "max_queue_per_destination",
        1,
        1_000_000_000,
        DEFAULT_MAX_QUEUE,
    );
    hub.max_backlog = fields.uint(
        report,
        "max_backlog",
        1,
        10_000_000_000,
        DEFAULT_MAX_BACKLOG,
    );
    hub.min_free_disk_mib = fields.uint(
        report,
        "min_free_disk_mib",
        0,
        1 << 30,
        DEFAULT_MIN_FREE_DISK_MIB,
    );
    hub.store_cache_mib = fields.uint(
        report,
        "store_cache_mib",
        16,
        65_536,
        DEFAULT_STORE_CACHE_MIB,
    );
    hub.max_blocking_threads = fields.uint(
        report,
        "max_blocking_threads",
        4,
        4096,
        default_max_blocking_threads(),
    );
    hub
}

/// `max_blocking_threads` when not set (tokio's own default is 512): two per core, at
/// least 4. Each thread that wrote to sled keeps the log buffers it freed until it
/// next writes (sled's epoch reclamation defers the frees per thread), so the peak
/// RSS under a backlog grows with this number: on 2 cores 726 MiB with 64, 515 with
/// 16, 361 with 8, 269 with 4, and throughput did not fall (docs/operations.md,
/// "Memory").
pub(crate) fn default_max_blocking_threads() -> u64 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    u64::try_from(cores.saturating_mul(2))
        .unwrap_or(4096)
        .clamp(4, 4096)
}

/// `store_cache_mib` when not set.
const DEFAULT_STORE_CACHE_MIB: u64 = 128;
/// `max_queue_per_destination` when not set.
const DEFAULT_MAX_QUEUE: u64 = 1_000_000;
/// `max_backlog` when not set.
const DEFAULT_MAX_BACKLOG: u64 = 5_000_000;
/// `min_free_disk_mib` when not set.
const DEFAULT_MIN_FREE_DISK_MIB: u64 = 256;

/// A `file:PATH` reference to a PEM file, resolved against `base_dir`.
fn file_ref(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    base_dir: &Path,
) -> Option<PathBuf> {
    let v = fields.str(report, key)?;
    match ConfigValue::from_text(v.get_ref(), base_dir) {
        Ok(ConfigValue::File(p)) => Some(p),
        _ => {
            fields.invalid(report, key, &v.span(), "must be `file:PATH` (a PEM file)");
            None
        }
    }
}

/// Resolves a path value against `base_dir` (absolute paths stay as they
/// are); an empty path is recorded as a problem.
pub(crate) fn resolve_path(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    value: &toml::Spanned<&str>,
    base_dir: &Path,
) -> Option<PathBuf> {
    if value.get_ref().is_empty() {
        fields.invalid(report, key, &value.span(), "must not be empty");
        None
    } else {
        Some(base_dir.join(value.get_ref()))
    }
}
