//! Acknowledgments: for an inbound endpoint with `acknowledgments = "DEST"`, the
//! connector's `acknowledge` makes the payloads a partner expects back for each payload
//! received (an X12 interchange's TA1 and 999), and the hub stores each as an `ack`
//! record and queues it for `DEST`, which delivers it as it is, without encoding.
//!
//! Acks are made when a payload is first decoded (and when a decode interrupted by a
//! crash is redone), in the same transaction as the decode's result, so a payload is
//! never decoded without its acknowledgments being stored; a replay (re-decode) makes
//! none, so a partner does not get the same acknowledgment twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ingest::change;
use super::{Hub, HubError};
use crate::runtime::{InboundMeta, Plugin};
use crate::store::record::{now_ms, now_rfc3339};
use crate::store::{Delivery, QueueEntry, Record, RecordType, Status, Tx, TxResult};

/// The acknowledgments made for one inbound payload, ready to store.
#[derive(Debug, Default)]
pub(super) struct Acks {
    /// Each ack record with its bytes.
    pub(super) records: Vec<(Record, Vec<u8>)>,
    /// What to note on the inbound record's history.
    pub(super) note: Option<String>,
    /// Where they are queued.
    pub(super) dest: Option<String>,
}

impl Acks {
    /// Stores the records and their bytes and queues them, in `tx`.
    pub(super) fn store(&self, tx: &Tx<'_>) -> TxResult<()> {
        let Some(dest) = &self.dest else {
            return Ok(());
        };
        let now = now_ms();
        for (record, bytes) in &self.records {
            tx.put(record)?;
            tx.put_raw(&record.id, bytes)?;
            tx.enqueue(dest, &record.id, QueueEntry::new(now))?;
        }
        Ok(())
    }

    /// The ids of the ack records.
    pub(super) fn ids(&self) -> Vec<String> {
        self.records.iter().map(|(r, _)| r.id.clone()).collect()
    }

    /// Appends the note to `base` (the decode's own note, if any).
    pub(super) fn with_note(&self, base: Option<String>) -> Option<String> {
        match (base, &self.note) {
            (Some(base), Some(note)) => Some(format!("{base}; {note}")),
            (base, note) => base.or_else(|| note.clone()),
        }
    }
}

impl Hub {
    /// The acknowledgments for inbound payload `meta.inbound_id`, when its endpoint sends
    /// them and `actor` is a first decode (`pipeline`) or its recovery (`recovery`). A
    /// connector failure gives no acks and a note naming the failure's code.
    pub(super) async fn acknowledgments(
        self: &Arc<Self>,
        plugin: &Arc<Plugin>,
        raw: &[u8],
        meta: &InboundMeta,
        actor: &str,
    ) -> Acks {
        let Some(dest) = self
            .endpoint(&meta.endpoint)
            .and_then(|e| e.acknowledgments.clone())
        else {
            return Acks::default();
        };
        if !matches!(actor, "pipeline" | "recovery") || !plugin.description().acknowledges {
            return Acks::default();
        }
        let (p, input, m) = (plugin.clone(), raw.to_vec(), meta.clone());
        let made = match tokio::task::spawn_blocking(move || p.acknowledge(&input, &m)).await {
            Ok(result) => result,
            Err(e) => {
                tracing::error!(inbound_id = %meta.inbound_id, error = %e, "the acknowledge task failed");
                return Acks {
                    note: Some("no acknowledgment: the task failed".into()),
                    ..Acks::default()
                };
            }
        };
        let payloads = match made {
            Ok(payloads) => payloads,
            Err(e) => {
                tracing::warn!(inbound_id = %meta.inbound_id, endpoint = %meta.endpoint, code = e.code(), "acknowledge failed");
                return Acks {
                    note: Some(format!(
                        "no acknowledgment: connector `{}` failed ({})",
                        plugin.name(),
                        e.code()
                    )),
                    ..Acks::default()
                };
            }
        };
        let actor = format!("connector:{}", plugin.name());
        let records: Vec<(Record, Vec<u8>)> = payloads
            .into_iter()
            .map(|payload| {
                let at = now_rfc3339();
                let mut queued = change(Status::Queued, &actor, None);
                queued.note = Some(format!("acknowledgment to {dest}"));
                let record = Record {
                    id: super::delivery::new_id(),
                    record_type: RecordType::Ack,
                    endpoint: meta.endpoint.clone(),
                    kind: None,
                    status: Status::Queued,
                    created_at: at.clone(),
                    updated_at: at,
                    parent: Some(meta.inbound_id.clone()),
                    children: Vec::new(),
                    correlation: Vec::new(),
                    content_type: Some(payload.content_type),
                    filename: payload.filename_hint,
                    size: payload.data.len() as u64,
                    deliveries: BTreeMap::from([(dest.clone(), Delivery::queued())]),
                    history: vec![queued],
                };
                (record, payload.data)
            })
            .collect();
        let note = match records.len() {
            0 => None,
            n => Some(format!(
                "{n} acknowledgment(s) to {dest}: {}",
                records
                    .iter()
                    .map(|(r, _)| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        Acks {
            records,
            note,
            dest: Some(dest),
        }
    }

    /// Queues acknowledgment `id` again for the destinations it had (the API's replay).
    pub(super) fn resend_ack(self: &Arc<Self>, id: &str) -> Result<(), HubError> {
        let record = self
            .store
            .get(id)?
            .ok_or_else(|| HubError::NotFound(id.to_owned()))?;
        let dests: Vec<String> = record.deliveries.keys().cloned().collect();
        let now = now_ms();
        self.store.transact(|tx| {
            tx.update(id, |r| {
                r.push(change(Status::Replayed, "api", None));
                for delivery in r.deliveries.values_mut() {
                    *delivery = Delivery::queued();
                }
                let mut c = change(Status::Queued, "api", None);
                c.note = Some(format!("to {}", dests.join(", ")));
                r.push(c);
            })?;
            for dest in &dests {
                tx.enqueue(dest, id, QueueEntry::new(now))?;
            }
            Ok(())
        })?;
        for dest in &dests {
            self.wake(dest);
        }
        Ok(())
    }
}
