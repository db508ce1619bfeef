//! Where the hub's CPU goes: the CPU time of the synchronous stages of the pipeline
//! (a connector's decode and encode calls, store transactions), measured with the
//! calling thread's CPU clock, and the whole process's CPU time. `/metrics` shows
//! them as `clearway_cpu_seconds_total{stage}` and `process_cpu_seconds_total`;
//! `./bench.sh pipeline` prints the split. What no stage counts (HTTP, routing,
//! transports, tokio, the flushes) is the process total less the stages.
//!
//! A thread's CPU clock counts only that thread's time, so a stage measured on a
//! tokio worker is not charged with other tasks' work; the stages measured never
//! yield (they are synchronous calls).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// A stage of the pipeline whose CPU time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A connector's `decode` call (the component, and the runtime around it).
    Decode,
    /// A connector's `encode` call.
    Encode,
    /// A store transaction: records, payload encryption, indexes, the queue.
    Store,
}

const STAGES: [(Stage, &str); 3] = [
    (Stage::Decode, "decode"),
    (Stage::Encode, "encode"),
    (Stage::Store, "store"),
];

static NANOS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

fn slot(stage: Stage) -> &'static AtomicU64 {
    match stage {
        Stage::Decode => &NANOS[0],
        Stage::Encode => &NANOS[1],
        Stage::Store => &NANOS[2],
    }
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes it.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return 0;
    }
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// The CPU time the calling thread has used, in nanoseconds.
pub fn thread_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// The CPU time the whole process has used, in nanoseconds.
pub fn process_ns() -> u64 {
    clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// Run `f` on this thread and charge its CPU time to `stage`.
pub fn charge<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let start = thread_ns();
    let out = f();
    let used = thread_ns().saturating_sub(start);
    slot(stage).fetch_add(used, Ordering::Relaxed);
    out
}

/// The CPU time charged to `stage` so far, in nanoseconds.
pub fn charged_ns(stage: Stage) -> u64 {
    slot(stage).load(Ordering::Relaxed)
}

/// Seconds with microseconds from nanoseconds, as text (no float arithmetic).
pub(crate) fn seconds(ns: u64) -> String {
    let micros = ns / 1_000;
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Prometheus text for the CPU counters.
pub fn render(out: &mut String) {
    out.push_str("# HELP clearway_cpu_seconds_total CPU time of the pipeline's synchronous stages (decode, encode, store transactions).\n");
    out.push_str("# TYPE clearway_cpu_seconds_total counter\n");
    for (stage, name) in STAGES {
        let _ = writeln!(
            out,
            "clearway_cpu_seconds_total{{stage=\"{name}\"}} {}",
            seconds(charged_ns(stage))
        );
    }
    out.push_str(
        "# HELP process_cpu_seconds_total Total user and system CPU time of the hub process.\n",
    );
    out.push_str("# TYPE process_cpu_seconds_total counter\n");
    let _ = writeln!(out, "process_cpu_seconds_total {}", seconds(process_ns()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_stage_is_charged_its_cpu_time_and_rendered() {
        let before = charged_ns(Stage::Encode);
        let mut x = 0u64;
        charge(Stage::Encode, || {
            for i in 0..5_000_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        });
        assert!(
            charged_ns(Stage::Encode) > before,
            "a loop of 5 million steps took no CPU time"
        );
        let mut text = String::new();
        render(&mut text);
        assert!(text.contains("clearway_cpu_seconds_total{stage=\"encode\"} "));
        assert!(text.contains("process_cpu_seconds_total "));
        assert_eq!(seconds(1_234_567_890), "1.234567");
    }
}
