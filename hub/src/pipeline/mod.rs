//! The hub's core: endpoints bound to their connectors, ingest (store, decode,
//! route, enqueue), delivery workers, replay and crash recovery.

mod acks;
pub mod breaker;
mod delivery;
mod ingest;
mod ports;
pub mod pressure;
pub mod reply;
pub mod router;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use tokio::sync::Notify;

use crate::config::{Config, ConnectorConfig, EndpointConfig, Transport};
use crate::metrics::Metrics;
use crate::runtime::{Plugin, Runtime};
use crate::store::{HubStore, Status};

pub use crate::transport::{IngestOutcome, MessageOutcome, call_error_info, problem_json};
use router::Router;

/// A failure of the hub itself (not of a message): the store or a task.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The endpoint does not exist or cannot take this request.
    #[error("no inbound endpoint `{0}`")]
    UnknownEndpoint(String),
    /// The record does not exist.
    #[error("no record {0}")]
    NotFound(String),
    /// Recovery after a restart is not finished: inbound endpoints take nothing yet.
    #[error("the hub is still recovering")]
    NotReady,
    /// New work is refused until queues drain or disk space is freed.
    #[error("new work refused: {0}")]
    Refused(#[from] pressure::Refusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A blocking task died.
    #[error("internal task failed: {0}")]
    Task(String),
}

/// The running hub: config, store, loaded connectors and routes.
pub struct Hub {
    /// The checked config.
    pub config: Arc<Config>,
    /// The durable store, through the interfaces the pipeline needs (the store's
    /// seam: crate::store::interfaces); sled is one implementation.
    pub store: Arc<dyn HubStore>,
    /// Background tasks of modules that keep stores of their own (retention),
    /// made by [`Hub::build`], started by [`Hub::start`].
    background: std::sync::Mutex<Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>>,
    /// The sled store itself, for the modules that keep trees of their own in it
    /// (access control and audit: [`crate::auth::Auth::new`]) and for tests that
    /// inject faults. The pipeline uses only `store`.
    pub sled: crate::store::Store,
    /// Loaded connectors by name.
    pub connectors: BTreeMap<String, Arc<Plugin>>,
    /// Metrics for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The claim ledger (the console's claims, worklists and KPIs).
    pub ledger: Arc<crate::ledger::Ledger>,
    router: Router,
    wakers: BTreeMap<String, Arc<Notify>>,
    /// Each outbound endpoint's circuit breaker.
    pub breakers: BTreeMap<String, Arc<breaker::Breaker>>,
    /// Rate limits of the outbound endpoints that have one.
    rates: BTreeMap<String, Arc<breaker::RateLimit>>,
    /// When inbound endpoints refuse new work.
    pub(crate) pressure: pressure::Pressure,
    /// Whether each `[alerts]` rule fires.
    pub alerts_firing: std::sync::Mutex<BTreeMap<String, bool>>,
    /// The store's size by tree, measured at start and every 15 minutes.
    pub store_stats: std::sync::Mutex<Option<crate::store::StoreStats>>,
    http: reqwest::Client,
    ready: AtomicBool,
    replies: reply::Waiters,
    /// Fault injection for tests: the next this-many tries to record delivery
    /// outcomes fail as a store error would.
    #[cfg(test)]
    pub(crate) fail_records: std::sync::atomic::AtomicU32,
}

/// Resolve a connector's operator config (secret references included) to values.
pub fn resolve_connector_config(c: &ConnectorConfig) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in &c.config {
        let value = v
            .resolve()
            .with_context(|| format!("connector `{}`: config key `{k}`", c.name))?;
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// Convert config limits to runtime limits.
pub fn runtime_limits(l: &crate::config::Limits) -> crate::runtime::Limits {
    crate::runtime::Limits {
        memory_mib: l.memory_mib,
        timeout_ms: l.timeout_ms,
        max_output_mib: l.max_output_mib,
    }
}

impl Hub {
    /// Open the store, load every connector and prepare the routes. Does not start
    /// any task: see [`Hub::start`].
    pub fn build(config: Config) -> anyhow::Result<Arc<Hub>> {
        let data_dir = &config.hub.data_dir;
        let store = crate::store::open_configured(&config.hub)?;
        // `$CLEARWAY_CACHE_DIR` (as for the command line) lets several hubs on one
        // machine, the tests' for one, share compiled plugins; the cache's owner and
        // mode are checked either way (runtime/cache.rs).
        let cache_dir = std::env::var_os("CLEARWAY_CACHE_DIR")
            .map_or_else(|| data_dir.join("plugin-cache"), std::path::PathBuf::from);
        let runtime = Runtime::new(&cache_dir).context("starting the plugin runtime")?;
        let mut connectors = BTreeMap::new();
        for (name, c) in &config.connectors {
            let values = resolve_connector_config(c)?;
            let mut grants = crate::runtime::Grants::default();
            if c.grants.iter().any(|g| g == "control-numbers") {
                grants.control_numbers = Some(Arc::new(store.clone()));
            }
            let plugin = runtime
                .load_with(
                    name,
                    &c.plugin,
                    c.sha256.as_deref(),
                    runtime_limits(&c.limits),
                    values,
                    grants,
                )
                .with_context(|| {
                    format!("loading connector `{name}` from {}", c.plugin.display())
                })?;
            tracing::info!(connector = %name, sha256 = %plugin.sha256(), version = %plugin.description().version, "connector loaded");
            connectors.insert(name.clone(), plugin);
        }
        for ep in config.endpoints.values() {
            if ep.acknowledgments.is_some()
                && let Some(plugin) = connectors.get(&ep.connector)
                && !plugin.description().acknowledges
            {
                anyhow::bail!(
                    "endpoint `{}` sends acknowledgments, but connector `{}` makes none (describe().acknowledges is false)",
                    ep.name,
                    ep.connector
                );
            }
        }
        for name in config.endpoints.keys() {
            let problems =
                crate::transport::test_clearinghouse::connector_problems(&config, name, |c| {
                    connectors.get(c).map(|p| p.description())
                });
            if !problems.is_empty() {
                let all: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
                anyhow::bail!("{}", all.join("; "));
            }
        }
        let wakers = config
            .endpoints
            .iter()
            .filter(|(_, e)| !e.transport.is_inbound())
            .map(|(n, _)| (n.clone(), Arc::new(Notify::new())))
            .collect();
        let outbound = || {
            config
                .endpoints
                .iter()
                .filter(|(_, e)| !e.transport.is_inbound())
        };
        let breakers = outbound()
            .map(|(n, e)| {
                let d = e.delivery;
                let b = breaker::Breaker::new(
                    d.breaker_failures,
                    std::time::Duration::from_millis(d.breaker_cooldown_ms),
                );
                (n.clone(), Arc::new(b))
            })
            .collect();
        let rates = outbound()
            .filter_map(|(n, e)| {
                let r = e.delivery.rate_per_second?;
                Some((
                    n.clone(),
                    Arc::new(breaker::RateLimit::new(r, std::time::Instant::now())),
                ))
            })
            .collect();
        let pressure = pressure::Pressure::new(&config);
        let ledger =
            Arc::new(crate::ledger::Ledger::open(&store).context("opening the claim ledger")?);
        let mut background: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> = Vec::new();
        if crate::retention::enabled(&config.retention) {
            background.push(Box::pin(crate::retention::run(
                store.clone(),
                Arc::new(config.retention.clone()),
            )));
        }
        Ok(Arc::new(Hub {
            ledger,
            router: Router::new(config.routes.clone()),
            config: Arc::new(config),
            sled: store.clone(),
            store: Arc::new(store),
            background: std::sync::Mutex::new(background),
            connectors,
            metrics: Arc::new(Metrics::default()),
            wakers,
            breakers,
            rates,
            pressure,
            store_stats: std::sync::Mutex::new(None),
            alerts_firing: std::sync::Mutex::new(BTreeMap::new()),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .context("building the HTTP client")?,
            ready: AtomicBool::new(false),
            replies: reply::Waiters::default(),
            #[cfg(test)]
            fail_records: std::sync::atomic::AtomicU32::new(0),
        }))
    }

    /// Finish what a crash interrupted, then start a delivery worker per outbound
    /// endpoint and a poller per `dir` endpoint. Returns the task handles.
    pub async fn start(self: &Arc<Self>) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
        let pending = self.store.pending()?;
        if !pending.is_empty() {
            tracing::info!(
                count = pending.len(),
                "decoding inbound payloads stored before a restart"
            );
        }
        for id in pending {
            self.process_inbound(&id, "recovery", None).await?;
        }
        self.store.sync().await?;
        let mut tasks = vec![
            tokio::spawn(self.ledger.clone().run()),
            tokio::spawn(self.clone().measure_store()),
        ];
        if !self.config.alerts.rules.is_empty() {
            tasks.push(tokio::spawn(crate::alerts::run(self.clone())));
        }
        for task in std::mem::take(&mut *self.background.lock().expect("lock")) {
            tasks.push(tokio::spawn(task));
        }
        for (name, ep) in &self.config.endpoints {
            match &ep.transport {
                Transport::DirOut(_)
                | Transport::HttpOut(_)
                | Transport::FhirOut(_)
                | Transport::TestClearinghouse(_) => {
                    let hub = self.clone();
                    let name = name.clone();
                    tasks.push(tokio::spawn(async move { delivery::run(hub, name).await }));
                }
                Transport::Dir(d) => {
                    let hub = self.clone();
                    let (name, d) = (name.clone(), d.clone());
                    tasks.push(tokio::spawn(async move {
                        crate::transport::dir_in::run(hub, name, d).await
                    }));
                }
                Transport::Http | Transport::Fhir => {}
            }
        }
        self.ready.store(true, Ordering::SeqCst);
        Ok(tasks)
    }

    /// Measure the store (a read of every tree, on the blocking pool) now and every
    /// 15 minutes, for `/metrics`.
    async fn measure_store(self: Arc<Self>) {
        loop {
            let hub = self.clone();
            match tokio::task::spawn_blocking(move || hub.store.stats()).await {
                Ok(Ok(stats)) => *self.store_stats.lock().expect("lock") = Some(stats),
                Ok(Err(e)) => tracing::warn!(error = %e, "measuring the store failed"),
                Err(e) => tracing::warn!(error = %e, "measuring the store failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(15 * 60)).await;
        }
    }

    /// Whether recovery is done and the workers run.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// An endpoint's config.
    pub fn endpoint(&self, name: &str) -> Option<&EndpointConfig> {
        self.config.endpoints.get(name)
    }

    /// The connector bound to an endpoint.
    fn connector_of(&self, endpoint: &str) -> Option<&Arc<Plugin>> {
        self.endpoint(endpoint)
            .and_then(|e| self.connectors.get(&e.connector))
    }

    fn wake(&self, dest: &str) {
        if let Some(n) = self.wakers.get(dest) {
            n.notify_one();
        }
    }

    /// Whether inbound endpoint `endpoint` may take new work now (see [`pressure`]).
    pub fn accepting(&self, endpoint: &str) -> Result<(), HubError> {
        if !self.is_ready() {
            return Err(HubError::NotReady);
        }
        if let Some(reason) = self.store.unhealthy() {
            return Err(HubError::Store(crate::store::StoreError::Unhealthy {
                reason,
            }));
        }
        Ok(self.pressure.check(&*self.store, endpoint)?)
    }

    /// An outbound endpoint's pacing (defaults for an unknown one).
    pub(crate) fn limits(&self, dest: &str) -> crate::config::DeliveryLimits {
        self.endpoint(dest).map(|e| e.delivery).unwrap_or_default()
    }

    /// The HTTP client used by `http-out`.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Queue a message again (the API's replay): re-route it with the current routes;
    /// for an inbound payload, decode it again; for an acknowledgment, send it again.
    pub async fn replay(self: &Arc<Self>, id: &str) -> Result<crate::store::Record, HubError> {
        let record = self
            .store
            .get(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        match record.record_type {
            crate::store::RecordType::Inbound => {
                self.store.transact(|tx| {
                    tx.update(id, |r| {
                        r.push(ingest::change(Status::Replayed, "api", None))
                    })?;
                    tx.set_pending(id, true)
                })?;
                self.process_inbound(id, "api", None).await?;
            }
            crate::store::RecordType::Message => self.reroute(id).await?,
            crate::store::RecordType::Ack => self.resend_ack(id)?,
        }
        self.store.sync().await?;
        self.store
            .get(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))
    }
}
