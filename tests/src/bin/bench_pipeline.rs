//! Pipeline benchmark: N normalized claims through `http` -> `json` -> `dir-out`,
#![allow(clippy::float_arithmetic)] // rates and percent-style figures for a person, not money
//! durability on (fsync), each claim its own HTTP request. It waits until every
//! message is delivered, then prints messages/s, p50/p99 ingest-to-delivered latency
//! (from the hub's own records) and the hub's peak RSS.
//!
//! `./bench.sh pipeline [N] [CONCURRENCY]` builds the release binary and runs this.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clearway_tests::support::{Hub, claim, files, json_config};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
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

fn main() {
    let n = arg(1, 2000);
    let concurrency = arg(2, 8).max(1);
    let hub = Hub::start(&json_config(""));
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..n)
            .map(|i| serde_json::to_vec(&claim(&format!("BENCH{i:07}"))).unwrap())
            .collect(),
    );
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
    let ingested = started.elapsed();
    let outbox = hub.path("outbox");
    let metric = "clearway_messages_total{endpoint=\"out\",status=\"delivered\"} ";
    // Delivered means recorded as delivered, not only written: the files come first.
    hub.wait_for("every message delivered", 3600, || {
        files(&outbox).len() >= n
            && hub
                .get_text("/metrics")
                .lines()
                .find_map(|l| l.strip_prefix(metric))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .is_some_and(|d| d >= n)
    });
    let delivered = started.elapsed();

    // Latencies from the hub's own records: created_at -> delivered_at.
    let mut lat: Vec<i64> = Vec::with_capacity(n);
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/v1/messages?type=message&status=delivered&limit=1000".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (_, page) = hub.get(&path);
        for r in page["items"].as_array().unwrap() {
            let created = ms(r["created_at"].as_str().unwrap_or(""));
            let done = ms(r["deliveries"]["out"]["delivered_at"]
                .as_str()
                .unwrap_or(""));
            lat.push(done - created);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(lat.len(), n, "every message must be recorded as delivered");
    lat.sort_unstable();
    let pct = |p: usize| lat[(lat.len() * p / 100).min(lat.len() - 1)];
    let rss = hub.pid().and_then(peak_rss_kib).unwrap_or(0);
    let secs = delivered.as_secs_f64();
    println!(
        "pipeline benchmark: http -> json -> dir-out, durability fsync, {concurrency} concurrent senders"
    );
    println!("messages:              {n}");
    println!("all 202s after:        {:.2} s", ingested.as_secs_f64());
    println!("all delivered after:   {secs:.2} s");
    println!("throughput:            {:.0} messages/s", n as f64 / secs);
    println!("ingest->delivered p50: {} ms", pct(50));
    println!("ingest->delivered p99: {} ms", pct(99));
    println!("hub peak RSS:          {:.1} MiB", rss as f64 / 1024.0);
}
