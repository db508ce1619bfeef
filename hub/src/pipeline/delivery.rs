//! Delivery workers: one per outbound endpoint. Each takes due messages from its
//! durable queue, encodes them with the endpoint's connector (batching where the
//! connector batches), hands the payloads to the transport and records the result.
//! A failed delivery is retried with backoff until the endpoint's limit, then the
//! message is `dead`.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument as _;

use super::ingest::change;
use super::{Hub, call_error_info};
use crate::config::{RetryPolicy, Transport};
use crate::runtime::{OutboundMeta, Payload};
use crate::store::record::{now_ms, parse_time_ms, rfc3339_ms};
use crate::store::{DeliveryState, ErrorInfo, QueueEntry, RecordType, Status};
use crate::transport::{self, DeliveryError};

/// Run the delivery worker for `dest` forever.
pub(super) async fn run(hub: Arc<Hub>, dest: String) {
    let Some(waker) = hub.wakers.get(&dest).cloned() else {
        return;
    };
    let (batch_size, retry) = match hub.endpoint(&dest).map(|e| &e.transport) {
        Some(Transport::DirOut(d)) => (d.batch_size, d.retry),
        Some(Transport::HttpOut(h)) => (h.http.batch_size, h.http.retry),
        Some(Transport::FhirOut(f)) => (f.http.batch_size, f.http.retry),
        Some(Transport::TestClearinghouse(t)) => (t.batch_size, t.retry),
        _ => return,
    };
    loop {
        let now = now_ms();
        let (due, next) = match hub.store.due(&dest, now, batch_size) {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(endpoint = %dest, error = %e, "reading the delivery queue failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if due.is_empty() {
            let wait = next.map_or(Duration::from_secs(5), |n| {
                Duration::from_millis(n.saturating_sub(now).max(1))
            });
            let _ = tokio::time::timeout(wait, waker.notified()).await;
            continue;
        }
        let span = tracing::info_span!("delivery", endpoint = %dest, batch = due.len());
        if let Err(e) = deliver_batch(&hub, &dest, &retry, due)
            .instrument(span)
            .await
        {
            tracing::error!(endpoint = %dest, error = %e, "delivery batch failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// What one encode call gave: the payloads, or the error to record.
type EncodeResult = Result<Vec<Payload>, ErrorInfo>;

/// The outcome of one message at this destination.
enum Outcome {
    Delivered(String),
    Failed(ErrorInfo, bool),
}

async fn deliver_batch(
    hub: &Arc<Hub>,
    dest: &str,
    retry: &RetryPolicy,
    due: Vec<(String, QueueEntry)>,
) -> anyhow::Result<()> {
    let Some(plugin) = hub.connector_of(dest).cloned() else {
        return Ok(());
    };
    // Load what is still there; a message replayed or removed meanwhile is skipped.
    // Acknowledgments (ack records) are sent as they are; messages are encoded first.
    let mut ids = Vec::with_capacity(due.len());
    let mut entries = Vec::with_capacity(due.len());
    let mut jsons = Vec::with_capacity(due.len());
    let mut acks = Vec::new();
    for (id, entry) in due {
        match hub.store.normalized(&id)? {
            Some(j) => {
                ids.push(id);
                entries.push(entry);
                jsons.push(j);
            }
            None => match ack_payload(hub, &id)? {
                Some(payload) => acks.push((id, entry, payload)),
                None => hub.store.transact(|tx| tx.dequeue(dest, &id))?,
            },
        }
    }
    let encoded = ids.len();
    let mut jobs: Vec<(Vec<usize>, Payload, String)> = Vec::new();
    for (id, entry, payload) in acks {
        jobs.push((vec![ids.len()], payload, id.clone()));
        ids.push(id);
        entries.push(entry);
    }
    let meta = OutboundMeta {
        endpoint: dest.to_owned(),
    };
    let mut outcomes: Vec<Option<Outcome>> = (0..ids.len()).map(|_| None).collect();

    // Encode the batch; if the batch fails, encode one by one so one bad message
    // does not hold back the others.
    let batch: Vec<(Vec<usize>, EncodeResult)> = match encoded {
        0 => Vec::new(),
        _ => match encode(&plugin, jsons.clone(), meta.clone()).await? {
            Ok(p) => vec![((0..encoded).collect(), Ok(p))],
            Err(e) if encoded == 1 => vec![(vec![0], Err(e))],
            Err(_) => {
                let mut v = Vec::new();
                for (i, j) in jsons.iter().enumerate() {
                    v.push((
                        vec![i],
                        encode(&plugin, vec![j.clone()], meta.clone()).await?,
                    ));
                }
                v
            }
        },
    };
    let endpoint = hub.endpoint(dest).map(|e| e.transport.clone());
    for (indexes, result) in batch {
        let payloads = match result {
            Ok(p) => p,
            Err(e) => {
                for &i in &indexes {
                    outcomes[i] = Some(Outcome::Failed(e.clone(), false));
                }
                continue;
            }
        };
        let mut carried = vec![false; indexes.len()];
        for p in payloads {
            let members: Vec<usize> = p
                .carries
                .iter()
                .filter_map(|&c| indexes.get(c as usize).copied())
                .collect();
            for &c in &p.carries {
                if let Some(slot) = carried.get_mut(c as usize) {
                    *slot = true;
                }
            }
            if let Some(first) = members.first().map(|&i| ids[i].clone()) {
                jobs.push((members, p, first));
            }
        }
        for (pos, was) in carried.iter().enumerate() {
            if !was {
                let err = ErrorInfo::new(
                    "encode_failed.not_carried",
                    format!(
                        "connector `{}` produced no payload for this message",
                        plugin.name()
                    ),
                );
                outcomes[indexes[pos]] = Some(Outcome::Failed(err, false));
            }
        }
    }
    // Claims sent in a format with acknowledgments: the ledger learns which file
    // each went in before the file leaves, so even an answer that comes back at once
    // finds its claims.
    if plugin.description().acknowledges {
        for (members, payload, _) in &jobs {
            let sent: Vec<(String, String)> = members
                .iter()
                .filter(|&&i| i < encoded && is_claim(&jsons[i]))
                .map(|&i| (ids[i].clone(), jsons[i].clone()))
                .collect();
            if sent.is_empty() {
                continue;
            }
            let (h, p, data) = (hub.clone(), plugin.clone(), payload.data.clone());
            match tokio::task::spawn_blocking(move || h.ledger.learn_sent(&p, &data, &sent)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(endpoint = %dest, error = %e, "ledger: could not learn the envelope of sent claims")
                }
                Err(e) => {
                    tracing::warn!(endpoint = %dest, error = %e, "ledger: envelope task failed")
                }
            }
        }
    }
    // Hand the payloads to the transport, a few at a time: file fsyncs and HTTP
    // round trips overlap instead of queueing behind each other.
    let mut running = tokio::task::JoinSet::new();
    for (members, payload, first) in jobs {
        while running.len() >= PARALLEL_DELIVERIES {
            collect(running.join_next().await, &mut outcomes);
        }
        let (hub, dest, endpoint) = (hub.clone(), dest.to_owned(), endpoint.clone());
        running.spawn(async move {
            let result = match &endpoint {
                Some(t) => transport::deliver(&hub, &dest, t, &payload, &first).await,
                None => Err(DeliveryError::permanent(
                    "delivery.no_endpoint",
                    "the endpoint is no longer configured",
                )),
            };
            (members, result)
        });
    }
    while let Some(done) = running.join_next().await {
        collect(Some(done), &mut outcomes);
    }

    // dir-out: one fsync of the folder makes the whole batch's renames durable.
    if let Some(Transport::DirOut(d)) = &endpoint
        && outcomes
            .iter()
            .any(|o| matches!(o, Some(Outcome::Delivered(_))))
        && let Err(e) = transport::dir_out::sync_dir(d).await
    {
        for o in outcomes.iter_mut() {
            if matches!(o, Some(Outcome::Delivered(_))) {
                *o = Some(Outcome::Failed(e.info.clone(), true));
            }
        }
    }
    let now = now_ms();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let Some(outcome) = outcome else { continue };
        record(hub, dest, retry, &ids[i], entries[i], outcome, now)?;
    }
    hub.store.sync().await?;
    Ok(())
}

/// The payload of acknowledgment record `id`, or `None` when `id` is not one (or its
/// bytes are gone).
fn ack_payload(hub: &Hub, id: &str) -> anyhow::Result<Option<Payload>> {
    let Some(record) = hub.store.get(id)? else {
        return Ok(None);
    };
    if record.record_type != RecordType::Ack {
        return Ok(None);
    }
    Ok(hub.store.raw(id)?.map(|data| Payload {
        data,
        content_type: record
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        filename_hint: record.filename.clone(),
        carries: vec![0],
    }))
}

/// Whether a normalized message is a `claim`.
fn is_claim(json: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct KindOnly<'a> {
        #[serde(borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<KindOnly<'_>>(json).is_ok_and(|k| k.kind == "claim")
}

/// How many payloads of one batch are in the transport's hands at once.
const PARALLEL_DELIVERIES: usize = 8;

type Delivered = (Vec<usize>, Result<String, DeliveryError>);

/// Record what one finished delivery task gave for its messages.
fn collect(
    done: Option<Result<Delivered, tokio::task::JoinError>>,
    outcomes: &mut [Option<Outcome>],
) {
    match done {
        Some(Ok((members, result))) => {
            for i in members {
                outcomes[i] = Some(match &result {
                    Ok(note) => Outcome::Delivered(note.clone()),
                    Err(e) => Outcome::Failed(e.info.clone(), e.retryable),
                });
            }
        }
        // A panicked task leaves its messages without an outcome: they stay queued
        // and are tried again in the next round.
        Some(Err(e)) => tracing::error!(error = %e, "a delivery task failed"),
        None => {}
    }
}

/// Encode on the blocking pool; a connector failure becomes the error to record.
async fn encode(
    plugin: &Arc<crate::runtime::Plugin>,
    jsons: Vec<String>,
    meta: OutboundMeta,
) -> anyhow::Result<EncodeResult> {
    let p = plugin.clone();
    let r = tokio::task::spawn_blocking(move || p.encode(&jsons, &meta)).await?;
    Ok(r.map_err(|e| call_error_info("encode_failed", &e)))
}

/// Record one message's outcome at `dest` and update its queue entry.
fn record(
    hub: &Hub,
    dest: &str,
    retry: &RetryPolicy,
    id: &str,
    entry: QueueEntry,
    outcome: Outcome,
    now: u64,
) -> anyhow::Result<()> {
    let attempts = entry.attempts + 1;
    let actor = format!("delivery:{dest}");
    let (event, error, note, requeue) = match outcome {
        Outcome::Delivered(note) => (DeliveryState::Delivered, None, Some(note), None),
        Outcome::Failed(err, retryable) if retryable && attempts < retry.max_attempts => {
            let due = now + retry.backoff(attempts).as_millis() as u64;
            (DeliveryState::Retrying, Some(err), None, Some(due))
        }
        Outcome::Failed(err, _) => (DeliveryState::Dead, Some(err), None, None),
    };
    let updated = hub.store.transact(|tx| {
        let r = tx.update(id, |r| {
            let d = r
                .deliveries
                .entry(dest.to_owned())
                .or_insert(crate::store::Delivery {
                    state: DeliveryState::Queued,
                    attempts: 0,
                    next_attempt_at: None,
                    delivered_at: None,
                    last_error: None,
                });
            d.state = event;
            d.attempts = attempts;
            d.next_attempt_at = requeue.map(rfc3339_ms);
            d.last_error = error.clone();
            if event == DeliveryState::Delivered {
                d.delivered_at = Some(rfc3339_ms(now));
            }
            let status = match event {
                DeliveryState::Delivered => Status::Delivered,
                DeliveryState::Retrying => Status::Retrying,
                DeliveryState::Dead => Status::Dead,
                DeliveryState::Queued => Status::Queued,
            };
            let mut c = change(status, &actor, error.clone());
            c.destination = Some(dest.to_owned());
            c.note = note.clone().or_else(|| {
                requeue.map(|t| format!("attempt {attempts} failed; next at {}", rfc3339_ms(t)))
            });
            r.history.push(c);
            r.updated_at = rfc3339_ms(now);
            r.status = r.aggregate_delivery_status().unwrap_or(status);
        })?;
        match requeue {
            Some(due_ms) => tx.enqueue(
                dest,
                id,
                QueueEntry {
                    due_ms,
                    attempts,
                    enqueued_ms: entry.enqueued_ms,
                },
            )?,
            None => tx.dequeue(dest, id)?,
        }
        Ok(r)
    })?;
    let status = match event {
        DeliveryState::Delivered => Status::Delivered,
        DeliveryState::Retrying => Status::Retrying,
        _ => Status::Dead,
    };
    hub.metrics.count(dest, status);
    if event == DeliveryState::Delivered
        && let Some(created) = parse_time_ms(&updated.created_at)
    {
        hub.metrics
            .observe_delivery(dest, Duration::from_millis(now.saturating_sub(created)));
    }
    if event == DeliveryState::Delivered {
        tracing::debug!(message_id = %id, endpoint = %dest, attempts, "delivered");
    } else {
        tracing::warn!(message_id = %id, endpoint = %dest, attempts, state = ?event, "delivery failed");
    }
    Ok(())
}
