//! The checks after a run: every acknowledged message delivered to both destinations
//! with its own fingerprint, every duplicate at the partner a recorded redelivery,
//! nothing left queued or retrying.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use super::hub::{HubProc, PARTNER};
use super::payload::{Seen, read_delivered};
use super::senders::Acked;

/// Failed checks: per check, the ids (message ids, else claim ids) it failed for.
#[derive(Debug, Default)]
pub struct Failures(BTreeMap<String, Vec<String>>);

impl Failures {
    /// Record that `check` failed for `id`.
    pub fn add(&mut self, check: &str, id: impl Into<String>) {
        self.0.entry(check.to_owned()).or_default().push(id.into());
    }

    /// Whether every check passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` (e.g. `"(2)"`) failed.
    pub fn failed(&self, prefix: &str) -> bool {
        self.0.keys().any(|k| k.starts_with(prefix))
    }

    /// Print every failed check with (up to 40 of) its ids.
    pub fn print(&self) {
        for (check, ids) in &self.0 {
            println!("FAILED {check}: {} ({})", ids.len(), shown(ids));
        }
    }
}

fn shown(ids: &[String]) -> String {
    let mut s = ids.iter().take(40).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 40 {
        s.push_str(&format!(", ... {} more", ids.len() - 40));
    }
    s
}

/// Figures of the delivery checks.
#[derive(Debug, Default)]
pub struct Figures {
    /// Of those, delivered to both destinations with the right fingerprint.
    pub delivered: usize,
    /// Messages the partner accepted more than once.
    pub duplicated: usize,
    /// Accepted deliveries beyond the first, summed.
    pub extra_deliveries: usize,
    /// Earlier attempts named by `redelivery: N ...` notes for the partner, over the duplicated messages.
    pub redeliveries_recorded: usize,
    /// Messages the partner accepted that no sender saw acknowledged.
    pub unacknowledged_delivered: usize,
}

/// Wait until nothing is queued or retrying and every dropped file was taken in;
/// `Err` says what was left when `timeout` ran out.
pub fn drain(
    hub: &HubProc,
    files_pending: impl Fn() -> usize,
    timeout: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        // Errors as text: `{:?}` of an anyhow error would print its backtrace.
        let depth = hub.queue_depth().map_err(|e| format!("{e:#}"));
        let queued = hub
            .ids_in("queued")
            .map(|v| v.len())
            .map_err(|e| format!("{e:#}"));
        let retrying = hub
            .ids_in("retrying")
            .map(|v| v.len())
            .map_err(|e| format!("{e:#}"));
        let files = files_pending();
        if matches!((&depth, &queued, &retrying), (Ok(0), Ok(0), Ok(0))) && files == 0 {
            return Ok(started.elapsed());
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "after {} s: queue depth {depth:?}, queued {queued:?}, retrying {retrying:?}, dropped files not taken in {files}",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// (4): nothing may be left in a status other than `delivered` (for messages) or
/// `decoded` (for the inbound payloads they came from).
pub fn nothing_stuck(hub: &HubProc, failures: &mut Failures) -> anyhow::Result<()> {
    for status in [
        "received",
        "queued",
        "retrying",
        "dead",
        "decode_failed",
        "unrouted",
    ] {
        match hub.ids_in(status) {
            Ok(ids) => {
                for id in ids {
                    failures.add(&format!("(4) left `{status}` after the drain"), id);
                }
            }
            Err(e) => failures.add("(4) the hub could not list its records", format!("{e:#}")),
        }
    }
    Ok(())
}

/// The `dir-out` folder: per message id, what its file holds.
fn outbox(dir: &Path, failures: &mut Failures) -> BTreeMap<String, Seen> {
    let mut seen = BTreeMap::new();
    for name in crate::support::files(dir) {
        if name.starts_with('.') {
            continue; // a temp file of a write a kill interrupted
        }
        match std::fs::read(dir.join(&name))
            .map_err(anyhow::Error::from)
            .and_then(|b| read_delivered(&b))
        {
            Ok(s) => {
                seen.insert(s.message_id.clone(), s);
            }
            Err(_) => failures.add("(1) unreadable file in the outbox", name),
        }
    }
    seen
}

/// Checks (1) and (2).
pub fn deliveries(
    hub: &HubProc,
    acked: &BTreeMap<String, Acked>,
    partner: &BTreeMap<String, Vec<Seen>>,
    unreadable_at_partner: &[String],
    failures: &mut Failures,
) -> anyhow::Result<Figures> {
    let files = outbox(&hub.dir.join("outbox"), failures);
    for e in unreadable_at_partner {
        failures.add(
            "(1) the partner accepted a body that is not a message",
            e.clone(),
        );
    }
    // Claim id -> the message ids that carried it, at either destination.
    let mut by_claim: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in partner.values().flatten().chain(files.values()) {
        by_claim
            .entry(s.claim_id.as_str())
            .or_default()
            .insert(s.message_id.as_str());
    }
    let mut fig = Figures::default();
    let mut acked_ids = BTreeSet::new();
    for a in acked.values() {
        let mut ids: BTreeSet<&str> = by_claim
            .get(a.claim_id.as_str())
            .cloned()
            .unwrap_or_default();
        if let Some(id) = &a.message_id {
            ids.insert(id);
        }
        if ids.len() > 1 {
            failures.add(
                "(2) an acknowledged claim became more than one message",
                format!(
                    "{} ({})",
                    a.claim_id,
                    ids.iter().copied().collect::<Vec<_>>().join(" ")
                ),
            );
        }
        if ids.is_empty() {
            failures.add(
                &format!("(1) acknowledged ({}), delivered nowhere", a.via),
                a.claim_id.clone(),
            );
            continue;
        }
        let mut ok = true;
        for id in ids {
            acked_ids.insert(id.to_owned());
            match partner.get(id) {
                None => {
                    ok = false;
                    failures.add("(1) acknowledged, never accepted by the partner", id);
                }
                Some(got) if got.iter().any(|s| s.hash != a.hash) => {
                    ok = false;
                    failures.add("(1) corrupt payload at the partner", id);
                }
                Some(_) => {}
            }
            match files.get(id) {
                None => {
                    ok = false;
                    failures.add("(1) acknowledged, no file in the outbox", id);
                }
                Some(s) if s.hash != a.hash => {
                    ok = false;
                    failures.add("(1) corrupt file in the outbox", id);
                }
                Some(_) => {}
            }
        }
        fig.delivered += usize::from(ok);
    }
    for (id, got) in partner {
        if !acked_ids.contains(id) {
            fig.unacknowledged_delivered += 1;
        }
        if got.len() < 2 {
            continue;
        }
        fig.duplicated += 1;
        fig.extra_deliveries += got.len() - 1;
        let record = match hub.get(&format!("/v1/messages/{id}")) {
            Ok(r) => r,
            Err(e) => {
                failures.add(
                    "(2) the hub could not show a record",
                    format!("{id}: {e:#}"),
                );
                continue;
            }
        };
        // "redelivery: N earlier attempt(s) may have reached ...": N attempts the hub
        // stopped during, any of which the partner may have taken.
        let recorded: usize = record["record"]["history"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["destination"] == PARTNER)
            .filter_map(|h| h["note"].as_str()?.strip_prefix("redelivery: "))
            .map(|rest| {
                rest.split(' ')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1)
            })
            .sum();
        fig.redeliveries_recorded += recorded;
        if recorded + 1 < got.len() {
            failures.add(
                "(2) accepted more often than recorded redeliveries explain",
                format!(
                    "{id} (accepted {}, redeliveries recorded {recorded})",
                    got.len()
                ),
            );
        }
    }
    Ok(fig)
}
