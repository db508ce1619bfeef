//! Request/reply: a sender of a real-time request (eligibility, claim status,
//! prior authorization) can wait for the reply that comes back through another
//! endpoint. A message answers a request only when all of these hold:
//!
//! - it is of the answering kind and is not the request itself;
//! - it shares a linking correlation key with the request by name *and* value (a trace
//!   number with a trace number, not a claim id that happens to be equal), or names the
//!   request as its `original_message_id`; a message naming another request as its
//!   `original_message_id` answers only that one;
//! - it arrived through an inbound endpoint the request's destinations answer through
//!   (see [`Hub::reply_sources`]);
//! - it was stored after the request, and was not already handed to another sender.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clearway_schemas::Kind;
use tokio::sync::oneshot;

use super::{Hub, HubError};
use crate::config::Transport;
use crate::runtime::{OutboundMeta, Payload};
use crate::store::record::parse_time_ms;
use crate::store::{Record, RecordType, Status, StatusChange};

/// The kind that answers a request kind.
pub fn reply_kind(request: Kind) -> Option<Kind> {
    match request {
        Kind::EligibilityRequest => Some(Kind::EligibilityResponse),
        Kind::ClaimStatusRequest => Some(Kind::ClaimStatusResponse),
        Kind::PriorAuthRequest => Some(Kind::PriorAuthResponse),
        _ => None,
    }
}

/// Correlation key names that tie a reply to its request, besides
/// [`ORIGINAL_MESSAGE_ID`]. Envelope control numbers are left out: they are per
/// partner and would collide.
const LINK_KEYS: [&str; 4] = [
    "trace_number",
    "claim_id",
    "authorization_number",
    "payer_claim_control_number",
];

/// The correlation key by which a reply names the request it answers (its hub id).
const ORIGINAL_MESSAGE_ID: &str = "original_message_id";

/// A correlation key: (name, value).
type Key = (String, String);

/// One waiting sender, filed under each of its keys; the shared slot holds the
/// channel until the first matching reply takes it.
#[derive(Clone)]
struct Waiter {
    id: u64,
    /// The answering kind.
    kind: Kind,
    request_id: String,
    /// When the request was stored (Unix ms); a reply must be stored later.
    since_ms: u64,
    /// The request's linking keys, and (`original_message_id`, its id).
    keys: Vec<Key>,
    /// The inbound endpoints a reply may arrive through.
    sources: BTreeSet<String>,
    tx: Arc<Mutex<Option<oneshot::Sender<String>>>>,
}

impl Waiter {
    /// Whether stored message `record` answers this waiter's request.
    fn answered_by(&self, record: &Record) -> bool {
        if record.record_type != RecordType::Message
            || record.kind != Some(self.kind)
            || record.id == self.request_id
            || !self.sources.contains(&record.endpoint)
            || parse_time_ms(&record.created_at).is_none_or(|at| at <= self.since_ms)
        {
            return false;
        }
        match record
            .correlation
            .iter()
            .find(|(name, _)| name == ORIGINAL_MESSAGE_ID)
        {
            Some((_, named)) => *named == self.request_id,
            None => record
                .correlation
                .iter()
                .any(|(name, value)| self.keys.iter().any(|(n, v)| n == name && v == value)),
        }
    }

    /// Take the channel: `None` when another reply (or the initial look-up) already did.
    fn claim(&self) -> Option<oneshot::Sender<String>> {
        self.tx.lock().expect("waiter lock").take()
    }
}

/// Whether a reply was already returned to a waiting sender (see [`Hub::answer_with`]).
fn handed_back(record: &Record) -> bool {
    record.history.iter().any(|c| c.actor.starts_with("reply:"))
}

/// Senders waiting for replies, by correlation key (name and value).
#[derive(Default)]
pub struct Waiters {
    by_key: Mutex<HashMap<Key, Vec<Waiter>>>,
    next: AtomicU64,
}

impl Waiters {
    /// Hand a newly stored message to the sender whose request it answers, the one
    /// waiting longest when several do (each reply goes to one sender).
    pub fn offer(&self, record: &Record) {
        let mut map = self.by_key.lock().expect("waiters lock");
        if map.is_empty() || record.kind.is_none() {
            return;
        }
        let mut candidates: Vec<Waiter> = record
            .correlation
            .iter()
            .filter_map(|(name, value)| map.get(&(name.clone(), value.clone())))
            .flatten()
            .filter(|w| w.answered_by(record))
            .cloned()
            .collect();
        candidates.sort_by_key(|w| w.id);
        for w in candidates {
            let Some(tx) = w.claim() else { continue };
            forget_in(&mut map, w.id);
            if tx.send(record.id.clone()).is_ok() {
                return;
            }
        }
    }

    fn register(&self, waiter: Waiter) -> oneshot::Receiver<String> {
        let (tx, rx) = oneshot::channel();
        *waiter.tx.lock().expect("waiter lock") = Some(tx);
        let mut map = self.by_key.lock().expect("waiters lock");
        for k in &waiter.keys {
            map.entry(k.clone()).or_default().push(waiter.clone());
        }
        rx
    }

    fn forget(&self, id: u64) {
        forget_in(&mut self.by_key.lock().expect("waiters lock"), id);
    }
}

/// Remove waiter `id` from every key.
fn forget_in(map: &mut HashMap<Key, Vec<Waiter>>, id: u64) {
    map.values_mut().for_each(|l| l.retain(|x| x.id != id));
    map.retain(|_, l| !l.is_empty());
}

impl Hub {
    /// The inbound endpoints through which a reply to `request` may arrive: the
    /// `replies_from` of each destination it was routed to (a `test-clearinghouse`'s
    /// `replies_to`); for a destination without
    /// one (and `dir-out`, which has none), every inbound endpoint except the sender
    /// facing ones: the request's own endpoint and the `from` of every request/reply
    /// route taking the request's kind. A request routed nowhere gets no reply.
    pub fn reply_sources(&self, request: &Record) -> BTreeSet<String> {
        let mut sources = BTreeSet::new();
        let mut unpaired = false;
        for dest in request.deliveries.keys() {
            let named: &[String] = match self.endpoint(dest).map(|e| &e.transport) {
                Some(Transport::HttpOut(h)) => &h.http.replies_from,
                Some(Transport::FhirOut(f)) => &f.http.replies_from,
                Some(Transport::TestClearinghouse(t)) => std::slice::from_ref(&t.replies_to),
                _ => &[],
            };
            if named.is_empty() {
                unpaired = true;
            }
            sources.extend(named.iter().cloned());
        }
        if unpaired {
            let kind = request.kind;
            let senders: BTreeSet<&str> = self
                .config
                .routes
                .iter()
                .filter(|r| {
                    r.request_reply
                        && r.kinds
                            .as_ref()
                            .is_none_or(|k| kind.is_some_and(|kind| k.contains(&kind)))
                })
                .map(|r| r.from.as_str())
                .chain([request.endpoint.as_str()])
                .collect();
            sources.extend(
                self.config
                    .endpoints
                    .values()
                    .filter(|e| e.transport.is_inbound() && !senders.contains(e.name.as_str()))
                    .map(|e| e.name.clone()),
            );
        }
        sources
    }
}

impl Hub {
    /// How long a sender of a `kind` message on `endpoint` waits for its reply:
    /// `explicit` (the caller's `?wait=`) if given, else the timeout of a
    /// request/reply route that takes it; `None` when nobody waits.
    pub fn reply_wait(
        &self,
        endpoint: &str,
        kind: Kind,
        explicit: Option<Duration>,
    ) -> Option<Duration> {
        reply_kind(kind)?;
        if explicit.is_some() {
            return explicit;
        }
        self.config
            .routes
            .iter()
            .find(|r| {
                r.request_reply
                    && r.from == endpoint
                    && r.kinds.as_ref().is_none_or(|k| k.contains(&kind))
            })
            .map(|r| Duration::from_millis(r.reply_timeout_ms))
    }

    /// Wait up to `timeout` for the reply to message `request_id` (see the module
    /// documentation for what answers it); the reply's id.
    pub async fn await_reply(
        &self,
        request_id: &str,
        timeout: Duration,
    ) -> Result<Option<String>, HubError> {
        let request = self
            .store
            .get(request_id)?
            .ok_or_else(|| HubError::NotFound(request_id.to_owned()))?;
        let Some(kind) = request.kind.and_then(reply_kind) else {
            return Ok(None);
        };
        let mut keys: Vec<Key> = vec![(ORIGINAL_MESSAGE_ID.to_owned(), request_id.to_owned())];
        keys.extend(
            request
                .correlation
                .iter()
                .filter(|(name, _)| LINK_KEYS.contains(&name.as_str()))
                .cloned(),
        );
        keys.sort();
        keys.dedup();
        let waiter = Waiter {
            id: self.replies.next.fetch_add(1, Ordering::SeqCst),
            kind,
            request_id: request_id.to_owned(),
            since_ms: parse_time_ms(&request.created_at).unwrap_or(u64::MAX),
            keys,
            sources: self.reply_sources(&request),
            tx: Arc::default(),
        };
        let rx = self.replies.register(waiter.clone());
        // A reply stored before the waiter was filed (but after the request) is
        // already in the correlation index.
        let mut found = None;
        for (_, value) in &waiter.keys {
            if let Some(r) = self
                .store
                .timeline(value)?
                .into_iter()
                .find(|r| waiter.answered_by(r) && !handed_back(r))
            {
                found = Some(r.id);
                break;
            }
        }
        if let Some(reply_id) = found {
            let claimed = waiter.claim().is_some();
            self.replies.forget(waiter.id);
            if claimed {
                return Ok(Some(reply_id));
            }
            // A reply offered meanwhile took the channel: it is in `rx`.
        }
        let got = tokio::time::timeout(timeout, rx).await;
        self.replies.forget(waiter.id);
        Ok(got.ok().and_then(Result::ok))
    }

    /// Encode reply `reply_id` with `endpoint`'s connector for the waiting sender,
    /// and record on the reply that it was handed back.
    pub async fn answer_with(
        &self,
        endpoint: &str,
        request_id: &str,
        reply_id: &str,
    ) -> Result<Payload, crate::store::ErrorInfo> {
        let internal = |m: &str| crate::store::ErrorInfo::new("reply.internal", m);
        let plugin = self
            .connector_of(endpoint)
            .cloned()
            .ok_or_else(|| internal("the endpoint has no connector"))?;
        let json = self
            .store
            .normalized(reply_id)
            .map_err(|_| internal("the reply could not be read"))?
            .ok_or_else(|| internal("the reply has no normalized form"))?;
        let meta = OutboundMeta {
            endpoint: endpoint.to_owned(),
        };
        let out = tokio::task::spawn_blocking(move || plugin.encode(&[json], &meta))
            .await
            .map_err(|_| internal("the encode task failed"))?
            .map_err(|e| super::call_error_info("reply.encode_failed", &e))?;
        let payload = out
            .into_iter()
            .next()
            .ok_or_else(|| internal("the connector produced no payload"))?;
        let note = format!("returned to the waiting sender of {request_id}");
        let _ = self.store.transact(|tx| {
            tx.update(reply_id, |r| {
                r.history.push(StatusChange {
                    status: Status::Delivered,
                    at: crate::store::record::now_rfc3339(),
                    actor: format!("reply:{endpoint}"),
                    destination: Some(endpoint.to_owned()),
                    error: None,
                    note: Some(note.clone()),
                });
            })
        });
        Ok(payload)
    }
}

/// What came of waiting for a reply after an ingest.
#[derive(Debug)]
pub enum ReplyOutcome {
    /// No message of the ingest is a request that waits.
    NotWaited,
    /// The reply came and was encoded for the sender.
    Replied {
        /// The request's message id.
        request_id: String,
        /// The reply's message id.
        reply_id: String,
        /// The reply, in the inbound endpoint's format.
        payload: Payload,
    },
    /// No reply within the wait.
    TimedOut {
        /// The request's message id.
        request_id: String,
        /// How long the sender waited.
        waited: Duration,
    },
    /// The reply came but could not be encoded for the sender.
    Failed {
        /// The request's message id.
        request_id: String,
        /// Why.
        error: crate::store::ErrorInfo,
    },
}

impl Hub {
    /// After an ingest on `endpoint`: if one of its messages is a request that
    /// waits (a request/reply route, or the caller's `explicit` wait), wait for
    /// its reply and encode it with the endpoint's connector.
    pub async fn reply_for(
        &self,
        endpoint: &str,
        outcome: &super::IngestOutcome,
        explicit: Option<Duration>,
    ) -> Result<ReplyOutcome, HubError> {
        let Some((request_id, wait)) = outcome.messages.iter().find_map(|m| {
            self.reply_wait(endpoint, m.kind, explicit)
                .map(|w| (m.id.clone(), w))
        }) else {
            return Ok(ReplyOutcome::NotWaited);
        };
        match self.await_reply(&request_id, wait).await? {
            None => Ok(ReplyOutcome::TimedOut {
                request_id,
                waited: wait,
            }),
            Some(reply_id) => match self.answer_with(endpoint, &request_id, &reply_id).await {
                Ok(payload) => Ok(ReplyOutcome::Replied {
                    request_id,
                    reply_id,
                    payload,
                }),
                Err(error) => Ok(ReplyOutcome::Failed { request_id, error }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const REQUEST_MS: u64 = 1_700_000_000_000;

    fn record(id: &str, endpoint: &str, kind: Kind, at_ms: u64, corr: &[(&str, &str)]) -> Record {
        Record {
            id: id.into(),
            record_type: RecordType::Message,
            endpoint: endpoint.into(),
            kind: Some(kind),
            status: Status::Decoded,
            created_at: crate::store::record::rfc3339_ms(at_ms),
            updated_at: String::new(),
            parent: None,
            children: vec![],
            correlation: corr
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            content_type: None,
            filename: None,
            size: 0,
            deliveries: BTreeMap::new(),
            history: vec![],
        }
    }

    /// A waiter for request `request_id`, stored at [`REQUEST_MS`], whose replies come
    /// through `replies`.
    fn waiter(
        w: &Waiters,
        request_id: &str,
        keys: &[(&str, &str)],
    ) -> (Waiter, oneshot::Receiver<String>) {
        let mut keys: Vec<Key> = keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        keys.push((ORIGINAL_MESSAGE_ID.into(), request_id.into()));
        let waiter = Waiter {
            id: w.next.fetch_add(1, Ordering::SeqCst),
            kind: Kind::EligibilityResponse,
            request_id: request_id.into(),
            since_ms: REQUEST_MS,
            keys,
            sources: BTreeSet::from(["replies".to_string()]),
            tx: Arc::default(),
        };
        let rx = w.register(waiter.clone());
        (waiter, rx)
    }

    #[tokio::test]
    async fn a_reply_of_the_right_kind_with_a_shared_key_wakes_the_waiter_once() {
        let w = Waiters::default();
        let (_, rx) = waiter(&w, "REQ1", &[("trace_number", "TRACE-9")]);
        let later = REQUEST_MS + 5;
        // The wrong kind, and the request itself, do not answer.
        w.offer(&record(
            "X",
            "replies",
            Kind::Claim,
            later,
            &[("trace_number", "TRACE-9")],
        ));
        w.offer(&record(
            "REQ1",
            "replies",
            Kind::EligibilityResponse,
            later,
            &[("trace_number", "TRACE-9")],
        ));
        w.offer(&record(
            "R1",
            "replies",
            Kind::EligibilityResponse,
            later,
            &[("trace_number", "TRACE-9")],
        ));
        assert_eq!(rx.await.unwrap(), "R1");
        assert!(
            w.by_key.lock().unwrap().is_empty(),
            "the waiter is gone from every key"
        );
    }

    #[tokio::test]
    async fn original_message_id_links_a_reply() {
        let w = Waiters::default();
        let (waiter, rx) = waiter(&w, "REQ2", &[]);
        w.offer(&record(
            "R2",
            "replies",
            Kind::EligibilityResponse,
            REQUEST_MS + 1,
            &[("original_message_id", "REQ2")],
        ));
        assert_eq!(rx.await.unwrap(), "R2");
        w.forget(waiter.id);
    }

    #[test]
    fn only_the_same_key_name_the_right_endpoint_and_a_later_time_answer() {
        let w = Waiters::default();
        let (waiter, _rx) = waiter(
            &w,
            "REQ3",
            &[("trace_number", "T-1"), ("claim_id", "PCN-1")],
        );
        let later = REQUEST_MS + 1;
        let reply = |endpoint: &str, at: u64, corr: &[(&str, &str)]| {
            record("R", endpoint, Kind::EligibilityResponse, at, corr)
        };
        assert!(waiter.answered_by(&reply("replies", later, &[("trace_number", "T-1")])));
        assert!(waiter.answered_by(&reply("replies", later, &[("claim_id", "PCN-1")])));
        // The same value under another name is not a link.
        assert!(!waiter.answered_by(&reply("replies", later, &[("claim_id", "T-1")])));
        assert!(!waiter.answered_by(&reply(
            "replies",
            later,
            &[("medical_record_number", "T-1")]
        )));
        // The request's id under another name is not a link either.
        assert!(!waiter.answered_by(&reply("replies", later, &[("claim_id", "REQ3")])));
        // Through an endpoint the request's destination does not answer through.
        assert!(!waiter.answered_by(&reply("in", later, &[("trace_number", "T-1")])));
        // Stored before (or with) the request.
        assert!(!waiter.answered_by(&reply("replies", REQUEST_MS, &[("trace_number", "T-1")])));
        assert!(!waiter.answered_by(&reply(
            "replies",
            REQUEST_MS - 60_000,
            &[("trace_number", "T-1")]
        )));
        // A reply naming another request answers that one only, whatever else it shares.
        assert!(!waiter.answered_by(&reply(
            "replies",
            later,
            &[
                ("trace_number", "T-1"),
                ("original_message_id", "REQ-OTHER")
            ]
        )));
        assert!(waiter.answered_by(&reply(
            "replies",
            later,
            &[("trace_number", "T-0"), ("original_message_id", "REQ3")]
        )));
    }

    #[tokio::test]
    async fn two_waiters_sharing_a_trace_number_get_one_reply_each() {
        let w = Waiters::default();
        let (_, first) = waiter(&w, "REQ-A", &[("trace_number", "SAME")]);
        let (_, second) = waiter(&w, "REQ-B", &[("trace_number", "SAME")]);
        // A reply naming its request goes to that request, even if it waited less long.
        w.offer(&record(
            "R-B",
            "replies",
            Kind::EligibilityResponse,
            REQUEST_MS + 1,
            &[("trace_number", "SAME"), ("original_message_id", "REQ-B")],
        ));
        w.offer(&record(
            "R-A",
            "replies",
            Kind::EligibilityResponse,
            REQUEST_MS + 2,
            &[("trace_number", "SAME")],
        ));
        assert_eq!(second.await.unwrap(), "R-B");
        assert_eq!(first.await.unwrap(), "R-A");
    }

    #[test]
    fn reply_kinds() {
        assert_eq!(
            reply_kind(Kind::EligibilityRequest),
            Some(Kind::EligibilityResponse)
        );
        assert_eq!(
            reply_kind(Kind::PriorAuthRequest),
            Some(Kind::PriorAuthResponse)
        );
        assert_eq!(reply_kind(Kind::Claim), None);
    }
}
