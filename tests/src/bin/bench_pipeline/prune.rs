//! `--prune` (issue 12, retention): ingest latency while retention prunes a large
//! store, against the same store with retention off.
//!
//! The store is filled once, offline, with `--stored N` messages of shape `a` as
//! three years of traffic would leave them: each an inbound record with its raw
//! payload (the posted JSON) and a delivered claim with its normalized payload, both
//! encrypted under their own data key, with ids and times three years old. Then, for
//! each of `--pairs` pairs, a copy of that store gets the same open-loop load twice:
//! once with retention off, once with `[retention] history_days = 730`, so that every
//! stored record has come of age and retention removes it (data key, payloads,
//! record, index entries) while the load runs. The removal is the stage that does the
//! most per record; the payload stages (`raw_days`, `normalized_days`) do a subset.
//!
//! Each run: start the hub, wait for its start-up measure of the store, send a
//! warm-up, then the measured window: `n` claims at `--rate`, until all are delivered.
//! `/metrics` is sampled every second: `clearway_retention_records_removed_total`
//! says how many records were removed in the window and whether removal was still
//! going on at its end (if it was not, the window was not all "with pruning": make
//! `--stored` larger or the window shorter).
#![allow(clippy::float_arithmetic)] // rates and ratios for a person, not money

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clearway::store::record::{now_ms, rfc3339_ms};
use clearway::store::{
    Delivery, DeliveryState, MasterKey, Record, RecordType, Status, StatusChange, Store, SyncMode,
};
use clearway_tests::bench::receiver::Receiver;
use clearway_tests::support::{Hub, claim};
use serde_json::Value;

use super::{Args, claims, config, cpu, delivered, dir_bytes, latencies, metric, send};

/// The retention the "on" run adds: every prefilled record (three years old) is
/// past `history_days`, so each is removed with its payloads.
const RETENTION: &str = "\n[retention]\nhistory_days = 730\ninterval_seconds = 60\n";

/// How old the prefilled messages are.
const AGE_DAYS: u64 = 3 * 365;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Messages per prefill transaction.
const BATCH: usize = 500;

/// What one run measured.
struct Run {
    p50: i64,
    p99: i64,
    p999: i64,
    measured: usize,
    window: f64,
    /// Records removed and payloads destroyed in the window.
    removed: u64,
    destroyed: u64,
    /// Whether removal still went on in the window's last second.
    to_the_end: bool,
    /// The longest stretch of the window (s) in which nothing was removed.
    longest_gap: f64,
    /// Records removed from the hub's start to its stop.
    removed_total: u64,
    /// CPU seconds in the window: process, decode, encode, store, retention.
    cpu: [f64; 5],
    bytes_before: u64,
    bytes_after: u64,
}

/// Run the pairs and print them.
pub fn run(a: &Args, partner: &Receiver) -> anyhow::Result<()> {
    anyhow::ensure!(a.shape == 'a', "--prune measures shape a");
    anyhow::ensure!(
        a.stored > 0,
        "--prune needs --stored N (the records to prune)"
    );
    // Well under what the hub takes on 2 cores (about 350 messages/s in shape a): at
    // 1,000 offered the queue grows and the figures measure queueing, not pruning.
    let rate = a.rate.unwrap_or(100);
    let n = a.n.unwrap_or(6_000);
    let warmup = (n / 10).clamp(100, 1000);
    let off = config('a', partner.port);
    let retention = match a.prune_rate {
        Some(r) => format!("{RETENTION}max_records_per_second = {r}\n"),
        None => RETENTION.to_owned(),
    };
    let on = format!("{off}{retention}");

    println!(
        "prune benchmark (a): http -> json -> dir-out + http-out, durability fsync, {} keep-alive senders, {rate} requests/s offered, {n} messages measured after {warmup} of warm-up",
        a.concurrency
    );
    // The hub makes its data dir, master key and admin token; then it is stopped and
    // its store filled.
    let pristine = Hub::start(&off).into_dir();
    let started = Instant::now();
    prefill_aged(&pristine.path().join("data"), a.stored)?;
    let prefill_secs = started.elapsed().as_secs_f64();
    let records = 2 * a.stored;
    let pristine_bytes = dir_bytes(&pristine.path().join("data"));
    println!(
        "stored first:          {} messages ({records} records: inbound + claim, raw + normalized payloads), {AGE_DAYS} days old, in {prefill_secs:.0} s ({:.0} messages/s); store {:.1} MiB",
        a.stored,
        a.stored as f64 / prefill_secs,
        pristine_bytes as f64 / 1048576.0
    );
    println!(
        "retention (on runs):   {}",
        retention.trim().replace('\n', "; ")
    );
    let mut ratios = Vec::new();
    for pair in 1..=a.pairs {
        let mut figures = Vec::new();
        for (name, text) in [("off", &off), ("on", &on)] {
            let r = one(pristine.path(), text, a, n, warmup, rate)?;
            print_run(pair, name, &r, records, 2 * (n + warmup));
            figures.push(r);
        }
        let ratio = figures[1].p99 as f64 / figures[0].p99.max(1) as f64;
        println!(
            "pair {pair}:                p99 with pruning / without = {} / {} ms = {ratio:.2} (target: at most 1.20)",
            figures[1].p99, figures[0].p99
        );
        ratios.push(ratio);
    }
    println!(
        "p99 ratios:            {}",
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn print_run(pair: usize, name: &str, r: &Run, records: usize, sent_records: usize) {
    println!(
        "pair {pair}, retention {name:<3}: ingest->delivered p50 {} ms, p99 {} ms, p99.9 {} ms ({} messages in {:.1} s, {:.0}/s)",
        r.p50,
        r.p99,
        r.p999,
        r.measured,
        r.window,
        r.measured as f64 / r.window
    );
    if name == "on" {
        println!(
            "  pruning in the window: {} records removed ({:.0}/s), {} payloads destroyed; {}; longest stretch with none removed {:.1} s",
            r.removed,
            r.removed as f64 / r.window,
            r.destroyed,
            if r.to_the_end {
                "still removing at the window's end"
            } else {
                "FINISHED (or stalled) before the window's end: make --stored larger or the window shorter"
            },
            r.longest_gap
        );
    }
    let [process, decode, encode, store, retention] = r.cpu;
    println!(
        "  hub CPU in the window: {process:.1} s ({:.0}% of 2 cores): decode {decode:.1}, encode {encode:.1}, store transactions {store:.1} (retention's included), retention {retention:.1}, the rest {:.1}",
        100.0 * process / r.window / 2.0,
        process - decode - encode - store
    );
    println!(
        "  store: {:.1} MiB before, {:.1} MiB after (records: {records} before, {} after)",
        r.bytes_before as f64 / 1048576.0,
        r.bytes_after as f64 / 1048576.0,
        (records + sent_records).saturating_sub(r.removed_total as usize)
    );
}

/// The retention counters of `/metrics`: removed, destroyed, CPU seconds.
fn retention(text: &str) -> (u64, u64, f64) {
    (
        metric(text, "clearway_retention_records_removed_total ") as u64,
        metric(text, "clearway_retention_payloads_destroyed_total ") as u64,
        metric(text, "clearway_retention_cpu_seconds_total "),
    )
}

/// One run on a copy of `pristine` with `config`.
fn one(
    pristine: &Path,
    config: &str,
    a: &Args,
    n: usize,
    warmup: usize,
    rate: u64,
) -> anyhow::Result<Run> {
    let dir = tempfile::tempdir()?;
    copy_dir(pristine, dir.path())?;
    let bytes_before = dir_bytes(&dir.path().join("data"));
    let hub = Hub::start_in(dir, config);
    // The hub measures its store at start (a read of every tree): not in the window.
    hub.wait_for("the start-up measure of the store", 1800, || {
        hub.get_text("/metrics")
            .contains("\nclearway_store_bytes_on_disk ")
    });
    let bodies = claims(warmup + n, None);
    let (warm, measured) = bodies.split_at(warmup);
    send(&hub, warm.to_vec(), a.concurrency, Some(rate));
    wait_delivered(&hub, warmup);

    let since = rfc3339_ms(now_ms());
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (client, url, stop) = (hub.http(), hub.url.clone(), stop.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut samples = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                if let Ok(t) = client
                    .get(format!("{url}/metrics"))
                    .send()
                    .and_then(|r| r.text())
                {
                    samples.push((started.elapsed().as_secs_f64(), retention(&t).0));
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            samples
        })
    };
    let text = hub.get_text("/metrics");
    let (removed0, destroyed0, rcpu0) = retention(&text);
    let cpu0 = cpu(&hub);
    let started = Instant::now();
    send(&hub, measured.to_vec(), a.concurrency, Some(rate));
    wait_delivered(&hub, warmup + n);
    let window = started.elapsed().as_secs_f64();
    let text = hub.get_text("/metrics");
    let (removed1, destroyed1, rcpu1) = retention(&text);
    let cpu1 = cpu(&hub);
    stop.store(true, Ordering::SeqCst);
    let samples = sampler.join().unwrap_or_default();

    let lat = latencies(&hub, &since);
    let pct = |p: usize| {
        if lat.is_empty() {
            return 0;
        }
        lat[(lat.len() * p / 1000).min(lat.len() - 1)]
    };
    let removed_total = retention(&hub.get_text("/metrics")).0;
    let dir = hub.into_dir();
    let bytes_after = dir_bytes(&dir.path().join("data"));
    // The stretches between samples with nothing removed, and the last second's.
    let mut longest_gap = 0.0f64;
    let mut last_progress = 0.0f64;
    for w in samples.windows(2) {
        if w[1].1 > w[0].1 {
            last_progress = w[1].0;
        }
        longest_gap = longest_gap.max(w[1].0 - last_progress);
    }
    let to_the_end = samples
        .iter()
        .rev()
        .find(|s| s.0 <= window - 1.0)
        .is_some_and(|s| removed1 > s.1);
    Ok(Run {
        p50: pct(500),
        p99: pct(990),
        p999: pct(999),
        measured: lat.len(),
        window,
        removed: removed1 - removed0,
        destroyed: destroyed1 - destroyed0,
        to_the_end,
        longest_gap,
        removed_total,
        cpu: [
            cpu1[3] - cpu0[3],
            cpu1[0] - cpu0[0],
            cpu1[1] - cpu0[1],
            cpu1[2] - cpu0[2],
            rcpu1 - rcpu0,
        ],
        bytes_before,
        bytes_after,
    })
}

fn wait_delivered(hub: &Hub, n: usize) {
    hub.wait_for("every message delivered", 3600, || {
        delivered(hub, "partner") >= n && delivered(hub, "out") >= n
    });
}

/// `cp -a from/. to/`, then `sync`, so the copy's writeback is not in the window.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from.join("."))
        .arg(to)
        .status()
        .context("running cp")?;
    anyhow::ensure!(status.success(), "cp -a {} failed", from.display());
    let status = std::process::Command::new("sync")
        .status()
        .context("running sync")?;
    anyhow::ensure!(status.success(), "sync failed");
    Ok(())
}

/// Write `n` delivered messages of shape `a`, `AGE_DAYS` old, into the (stopped)
/// hub's store under `data`: what the hub writes for one posted claim (the inbound
/// record and its raw payload, the claim and its normalized payload, each under its
/// own data key) with its delivery to `out` and `partner` recorded. Two writers.
fn prefill_aged(data: &Path, n: usize) -> anyhow::Result<()> {
    let key = MasterKey::from_hex(std::fs::read_to_string(data.join("master.key"))?.trim())?;
    let store = Store::open_encrypted(&data.join("store"), SyncMode::Flush, key)?;
    // 10 ms apart, the newest AGE_DAYS old.
    let base = now_ms() - AGE_DAYS * DAY_MS - 10 * n as u64;
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let first = next.fetch_add(BATCH, Ordering::SeqCst);
                        if first >= n {
                            return Ok(());
                        }
                        let batch: Vec<_> = (first..(first + BATCH).min(n))
                            .map(|i| aged_message(i, base + 10 * i as u64))
                            .collect::<anyhow::Result<_>>()?;
                        store.transact(|tx| {
                            for m in &batch {
                                tx.put(&m.inbound)?;
                                tx.put_raw(&m.inbound.id, &m.raw)?;
                                tx.put(&m.message)?;
                                tx.put_normalized(&m.message.id, &m.normalized)?;
                            }
                            Ok(())
                        })?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .map_err(|_| anyhow::anyhow!("a prefill writer panicked"))?
        })
    })?;
    // Taken into the claim ledger long ago: no marks left for it to take in now.
    store.tree("ledger_pending")?.clear()?;
    store.sync_blocking()?;
    Ok(())
}

struct Aged {
    inbound: Record,
    raw: Vec<u8>,
    message: Record,
    normalized: String,
}

/// Message `i`, posted at `at` (Unix ms) and delivered 50 ms later.
fn aged_message(i: usize, at: u64) -> anyhow::Result<Aged> {
    let inbound_id = ulid::Ulid::from_parts(at, 2 * i as u128).to_string();
    let id = ulid::Ulid::from_parts(at + 1, 2 * i as u128 + 1).to_string();
    let mut c = claim(&format!("AGED{i:09}"));
    c["body"]["patient_control_number"] = Value::String(format!("AGED{i:09}"));
    let raw = serde_json::to_vec(&c)?;
    c["id"] = Value::String(id.clone());
    let msg: clearway_schemas::Message = serde_json::from_value(c)?;
    let normalized = serde_json::to_string(&msg)?;
    let (t0, t1) = (rfc3339_ms(at), rfc3339_ms(at + 50));
    let change = |status, at: &str, actor: &str, destination: Option<&str>, note: Option<&str>| {
        StatusChange {
            status,
            at: at.to_owned(),
            actor: actor.to_owned(),
            destination: destination.map(str::to_owned),
            error: None,
            note: note.map(str::to_owned),
        }
    };
    let inbound = Record {
        id: inbound_id.clone(),
        record_type: RecordType::Inbound,
        endpoint: "in".into(),
        kind: None,
        status: Status::Decoded,
        created_at: t0.clone(),
        updated_at: t0.clone(),
        parent: None,
        children: vec![id.clone()],
        correlation: Vec::new(),
        content_type: Some("application/json".into()),
        filename: None,
        size: raw.len() as u64,
        deliveries: Default::default(),
        history: vec![
            change(Status::Received, &t0, "transport:http", None, None),
            change(Status::Decoded, &t0, "pipeline", None, Some("1 message(s)")),
        ],
    };
    let mut deliveries = std::collections::BTreeMap::new();
    for dest in ["out", "partner"] {
        let mut d = Delivery::queued();
        d.state = DeliveryState::Delivered;
        d.attempts = 1;
        d.delivered_at = Some(t1.clone());
        deliveries.insert(dest.to_owned(), d);
    }
    let message = Record {
        id: id.clone(),
        record_type: RecordType::Message,
        endpoint: "in".into(),
        kind: Some(msg.kind()),
        status: Status::Delivered,
        created_at: t0.clone(),
        updated_at: t1.clone(),
        parent: Some(inbound_id),
        children: Vec::new(),
        correlation: msg
            .correlation
            .keys()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        content_type: None,
        filename: None,
        size: 0,
        deliveries,
        history: vec![
            change(Status::Decoded, &t0, "connector:json", None, None),
            change(Status::Queued, &t0, "router", None, Some("to out, partner")),
            change(Status::Delivered, &t1, "delivery:out", Some("out"), None),
            change(
                Status::Delivered,
                &t1,
                "delivery:partner",
                Some("partner"),
                None,
            ),
        ],
    };
    Ok(Aged {
        inbound,
        raw,
        message,
        normalized,
    })
}
