//! Ingest: store the raw payload, decode it, route and enqueue what it gave.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use clearway_schemas::{Kind, Message};
use tracing::Instrument as _;

use super::acks::Acks;
use super::{Hub, HubError, call_error_info};
use crate::runtime::InboundMeta;
use crate::store::record::{now_ms, now_rfc3339};
use crate::store::{Delivery, ErrorInfo, QueueEntry, Record, RecordType, Status, StatusChange};
use crate::transport::{IngestOutcome, MessageOutcome};

/// A new status change, now.
pub(super) fn change(status: Status, actor: &str, error: Option<ErrorInfo>) -> StatusChange {
    StatusChange {
        status,
        at: now_rfc3339(),
        actor: actor.to_owned(),
        destination: None,
        error,
        note: None,
    }
}

/// Where a message goes, as stored.
struct Routed {
    record: Record,
    json: String,
}

impl Hub {
    /// Take in one payload from an inbound endpoint: store it, decode it, route and
    /// enqueue its messages, and make all of that durable before returning.
    /// `seen_key` marks a file as taken in, in the same transaction.
    pub async fn ingest(
        self: &Arc<Self>,
        endpoint: &str,
        bytes: Vec<u8>,
        content_type: Option<String>,
        filename: Option<String>,
        seen_key: Option<Vec<u8>>,
    ) -> Result<IngestOutcome, HubError> {
        let ep = self
            .endpoint(endpoint)
            .filter(|e| e.transport.is_inbound())
            .ok_or_else(|| HubError::UnknownEndpoint(endpoint.to_owned()))?;
        // Payloads stored before a restart are decoded first (Hub::start), so none
        // is decoded twice; and nothing is taken that the hub could not keep.
        self.accepting(endpoint)?;
        let id = ulid::Ulid::new().to_string();
        let at = now_rfc3339();
        let record = Record {
            id: id.clone(),
            record_type: RecordType::Inbound,
            endpoint: endpoint.to_owned(),
            kind: None,
            status: Status::Received,
            created_at: at.clone(),
            updated_at: at.clone(),
            parent: None,
            children: Vec::new(),
            correlation: Vec::new(),
            content_type,
            filename,
            size: bytes.len() as u64,
            deliveries: BTreeMap::new(),
            history: vec![StatusChange {
                status: Status::Received,
                at,
                actor: format!("transport:{}", ep.transport.kind_name()),
                destination: None,
                error: None,
                note: None,
            }],
        };
        self.store.transact(|tx| {
            tx.put(&record)?;
            tx.put_raw(&id, &bytes)?;
            tx.set_pending(&id, true)?;
            if let Some(k) = &seen_key {
                tx.mark_seen(k, &id)?;
            }
            Ok(())
        })?;
        self.metrics.count(endpoint, Status::Received);
        let span = tracing::info_span!("inbound", inbound_id = %id, endpoint = %endpoint);
        // The bytes go on to the decoder as they are (not read back and decrypted):
        // a large payload is held once more only while it is being stored.
        let outcome = self
            .process_inbound(&id, "pipeline", Some(bytes))
            .instrument(span)
            .await?;
        tracing::debug!(inbound_id = %id, status = %outcome.status, messages = outcome.messages.len(), "ingested");
        self.store.sync().await?;
        for m in &outcome.messages {
            for d in &m.destinations {
                self.wake(d);
            }
        }
        if !outcome.acknowledgments.is_empty()
            && let Some(dest) = ep.acknowledgments.as_deref()
        {
            self.wake(dest);
        }
        Ok(outcome)
    }

    /// Decode a stored inbound payload and store, route and enqueue its messages.
    /// Used by ingest (with the bytes it just stored), by recovery after a crash and
    /// by replay (which read them from the store). Does not sync.
    pub(super) async fn process_inbound(
        self: &Arc<Self>,
        id: &str,
        actor: &str,
        stored: Option<Vec<u8>>,
    ) -> Result<IngestOutcome, HubError> {
        let record = self
            .store
            .get(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        // A payload that is gone (destroyed by retention, or lost) is a recorded
        // failure, never an empty decode.
        let raw = match stored.map_or_else(|| self.store.raw(id), |b| Ok(Some(b))) {
            Ok(Some(raw)) => raw,
            Ok(None) | Err(crate::store::StoreError::Destroyed { .. }) => {
                let err = ErrorInfo::new(
                    "decode_failed.no_payload",
                    "the raw payload of this record is not in the store (destroyed by retention, or lost)",
                );
                return self.fail_decode(id, &record.endpoint, actor, err, Acks::default());
            }
            Err(e) => return Err(e.into()),
        };
        let endpoint = record.endpoint.clone();
        let Some(plugin) = self.connector_of(&endpoint).cloned() else {
            // The endpoint was removed from the config since this payload came in.
            let err = ErrorInfo::new(
                "decode_failed.no_endpoint",
                format!("endpoint `{endpoint}` is no longer configured"),
            );
            return self.fail_decode(id, &endpoint, actor, err, Acks::default());
        };
        let meta = InboundMeta {
            inbound_id: id.to_owned(),
            endpoint: endpoint.clone(),
            content_type: record.content_type.clone(),
            filename: record.filename.clone(),
            received_at: record.created_at.clone(),
        };
        let acks = self.acknowledgments(&plugin, &raw, &meta, actor).await;
        let started = Instant::now();
        let p = plugin.clone();
        let decoded = tokio::task::spawn_blocking(move || {
            crate::cpu::charge(crate::cpu::Stage::Decode, || p.decode(&raw, &meta))
        })
        .await
        .map_err(|e| HubError::Task(e.to_string()))?;
        self.metrics.observe_decode(&endpoint, started.elapsed());
        let jsons = match decoded {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(inbound_id = %id, endpoint = %endpoint, code = e.code(), "decode failed");
                return self.fail_decode(
                    id,
                    &endpoint,
                    &format!("connector:{}", plugin.name()),
                    call_error_info("decode_failed", &e),
                    acks,
                );
            }
        };
        let mut routed = Vec::with_capacity(jsons.len());
        for (i, text) in jsons.iter().enumerate() {
            match self.route_new(id, &endpoint, plugin.name(), text) {
                Ok(r) => routed.push(r),
                Err(reason) => {
                    let err = ErrorInfo::new(
                        "decode_failed.bad_connector_output",
                        format!(
                            "connector `{}` returned an invalid normalized message at index {i}: {reason}",
                            plugin.name()
                        ),
                    );
                    return self.fail_decode(
                        id,
                        &endpoint,
                        &format!("connector:{}", plugin.name()),
                        err,
                        acks,
                    );
                }
            }
        }
        let now = now_ms();
        let child_ids: Vec<String> = routed.iter().map(|r| r.record.id.clone()).collect();
        let actor_owned = actor.to_owned();
        self.store.transact(|tx| {
            for r in &routed {
                tx.put(&r.record)?;
                tx.put_normalized(&r.record.id, &r.json)?;
                for dest in r.record.deliveries.keys() {
                    tx.enqueue(dest, &r.record.id, QueueEntry::new(now))?;
                }
            }
            acks.store(tx)?;
            tx.update(id, |rec| {
                let mut c = change(Status::Decoded, &actor_owned, None);
                c.note = acks.with_note(Some(format!("{} message(s)", child_ids.len())));
                rec.push(c);
                rec.children.extend(child_ids.iter().cloned());
            })?;
            tx.set_pending(id, false)
        })?;
        self.metrics.count(&endpoint, Status::Decoded);
        for r in &routed {
            self.replies.offer(&r.record);
        }
        let messages = routed
            .into_iter()
            .map(|r| {
                self.metrics.count(&endpoint, r.record.status);
                MessageOutcome {
                    kind: r.record.kind.unwrap_or(Kind::Claim),
                    status: r.record.status,
                    destinations: r.record.deliveries.keys().cloned().collect(),
                    id: r.record.id,
                }
            })
            .collect();
        Ok(IngestOutcome {
            inbound_id: id.to_owned(),
            status: Status::Decoded,
            messages,
            error: None,
            acknowledgments: acks.ids(),
        })
    }

    fn fail_decode(
        &self,
        id: &str,
        endpoint: &str,
        actor: &str,
        err: ErrorInfo,
        acks: Acks,
    ) -> Result<IngestOutcome, HubError> {
        self.store.transact(|tx| {
            acks.store(tx)?;
            tx.update(id, |rec| {
                let mut c = change(Status::DecodeFailed, actor, Some(err.clone()));
                c.note = acks.with_note(None);
                rec.push(c);
            })?;
            tx.set_pending(id, false)
        })?;
        self.metrics.count(endpoint, Status::DecodeFailed);
        Ok(IngestOutcome {
            inbound_id: id.to_owned(),
            status: Status::DecodeFailed,
            messages: Vec::new(),
            error: Some(err),
            acknowledgments: acks.ids(),
        })
    }

    /// Parse one message the connector produced, give it an id, and route it.
    fn route_new(
        &self,
        parent: &str,
        endpoint: &str,
        connector: &str,
        text: &str,
    ) -> Result<Routed, String> {
        let mut msg: Message = serde_json::from_str(text).map_err(|e| {
            // serde_json's own text can quote values from the message (PHI): keep only the place.
            format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            )
        })?;
        let id = super::delivery::new_id();
        msg.id = Some(id.clone());
        let value = serde_json::to_value(&msg).map_err(|e| e.to_string())?;
        let kind = msg.kind();
        let dests = self.router.destinations(endpoint, kind, &value);
        let at = now_rfc3339();
        let mut record = Record {
            id: id.clone(),
            record_type: RecordType::Message,
            endpoint: endpoint.to_owned(),
            kind: Some(kind),
            status: Status::Decoded,
            created_at: at.clone(),
            updated_at: at.clone(),
            parent: Some(parent.to_owned()),
            children: Vec::new(),
            correlation: msg
                .correlation
                .keys()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            content_type: None,
            filename: None,
            size: 0,
            deliveries: BTreeMap::new(),
            history: vec![change(
                Status::Decoded,
                &format!("connector:{connector}"),
                None,
            )],
        };
        if dests.is_empty() {
            record.push(change(Status::Unrouted, "router", None));
        } else {
            for d in &dests {
                record.deliveries.insert(d.clone(), Delivery::queued());
            }
            let mut c = change(Status::Queued, "router", None);
            c.note = Some(format!("to {}", dests.join(", ")));
            record.push(c);
        }
        let json = serde_json::to_string(&value).map_err(|e| e.to_string())?;
        Ok(Routed { record, json })
    }

    /// Route a stored message again with the current routes and queue it (replay).
    pub(super) async fn reroute(self: &Arc<Self>, id: &str) -> Result<(), HubError> {
        let json = self
            .store
            .normalized(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        let record = self
            .store
            .get(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        let value: serde_json::Value =
            serde_json::from_str(&json).map_err(|e| HubError::Task(e.to_string()))?;
        let kind = record
            .kind
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        let dests = self.router.destinations(&record.endpoint, kind, &value);
        let now = now_ms();
        self.store.transact(|tx| {
            // A payload kept for a retry of this message is not sent any more: the
            // message is encoded again (with the others it was sent with, if any,
            // which then find their kept payload no longer carries a waiting member).
            if let Some(old) = tx.get(id)? {
                for dest in old.deliveries.keys() {
                    tx.remove_outgoing(dest, id)?;
                }
            }
            tx.update(id, |r| {
                r.push(change(Status::Replayed, "api", None));
                r.deliveries.clear();
                if dests.is_empty() {
                    r.push(change(Status::Unrouted, "router", None));
                } else {
                    for d in &dests {
                        r.deliveries.insert(d.clone(), Delivery::queued());
                    }
                    let mut c = change(Status::Queued, "router", None);
                    c.note = Some(format!("to {}", dests.join(", ")));
                    r.push(c);
                }
            })?;
            for d in &dests {
                tx.enqueue(d, id, QueueEntry::new(now))?;
            }
            Ok(())
        })?;
        for d in &dests {
            self.wake(d);
        }
        Ok(())
    }
}
