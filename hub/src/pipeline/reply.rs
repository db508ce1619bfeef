//! Request/reply: a sender of a real-time request (eligibility, claim status,
//! prior authorization) can wait for the reply that comes back through another
//! endpoint, linked to the request by its correlation keys (trace numbers, claim
//! id, authorization number, or `original_message_id` = the request's id).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clearway_schemas::Kind;
use tokio::sync::oneshot;

use super::{Hub, HubError};
use crate::runtime::{OutboundMeta, Payload};
use crate::store::{Record, Status, StatusChange};

/// The kind that answers a request kind.
pub fn reply_kind(request: Kind) -> Option<Kind> {
    match request {
        Kind::EligibilityRequest => Some(Kind::EligibilityResponse),
        Kind::ClaimStatusRequest => Some(Kind::ClaimStatusResponse),
        Kind::PriorAuthRequest => Some(Kind::PriorAuthResponse),
        _ => None,
    }
}

/// Correlation key names that tie a reply to its request. Envelope control
/// numbers are left out: they are per partner and would collide.
const LINK_KEYS: [&str; 5] = ["trace_number", "claim_id", "authorization_number", "payer_claim_control_number", "original_message_id"];

/// One waiting sender, filed under each of its keys; the shared slot holds the
/// channel until the first matching reply takes it.
#[derive(Clone)]
struct Waiter {
    id: u64,
    kind: Kind,
    request_id: String,
    tx: Arc<Mutex<Option<oneshot::Sender<String>>>>,
}

/// Senders waiting for replies, by correlation value.
#[derive(Default)]
pub struct Waiters {
    by_key: Mutex<HashMap<String, Vec<Waiter>>>,
    next: AtomicU64,
}

impl Waiters {
    /// Hand a newly stored message to whoever waits for it.
    pub fn offer(&self, record: &Record) {
        let Some(kind) = record.kind else { return };
        let found = {
            let map = self.by_key.lock().expect("waiters lock");
            if map.is_empty() {
                return;
            }
            record.correlation.iter().find_map(|(_, value)| {
                map.get(value)?.iter().find(|w| w.kind == kind && w.request_id != record.id).cloned()
            })
        };
        if let Some(w) = found {
            if let Some(tx) = w.tx.lock().expect("waiter lock").take() {
                let _ = tx.send(record.id.clone());
            }
            self.forget(w.id);
        }
    }

    fn register(&self, keys: &[String], kind: Kind, request_id: &str) -> (u64, oneshot::Receiver<String>) {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        let waiter = Waiter { id, kind, request_id: request_id.to_owned(), tx: Arc::new(Mutex::new(Some(tx))) };
        let mut map = self.by_key.lock().expect("waiters lock");
        for k in keys {
            map.entry(k.clone()).or_default().push(waiter.clone());
        }
        (id, rx)
    }

    fn forget(&self, id: u64) {
        let mut map = self.by_key.lock().expect("waiters lock");
        map.values_mut().for_each(|l| l.retain(|x| x.id != id));
        map.retain(|_, l| !l.is_empty());
    }
}

impl Hub {
    /// How long a sender of a `kind` message on `endpoint` waits for its reply:
    /// `explicit` (the caller's `?wait=`) if given, else the timeout of a
    /// request/reply route that takes it; `None` when nobody waits.
    pub fn reply_wait(&self, endpoint: &str, kind: Kind, explicit: Option<Duration>) -> Option<Duration> {
        reply_kind(kind)?;
        if explicit.is_some() {
            return explicit;
        }
        self.config
            .routes
            .iter()
            .find(|r| r.request_reply && r.from == endpoint && r.kinds.as_ref().is_none_or(|k| k.contains(&kind)))
            .map(|r| Duration::from_millis(r.reply_timeout_ms))
    }

    /// Wait up to `timeout` for the reply to message `request_id`; the reply's id.
    pub async fn await_reply(&self, request_id: &str, timeout: Duration) -> Result<Option<String>, HubError> {
        let request = self.store.get(request_id)?.ok_or_else(|| HubError::NotFound(request_id.to_owned()))?;
        let Some(kind) = request.kind.and_then(reply_kind) else { return Ok(None) };
        let mut keys: Vec<String> = vec![request_id.to_owned()];
        keys.extend(
            request
                .correlation
                .iter()
                .filter(|(name, _)| LINK_KEYS.contains(&name.as_str()))
                .map(|(_, v)| v.clone()),
        );
        keys.dedup();
        let (id, rx) = self.replies.register(&keys, kind, request_id);
        // A reply stored before the waiter was filed is already in the index.
        for k in &keys {
            if let Some(r) = self.store.timeline(k)?.into_iter().find(|r| r.kind == Some(kind) && r.id != request_id) {
                self.replies.forget(id);
                return Ok(Some(r.id));
            }
        }
        let got = tokio::time::timeout(timeout, rx).await;
        self.replies.forget(id);
        Ok(got.ok().and_then(Result::ok))
    }

    /// Encode reply `reply_id` with `endpoint`'s connector for the waiting sender,
    /// and record on the reply that it was handed back.
    pub async fn answer_with(&self, endpoint: &str, request_id: &str, reply_id: &str) -> Result<Payload, crate::store::ErrorInfo> {
        let internal = |m: &str| crate::store::ErrorInfo::new("reply.internal", m);
        let plugin = self.connector_of(endpoint).cloned().ok_or_else(|| internal("the endpoint has no connector"))?;
        let json = self
            .store
            .normalized(reply_id)
            .map_err(|_| internal("the reply could not be read"))?
            .ok_or_else(|| internal("the reply has no normalized form"))?;
        let meta = OutboundMeta { endpoint: endpoint.to_owned() };
        let out = tokio::task::spawn_blocking(move || plugin.encode(&[json], &meta))
            .await
            .map_err(|_| internal("the encode task failed"))?
            .map_err(|e| super::call_error_info("reply.encode_failed", &e))?;
        let payload = out.into_iter().next().ok_or_else(|| internal("the connector produced no payload"))?;
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
    pub async fn reply_for(&self, endpoint: &str, outcome: &super::IngestOutcome, explicit: Option<Duration>) -> Result<ReplyOutcome, HubError> {
        let Some((request_id, wait)) = outcome
            .messages
            .iter()
            .find_map(|m| self.reply_wait(endpoint, m.kind, explicit).map(|w| (m.id.clone(), w)))
        else {
            return Ok(ReplyOutcome::NotWaited);
        };
        match self.await_reply(&request_id, wait).await? {
            None => Ok(ReplyOutcome::TimedOut { request_id, waited: wait }),
            Some(reply_id) => match self.answer_with(endpoint, &request_id, &reply_id).await {
                Ok(payload) => Ok(ReplyOutcome::Replied { request_id, reply_id, payload }),
                Err(error) => Ok(ReplyOutcome::Failed { request_id, error }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(id: &str, kind: Kind, corr: &[(&str, &str)]) -> Record {
        Record {
            id: id.into(),
            record_type: crate::store::RecordType::Message,
            endpoint: "in".into(),
            kind: Some(kind),
            status: Status::Decoded,
            created_at: String::new(),
            updated_at: String::new(),
            parent: None,
            children: vec![],
            correlation: corr.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            content_type: None,
            filename: None,
            size: 0,
            deliveries: BTreeMap::new(),
            history: vec![],
        }
    }

    #[tokio::test]
    async fn a_reply_of_the_right_kind_with_a_shared_key_wakes_the_waiter_once() {
        let w = Waiters::default();
        let (_, rx) = w.register(&["REQ1".into(), "TRACE-9".into()], Kind::EligibilityResponse, "REQ1");
        // The wrong kind, and the request itself, do not answer.
        w.offer(&record("X", Kind::Claim, &[("trace_number", "TRACE-9")]));
        w.offer(&record("REQ1", Kind::EligibilityResponse, &[("trace_number", "TRACE-9")]));
        w.offer(&record("R1", Kind::EligibilityResponse, &[("trace_number", "TRACE-9")]));
        assert_eq!(rx.await.unwrap(), "R1");
        assert!(w.by_key.lock().unwrap().is_empty(), "the waiter is gone from every key");
    }

    #[tokio::test]
    async fn original_message_id_links_a_reply() {
        let w = Waiters::default();
        let (id, rx) = w.register(&["REQ2".into()], Kind::ClaimStatusResponse, "REQ2");
        w.offer(&record("R2", Kind::ClaimStatusResponse, &[("original_message_id", "REQ2")]));
        assert_eq!(rx.await.unwrap(), "R2");
        w.forget(id);
    }

    #[test]
    fn reply_kinds() {
        assert_eq!(reply_kind(Kind::EligibilityRequest), Some(Kind::EligibilityResponse));
        assert_eq!(reply_kind(Kind::PriorAuthRequest), Some(Kind::PriorAuthResponse));
        assert_eq!(reply_kind(Kind::Claim), None);
    }
}
