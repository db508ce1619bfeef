//! Retention: a background task that destroys payloads and removes records once
//! they are older than `[retention]` says, in steps of at most a few hundred
//! records (each step's removals one store transaction) with a pause between
//! steps, at most `max_records_per_second` records looked at per second, so
//! ingest never waits long behind it.
//!
//! Payloads are destroyed by removing their record's data key first (crypto-
//! shredding: the ciphertext is unreadable from that moment, in backups too) and
//! then their bytes. A record is looked at only once it is older than the
//! shortest retention; one still queued or waiting to be decoded is kept.
//!
//! What it has done since the hub started is counted for `/metrics`
//! ([`counts`]): records looked at, payloads destroyed, records removed, and the
//! CPU time of its steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::config::{RetentionConfig, RetentionDays};
use crate::store::record::now_ms;
use crate::store::{Prune, Record, RecordType, Store};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Records looked at per step, at most.
const MAX_STEP: usize = 500;
/// Steps per second at the cap: a step is a twentieth of a second's worth of
/// records (25 at the default 500 a second), so one step's transaction is
/// short and ingest's transactions come between steps.
const STEPS_PER_SECOND: u64 = 20;
/// The least pause between steps, so ingest's transactions interleave.
const PAUSE: Duration = Duration::from_millis(20);

static LOOKED: AtomicU64 = AtomicU64::new(0);
static DESTROYED: AtomicU64 = AtomicU64::new(0);
static REMOVED: AtomicU64 = AtomicU64::new(0);
static CPU_NS: AtomicU64 = AtomicU64::new(0);

/// What retention has done since the hub started (every pass, every stage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records looked at.
    pub looked: u64,
    /// Records whose payloads were destroyed (their record stays).
    pub payloads_destroyed: u64,
    /// Records removed (with their index entries and any payload left).
    pub records_removed: u64,
    /// CPU time of its steps (the calling thread's clock), in nanoseconds: reading
    /// the records and its store transactions, which
    /// `clearway_cpu_seconds_total{stage="store"}` counts too.
    pub cpu_ns: u64,
}

/// The counts so far.
pub fn counts() -> Counts {
    Counts {
        looked: LOOKED.load(Ordering::Relaxed),
        payloads_destroyed: DESTROYED.load(Ordering::Relaxed),
        records_removed: REMOVED.load(Ordering::Relaxed),
        cpu_ns: CPU_NS.load(Ordering::Relaxed),
    }
}

fn count(step: &crate::store::Pruned, cpu_ns: u64) {
    LOOKED.fetch_add(step.looked as u64, Ordering::Relaxed);
    DESTROYED.fetch_add(step.payloads_destroyed as u64, Ordering::Relaxed);
    REMOVED.fetch_add(step.records_removed as u64, Ordering::Relaxed);
    CPU_NS.fetch_add(cpu_ns, Ordering::Relaxed);
}

/// Whether `cfg` asks for anything to be removed.
pub fn enabled(cfg: &RetentionConfig) -> bool {
    cfg.raw_days.is_some()
        || cfg.default.normalized_days.is_some()
        || cfg.default.history_days.is_some()
        || cfg
            .kinds
            .values()
            .any(|d| d.normalized_days.is_some() || d.history_days.is_some())
}

/// What retention does with `r` once it is `age_days` old: the strongest action
/// of the stages that apply to it and whose time has come.
pub fn decide(cfg: &RetentionConfig, r: &Record, age_days: u64) -> Prune {
    let due: Vec<Prune> = stages(cfg)
        .into_iter()
        .filter(|s| s.applies(cfg, r) && age_days >= u64::from(s.days))
        .map(|s| s.action)
        .collect();
    if due.contains(&Prune::Record) {
        Prune::Record
    } else if due.contains(&Prune::Payloads) {
        Prune::Payloads
    } else {
        Prune::Keep
    }
}

/// One stage of retention: what it removes from which records, after how long.
#[derive(Debug, Clone)]
struct Stage {
    /// Its cursor's name in the `retention` tree.
    name: String,
    days: u32,
    action: Prune,
    /// Inbound records (raw payloads) or messages and acknowledgments of these kinds
    /// (`None`: every kind without a line of its own).
    inbound: bool,
    kind: Option<Option<clearway_schemas::Kind>>,
}

impl Stage {
    fn applies(&self, cfg: &RetentionConfig, r: &Record) -> bool {
        if self.inbound {
            return r.record_type == RecordType::Inbound;
        }
        match self.kind {
            // A history stage covers inbound records too (kind-less).
            Some(k) => r.kind == k,
            None => r.kind.is_none_or(|k| !cfg.kinds.contains_key(&k)),
        }
    }
}

/// Every stage the config asks for.
fn stages(cfg: &RetentionConfig) -> Vec<Stage> {
    let mut out = Vec::new();
    if let Some(days) = cfg.raw_days {
        out.push(Stage {
            name: "raw".into(),
            days,
            action: Prune::Payloads,
            inbound: true,
            kind: None,
        });
    }
    let mut push =
        |name: String, kind: Option<Option<clearway_schemas::Kind>>, d: RetentionDays| {
            if let Some(days) = d.normalized_days {
                out.push(Stage {
                    name: format!("normalized:{name}"),
                    days,
                    action: Prune::Payloads,
                    inbound: false,
                    kind,
                });
            }
            if let Some(days) = d.history_days {
                out.push(Stage {
                    name: format!("history:{name}"),
                    days,
                    action: Prune::Record,
                    inbound: false,
                    kind,
                });
            }
        };
    push("*".into(), None, cfg.default);
    for (k, d) in &cfg.kinds {
        push(k.as_str().into(), Some(Some(*k)), *d);
    }
    out
}

/// Records looked at per step at `rate` records a second: a twentieth of a
/// second's worth, 1 to [`MAX_STEP`].
pub(crate) fn step_len(rate: u64) -> usize {
    usize::try_from(rate / STEPS_PER_SECOND)
        .unwrap_or(MAX_STEP)
        .clamp(1, MAX_STEP)
}

/// How long to wait after a step that looked at `looked` records and took `took`,
/// so that retention looks at no more than `rate` records a second in the long
/// run: the rest of the step's share of time (`looked / rate` seconds), but never
/// less than [`PAUSE`] (ingest's transactions come in between) nor less than the
/// step took. The last one makes retention yield to a loaded store: a step slowed
/// down by other work on the store (waiting for it, or for the disk) waits as long
/// again, so retention is busy at most half the time.
pub(crate) fn pause_after(looked: usize, took: Duration, rate: u64) -> Duration {
    // Rounded up, so the rate never goes over the cap by a rounding.
    let share_ns = (looked as u128)
        .saturating_mul(1_000_000_000)
        .div_ceil(u128::from(rate.max(1)));
    let share = Duration::from_nanos(u64::try_from(share_ns).unwrap_or(u64::MAX));
    share.saturating_sub(took).max(PAUSE).max(took)
}

/// The shortest retention configured, in days.
#[cfg(test)]
fn shortest(cfg: &RetentionConfig) -> Option<u32> {
    stages(cfg).iter().map(|s| s.days).min()
}

/// One pass: each stage goes on from its cursor (kept in the store's `retention`
/// tree) over the records that have come of age since, in steps paced by
/// [`pause_after`] (across stages too). A stage's cursor does not pass a record
/// kept because it is busy, so that one is looked at again next time. Returns
/// (payloads destroyed, records removed, looked at).
pub async fn pass(
    store: &Store,
    cfg: &RetentionConfig,
) -> Result<(usize, usize, usize), crate::store::StoreError> {
    let cursors = store.tree("retention")?;
    let now = now_ms();
    let rate = cfg.records_per_second();
    let limit = step_len(rate);
    let (mut destroyed, mut removed, mut looked) = (0, 0, 0);
    for stage in stages(cfg) {
        let before = ulid::Ulid::from_parts(now.saturating_sub(u64::from(stage.days) * DAY_MS), 0)
            .to_string();
        let mut after: Option<String> = cursors
            .get(stage.name.as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        let mut blocked = false;
        loop {
            let (s, c, st, b, a) = (
                store.clone(),
                cfg.clone(),
                stage.clone(),
                before.clone(),
                after.clone(),
            );
            let (step, took) = tokio::task::spawn_blocking(move || {
                let (started, cpu) = (Instant::now(), crate::cpu::thread_ns());
                let step = s.prune(a.as_deref(), &b, limit, |r| {
                    if st.applies(&c, r) {
                        st.action
                    } else {
                        Prune::Keep
                    }
                });
                if let Ok(step) = &step {
                    count(step, crate::cpu::thread_ns().saturating_sub(cpu));
                }
                step.map(|step| (step, started.elapsed()))
            })
            .await
            .map_err(|e| crate::store::StoreError::backend(e.to_string()))??;
            destroyed += step.payloads_destroyed;
            removed += step.records_removed;
            looked += step.looked;
            blocked |= step.first_busy.is_some();
            if !blocked && let Some(last) = &step.last {
                cursors.insert(stage.name.as_bytes(), last.as_bytes())?;
                store.note_write();
            }
            // A stage with nothing (more) to look at goes on to the next at once;
            // otherwise the pause keeps the rate under the cap, the next stage's
            // first step included.
            if step.looked > 0 {
                tokio::time::sleep(pause_after(step.looked, took, rate)).await;
            }
            if step.done {
                break;
            }
            after = step.last;
        }
    }
    Ok((destroyed, removed, looked))
}

/// Run passes forever, `interval_seconds` apart.
pub async fn run(store: Store, cfg: Arc<RetentionConfig>) {
    let interval = Duration::from_secs(cfg.interval_seconds.max(1));
    loop {
        match pass(&store, &cfg).await {
            Ok((0, 0, _)) => {}
            Ok((destroyed, removed, _)) => {
                tracing::info!(
                    payloads_destroyed = destroyed,
                    records_removed = removed,
                    "retention pass"
                );
            }
            Err(e) => tracing::error!(error = %e, "retention pass failed"),
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RetentionDays;
    use clearway_schemas::Kind;

    pub(super) fn record(ty: RecordType, kind: Option<Kind>) -> Record {
        Record {
            id: "X".into(),
            record_type: ty,
            endpoint: "in".into(),
            kind,
            status: crate::store::Status::Delivered,
            created_at: String::new(),
            updated_at: String::new(),
            parent: None,
            children: vec![],
            correlation: vec![],
            content_type: None,
            filename: None,
            size: 0,
            deliveries: Default::default(),
            history: vec![],
        }
    }

    #[test]
    fn each_stage_and_kind_has_its_own_retention() {
        let mut cfg = RetentionConfig {
            raw_days: Some(90),
            default: RetentionDays {
                normalized_days: Some(365),
                history_days: Some(2555),
            },
            interval_seconds: 60,
            ..RetentionConfig::default()
        };
        cfg.kinds.insert(
            Kind::Remittance,
            RetentionDays {
                normalized_days: Some(2555),
                history_days: Some(3650),
            },
        );
        let inbound = record(RecordType::Inbound, None);
        let claim = record(RecordType::Message, Some(Kind::Claim));
        let remit = record(RecordType::Message, Some(Kind::Remittance));
        assert_eq!(decide(&cfg, &inbound, 89), Prune::Keep);
        assert_eq!(decide(&cfg, &inbound, 90), Prune::Payloads);
        assert_eq!(decide(&cfg, &claim, 100), Prune::Keep);
        assert_eq!(decide(&cfg, &claim, 365), Prune::Payloads);
        assert_eq!(decide(&cfg, &claim, 2555), Prune::Record);
        assert_eq!(decide(&cfg, &remit, 400), Prune::Keep);
        assert_eq!(decide(&cfg, &remit, 2555), Prune::Payloads);
        assert_eq!(decide(&cfg, &remit, 3000), Prune::Payloads);
        assert_eq!(decide(&cfg, &remit, 3650), Prune::Record);
        assert_eq!(shortest(&cfg), Some(90));
        assert!(enabled(&cfg));
        assert!(!enabled(&RetentionConfig::default()));
    }
}

#[cfg(test)]
mod pacing_tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_step_is_a_twentieth_of_a_seconds_worth_within_bounds() {
        assert_eq!(step_len(2_000), 100);
        assert_eq!(step_len(20), 1);
        assert_eq!(step_len(1), 1, "never empty");
        assert_eq!(step_len(10_000), 500);
        assert_eq!(step_len(25_000), 500, "never more than 500");
        assert_eq!(step_len(u64::MAX), 500);
    }

    #[test]
    fn the_pause_is_the_rest_of_the_steps_share_of_time() {
        // 100 records at 2,000/s: a step every 50 ms.
        assert_eq!(pause_after(100, 10 * MS, 2_000), 40 * MS);
        assert_eq!(pause_after(100, Duration::ZERO, 2_000), 50 * MS);
        // A short last step has a short share.
        assert_eq!(pause_after(60, 5 * MS, 2_000), 25 * MS);
        // 1 record a second.
        assert_eq!(pause_after(1, 250 * MS, 1), 750 * MS);
        // Integer nanoseconds, rounded up: 1 record at 3/s is 333,333,334 ns.
        assert_eq!(
            pause_after(1, Duration::ZERO, 3),
            Duration::from_nanos(333_333_334)
        );
        // A rate of 0 (never passed: the config's default stands for it) is 1/s.
        assert_eq!(pause_after(1, Duration::ZERO, 0), Duration::from_secs(1));
    }

    #[test]
    fn the_pause_is_never_shorter_than_the_least_pause_nor_than_the_step() {
        // The share is used up or nearly: still 20 ms for ingest.
        assert_eq!(pause_after(500, 15 * MS, 25_000), PAUSE);
        assert_eq!(pause_after(100, 10 * MS, 10_000), PAUSE);
        assert_eq!(pause_after(0, Duration::ZERO, 2_000), PAUSE);
        // A step slowed down by a loaded store waits as long as it took.
        assert_eq!(pause_after(100, 30 * MS, 2_000), 30 * MS);
        assert_eq!(pause_after(100, 200 * MS, 2_000), 200 * MS);
        assert_eq!(pause_after(usize::MAX, Duration::MAX, 1), Duration::MAX);
    }

    #[test]
    fn the_long_run_rate_stays_under_the_cap() {
        for rate in [1, 7, 100, 2_000, 3_333, 25_000] {
            let len = step_len(rate);
            for took_ms in [0, 1, 9, 50, 400] {
                let took = took_ms * MS;
                // 1,000 steps: their time (work and pauses) is at least the
                // records looked at over the rate.
                let (mut looked, mut spent) = (0u128, Duration::ZERO);
                for _ in 0..1_000 {
                    looked += len as u128;
                    spent += took + pause_after(len, took, rate);
                }
                assert!(
                    spent.as_nanos() * u128::from(rate) >= looked * 1_000_000_000,
                    "rate {rate}, steps of {took_ms} ms: {looked} records in {spent:?}"
                );
                assert!(
                    spent >= 2 * took * 1_000,
                    "busy at most half the time: rate {rate}, {took_ms} ms"
                );
            }
        }
    }
}

#[cfg(test)]
mod pass_tests {
    use super::*;
    use crate::config::RetentionDays;
    use crate::store::{MasterKey, Status, SyncMode};

    #[tokio::test]
    async fn a_second_pass_reads_only_what_came_of_age_since() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_encrypted(dir.path(), SyncMode::Flush, MasterKey::generate().unwrap())
                .unwrap();
        let now = now_ms();
        let mut ids = Vec::new();
        for n in 0..30u64 {
            let id = ulid::Ulid::from_parts(now - (100 + n) * DAY_MS, u128::from(n)).to_string();
            let r = Record {
                id: id.clone(),
                record_type: RecordType::Message,
                endpoint: "in".into(),
                kind: Some(clearway_schemas::Kind::Claim),
                status: Status::Delivered,
                created_at: String::new(),
                updated_at: String::new(),
                parent: None,
                children: vec![],
                correlation: vec![],
                content_type: None,
                filename: None,
                size: 0,
                deliveries: Default::default(),
                history: vec![],
            };
            store
                .transact(|tx| {
                    tx.put(&r)?;
                    tx.put_normalized(&id, "{}")
                })
                .unwrap();
            ids.push(id);
        }
        let cfg = RetentionConfig {
            default: RetentionDays {
                normalized_days: Some(90),
                history_days: Some(3650),
            },
            interval_seconds: 60,
            ..RetentionConfig::default()
        };
        let before = counts();
        let (destroyed, removed, looked) = pass(&store, &cfg).await.unwrap();
        assert_eq!((destroyed, removed), (30, 0));
        assert!(looked >= 30);
        // Other tests' passes may run meanwhile: the counts grow by at least these.
        let after = counts();
        assert!(after.payloads_destroyed >= before.payloads_destroyed + 30);
        assert!(after.looked >= before.looked + 30);
        assert!(ids.iter().all(|id| store.normalized(id).unwrap().is_none()));
        // Nothing new came of age: the next pass looks at nothing.
        let (destroyed, removed, looked) = pass(&store, &cfg).await.unwrap();
        assert_eq!((destroyed, removed, looked), (0, 0, 0));
    }

    #[tokio::test]
    async fn a_pass_looks_at_no_more_records_a_second_than_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_encrypted(dir.path(), SyncMode::Flush, MasterKey::generate().unwrap())
                .unwrap();
        let now = now_ms();
        for n in 0..30u64 {
            let id = ulid::Ulid::from_parts(now - (100 + n) * DAY_MS, u128::from(n)).to_string();
            let mut r =
                super::tests::record(RecordType::Message, Some(clearway_schemas::Kind::Claim));
            r.id = id.clone();
            store
                .transact(|tx| {
                    tx.put(&r)?;
                    tx.put_normalized(&id, "{}")
                })
                .unwrap();
        }
        // 200 a second: steps of 10, each given 50 ms; 30 records take 150 ms at least.
        let cfg = RetentionConfig {
            default: RetentionDays {
                normalized_days: Some(90),
                history_days: None,
            },
            interval_seconds: 60,
            max_records_per_second: 200,
            ..RetentionConfig::default()
        };
        assert_eq!(step_len(cfg.records_per_second()), 10);
        let started = std::time::Instant::now();
        let (destroyed, removed, looked) = pass(&store, &cfg).await.unwrap();
        assert_eq!((destroyed, removed, looked), (30, 0, 30));
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "{:?}",
            started.elapsed()
        );
    }
}
