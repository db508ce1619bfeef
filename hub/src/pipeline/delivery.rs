//! Delivery workers: one per outbound endpoint. Each takes due messages from its
//! durable queue, encodes them with the endpoint's connector (batching where the
//! connector batches), hands the payloads to the transport and records the result.
//! A failed delivery is retried with backoff and jitter until the endpoint's limit,
//! then the message is `dead`.
//!
//! What makes it safe to kill at any moment:
//! - Before a payload leaves, its bytes (the `outbox` tree) and the attempt (the
//!   queue entry's `started`) are stored and synced. A retry sends those same bytes,
//!   so an X12 file keeps its control numbers and the partner can tell a duplicate.
//!   An attempt the hub stopped during is known at restart (`started > attempts`):
//!   the next outcome is recorded with a note beginning `redelivery`.
//! - An outcome that cannot be recorded (a store error after the transport took the
//!   payload) is kept in memory and recorded again with backoff; nothing is sent
//!   again meanwhile.
//! - A queued message whose payload is missing is recorded `dead` with
//!   `delivery.no_payload`, never dropped quietly.
//!
//! An ordered destination (`delivery = { ordered = true }`) takes its queue in id
//! (arrival) order and only as far as it is due ([`crate::store::Store::head`]), and
//! sends one payload at a time. A payload that failed and will be retried ends the
//! batch: the payloads behind it were not sent, and their queue entries are put back
//! as they were (no attempt counted), due with the failed one. One that is final
//! (delivered or dead) lets the next go. A head that failed before goes alone until
//! it is through, so the messages behind it are not encoded again at every retry.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use super::breaker::{Breaker, Permit, Seen};
use super::ingest::change;
use super::{Hub, call_error_info};
use crate::config::{RetryPolicy, Transport};
use crate::runtime::{OutboundMeta, Payload};
use crate::store::record::{now_ms, parse_time_ms, rfc3339_ms};
use crate::store::{
    DeliveryState, ErrorInfo, Outgoing, QueueEntry, RecordType, Status, StoreError, Tx, TxResult,
};
use crate::transport::{self, DeliveryError};

/// The longest wait between tries to record outcomes while the store fails.
const MAX_STORE_BACKOFF: Duration = Duration::from_secs(30);

/// The id of a new message or acknowledgment: a ULID greater than every one this
/// process made before, also within one millisecond (`Ulid::new` is random there),
/// so that id order is the order they were made: an ordered destination sends in
/// id order.
pub(super) fn new_id() -> String {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let next = IDS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .generate();
    // Overflow needs 2^80 ids in one millisecond; a random one then.
    next.unwrap_or_else(|_| ulid::Ulid::new()).to_string()
}

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
    let breaker = hub.breakers.get(&dest).cloned();
    let ordered = hub.limits(&dest).ordered;
    // Outcomes the transport gave but the store did not take yet.
    let mut unrecorded: Vec<Finished> = Vec::new();
    let mut store_backoff = Duration::from_secs(1);
    loop {
        if hub.store.unhealthy().is_some() {
            // Nothing more goes out while the store cannot record it.
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        if !unrecorded.is_empty() {
            match record_all(&hub, &dest, &retry, &unrecorded).await {
                Ok(()) => {
                    unrecorded.clear();
                    store_backoff = Duration::from_secs(1);
                }
                Err(e) => {
                    tracing::error!(endpoint = %dest, error = %e, pending = unrecorded.len(), "recording delivery outcomes failed; trying again without sending anything");
                    tokio::time::sleep(store_backoff).await;
                    store_backoff = (store_backoff * 2).min(MAX_STORE_BACKOFF);
                    continue;
                }
            }
        }
        let limit = match breaker.as_ref().map(|b| b.permit(Instant::now())) {
            None | Some(Permit::Batch) => batch_size,
            Some(Permit::Probe) => 1,
            Some(Permit::Wait(d)) => {
                tokio::time::sleep(d).await;
                continue;
            }
        };
        let now = now_ms();
        let read = if ordered {
            hub.store.head(&dest, now, limit)
        } else {
            hub.store.due(&dest, now, limit)
        };
        let (mut due, next) = match read {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(endpoint = %dest, error = %e, "reading the delivery queue failed");
                tokio::time::sleep(store_backoff).await;
                store_backoff = (store_backoff * 2).min(MAX_STORE_BACKOFF);
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
        // An ordered destination's head that failed before goes alone until it is
        // through: the messages behind it are not encoded (and put back) each time.
        if ordered && due[0].1.started.max(due[0].1.attempts) > 0 {
            due.truncate(1);
        }
        let span = tracing::info_span!("delivery", endpoint = %dest, batch = due.len());
        let order = ordered.then_some(&retry);
        match deliver_batch(&hub, &dest, due, order)
            .instrument(span)
            .await
        {
            Ok(finished) => {
                if let Some(b) = &breaker {
                    watch(b, &dest, &finished);
                }
                unrecorded = finished;
            }
            Err(e) => {
                // Nothing was sent: the attempt could not be stored first.
                tracing::error!(endpoint = %dest, error = %e, "delivery batch failed before sending");
                tokio::time::sleep(store_backoff).await;
                store_backoff = (store_backoff * 2).min(MAX_STORE_BACKOFF);
            }
        }
    }
}

/// Feed the breaker what the partner did with each payload sent.
fn watch(breaker: &Breaker, dest: &str, finished: &[Finished]) {
    let now = Instant::now();
    for f in finished.iter().filter(|f| f.sent) {
        let seen = match &f.outcome {
            Outcome::Failed(_, true) => Seen::Down,
            _ => Seen::Answered,
        };
        if breaker.saw(seen, now) {
            let v = breaker.view(now);
            tracing::warn!(
                endpoint = %dest,
                failures = v.consecutive_failures,
                probe_in_ms = v.probe_in_ms.unwrap_or_default(),
                "circuit open: the destination failed repeatedly; nothing is sent until a probe gets through"
            );
        }
    }
}

/// What one encode call gave: the payloads, or the error to record.
type EncodeResult = Result<Vec<Payload>, ErrorInfo>;

/// The outcome of one payload (or one message that never became one).
#[derive(Debug, Clone)]
enum Outcome {
    Delivered(String),
    Failed(ErrorInfo, bool),
    /// Not sent: an ordered destination's payload behind one that failed and will
    /// be retried. Its messages' queue entries go back as they were, due with the
    /// failed one; nothing is recorded in their history.
    Held,
}

impl Outcome {
    /// Whether this outcome of a payload carrying `members` is retried (rather
    /// than final).
    fn retried(&self, members: &[Member], retry: &RetryPolicy) -> bool {
        matches!(self, Outcome::Failed(_, true)) && attempts(members) < retry.max_attempts
    }
}

/// The number of a payload's attempt: the highest of its messages'.
fn attempts(members: &[Member]) -> u32 {
    members.iter().map(Member::attempt).max().unwrap_or(1)
}

/// A message of a job: its id, its queue entry as it was due, and how many
/// attempts before this one were started but never recorded.
#[derive(Debug, Clone)]
struct Member {
    id: String,
    entry: QueueEntry,
    interrupted: u32,
}

impl Member {
    fn new(id: String, entry: QueueEntry) -> Member {
        let interrupted = entry.started.saturating_sub(entry.attempts);
        Member {
            id,
            entry,
            interrupted,
        }
    }

    /// The number of this attempt (every attempt started counts).
    fn attempt(&self) -> u32 {
        self.entry.started.max(self.entry.attempts) + 1
    }
}

/// A payload to hand to the transport, with the messages it carries.
struct Job {
    members: Vec<Member>,
    payload: Payload,
    /// Whether its bytes go in the outbox (not for acknowledgments, whose bytes are
    /// their stored raw payload already).
    keep: bool,
    /// Whether it was encoded now (rather than read back from the outbox).
    fresh: bool,
}

impl Job {
    fn first(&self) -> &str {
        &self.members[0].id
    }

    /// Its oldest message: where it stands in an ordered destination's queue.
    fn oldest(&self) -> &str {
        self.members
            .iter()
            .map(|m| m.id.as_str())
            .min()
            .unwrap_or_default()
    }
}

/// A job's (or a single message's) outcome, to record.
#[derive(Debug, Clone)]
struct Finished {
    members: Vec<Member>,
    outcome: Outcome,
    /// The outbox entry to keep for a retry or forget once final, if there is one;
    /// for [`Outcome::Held`], the one stored for this attempt, to forget.
    outbox: Option<String>,
    /// Whether it went to the transport (not an encode failure or a missing payload).
    sent: bool,
}

/// Take one batch of due messages through encode, the outbox and the transport:
/// together, or with `ordered` (the endpoint's retry policy) one after another in
/// id order, stopping at the first that will be retried.
/// Returns the outcomes to record; an error means nothing was sent.
async fn deliver_batch(
    hub: &Arc<Hub>,
    dest: &str,
    due: Vec<(String, QueueEntry)>,
    ordered: Option<&RetryPolicy>,
) -> anyhow::Result<Vec<Finished>> {
    let Some(plugin) = hub.connector_of(dest).cloned() else {
        return Ok(Vec::new());
    };
    let mut finished = Vec::new();
    let mut jobs = Vec::new();

    // Messages already sent once go out again in the payload kept for them.
    let mut fresh = Vec::new();
    let mut kept: BTreeMap<String, Vec<(String, QueueEntry)>> = BTreeMap::new();
    for (id, entry) in due {
        match entry.outbox.clone() {
            Some(first) => kept.entry(first).or_default().push((id, entry)),
            None => fresh.push((id, entry)),
        }
    }
    for (first, group) in kept {
        match resend_job(hub, dest, &first, group)? {
            Ok(job) => jobs.push(job),
            // The kept payload cannot be sent as it was: encode again (noted in the log).
            Err(group) => fresh.extend(group),
        }
    }

    // Load what is still there. Acknowledgments (ack records) are sent as they are;
    // messages are encoded first.
    let mut members = Vec::with_capacity(fresh.len());
    let mut jsons = Vec::with_capacity(fresh.len());
    for (id, entry) in fresh {
        match load(hub, &id)? {
            Loaded::Message(json) => {
                members.push(Member::new(id, entry));
                jsons.push(json);
            }
            Loaded::Ack(payload) => jobs.push(Job {
                members: vec![Member::new(id, entry)],
                payload,
                keep: false,
                fresh: true,
            }),
            Loaded::Missing(err) => finished.push(Finished {
                members: vec![Member::new(id, entry)],
                outcome: Outcome::Failed(err, false),
                outbox: None,
                sent: false,
            }),
            Loaded::Gone => {
                tracing::error!(message_id = %id, endpoint = %dest, "a queued message has no record; taken out of the queue");
                hub.store.transact(|tx| tx.dequeue(dest, &id))?;
                hub.metrics.count(dest, Status::Dead);
            }
        }
    }
    let meta = OutboundMeta {
        endpoint: dest.to_owned(),
    };

    // Encode the batch; if the batch fails, encode one by one so one bad message
    // does not hold back the others.
    let encoded = members.len();
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
    let mut sent_claims = Vec::new();
    for (indexes, result) in batch {
        let payloads = match result {
            Ok(p) => p,
            Err(e) => {
                for &i in &indexes {
                    finished.push(Finished {
                        members: vec![members[i].clone()],
                        outcome: Outcome::Failed(e.clone(), false),
                        outbox: None,
                        sent: false,
                    });
                }
                continue;
            }
        };
        let mut carried = vec![false; indexes.len()];
        for p in payloads {
            let mine: Vec<usize> = p
                .carries
                .iter()
                .filter_map(|&c| indexes.get(c as usize).copied())
                .collect();
            for &c in &p.carries {
                if let Some(slot) = carried.get_mut(c as usize) {
                    *slot = true;
                }
            }
            if mine.is_empty() {
                continue;
            }
            let claims: Vec<(String, String)> = mine
                .iter()
                .filter(|&&i| is_claim(&jsons[i]))
                .map(|&i| (members[i].id.clone(), jsons[i].clone()))
                .collect();
            if !claims.is_empty() {
                sent_claims.push((jobs.len(), claims));
            }
            jobs.push(Job {
                members: mine.iter().map(|&i| members[i].clone()).collect(),
                payload: p,
                keep: true,
                fresh: true,
            });
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
                finished.push(Finished {
                    members: vec![members[indexes[pos]].clone()],
                    outcome: Outcome::Failed(err, false),
                    outbox: None,
                    sent: false,
                });
            }
        }
    }

    // Store each payload and its attempt before it leaves (see the module doc).
    if !jobs.is_empty() {
        hub.store.transact(|tx| {
            for job in &jobs {
                if job.keep && job.fresh {
                    tx.put_outgoing(
                        dest,
                        &Outgoing {
                            members: job.members.iter().map(|m| m.id.clone()).collect(),
                            content_type: job.payload.content_type.clone(),
                            filename_hint: job.payload.filename_hint.clone(),
                            data: job.payload.data.clone(),
                        },
                    )?;
                }
                for m in &job.members {
                    let mut e = m.entry.clone();
                    e.started = m.attempt();
                    e.outbox = job.keep.then(|| job.first().to_owned());
                    tx.enqueue(dest, &m.id, e)?;
                }
            }
            Ok(())
        })?;
        hub.store.sync().await?;
    }

    // Claims sent in a format with acknowledgments: the ledger learns which file
    // each went in before the file leaves, so even an answer that comes back at once
    // finds its claims.
    if plugin.description().acknowledges {
        for (j, sent) in sent_claims {
            let (h, p, data) = (hub.clone(), plugin.clone(), jobs[j].payload.data.clone());
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

    let endpoint = hub.endpoint(dest).map(|e| e.transport.clone());
    let (mut results, held) = match ordered {
        Some(retry) => send_in_order(hub, dest, &endpoint, jobs, retry).await,
        None => (send_together(hub, dest, &endpoint, jobs).await, Vec::new()),
    };

    // dir-out: one fsync of the folder makes the whole batch's renames durable.
    if let Some(Transport::DirOut(d)) = &endpoint
        && results
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Delivered(_)))
        && let Err(e) = transport::dir_out::sync_dir(d).await
    {
        for (_, o) in results.iter_mut() {
            if matches!(o, Outcome::Delivered(_)) {
                *o = Outcome::Failed(e.info.clone(), true);
            }
        }
    }
    for (job, outcome) in results {
        let outbox = job.keep.then(|| job.first().to_owned());
        finished.push(Finished {
            members: job.members,
            outcome,
            outbox,
            sent: true,
        });
    }
    // After the failed one (see `record_all`): what was stored for them is undone.
    for job in held {
        let outbox = (job.keep && job.fresh).then(|| job.first().to_owned());
        finished.push(Finished {
            members: job.members,
            outcome: Outcome::Held,
            outbox,
            sent: false,
        });
    }
    Ok(finished)
}

/// The transport's answer for one payload, on a task of its own (a panic there
/// loses this outcome, not the worker).
fn spawn_delivery(
    running: &mut tokio::task::JoinSet<Sent>,
    hub: &Arc<Hub>,
    dest: &str,
    endpoint: &Option<Transport>,
    n: usize,
    job: &Job,
) {
    let (hub, dest, endpoint) = (hub.clone(), dest.to_owned(), endpoint.clone());
    let (payload, first) = (job.payload.clone(), job.first().to_owned());
    running.spawn(async move {
        let result = match &endpoint {
            Some(t) => transport::deliver(&hub, &dest, t, &payload, &first).await,
            None => Err(DeliveryError::permanent(
                "delivery.no_endpoint",
                "the endpoint is no longer configured",
            )),
        };
        (n, result)
    });
}

/// Hand the payloads to the transport, a few at a time: file fsyncs and HTTP
/// round trips overlap instead of queueing behind each other.
async fn send_together(
    hub: &Arc<Hub>,
    dest: &str,
    endpoint: &Option<Transport>,
    jobs: Vec<Job>,
) -> Vec<(Job, Outcome)> {
    let mut running = tokio::task::JoinSet::new();
    let mut waiting: BTreeMap<usize, Job> = BTreeMap::new();
    let mut results: Vec<(Job, Outcome)> = Vec::with_capacity(jobs.len());
    let parallel = hub.limits(dest).concurrency;
    let rate = hub.rates.get(dest);
    for (n, job) in jobs.into_iter().enumerate() {
        while running.len() >= parallel {
            collect(running.join_next().await, &mut waiting, &mut results);
        }
        if let Some(r) = rate {
            r.acquire().await;
        }
        spawn_delivery(&mut running, hub, dest, endpoint, n, &job);
        waiting.insert(n, job);
    }
    while let Some(done) = running.join_next().await {
        collect(Some(done), &mut waiting, &mut results);
    }
    // A panicked task leaves its job without an outcome: it stays queued (its
    // attempt counted as started) and goes again in the next round.
    for (_, job) in waiting {
        tracing::error!(endpoint = %dest, message_id = %job.first(), "a delivery task failed without an outcome");
    }
    results
}

/// Hand the payloads to the transport one at a time, oldest message first, until
/// one fails in a way that is retried: the outcomes, and the jobs behind it, not
/// sent.
async fn send_in_order(
    hub: &Arc<Hub>,
    dest: &str,
    endpoint: &Option<Transport>,
    mut jobs: Vec<Job>,
    retry: &RetryPolicy,
) -> (Vec<(Job, Outcome)>, Vec<Job>) {
    jobs.sort_by(|a, b| a.oldest().cmp(b.oldest()));
    let mut results: Vec<(Job, Outcome)> = Vec::with_capacity(jobs.len());
    let rate = hub.rates.get(dest);
    let mut jobs = jobs.into_iter();
    while let Some(job) = jobs.next() {
        if let Some(r) = rate {
            r.acquire().await;
        }
        let mut running = tokio::task::JoinSet::new();
        spawn_delivery(&mut running, hub, dest, endpoint, 0, &job);
        let mut waiting = BTreeMap::from([(0, job)]);
        let done = results.len();
        collect(running.join_next().await, &mut waiting, &mut results);
        let stop = match results.get(done) {
            Some((job, outcome)) => outcome.retried(&job.members, retry),
            None => {
                // A panicked task: this job stays queued with its attempt started
                // and goes first again next round; the ones behind wait for it.
                tracing::error!(endpoint = %dest, message_id = %waiting.values().next().map_or("", Job::first), "a delivery task failed without an outcome");
                true
            }
        };
        if stop {
            return (results, jobs.collect());
        }
    }
    (results, Vec::new())
}

/// The job that sends again the payload kept under `first` for the due messages of
/// `group`, or the group back when it cannot be sent as it was (the payload is gone,
/// or one of the messages it carries is no longer waiting for it).
fn resend_job(
    hub: &Hub,
    dest: &str,
    first: &str,
    group: Vec<(String, QueueEntry)>,
) -> Result<Result<Job, Vec<(String, QueueEntry)>>, StoreError> {
    let kept = match hub.store.outgoing(dest, first) {
        Ok(Some(k)) => k,
        Ok(None) | Err(StoreError::Destroyed { .. }) => {
            tracing::warn!(endpoint = %dest, message_id = %first, "the payload kept for a retry is gone; encoding again");
            return Ok(Err(forget_outbox(group)));
        }
        Err(e) => return Err(e),
    };
    let mut due: BTreeMap<String, QueueEntry> = group.into_iter().collect();
    let mut members = Vec::with_capacity(kept.members.len());
    for id in &kept.members {
        // A member not in this due batch (the batch limit cut the group) is read
        // from its queue entry; one not waiting for this payload breaks it.
        let entry = match due.remove(id) {
            Some(e) => Some(e),
            None => hub.store.queue_entry(dest, id)?,
        };
        match entry {
            Some(e) if e.outbox.as_deref() == Some(first) => {
                members.push(Member::new(id.clone(), e))
            }
            _ => {
                tracing::warn!(endpoint = %dest, message_id = %first, "a message of a kept payload was replayed or removed; encoding the others again");
                let mut back: Vec<(String, QueueEntry)> =
                    members.into_iter().map(|m| (m.id, m.entry)).collect();
                back.extend(due);
                return Ok(Err(forget_outbox(back)));
            }
        }
    }
    // Due entries pointing at this payload that it does not carry: encode them.
    if !due.is_empty() {
        tracing::warn!(endpoint = %dest, message_id = %first, "queue entries point at a kept payload that does not carry them; encoding them again");
    }
    let extra = forget_outbox(due.into_iter().collect());
    if !extra.is_empty() {
        // Rare: handled as fresh messages next round, so this job stays as kept.
        hub.store.transact(|tx| {
            for (id, e) in &extra {
                tx.enqueue(dest, id, e.clone())?;
            }
            Ok(())
        })?;
    }
    Ok(Ok(Job {
        payload: Payload {
            data: kept.data,
            content_type: kept.content_type,
            filename_hint: kept.filename_hint,
            carries: (0..members.len() as u32).collect(),
        },
        members,
        keep: true,
        fresh: false,
    }))
}

fn forget_outbox(group: Vec<(String, QueueEntry)>) -> Vec<(String, QueueEntry)> {
    group
        .into_iter()
        .map(|(id, mut e)| {
            e.outbox = None;
            (id, e)
        })
        .collect()
}

/// What a queued id refers to.
enum Loaded {
    /// A message's normalized JSON, to encode.
    Message(String),
    /// An acknowledgment's bytes, to send as they are.
    Ack(Payload),
    /// The record is there but what it would send is not: recorded dead.
    Missing(ErrorInfo),
    /// No record at all.
    Gone,
}

fn load(hub: &Hub, id: &str) -> Result<Loaded, StoreError> {
    let Some(record) = hub.store.get(id)? else {
        return Ok(Loaded::Gone);
    };
    let missing = |what: &str| {
        Loaded::Missing(ErrorInfo::new(
            "delivery.no_payload",
            format!(
                "the {what} of this message is not in the store (destroyed by retention, or lost)"
            ),
        ))
    };
    if record.record_type == RecordType::Ack {
        return Ok(match hub.store.raw(id) {
            Ok(Some(data)) => Loaded::Ack(Payload {
                data,
                content_type: record
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                filename_hint: record.filename.clone(),
                carries: vec![0],
            }),
            Ok(None) | Err(StoreError::Destroyed { .. }) => missing("acknowledgment payload"),
            Err(e) => return Err(e),
        });
    }
    Ok(match hub.store.normalized(id) {
        Ok(Some(j)) => Loaded::Message(j),
        Ok(None) | Err(StoreError::Destroyed { .. }) => missing("normalized payload"),
        Err(e) => return Err(e),
    })
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

type Sent = (usize, Result<String, DeliveryError>);

/// Move a finished delivery task's job to the results.
fn collect(
    done: Option<Result<Sent, tokio::task::JoinError>>,
    waiting: &mut BTreeMap<usize, Job>,
    results: &mut Vec<(Job, Outcome)>,
) {
    match done {
        Some(Ok((n, result))) => {
            if let Some(job) = waiting.remove(&n) {
                let outcome = match result {
                    Ok(note) => Outcome::Delivered(note),
                    Err(e) => Outcome::Failed(e.info, e.retryable),
                };
                results.push((job, outcome));
            }
        }
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
    let r = tokio::task::spawn_blocking(move || {
        crate::cpu::charge(crate::cpu::Stage::Encode, || p.encode(&jsons, &meta))
    })
    .await?;
    Ok(r.map_err(|e| call_error_info("encode_failed", &e)))
}

/// Record every outcome (one transaction per payload) and sync.
async fn record_all(
    hub: &Hub,
    dest: &str,
    retry: &RetryPolicy,
    finished: &[Finished],
) -> Result<(), StoreError> {
    #[cfg(test)]
    if hub
        .fail_records
        .fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |n| n.checked_sub(1),
        )
        .is_ok()
    {
        return Err(StoreError::backend("injected store failure"));
    }
    let now = now_ms();
    // Drawn once, outside the transaction (whose closure may run again).
    let jitters: Vec<u64> = finished.iter().map(|_| jitter()).collect();
    let plans: Vec<Option<Plan>> = finished
        .iter()
        .zip(&jitters)
        .map(|(f, j)| Plan::of(f, retry, now, *j))
        .collect();
    // Every outcome of the batch in one transaction.
    let created = hub.store.transact(|tx| {
        // Held payloads come after the failed one of their batch, and wait with it.
        let mut behind = None;
        let mut created = Vec::with_capacity(finished.len());
        for (f, plan) in finished.iter().zip(&plans) {
            match plan {
                None => {
                    put_back(tx, dest, f, behind)?;
                    created.push(Vec::new());
                }
                Some(plan) => {
                    created.push(record(tx, dest, f, plan, now)?);
                    if plan.requeue.is_some() {
                        behind = plan.requeue;
                    }
                }
            }
        }
        Ok(created)
    })?;
    for ((f, plan), created) in finished.iter().zip(&plans).zip(created) {
        if let Some(plan) = plan {
            report(hub, dest, f, plan, &created, now);
        }
    }
    hub.store.sync().await
}

/// Put the queue entries of a payload that was not sent back as they were before
/// this attempt (so it counts as none), due at `due` if given, and forget the
/// payload stored for it.
fn put_back(tx: &Tx<'_>, dest: &str, f: &Finished, due: Option<u64>) -> TxResult<()> {
    for m in &f.members {
        let mut e = m.entry.clone();
        if let Some(due) = due {
            e.due_ms = e.due_ms.max(due);
        }
        tx.enqueue(dest, &m.id, e)?;
    }
    if let Some(first) = &f.outbox {
        tx.remove_outgoing(dest, first)?;
    }
    Ok(())
}

/// A random number for backoff jitter.
fn jitter() -> u64 {
    let mut b = [0u8; 8];
    // Without the OS's random source every retry waits the same (still correct).
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// What one payload's outcome does to the messages it carries.
struct Plan {
    event: DeliveryState,
    status: Status,
    error: Option<ErrorInfo>,
    note: Option<String>,
    /// When it is due again, if it is retried.
    requeue: Option<u64>,
    /// Attempts made so far (the payload's).
    attempts: u32,
}

impl Plan {
    /// `None` for a payload that was not sent ([`put_back`]).
    fn of(f: &Finished, retry: &RetryPolicy, now: u64, jitter: u64) -> Option<Plan> {
        let attempts = attempts(&f.members);
        // A payload's messages share one backoff (and one jitter), so a kept payload's
        // messages are due again together.
        let wait = retry.backoff_with_jitter(attempts, jitter);
        let (event, error, note, requeue) = match &f.outcome {
            Outcome::Delivered(note) => (DeliveryState::Delivered, None, Some(note.clone()), None),
            Outcome::Failed(err, _) if f.outcome.retried(&f.members, retry) => {
                let due = now + wait.as_millis() as u64;
                (DeliveryState::Retrying, Some(err.clone()), None, Some(due))
            }
            Outcome::Failed(err, _) => (DeliveryState::Dead, Some(err.clone()), None, None),
            Outcome::Held => return None,
        };
        let status = match event {
            DeliveryState::Delivered => Status::Delivered,
            DeliveryState::Retrying => Status::Retrying,
            DeliveryState::Dead => Status::Dead,
            DeliveryState::Queued => Status::Queued,
        };
        Some(Plan {
            event,
            status,
            error,
            note,
            requeue,
            attempts,
        })
    }
}

/// Record one payload's outcome for each message it carries and update their queue
/// entries (and the kept payload). Returns the creation times of the messages
/// recorded.
fn record(tx: &Tx<'_>, dest: &str, f: &Finished, plan: &Plan, now: u64) -> TxResult<Vec<String>> {
    let actor = format!("delivery:{dest}");
    let (event, status, requeue) = (plan.event, plan.status, plan.requeue);
    let (error, note) = (&plan.error, &plan.note);
    let mut created = Vec::new();
    for m in &f.members {
        let attempts = m.attempt();
        let Some(mut r) = tx.get(&m.id)? else {
            tx.dequeue(dest, &m.id)?;
            continue;
        };
        let d = r
            .deliveries
            .entry(dest.to_owned())
            .or_insert(crate::store::Delivery::queued());
        d.state = event;
        d.attempts = attempts;
        d.next_attempt_at = requeue.map(rfc3339_ms);
        d.last_error = error.clone();
        if event == DeliveryState::Delivered {
            d.delivered_at = Some(rfc3339_ms(now));
        }
        let mut c = change(status, &actor, error.clone());
        c.destination = Some(dest.to_owned());
        let mut text = note.clone().or_else(|| {
            requeue.map(|t| format!("attempt {attempts} failed; next at {}", rfc3339_ms(t)))
        });
        if m.interrupted > 0 {
            let redelivery = format!(
                "redelivery: {} earlier attempt(s) may have reached {dest} before the hub stopped",
                m.interrupted
            );
            text = Some(match text {
                Some(t) => format!("{redelivery}; {t}"),
                None => redelivery,
            });
        }
        c.note = text;
        r.history.push(c);
        r.updated_at = rfc3339_ms(now);
        r.status = r.aggregate_delivery_status().unwrap_or(status);
        tx.put(&r)?;
        match requeue {
            Some(due_ms) => tx.enqueue(
                dest,
                &m.id,
                QueueEntry {
                    due_ms,
                    attempts,
                    enqueued_ms: m.entry.enqueued_ms,
                    started: attempts,
                    outbox: f.outbox.clone(),
                },
            )?,
            None => tx.dequeue(dest, &m.id)?,
        }
        created.push(r.created_at.clone());
    }
    if requeue.is_none()
        && let Some(first) = &f.outbox
    {
        tx.remove_outgoing(dest, first)?;
    }
    Ok(created)
}

/// Count and log what [`record`] recorded.
fn report(hub: &Hub, dest: &str, f: &Finished, plan: &Plan, created: &[String], now: u64) {
    let (event, status, attempts) = (plan.event, plan.status, plan.attempts);
    for c in created {
        hub.metrics.count(dest, status);
        if event == DeliveryState::Delivered
            && let Some(created) = parse_time_ms(c)
        {
            hub.metrics
                .observe_delivery(dest, Duration::from_millis(now.saturating_sub(created)));
        }
    }
    let first = f.members.first().map_or("", |m| m.id.as_str());
    if event == DeliveryState::Delivered {
        tracing::debug!(message_id = %first, endpoint = %dest, messages = f.members.len(), attempts, "delivered");
    } else {
        tracing::warn!(message_id = %first, endpoint = %dest, messages = f.members.len(), attempts, state = ?event, "delivery failed");
    }
}
