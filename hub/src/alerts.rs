//! Alerts: `[alerts]` rules evaluated every `interval_seconds` over the endpoints'
//! counts (kept as snapshots in memory for the longest window), queue depths and
//! the age of the oldest queued message (the first id of a destination's queue:
//! ids are ULIDs, so O(1)). When a rule starts or stops firing, a JSON alert is
//! POSTed through the `webhook` (an `http-out` endpoint: its URL, token, headers,
//! timeout and TLS), tried three times; `clearway_alert_firing{alert}` in
//! `/metrics` says which fire. Alerts carry endpoint names and figures, never
//! message content.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{AlertCondition, AlertRule, Transport};
use crate::pipeline::Hub;
use crate::runtime::Payload;
use crate::store::Status;
use crate::store::record::{now_ms, now_rfc3339};

/// Counts of every endpoint at one moment.
type Snapshot = (Instant, BTreeMap<String, BTreeMap<Status, u64>>);

/// Evaluate the rules forever.
pub async fn run(hub: Arc<Hub>) {
    let cfg = &hub.config.alerts;
    let interval = Duration::from_secs(cfg.interval_seconds.max(1));
    let keep = cfg
        .rules
        .iter()
        .map(|r| match r.condition {
            AlertCondition::ErrorRate { window_minutes, .. } => window_minutes,
            AlertCondition::NoTraffic { minutes } => minutes,
            _ => 0,
        })
        .max()
        .map_or(Duration::ZERO, |m| Duration::from_secs(m * 60))
        + interval * 2;
    let mut history: VecDeque<Snapshot> = VecDeque::new();
    let started = Instant::now();
    loop {
        let now = Instant::now();
        history.push_back((now, snapshot(&hub)));
        while history
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > keep)
        {
            history.pop_front();
        }
        for rule in &cfg.rules {
            let Some((value, threshold, firing)) = evaluate(&hub, rule, &history, started) else {
                continue;
            };
            let was = hub
                .alerts_firing
                .lock()
                .expect("lock")
                .insert(rule.name.clone(), firing)
                .unwrap_or(false);
            if firing != was {
                tracing::warn!(alert = %rule.name, endpoint = %rule.endpoint, firing, value, threshold, "alert");
                let (hub, rule) = (hub.clone(), rule.clone());
                tokio::spawn(async move { send(&hub, &rule, firing, value, threshold).await });
            }
        }
        tokio::time::sleep(interval).await;
    }
}

fn snapshot(hub: &Hub) -> BTreeMap<String, BTreeMap<Status, u64>> {
    hub.config
        .endpoints
        .keys()
        .map(|n| (n.clone(), hub.metrics.counts_of(n)))
        .collect()
}

/// The rule's measured value, its threshold and whether it fires; `None` when it
/// cannot be told yet (a no-traffic period longer than the hub has run).
fn evaluate(
    hub: &Hub,
    rule: &AlertRule,
    history: &VecDeque<Snapshot>,
    started: Instant,
) -> Option<(u64, u64, bool)> {
    let inbound = hub.endpoint(&rule.endpoint)?.transport.is_inbound();
    let (now, latest) = history.back()?;
    let since = |window: Duration| -> Option<&BTreeMap<Status, u64>> {
        history
            .iter()
            .find(|(t, _)| now.duration_since(*t) <= window)
            .and_then(|(_, s)| s.get(&rule.endpoint))
    };
    let delta = |old: &BTreeMap<Status, u64>, statuses: &[Status]| -> u64 {
        let new = latest.get(&rule.endpoint);
        statuses
            .iter()
            .map(|s| {
                let n = new.and_then(|m| m.get(s)).copied().unwrap_or(0);
                n.saturating_sub(old.get(s).copied().unwrap_or(0))
            })
            .sum()
    };
    match rule.condition {
        AlertCondition::ErrorRate {
            percent,
            window_minutes,
            min_messages,
        } => {
            let empty = BTreeMap::new();
            let old = since(Duration::from_secs(window_minutes * 60)).unwrap_or(&empty);
            let (failed, ok) = if inbound {
                (
                    delta(old, &[Status::DecodeFailed]),
                    delta(old, &[Status::Decoded]),
                )
            } else {
                (
                    delta(old, &[Status::Retrying, Status::Dead]),
                    delta(old, &[Status::Delivered]),
                )
            };
            let total = failed + ok;
            let rate = (failed * 100).checked_div(total).unwrap_or(0);
            let percent = u64::from(percent);
            Some((rate, percent, total >= min_messages && rate >= percent))
        }
        AlertCondition::NoTraffic { minutes } => {
            let period = Duration::from_secs(minutes * 60);
            if now.duration_since(started) < period {
                return None;
            }
            let empty = BTreeMap::new();
            let old = since(period).unwrap_or(&empty);
            let status = if inbound {
                Status::Received
            } else {
                Status::Delivered
            };
            let n = delta(old, &[status]);
            Some((n, 0, n == 0))
        }
        AlertCondition::QueueDepth { above } => {
            let depth = hub.store.queue_depth(&rule.endpoint) as u64;
            Some((depth, above, depth > above))
        }
        AlertCondition::OldestMessage { minutes } => {
            let oldest = hub.store.oldest_queued_ms(&rule.endpoint).ok()?;
            let age_min = oldest.map_or(0, |ms| now_ms().saturating_sub(ms) / 60_000);
            Some((age_min, minutes, oldest.is_some() && age_min >= minutes))
        }
    }
}

/// POST the alert through the webhook endpoint, up to three tries.
async fn send(hub: &Arc<Hub>, rule: &AlertRule, firing: bool, value: u64, threshold: u64) {
    let Some(webhook) = hub.config.alerts.webhook.as_deref() else {
        return;
    };
    let Some(Transport::HttpOut(cfg)) = hub.endpoint(webhook).map(|e| &e.transport) else {
        return;
    };
    let condition = match rule.condition {
        AlertCondition::ErrorRate { .. } => "error_rate_percent",
        AlertCondition::NoTraffic { .. } => "no_traffic_minutes",
        AlertCondition::QueueDepth { .. } => "queue_depth",
        AlertCondition::OldestMessage { .. } => "oldest_minutes",
    };
    let body = serde_json::json!({
        "alert": rule.name,
        "endpoint": rule.endpoint,
        "state": if firing { "firing" } else { "resolved" },
        "condition": condition,
        "value": value,
        "threshold": threshold,
        "at": now_rfc3339(),
    });
    let payload = Payload {
        data: serde_json::to_vec(&body).unwrap_or_default(),
        content_type: "application/json".into(),
        filename_hint: None,
        carries: vec![],
    };
    for attempt in 1..=3u32 {
        match crate::transport::http_out::send(hub.http(), webhook, cfg, &payload).await {
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(alert = %rule.name, webhook, attempt, code = %e.info.code, "the alert could not be sent");
                tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
            }
        }
    }
}
