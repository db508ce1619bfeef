//! A hub process the chaos program starts, kills and restarts on one folder and one
//! port (so the senders keep their URL across restarts).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

/// The hub's outbound endpoints in the chaos config.
pub const FILES: &str = "files";
/// The `http-out` endpoint.
pub const PARTNER: &str = "partner";

/// `[hub] store_cache_mib` of the chaos config: sled's smallest, so that the page
/// cache is full early and `partner-down` checks a bound the run actually reaches.
pub const STORE_CACHE_MIB: u64 = 16;

/// What the config needs besides the folder.
pub struct Settings<'a> {
    /// The `data_dir` (absolute, or relative to the folder).
    pub data_dir: &'a str,
    /// The partner's URL.
    pub partner_url: &'a str,
    /// `timeout_ms` of the partner endpoint.
    pub timeout_ms: u64,
    /// `max_backoff_ms` of both outbound endpoints.
    pub max_backoff_ms: u64,
}

/// The chaos config: `in` (http) and `drop` (dir, `inbox/`), both with the `json`
/// connector, routed to `files` (dir-out, `outbox/`) and `partner` (http-out).
pub fn config(s: &Settings<'_>, json_plugin: &Path, port: u16) -> String {
    format!(
        r#"[hub]
data_dir = "{data}"
listen = "127.0.0.1:{port}"
durability = "fsync"
# The disk-full run's tmpfs is 64 MiB: refuse new work before sled meets ENOSPC.
min_free_disk_mib = 8
store_cache_mib = {cache}

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.drop]
transport = "dir"
connector = "json"
path = "inbox"
poll_ms = 100
pattern = "*.json"

[endpoints.{FILES}]
transport = "dir-out"
connector = "json"
path = "outbox"
retry = {{ max_attempts = 100000, initial_backoff_ms = 50, max_backoff_ms = {backoff} }}

[endpoints.{PARTNER}]
transport = "http-out"
connector = "json"
url = "{url}"
timeout_ms = {timeout}
retry = {{ max_attempts = 100000, initial_backoff_ms = 50, max_backoff_ms = {backoff} }}
delivery = {{ breaker_cooldown_ms = 200 }}

[[routes]]
from = "in"
to = ["{FILES}", "{PARTNER}"]

[[routes]]
from = "drop"
to = ["{FILES}", "{PARTNER}"]
"#,
        data = s.data_dir,
        json = json_plugin.display(),
        url = s.partner_url,
        timeout = s.timeout_ms,
        backoff = s.max_backoff_ms,
        cache = STORE_CACHE_MIB,
    )
}

/// One hub folder and, while it runs, its process.
pub struct HubProc {
    bin: PathBuf,
    /// The folder with the config, `inbox/`, `outbox/` and `hub.log`.
    pub dir: PathBuf,
    config: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// An admin token.
    pub token: String,
    client: reqwest::blocking::Client,
    child: Option<Child>,
}

impl HubProc {
    /// Write the config (`{port}` chosen here) into `dir` and make an admin token
    /// with `clearway token create` (the hub is not running yet).
    pub fn new(bin: &Path, dir: &Path, settings: &Settings<'_>) -> anyhow::Result<HubProc> {
        let port = crate::support::free_port();
        let json = crate::support::root().join("dist/plugins/json.wasm");
        if !json.exists() {
            bail!(
                "{} is missing: run scripts/build-plugins.sh (./test.sh does)",
                json.display()
            );
        }
        let config = dir.join("clearway.toml");
        std::fs::write(&config, self::config(settings, &json, port))?;
        let out = Command::new(bin)
            .args(["token", "create", "--config"])
            .arg(&config)
            .args(["--name", "chaos-admin", "--role", "admin"])
            .env("CLEARWAY_CACHE_DIR", crate::support::shared_cache())
            .output()
            .with_context(|| format!("running {}", bin.display()))?;
        if !out.status.success() {
            bail!(
                "clearway token create failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let token = String::from_utf8(out.stdout)?.trim().to_owned();
        Ok(HubProc {
            bin: bin.to_owned(),
            dir: dir.to_owned(),
            config,
            url: format!("http://127.0.0.1:{port}"),
            client: client(&token)?,
            token,
            child: None,
        })
    }

    /// Start the hub and wait for `/readyz` (200); how long that took.
    pub fn start(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("hub.log"))?;
        let child = Command::new(&self.bin)
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("CLEARWAY_CACHE_DIR", crate::support::shared_cache())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting clearway")?;
        self.child = Some(child);
        let deadline = started + Duration::from_secs(120);
        loop {
            if let Some(status) = self.exited()? {
                bail!(
                    "the hub exited ({status}) before it was ready; last lines of its log:\n{}",
                    self.log_tail(30)
                );
            }
            if let Ok(r) = self.client.get(format!("{}/readyz", self.url)).send()
                && r.status().is_success()
            {
                return Ok(started.elapsed());
            }
            if Instant::now() > deadline {
                bail!(
                    "the hub was not ready after 120 s; last lines of its log:\n{}",
                    self.log_tail(30)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The exit status, if the process has ended on its own.
    pub fn exited(&mut self) -> anyhow::Result<Option<std::process::ExitStatus>> {
        match self.child.as_mut() {
            Some(c) => Ok(c.try_wait()?),
            None => Ok(None),
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then SIGKILL after 20 s.
    pub fn stop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    self.child = None;
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        self.kill();
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// GET an API path as JSON.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        let r = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        if !status.is_success() {
            bail!("GET {path}: HTTP {status}");
        }
        Ok(r.json()?)
    }

    /// The sum of `clearway_queue_depth` over the endpoints.
    pub fn queue_depth(&self) -> anyhow::Result<u64> {
        let text = self
            .client
            .get(format!("{}/metrics", self.url))
            .send()?
            .text()?;
        Ok(text
            .lines()
            .filter(|l| l.starts_with("clearway_queue_depth{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum())
    }

    /// Ids of the records in `status` (every page).
    pub fn ids_in(&self, status: &str) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/messages?status={status}&limit=1000");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(&path)?;
            for item in page["items"].as_array().into_iter().flatten() {
                if let Some(id) = item["id"].as_str() {
                    ids.push(id.to_owned());
                }
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return Ok(ids),
            }
        }
    }

    /// (VmRSS, VmHWM) in KiB, while it runs.
    pub fn rss_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// The last `n` lines of the hub's log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join("hub.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for HubProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking client sending `token`, keeping its connections alive.
pub fn client(token: &str) -> anyhow::Result<reqwest::blocking::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?;
    value.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, value);
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()?)
}
