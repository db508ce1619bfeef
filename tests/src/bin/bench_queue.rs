//! Delivery queue benchmark: the cost of finding due work with many messages
//! waiting. Fills one destination's queue with N entries due in an hour (a partner
//! that has been down), plus 100 due now, then times `Store::due` (what a delivery
//! worker calls for each batch) and a requeue, and prints the figures: they should
//! not grow with N (the queue is kept in due order; issue 12).
//!
//! `./bench.sh queue [N]` (default 1,000,000) builds the release binary and runs this.

use std::time::Instant;

use clearway::store::record::now_ms;
use clearway::store::{MasterKey, QueueEntry, Store, SyncMode};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let store = Store::open_encrypted(
        &dir.path().join("store"),
        SyncMode::Flush,
        MasterKey::generate()?,
    )?;
    let now = now_ms();
    let later = now + 3_600_000;
    let fill = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        store.transact(|tx| {
            for &i in chunk {
                let e = QueueEntry {
                    due_ms: later + (i as u64 % 1000),
                    ..QueueEntry::new(now)
                };
                tx.enqueue("payer", &format!("W{i:09}"), e)?;
            }
            Ok(())
        })?;
    }
    store.transact(|tx| {
        for i in 0..100 {
            tx.enqueue("payer", &format!("D{i:09}"), QueueEntry::new(now))?;
        }
        Ok(())
    })?;
    store.sync_blocking()?;
    let filled = fill.elapsed();
    println!(
        "queue: {} entries waiting ({} due), filled in {:.1} s, store {} MiB",
        store.queue_depth("payer"),
        100,
        filled.as_secs_f64(),
        store.size_on_disk() >> 20
    );
    let runs = 1000;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let (due, _) = store.due("payer", now_ms(), 100)?;
        times.push(t.elapsed());
        assert_eq!(due.len(), 100);
    }
    times.sort();
    println!(
        "due(limit 100), {runs} calls: p50 {:?}, p99 {:?}, max {:?}",
        times[runs / 2],
        times[runs * 99 / 100],
        times[runs - 1]
    );
    // Nothing due: the worker learns when the next one is.
    store.transact(|tx| {
        for i in 0..100 {
            tx.dequeue("payer", &format!("D{i:09}"))?;
        }
        Ok(())
    })?;
    let t = Instant::now();
    let (due, next) = store.due("payer", now_ms(), 100)?;
    println!(
        "due() with nothing due: {:?} (next due in {} s)",
        t.elapsed(),
        next.map_or(0, |n| n.saturating_sub(now_ms()) / 1000)
    );
    assert!(due.is_empty());
    let t = Instant::now();
    store.transact(|tx| {
        tx.enqueue(
            "payer",
            "W000000001",
            QueueEntry {
                due_ms: later + 5000,
                attempts: 1,
                ..QueueEntry::new(now)
            },
        )
    })?;
    println!("requeue of one entry: {:?}", t.elapsed());
    Ok(())
}
