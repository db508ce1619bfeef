//! Pipeline benchmark (issue 12), durability on (fsync), against the release hub:
//!
//! - `a` (default): one normalized claim per HTTP request from CONCURRENCY (32)
//!   keep-alive senders, `json` in, out to `dir-out` and to an `http-out` partner;
//! - `b`: one 837P file of N (5,000) claims into a `dir` endpoint (the x12 connector),
//!   each claim out on its own to `dir-out` as normalized JSON. Issue 12 asks for
//!   FHIR to `fhir-out` here, but the fhir-r4 connector does not encode `claim` yet
//!   (the payer side of FHIR is issue 14); this shape gets `fhir-out` when it does;
//! - `c`: shape `a` where one claim in twelve goes to the built-in test clearinghouse
//!   as an 837P, whose 999, 277CA and 835 come back into the hub, correlated to their
//!   claims, and go out to `dir-out` with the rest (about 20% of the messages are
//!   replies; the figure printed says how many).
//!
//! `--rate R` offers R requests a second in all (open loop) instead of sending as fast
//! as the senders can: `./bench.sh pipeline a 10000 32 --rate 1000` measures latency at
//! 1,000 messages/s offered. `--stored N` first fills the store with N delivered
//! messages (written straight into the hub's store while it is stopped, as years of
//! traffic would leave them) to compare throughput with an empty store.
//!
//! `--prune` (shape `a`, with `--stored N`) measures the latency of that load while
//! retention prunes N three-year-old messages, against the same store with
//! retention off, `--pairs` (2) times: see `bench_pipeline/prune.rs`.
//!
//! It waits until every message is recorded delivered, then prints messages/s,
//! p50/p99/p99.9 ingest-to-delivered latency (from the hub's own records), the hub's
//! peak RSS, the store's bytes per message and where the hub's CPU went (the
//! `clearway_cpu_seconds_total` stages of `/metrics`: decode, encode, store; the rest
//! is HTTP, routing, transports and the runtime).
//!
//! `./bench.sh pipeline [a|b|c] [N] [CONCURRENCY] [--rate R] [--stored N] [--prune [--pairs K] [--prune-rate R]]`.
#![allow(clippy::float_arithmetic)] // rates and percent-style figures for a person, not money

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clearway_tests::bench::receiver::Receiver;
use clearway_tests::bench::{read_text, x12_data};
use clearway_tests::support::{Hub, claim, json_config, plugin};
use serde_json::Value;

#[path = "bench_pipeline/prune.rs"]
mod prune;

/// The one-claim 837P the shape `b` file repeats.
const TEMPLATE_837: &str = "plugins/x12/tests/fixtures/claim_patient_drug.x12";

struct Args {
    shape: char,
    n: Option<usize>,
    concurrency: usize,
    rate: Option<u64>,
    stored: usize,
    prune: bool,
    pairs: usize,
    /// `[retention] max_records_per_second` for the "on" runs of `--prune` (the hub's
    /// default when absent).
    prune_rate: Option<u32>,
}

fn args() -> Args {
    let mut shape = 'a';
    let mut numbers = Vec::new();
    let mut rate = None;
    let mut stored = 0;
    let mut prune = false;
    let mut pairs = 2;
    let mut prune_rate = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "a" | "b" | "c" => shape = a.chars().next().unwrap_or('a'),
            "--rate" => rate = it.next().and_then(|s| s.parse().ok()),
            "--stored" => stored = it.next().and_then(|s| s.parse().ok()).unwrap_or(0),
            "--prune" => prune = true,
            "--pairs" => pairs = it.next().and_then(|s| s.parse().ok()).unwrap_or(2),
            "--prune-rate" => prune_rate = it.next().and_then(|s| s.parse().ok()),
            n => numbers.push(n.parse::<usize>().unwrap_or_else(|_| {
                panic!("usage: bench-pipeline [a|b|c] [N] [CONCURRENCY] [--rate R] [--stored N] [--prune [--pairs K] [--prune-rate R]]; not understood: {n}")
            })),
        }
    }
    Args {
        shape,
        n: numbers.first().copied(),
        concurrency: numbers.get(1).copied().unwrap_or(32).max(1),
        rate,
        stored,
        prune,
        pairs: pairs.max(1),
        prune_rate,
    }
}

/// Milliseconds since the epoch for `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn ms(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + n(11..13)) * 60 + n(14..16)) * 60_000 + n(17..19) * 1000 + n(20..23)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A counter or gauge of `/metrics` (the first line starting with `series`).
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

/// The CPU counters of `/metrics`: decode, encode, store, process.
fn cpu(hub: &Hub) -> [f64; 4] {
    let t = hub.get_text("/metrics");
    [
        metric(&t, "clearway_cpu_seconds_total{stage=\"decode\"} "),
        metric(&t, "clearway_cpu_seconds_total{stage=\"encode\"} "),
        metric(&t, "clearway_cpu_seconds_total{stage=\"store\"} "),
        metric(&t, "process_cpu_seconds_total "),
    ]
}

fn delivered(hub: &Hub, endpoint: &str) -> usize {
    metric(
        &hub.get_text("/metrics"),
        &format!("clearway_messages_total{{endpoint=\"{endpoint}\",status=\"delivered\"}} "),
    ) as usize
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(p) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Ingest-to-delivered latency (ms) of every delivered message made at or after
/// `since` (RFC 3339): the last delivery of each, less its creation time, from the
/// hub's records.
fn latencies(hub: &Hub, since: &str) -> Vec<i64> {
    let mut lat = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path =
            format!("/v1/messages?type=message&status=delivered&since={since}&limit=1000");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (_, page) = hub.get(&path);
        for r in page["items"].as_array().into_iter().flatten() {
            let created = ms(r["created_at"].as_str().unwrap_or(""));
            let done = r["deliveries"]
                .as_object()
                .into_iter()
                .flat_map(|d| d.values())
                .map(|d| ms(d["delivered_at"].as_str().unwrap_or("")))
                .max()
                .unwrap_or(created);
            lat.push(done - created);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    lat.sort_unstable();
    lat
}

/// POST `bodies` to `/v1/inbound/in` from `concurrency` keep-alive senders, as fast as
/// they go or at `rate` a second in all.
fn send(hub: &Hub, bodies: Vec<Vec<u8>>, concurrency: usize, rate: Option<u64>) {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (bodies, next, url, client) =
                (bodies.clone(), next.clone(), hub.url.clone(), hub.http());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { return };
                    if let Some(r) = rate {
                        let at = started + Duration::from_micros(i as u64 * 1_000_000 / r.max(1));
                        if let Some(wait) = at.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                    }
                    let r = client
                        .post(format!("{url}/v1/inbound/in"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .expect("post");
                    assert_eq!(r.status().as_u16(), 202, "the hub refused a claim");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

fn claims(n: usize, clearinghouse_every: Option<usize>) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut c = claim(&format!("BENCH{i:07}"));
            c["body"]["patient_control_number"] = Value::String(format!("BENCH{i:07}"));
            if clearinghouse_every.is_some_and(|k| i % k == 0) {
                c["parties"]["payer"]["payer_id"] = Value::String("CHPAYER".into());
            }
            serde_json::to_vec(&c).unwrap()
        })
        .collect()
}

fn config(shape: char, partner: u16) -> String {
    let x12 = plugin("x12").display().to_string();
    match shape {
        'a' => json_config(&format!(
            r#"
[endpoints.partner]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{partner}/claims"
retry = {{ max_attempts = 50, initial_backoff_ms = 100, max_backoff_ms = 500 }}

[[routes]]
from = "in"
kinds = ["claim"]
to = ["partner"]
"#
        )),
        'b' => format!(
            r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"
durability = "fsync"

[connectors.x12]
plugin = "{x12}"
limits = {{ memory_mib = 1024, timeout_ms = 120000, max_output_mib = 256 }}

[connectors.json]
plugin = "{json}"

[endpoints.claims]
transport = "dir"
connector = "x12"
path = "inbox"
pattern = "*.x12"
poll_ms = 100

[endpoints.ehr]
transport = "dir-out"
connector = "json"
path = "outbox"
retry = {{ max_attempts = 50, initial_backoff_ms = 100, max_backoff_ms = 500 }}

[[routes]]
from = "claims"
kinds = ["claim"]
to = ["ehr"]
"#,
            json = plugin("json").display()
        ),
        _ => json_config(&format!(
            r#"
[connectors.x12]
plugin = "{x12}"
grants = ["control-numbers"]
config = {{ sender_id = "CLEARWAY", receiver_id = "CLEARINGHOUSE", usage = "T" }}

[connectors.x12-clearinghouse]
plugin = "{x12}"
grants = ["control-numbers"]
config = {{ sender_id = "CLEARINGHOUSE", receiver_id = "CLEARWAY", usage = "T" }}

[endpoints.clearinghouse]
transport = "test-clearinghouse"
connector = "x12"
replies_to = "replies"
remittance_delay_seconds = 1

[endpoints.replies]
transport = "http"
connector = "x12-clearinghouse"

[[routes]]
from = "in"
kinds = ["claim"]
match = {{ "parties.payer.payer_id" = "CHPAYER" }}
to = ["clearinghouse"]

[[routes]]
from = "replies"
to = ["out"]
"#
        )),
    }
}

fn main() -> anyhow::Result<()> {
    let a = args();
    let partner = Receiver::plain();
    if a.prune {
        return prune::run(&a, &partner);
    }
    let n = a.n.unwrap_or(match a.shape {
        'b' => 5_000,
        _ => 20_000,
    });
    let text = config(a.shape, partner.port);
    let mut hub = Hub::start(&text);
    if a.stored > 0 {
        let started = Instant::now();
        hub = prefill(hub, &text, a.stored)?;
        println!(
            "stored first:          {} delivered messages in {:.0} s",
            a.stored,
            started.elapsed().as_secs_f64()
        );
    }
    let before = cpu(&hub);
    // Only this run's messages count (not the stored ones).
    let since = clearway::store::record::rfc3339_ms(clearway::store::record::now_ms());
    let started = Instant::now();
    let (messages, replies, ingested) = match a.shape {
        'b' => {
            let file = x12_data::professional(&read_text(TEMPLATE_837)?, n)?;
            let inbox = hub.path("inbox");
            std::fs::create_dir_all(&inbox)?;
            std::fs::write(inbox.join("claims.tmp"), &file.text)?;
            std::fs::rename(inbox.join("claims.tmp"), inbox.join("claims.x12"))?;
            hub.wait_for("the file decoded", 3600, || {
                let t = hub.get_text("/metrics");
                let failed = metric(
                    &t,
                    "clearway_messages_total{endpoint=\"claims\",status=\"decode_failed\"} ",
                );
                assert!(
                    failed == 0.0,
                    "the 837P did not decode: {}",
                    hub.get("/v1/messages?type=inbound&limit=1").1
                );
                metric(
                    &t,
                    "clearway_messages_total{endpoint=\"claims\",status=\"decoded\"} ",
                ) > 0.0
            });
            println!(
                "decoded after:         {:.2} s",
                started.elapsed().as_secs_f64()
            );
            (file.claims, 0, None)
        }
        'c' => {
            send(&hub, claims(n, Some(12)), a.concurrency, a.rate);
            let ingested = started.elapsed();
            // The replies: every message the test clearinghouse's answers gave, once they
            // have all come (the 835 a second after its claims).
            let mut last = (usize::MAX, Instant::now());
            hub.wait_for("the clearinghouse's replies", 3600, || {
                let t = hub.get_text("/metrics");
                let queued = metric(
                    &t,
                    "clearway_messages_total{endpoint=\"replies\",status=\"queued\"} ",
                ) as usize;
                let sent = delivered(&hub, "clearinghouse");
                if sent * 12 < n || queued != last.0 {
                    last = (queued, Instant::now());
                    return false;
                }
                last.1.elapsed() > Duration::from_secs(3)
            });
            (n + last.0, last.0, Some(ingested))
        }
        _ => {
            send(&hub, claims(n, None), a.concurrency, a.rate);
            (n, 0, Some(started.elapsed()))
        }
    };
    let (dest, want) = match a.shape {
        'b' => ("ehr", messages),
        'c' => ("out", messages),
        _ => ("partner", n),
    };
    hub.wait_for("every message delivered", 3600, || {
        let dead = metric(
            &hub.get_text("/metrics"),
            &format!("clearway_messages_total{{endpoint=\"{dest}\",status=\"dead\"}} "),
        );
        assert!(
            dead == 0.0,
            "{dead} message(s) dead at {dest}: {}",
            hub.get("/v1/messages?type=message&status=dead&limit=1").1
        );
        delivered(&hub, dest) >= want && (a.shape != 'a' || delivered(&hub, "out") >= n)
    });
    let elapsed = started.elapsed();
    let after = cpu(&hub);
    let measured = latencies(&hub, &since);
    let pct = |p: usize| {
        if measured.is_empty() {
            return 0;
        }
        measured[(measured.len() * p / 1000).min(measured.len() - 1)]
    };
    let rss = hub.pid().and_then(peak_rss_kib).unwrap_or(0);
    let store = dir_bytes(&hub.path("data"));
    let secs = elapsed.as_secs_f64();
    let used: Vec<f64> = (0..4).map(|i| after[i] - before[i]).collect();
    let share = |x: f64| {
        if used[3] > 0.0 {
            100.0 * x / used[3]
        } else {
            0.0
        }
    };
    let rest = used[3] - used[0] - used[1] - used[2];
    match a.shape {
        'a' => println!(
            "pipeline benchmark (a): http -> json -> dir-out + http-out, durability fsync, {} keep-alive senders{}",
            a.concurrency,
            a.rate
                .map(|r| format!(", {r} requests/s offered"))
                .unwrap_or_default()
        ),
        'b' => println!(
            "pipeline benchmark (b): one 837P of {n} claims -> dir -> x12 -> json -> dir-out, durability fsync"
        ),
        _ => println!(
            "pipeline benchmark (c): http -> json -> dir-out, 1 claim in 12 to the test clearinghouse, its 999/277CA/835 back in, durability fsync, {} senders",
            a.concurrency
        ),
    }
    println!(
        "messages:              {messages}{}",
        if replies > 0 {
            format!(
                " ({replies} replies, {:.0}%)",
                100.0 * replies as f64 / messages as f64
            )
        } else {
            String::new()
        }
    );
    if let Some(i) = ingested {
        println!("all 202s after:        {:.2} s", i.as_secs_f64());
    }
    println!("all delivered after:   {secs:.2} s");
    println!(
        "throughput:            {:.0} messages/s",
        messages as f64 / secs
    );
    println!(
        "ingest->delivered:     p50 {} ms, p99 {} ms, p99.9 {} ms ({} messages)",
        pct(500),
        pct(990),
        pct(999),
        measured.len()
    );
    println!("hub peak RSS:          {:.1} MiB", rss as f64 / 1024.0);
    println!(
        "store:                 {:.1} MiB, {:.0} bytes per message",
        store as f64 / 1048576.0,
        store as f64 / (messages + a.stored).max(1) as f64
    );
    println!(
        "hub CPU:               {:.1} s ({:.0}% of 2 cores), {:.2} ms per message",
        used[3],
        100.0 * used[3] / secs / 2.0,
        1000.0 * used[3] / messages as f64
    );
    println!(
        "  decode {:.1} s ({:.0}%), encode {:.1} s ({:.0}%), store transactions {:.1} s ({:.0}%), the rest (HTTP, routing, transports, flushes, runtime) {:.1} s ({:.0}%)",
        used[0],
        share(used[0]),
        used[1],
        share(used[1]),
        used[2],
        share(used[2]),
        rest,
        share(rest)
    );
    if a.shape == 'a' {
        println!("partner requests:      {}", partner.requests());
    }
    Ok(())
}

/// Stop the hub, write `n` delivered messages straight into its store, start it again.
fn prefill(hub: Hub, config: &str, n: usize) -> anyhow::Result<Hub> {
    use clearway::store::record::now_rfc3339;
    use clearway::store::{
        Delivery, DeliveryState, MasterKey, Record, RecordType, Status, StatusChange, Store,
        SyncMode,
    };
    let dir = hub.into_dir();
    let data = dir.path().join("data");
    let key = MasterKey::from_hex(std::fs::read_to_string(data.join("master.key"))?.trim())?;
    let store = Store::open_encrypted(&data.join("store"), SyncMode::Flush, key)?;
    let body = serde_json::to_string(&claim("STORED"))?;
    let at = now_rfc3339();
    let change = |status| StatusChange {
        status,
        at: at.clone(),
        actor: "bench".into(),
        destination: None,
        error: None,
        note: None,
    };
    let ids: Vec<usize> = (0..n).collect();
    for chunk in ids.chunks(1000) {
        store.transact(|tx| {
            for &i in chunk {
                let id = ulid::Ulid::new().to_string();
                let mut deliveries = std::collections::BTreeMap::new();
                let mut d = Delivery::queued();
                d.state = DeliveryState::Delivered;
                d.attempts = 1;
                d.delivered_at = Some(at.clone());
                deliveries.insert("out".to_owned(), d);
                let r = Record {
                    id: id.clone(),
                    record_type: RecordType::Message,
                    endpoint: "in".into(),
                    kind: Some(clearway_schemas::Kind::Claim),
                    status: Status::Delivered,
                    created_at: at.clone(),
                    updated_at: at.clone(),
                    parent: None,
                    children: Vec::new(),
                    correlation: vec![("claim_id".into(), format!("STORED{i:09}"))],
                    content_type: None,
                    filename: None,
                    size: 0,
                    deliveries,
                    history: vec![
                        change(Status::Decoded),
                        change(Status::Queued),
                        change(Status::Delivered),
                    ],
                };
                tx.put(&r)?;
                tx.put_normalized(&id, &body)?;
            }
            Ok(())
        })?;
    }
    // Taken into the claim ledger long ago: no marks left for it to take in during
    // the run.
    store.tree("ledger_pending")?.clear()?;
    store.sync_blocking()?;
    drop(store);
    Ok(Hub::start_in(dir, config))
}
