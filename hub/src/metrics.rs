//! Prometheus metrics: per-endpoint message counts by status, decode and delivery
//! latency histograms, queue depth. Labels are endpoint names and statuses only:
//! never anything from a message.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::store::Status;

/// Histogram bucket upper bounds: microseconds, and the `le` label in seconds.
const BUCKETS: [(u64, &str); 14] = [
    (1_000, "0.001"),
    (2_500, "0.0025"),
    (5_000, "0.005"),
    (10_000, "0.01"),
    (25_000, "0.025"),
    (50_000, "0.05"),
    (100_000, "0.1"),
    (250_000, "0.25"),
    (500_000, "0.5"),
    (1_000_000, "1"),
    (2_500_000, "2.5"),
    (5_000_000, "5"),
    (10_000_000, "10"),
    (30_000_000, "30"),
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum_micros: u64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let micros = d.as_micros() as u64;
        for (i, (le, _)) in BUCKETS.iter().enumerate() {
            if micros <= *le {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum_micros += micros;
    }
}

/// The hub's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<BTreeMap<(String, Status), u64>>,
    decode: Mutex<BTreeMap<String, Histogram>>,
    delivery: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    /// Every count of `endpoint` so far, by status.
    pub fn counts_of(&self, endpoint: &str) -> BTreeMap<Status, u64> {
        self.counts
            .lock()
            .expect("metrics lock")
            .iter()
            .filter(|((ep, _), _)| ep == endpoint)
            .map(|((_, st), n)| (*st, *n))
            .collect()
    }

    /// Whether each alert fires: `clearway_alert_firing{alert}`.
    pub fn render_alerts(out: &mut String, firing: &BTreeMap<String, bool>) {
        out.push_str(
            "# HELP clearway_alert_firing Whether an [alerts] rule fires (1) or not (0).\n",
        );
        out.push_str("# TYPE clearway_alert_firing gauge\n");
        for (name, on) in firing {
            let _ = writeln!(
                out,
                "clearway_alert_firing{{alert=\"{}\"}} {}",
                escape(name),
                u8::from(*on)
            );
        }
    }

    /// Count one message reaching `status` at `endpoint`.
    pub fn count(&self, endpoint: &str, status: Status) {
        let mut c = self.counts.lock().expect("metrics lock");
        *c.entry((endpoint.to_owned(), status)).or_default() += 1;
    }

    /// Record how long a decode call took.
    pub fn observe_decode(&self, endpoint: &str, d: Duration) {
        self.decode
            .lock()
            .expect("metrics lock")
            .entry(endpoint.to_owned())
            .or_default()
            .observe(d);
    }

    /// Record ingest-to-delivered latency of one message.
    pub fn observe_delivery(&self, endpoint: &str, d: Duration) {
        self.delivery
            .lock()
            .expect("metrics lock")
            .entry(endpoint.to_owned())
            .or_default()
            .observe(d);
    }

    /// Prometheus text exposition; `queue_depths` is (endpoint, depth).
    pub fn render(&self, queue_depths: &[(String, usize)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP clearway_messages_total Messages that reached a status, by endpoint.\n",
        );
        out.push_str("# TYPE clearway_messages_total counter\n");
        for ((ep, st), n) in self.counts.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "clearway_messages_total{{endpoint=\"{}\",status=\"{}\"}} {n}",
                escape(ep),
                st
            );
        }
        render_histograms(
            &mut out,
            "clearway_decode_duration_seconds",
            "Time spent in a connector's decode call.",
            &self.decode,
        );
        render_histograms(
            &mut out,
            "clearway_delivery_latency_seconds",
            "From ingest to delivered, per destination endpoint.",
            &self.delivery,
        );
        out.push_str("# HELP clearway_queue_depth Messages waiting in a destination's queue.\n");
        out.push_str("# TYPE clearway_queue_depth gauge\n");
        for (ep, d) in queue_depths {
            let _ = writeln!(
                out,
                "clearway_queue_depth{{endpoint=\"{}\"}} {d}",
                escape(ep)
            );
        }
        out
    }

    /// The store's size as last measured.
    pub fn render_store(out: &mut String, stats: &crate::store::StoreStats) {
        out.push_str("# HELP clearway_store_bytes_on_disk The store's files on disk, as last measured (every 15 minutes).\n");
        out.push_str("# TYPE clearway_store_bytes_on_disk gauge\n");
        let _ = writeln!(out, "clearway_store_bytes_on_disk {}", stats.on_disk_bytes);
        out.push_str("# HELP clearway_store_bytes_per_record Bytes on disk per stored record (payloads, messages, acknowledgments).\n");
        out.push_str("# TYPE clearway_store_bytes_per_record gauge\n");
        let _ = writeln!(
            out,
            "clearway_store_bytes_per_record {}",
            stats.bytes_per_record.unwrap_or(0)
        );
        out.push_str(
            "# HELP clearway_store_tree_bytes Bytes of keys and values in a store tree.\n",
        );
        out.push_str("# TYPE clearway_store_tree_bytes gauge\n");
        for t in &stats.trees {
            let _ = writeln!(
                out,
                "clearway_store_tree_bytes{{tree=\"{}\"}} {}",
                escape(&t.name),
                t.bytes
            );
        }
        out.push_str("# HELP clearway_store_tree_entries Entries in a store tree.\n");
        out.push_str("# TYPE clearway_store_tree_entries gauge\n");
        for t in &stats.trees {
            let _ = writeln!(
                out,
                "clearway_store_tree_entries{{tree=\"{}\"}} {}",
                escape(&t.name),
                t.entries
            );
        }
    }

    /// What retention has done since the hub started ([`crate::retention::counts`]).
    pub fn render_retention(out: &mut String, c: &crate::retention::Counts) {
        let counters = [
            (
                "clearway_retention_looked_total",
                "Records retention looked at since the hub started.",
                c.looked,
            ),
            (
                "clearway_retention_payloads_destroyed_total",
                "Records whose payloads retention destroyed (data key, then bytes) since the hub started.",
                c.payloads_destroyed,
            ),
            (
                "clearway_retention_records_removed_total",
                "Records retention removed (with their index entries and payloads) since the hub started.",
                c.records_removed,
            ),
        ];
        for (name, help, n) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {n}");
        }
        out.push_str("# HELP clearway_retention_cpu_seconds_total CPU time of retention's steps (its store transactions are in clearway_cpu_seconds_total{stage=\"store\"} too).\n");
        out.push_str("# TYPE clearway_retention_cpu_seconds_total counter\n");
        let _ = writeln!(
            out,
            "clearway_retention_cpu_seconds_total {}",
            crate::cpu::seconds(c.cpu_ns)
        );
    }

    /// The circuit breakers' state: (endpoint, its view).
    pub fn render_circuits(
        out: &mut String,
        circuits: &[(String, crate::pipeline::breaker::BreakerView)],
    ) {
        out.push_str("# HELP clearway_circuit_open Whether a destination's circuit breaker is open (1) or probing (1) rather than closed (0).\n");
        out.push_str("# TYPE clearway_circuit_open gauge\n");
        for (ep, v) in circuits {
            let open = u8::from(v.state != "closed");
            let _ = writeln!(
                out,
                "clearway_circuit_open{{endpoint=\"{}\"}} {open}",
                escape(ep)
            );
        }
        out.push_str("# HELP clearway_circuit_opened_total Times a destination's circuit breaker opened since the hub started.\n");
        out.push_str("# TYPE clearway_circuit_opened_total counter\n");
        for (ep, v) in circuits {
            let _ = writeln!(
                out,
                "clearway_circuit_opened_total{{endpoint=\"{}\"}} {}",
                escape(ep),
                v.opened_total
            );
        }
    }
}

fn render_histograms(
    out: &mut String,
    name: &str,
    help: &str,
    h: &Mutex<BTreeMap<String, Histogram>>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
    for (ep, h) in h.lock().expect("metrics lock").iter() {
        let ep = escape(ep);
        for (i, (_, le)) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{endpoint=\"{ep}\",le=\"{le}\"}} {}",
                h.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{endpoint=\"{ep}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(
            out,
            "{name}_sum{{endpoint=\"{ep}\"}} {}.{:06}",
            h.sum_micros / 1_000_000,
            h.sum_micros % 1_000_000
        );
        let _ = writeln!(out, "{name}_count{{endpoint=\"{ep}\"}} {}", h.count);
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_histograms_and_depth() {
        let m = Metrics::default();
        m.count("in", Status::Received);
        m.count("in", Status::Received);
        m.observe_decode("in", Duration::from_millis(3));
        let text = m.render(&[("out".into(), 4)]);
        assert!(text.contains("clearway_messages_total{endpoint=\"in\",status=\"received\"} 2"));
        assert!(
            text.contains(
                "clearway_decode_duration_seconds_bucket{endpoint=\"in\",le=\"0.0025\"} 0"
            )
        );
        assert!(
            text.contains(
                "clearway_decode_duration_seconds_bucket{endpoint=\"in\",le=\"0.005\"} 1"
            )
        );
        assert!(text.contains("clearway_decode_duration_seconds_sum{endpoint=\"in\"} 0.003000"));
        assert!(text.contains("clearway_queue_depth{endpoint=\"out\"} 4"));
    }

    #[test]
    fn renders_what_retention_did() {
        let mut text = String::new();
        Metrics::render_retention(
            &mut text,
            &crate::retention::Counts {
                looked: 7,
                payloads_destroyed: 2,
                records_removed: 3,
                cpu_ns: 1_500_000,
            },
        );
        assert!(text.contains("clearway_retention_looked_total 7\n"));
        assert!(text.contains("clearway_retention_payloads_destroyed_total 2\n"));
        assert!(text.contains("clearway_retention_records_removed_total 3\n"));
        assert!(text.contains("clearway_retention_cpu_seconds_total 0.001500\n"));
    }
}
