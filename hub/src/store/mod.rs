//! The durable store on sled: inbound payloads, normalized messages, their full
//! status history, indexes, and the per-destination delivery queues.
//!
//! Every change is one sled transaction across the trees it touches, so a record,
//! its indexes and its queue entries never disagree. [`Store::sync`] makes
//! everything written so far durable (group commit: concurrent callers share one
//! flush); the hub calls it before acknowledging a sender.
//!
//! Payloads (the `raw` and `normalized` trees) are encrypted at rest: each record
//! id has its own random AES-256-GCM data key in the `datakeys` tree, wrapped by
//! the master key (see [`crypt`]); removing that key ([`Store::destroy_payload`])
//! destroys the record's payloads. A key check value in the `meta` tree makes a
//! wrong master key fail at open. Records (metadata, correlation keys), indexes
//! and queues are not encrypted.

mod crypt;
mod interfaces;
mod keys;
mod open;
mod query;
pub mod record;
mod seam_sled;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};

pub use crypt::{CryptError, KeyError, MasterKey, ModuleKey};
use interfaces::TxFailure;
pub use interfaces::{
    Counters, DeliveryQueue, HubStore, MessageLog, Payloads, StoreFuture, Tx, TxError, TxResult,
    UnitsOfWork, Writes,
};

/// The store's interfaces, imported for their methods: `use crate::store::prelude::*;`.
pub mod prelude {
    pub use super::interfaces::{
        Counters as _, DeliveryQueue as _, MessageLog as _, Payloads as _, UnitsOfWork as _,
        Writes as _,
    };
}
pub use keys::seen_key;
pub use open::{open_configured, tighten_permissions};
pub use query::{Filter, Page};
pub use record::{Delivery, DeliveryState, ErrorInfo, Record, RecordType, Status, StatusChange};

/// The page cache of a store opened without a size (`[hub] store_cache_mib`'s default).
pub const DEFAULT_CACHE_BYTES: u64 = 128 * 1024 * 1024;

/// How hard [`Store::sync`] works before a sender is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// sled's `flush`: written to the OS; survives a killed process, not a power cut.
    Flush,
    /// `flush` and then `fsync` of the data file: also survives a power cut.
    Fsync,
}

/// A store failure. Carries no message content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (disk full, corruption, I/O).
    #[error("store: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// An fsync of the data file failed.
    #[error("store: fsync of {path} failed: {source}")]
    Fsync {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A stored value did not decode (a bug or a corrupt store).
    #[error("store: corrupt {what} record {id}: {reason}")]
    Corrupt {
        /// Which tree.
        what: &'static str,
        /// Which key.
        id: String,
        /// The decode error.
        reason: String,
    },
    /// The record does not exist.
    #[error("no record {0}")]
    NotFound(String),
    /// The record's payloads were destroyed on purpose (its data key is gone).
    #[error("store: the payloads of record {id} were destroyed (its data key is gone)")]
    Destroyed {
        /// The record.
        id: String,
    },
    /// A stored payload or data key did not decrypt (moved from another record, a
    /// changed value, or a corrupt store). Names the place, never the content.
    #[error("store: cannot decrypt the {tree} value of record {id}: {reason}")]
    Decrypt {
        /// Which tree.
        tree: &'static str,
        /// Which record.
        id: String,
        /// Why, without content.
        reason: String,
    },
    /// The master key is not the one this store was made with.
    #[error(
        "store: the master key does not match the store in {path} (it was made with another key)"
    )]
    WrongKey {
        /// The store's folder.
        path: PathBuf,
    },
    /// An fsync failed earlier: the store takes no more work until the hub is
    /// restarted (a retried fsync can succeed although the data it covered is
    /// lost, so it is never retried over; see docs/operations.md).
    #[error(
        "store: unhealthy since a sync failed ({reason}); restart the hub once the disk is fixed"
    )]
    Unhealthy {
        /// The first failure, without content.
        reason: String,
    },
    /// The store was opened without a master key ([`Store::open`]), so payloads
    /// can be neither read nor written.
    #[error("store: opened without the master key; cannot use the {tree} payload of record {id}")]
    NoKey {
        /// Which tree.
        tree: &'static str,
        /// Which record.
        id: String,
    },
}

impl StoreError {
    /// A failure of the backend underneath (I/O, a task that did not finish).
    pub fn backend(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError::Backend(e.into())
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        }
    }
}

/// One entry in a destination's delivery queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Not to be tried before this Unix time (ms).
    pub due_ms: u64,
    /// Attempts whose outcome is recorded.
    pub attempts: u32,
    /// When the message entered this queue (Unix ms), for latency metrics.
    pub enqueued_ms: u64,
    /// Attempts started: recorded (and synced) before the payload goes out, so an
    /// attempt the hub stopped during (`started > attempts`) is known after a restart
    /// and the next one is recorded as a redelivery.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub started: u32,
    /// The payload this message went out in, kept in the `outbox` tree under
    /// `(destination, this id)` until its outcome is final: a retry sends these
    /// same bytes (an X12 retry keeps its control numbers) instead of encoding again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl QueueEntry {
    /// A new entry, due at `now_ms`.
    pub fn new(now_ms: u64) -> QueueEntry {
        QueueEntry {
            due_ms: now_ms,
            attempts: 0,
            enqueued_ms: now_ms,
            started: 0,
            outbox: None,
        }
    }
}

/// A payload as it was handed to a destination, kept until every message it
/// carries has a final outcome there (see [`QueueEntry::outbox`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The messages it carries, in the connector's order.
    pub members: Vec<String>,
    /// Its content type.
    pub content_type: String,
    /// The connector's file name hint.
    pub filename_hint: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct OutgoingHead {
    members: Vec<String>,
    content_type: String,
    filename_hint: Option<String>,
}

impl Outgoing {
    /// `u32` length of the head (JSON), the head, the bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let head = serde_json::to_vec(&OutgoingHead {
            members: self.members.clone(),
            content_type: self.content_type.clone(),
            filename_hint: self.filename_hint.clone(),
        })
        .expect("outgoing head serializes");
        let mut out = Vec::with_capacity(4 + head.len() + self.data.len());
        out.extend_from_slice(&(head.len() as u32).to_be_bytes());
        out.extend_from_slice(&head);
        out.extend_from_slice(&self.data);
        out
    }

    fn from_bytes(id: &str, bytes: &[u8]) -> Result<Outgoing, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            what: OUTBOX,
            id: id.to_owned(),
            reason,
        };
        let (len, rest) = bytes
            .split_at_checked(4)
            .ok_or_else(|| corrupt("shorter than its head length".into()))?;
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        let (head, data) = rest
            .split_at_checked(len)
            .ok_or_else(|| corrupt("shorter than its head".into()))?;
        let head: OutgoingHead =
            serde_json::from_slice(head).map_err(|e| corrupt(json_error_place(&e)))?;
        Ok(Outgoing {
            members: head.members,
            content_type: head.content_type,
            filename_hint: head.filename_hint,
            data: data.to_vec(),
        })
    }
}

/// What retention does with one record ([`Store::prune`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prune {
    /// Nothing yet.
    Keep,
    /// Destroy its payloads (crypto-shredding: the data key, then the bytes).
    Payloads,
    /// Remove the record, its index entries and any payload left.
    Record,
}

/// What one [`Store::prune`] step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Records looked at.
    pub looked: usize,
    /// The last one, to go on after.
    pub last: Option<String>,
    /// Whether the range is done.
    pub done: bool,
    /// The first record kept because it is busy, if one was.
    pub first_busy: Option<String>,
    /// Records whose payloads were destroyed.
    pub payloads_destroyed: usize,
    /// Records removed.
    pub records_removed: usize,
    /// Records kept because they are still queued or waiting to be decoded.
    pub kept_busy: usize,
}

impl Pruned {
    /// Count `id` as kept because it is busy.
    fn keep_busy(&mut self, id: &str) {
        self.kept_busy += 1;
        // Ids are in the order records are looked at; one found busy inside the
        // transaction may come before one found busy while reading.
        if self.first_busy.as_deref().is_none_or(|first| id < first) {
            self.first_busy = Some(id.to_owned());
        }
    }
}

/// A record one [`Store::prune`] step acts on, as it was when it was decided on.
struct Chosen {
    id: String,
    /// The record as stored then.
    bytes: sled::IVec,
    record: Record,
    /// `Payloads` or `Record`.
    action: Prune,
}

/// What a [`Store::prune`] step's transaction did with one [`Chosen`] record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Destroyed,
    Removed,
    /// Changed, pending or queued since it was read: kept.
    Busy,
    /// Gone already (its payloads or the record itself).
    Nothing,
}

impl Chosen {
    /// Do what was decided in `tx`, unless the record changed or became busy since
    /// it was read. Reads and writes only `tx`, so it can run again on a conflict.
    fn apply(&self, tx: &SledTx<'_>) -> TxResult<Done> {
        let k = self.id.as_bytes();
        match tx.records.get(k)? {
            None => return Ok(Done::Nothing),
            Some(now) if now != self.bytes => return Ok(Done::Busy),
            Some(_) => {}
        }
        if tx.pending.get(k)?.is_some() {
            return Ok(Done::Busy);
        }
        for dest in self.record.deliveries.keys() {
            if tx
                .queue_ids
                .get(keys::queue_id_key(dest, &self.id))?
                .is_some()
            {
                return Ok(Done::Busy);
            }
        }
        match self.action {
            Prune::Keep => Ok(Done::Nothing),
            Prune::Payloads => {
                // The data key first (crypto-shredding), then the bytes; all in one
                // transaction, so they go together.
                if tx.datakeys.remove(k)?.is_none() {
                    return Ok(Done::Nothing);
                }
                tx.raw.remove(k)?;
                tx.normalized.remove(k)?;
                Ok(Done::Destroyed)
            }
            Prune::Record => {
                for ik in keys::index_keys(&self.record) {
                    tx.idx.remove(ik)?;
                }
                // A payload kept for a retry under this message, if one is left.
                for dest in self.record.deliveries.keys() {
                    tx.outbox.remove(keys::queue_id_key(dest, &self.id))?;
                }
                tx.datakeys.remove(k)?;
                tx.records.remove(k)?;
                tx.raw.remove(k)?;
                tx.normalized.remove(k)?;
                Ok(Done::Removed)
            }
        }
    }
}

/// What [`Store::stats`] found.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStats {
    /// The store's files on disk, in bytes.
    pub on_disk_bytes: u64,
    /// Records (inbound payloads, messages, acknowledgments).
    pub records: u64,
    /// `on_disk_bytes / records`.
    pub bytes_per_record: Option<u64>,
    /// Each tree, largest first.
    pub trees: Vec<TreeStats>,
}

/// One tree's share of the store.
#[derive(Debug, Clone, Serialize)]
pub struct TreeStats {
    /// Its name.
    pub name: String,
    /// Its entries.
    pub entries: u64,
    /// Bytes of its keys and values as stored.
    pub bytes: u64,
}

/// Due queue entries (message id, entry), and when the next one not yet due is due.
pub type Due = (Vec<(String, QueueEntry)>, Option<u64>);

/// The trees of one store, opened together.
#[derive(Clone)]
struct Trees {
    records: sled::Tree,
    raw: sled::Tree,
    normalized: sled::Tree,
    idx: sled::Tree,
    /// `<dest> 0 <due ms> <id>` -> [`QueueEntry`]: each destination's queue in due order.
    queue_due: sled::Tree,
    /// `<dest> 0 <id>` -> due ms: where a message's entry is in `queue_due`.
    queue_ids: sled::Tree,
    /// `<dest> 0 <first id>` -> a sealed [`Outgoing`]: payloads sent, kept for retries.
    outbox: sled::Tree,
    pending: sled::Tree,
    seen: sled::Tree,
    counters: sled::Tree,
    /// Record id -> its data key, wrapped by the master key.
    datakeys: sled::Tree,
    /// Store-wide values: the master key check.
    meta: sled::Tree,
    /// Ids of messages the claim ledger has not yet taken in (see [`Store::ledger_pending`]).
    ledger: sled::Tree,
}

/// A sled transaction's view of the store ([`Writes`]).
struct SledTx<'a> {
    records: &'a TransactionalTree,
    raw: &'a TransactionalTree,
    normalized: &'a TransactionalTree,
    idx: &'a TransactionalTree,
    queue_due: &'a TransactionalTree,
    queue_ids: &'a TransactionalTree,
    outbox: &'a TransactionalTree,
    pending: &'a TransactionalTree,
    seen: &'a TransactionalTree,
    datakeys: &'a TransactionalTree,
    ledger: &'a TransactionalTree,
    key: Option<&'a MasterKey>,
    /// Queue depth changes made in this attempt of the transaction, applied to the
    /// store's counts once it commits.
    depth: std::cell::RefCell<Vec<(String, i64)>>,
}

fn abort(e: StoreError) -> TxError {
    TxError::abort(e)
}

impl From<UnabortableTransactionError> for TxError {
    fn from(e: UnabortableTransactionError) -> Self {
        match e {
            UnabortableTransactionError::Conflict => TxError(TxFailure::Conflict),
            UnabortableTransactionError::Storage(e) => TxError::abort(e.into()),
        }
    }
}

impl From<TxError> for ConflictableTransactionError<StoreError> {
    fn from(e: TxError) -> Self {
        match e.0 {
            TxFailure::Abort(e) => ConflictableTransactionError::Abort(e),
            TxFailure::Conflict => ConflictableTransactionError::Conflict,
        }
    }
}

impl Writes for SledTx<'_> {
    /// Read a record.
    fn get(&self, id: &str) -> TxResult<Option<Record>> {
        match self.records.get(id.as_bytes())? {
            Some(v) => decode_record(id, &v).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    /// Write a record (new or changed) and bring its index entries in step.
    fn put(&self, record: &Record) -> TxResult<()> {
        let old = self.get(&record.id)?;
        self.write(old.as_ref(), record)
    }

    /// Read, change and write a record.
    fn update_with(&self, id: &str, f: &mut dyn FnMut(&mut Record)) -> TxResult<Record> {
        let old = self
            .get(id)?
            .ok_or_else(|| abort(StoreError::NotFound(id.to_owned())))?;
        let mut r = old.clone();
        f(&mut r);
        self.write(Some(&old), &r)?;
        Ok(r)
    }

    /// Store the raw bytes of an inbound payload, encrypted under the record's
    /// data key (made now, in this transaction, if the record has none).
    fn put_raw(&self, id: &str, bytes: &[u8]) -> TxResult<()> {
        let value = self.seal(RAW, id, bytes)?;
        self.raw.insert(id.as_bytes(), value)?;
        Ok(())
    }

    /// Store a message's normalized JSON, encrypted like [`Writes::put_raw`].
    fn put_normalized(&self, id: &str, json: &str) -> TxResult<()> {
        let value = self.seal(NORMALIZED, id, json.as_bytes())?;
        self.normalized.insert(id.as_bytes(), value)?;
        Ok(())
    }

    /// Mark an inbound payload as waiting to be decoded (or clear the mark).
    fn set_pending(&self, id: &str, pending: bool) -> TxResult<()> {
        if pending {
            self.pending.insert(id.as_bytes(), &[][..])?;
        } else {
            self.pending.remove(id.as_bytes())?;
        }
        Ok(())
    }

    /// Remember that a file was taken in (so a crash before it is moved aside does not take it twice).
    fn mark_seen(&self, key: &[u8], inbound_id: &str) -> TxResult<()> {
        self.seen.insert(key, inbound_id.as_bytes())?;
        Ok(())
    }

    /// Put a message in a destination's queue (or replace its entry).
    fn enqueue(&self, dest: &str, msg_id: &str, entry: QueueEntry) -> TxResult<()> {
        let id_key = keys::queue_id_key(dest, msg_id);
        match self.queue_ids.get(&id_key)? {
            Some(old) => {
                self.queue_due
                    .remove(keys::queue_due_key(dest, due_of(&old), msg_id))?;
            }
            None => self.depth.borrow_mut().push((dest.to_owned(), 1)),
        }
        let v = serde_json::to_vec(&entry).expect("queue entry serializes");
        self.queue_due
            .insert(keys::queue_due_key(dest, entry.due_ms, msg_id), v)?;
        self.queue_ids
            .insert(id_key, entry.due_ms.to_be_bytes().to_vec())?;
        Ok(())
    }

    /// Take a message out of a destination's queue.
    fn dequeue(&self, dest: &str, msg_id: &str) -> TxResult<()> {
        if let Some(old) = self.queue_ids.remove(keys::queue_id_key(dest, msg_id))? {
            self.queue_due
                .remove(keys::queue_due_key(dest, due_of(&old), msg_id))?;
            self.depth.borrow_mut().push((dest.to_owned(), -1));
        }
        Ok(())
    }

    /// Keep the payload a destination was (or is about to be) sent, under its first
    /// message's id, encrypted with that message's data key.
    fn put_outgoing(&self, dest: &str, out: &Outgoing) -> TxResult<()> {
        let Some(first) = out.members.first() else {
            return Ok(());
        };
        let name = keys::queue_id_key(dest, first);
        let value = self.seal_as(
            OUTBOX,
            first,
            &String::from_utf8_lossy(&name),
            &out.to_bytes(),
        )?;
        self.outbox.insert(name, value)?;
        Ok(())
    }

    /// Forget a payload kept by [`Writes::put_outgoing`].
    fn remove_outgoing(&self, dest: &str, first: &str) -> TxResult<()> {
        self.outbox.remove(keys::queue_id_key(dest, first))?;
        Ok(())
    }
}

impl SledTx<'_> {
    /// Write `record` over `old` (what is stored now, if anything): only index entries
    /// that changed are touched.
    fn write(&self, old: Option<&Record>, record: &Record) -> TxResult<()> {
        let new_keys = keys::index_keys(record);
        if let Some(old) = old {
            for k in keys::index_keys(old) {
                if !new_keys.contains(&k) {
                    self.idx.remove(k)?;
                }
            }
        }
        let old_keys = old.map(keys::index_keys).unwrap_or_default();
        for k in new_keys {
            if !old_keys.contains(&k) {
                self.idx.insert(k, &[][..])?;
            }
        }
        // The claim ledger follows these messages (their arrival and every status
        // change); marked in the same transaction, so it never misses one.
        if record.record_type == RecordType::Message && record.kind.is_some_and(ledger_follows) {
            // A fresh value each time: the ledger clears a mark only if it is the
            // one it read (`ledger_done`), so a change made meanwhile stays marked.
            self.ledger
                .insert(record.id.as_bytes(), ulid::Ulid::new().to_bytes().to_vec())?;
        }
        let bytes = serde_json::to_vec(record).map_err(|e| {
            abort(StoreError::Corrupt {
                what: "record",
                id: record.id.clone(),
                reason: json_error_place(&e),
            })
        })?;
        self.records.insert(record.id.as_bytes(), bytes)?;
        Ok(())
    }

    /// Encrypt a payload of record `id` for `tree` under the record's data key.
    fn seal(&self, tree: &'static str, id: &str, plain: &[u8]) -> TxResult<Vec<u8>> {
        self.seal_as(tree, id, id, plain)
    }

    /// [`SledTx::seal`] under record `id`'s data key, bound to `(tree, name)`.
    fn seal_as(&self, tree: &'static str, id: &str, name: &str, plain: &[u8]) -> TxResult<Vec<u8>> {
        let master = self.key.ok_or_else(|| {
            abort(StoreError::NoKey {
                tree,
                id: id.to_owned(),
            })
        })?;
        let data_key = match self.datakeys.get(id.as_bytes())? {
            Some(wrapped) => master
                .unwrap_data_key(id, &wrapped)
                .map_err(|e| abort(decrypt_error(DATAKEYS, id, e)))?,
            None => {
                let (data_key, wrapped) = master
                    .new_data_key(id)
                    .map_err(|e| abort(encrypt_error(tree, id, e)))?;
                self.datakeys.insert(id.as_bytes(), wrapped)?;
                data_key
            }
        };
        data_key
            .encrypt(tree, name, plain)
            .map_err(|e| abort(encrypt_error(tree, id, e)))
    }
}

/// The due time stored in `queue_ids`.
fn due_of(value: &[u8]) -> u64 {
    <[u8; 8]>::try_from(value).map_or(0, u64::from_be_bytes)
}

/// The kinds the claim ledger follows.
fn ledger_follows(kind: clearway_schemas::Kind) -> bool {
    use clearway_schemas::Kind;
    matches!(
        kind,
        Kind::Claim | Kind::ClaimAck | Kind::ClaimStatusResponse | Kind::Remittance
    )
}

/// Where a stored JSON value failed to (de)serialize, without serde's own text,
/// which can quote the value (a patient's data) into logs and errors.
fn json_error_place(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

/// Tree names, also part of each payload's associated data.
const RAW: &str = "raw";
const NORMALIZED: &str = "normalized";
const OUTBOX: &str = "outbox";
const DATAKEYS: &str = "datakeys";
/// The key of the master key check value in the `meta` tree.
const KEY_CHECK: &[u8] = b"keycheck";

fn decrypt_error(tree: &'static str, id: &str, e: crypt::CryptError) -> StoreError {
    StoreError::Decrypt {
        tree,
        id: id.to_owned(),
        reason: e.to_string(),
    }
}

fn encrypt_error(tree: &'static str, id: &str, e: crypt::CryptError) -> StoreError {
    StoreError::Corrupt {
        what: tree,
        id: id.to_owned(),
        reason: format!("cannot encrypt: {e}"),
    }
}

fn decode_record(id: &str, bytes: &[u8]) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: "record",
        id: id.to_owned(),
        reason: json_error_place(&e),
    })
}

struct Inner {
    db: sled::Db,
    trees: Trees,
    mode: SyncMode,
    /// `None` for [`Store::open`]: payloads can be neither read nor written.
    key: Option<MasterKey>,
    data_file: PathBuf,
    /// The store's folder; it and its `blobs/` folder are fsynced with the data file.
    dir: PathBuf,
    /// Messages waiting per destination (counted once at open, then kept by
    /// every transaction's queue changes).
    depths: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// Set by the first failed sync; from then on every sync fails.
    failed: std::sync::Mutex<Option<String>>,
    /// Fault injection for tests: the next this-many syncs fail.
    #[cfg(test)]
    fail_syncs: std::sync::atomic::AtomicU32,
    /// Every path fsynced, for tests.
    #[cfg(test)]
    fsynced: std::sync::Mutex<Vec<PathBuf>>,
    /// Bumped by every write; a flush covers every write counted before it started.
    written: AtomicU64,
    /// The highest `written` value known to be durable.
    synced: AtomicU64,
    sync_lock: tokio::sync::Mutex<()>,
}

/// The hub's durable store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// Open (or create) the store in `dir` without the master key: records,
    /// indexes, queues and the trees of [`Store::tree`] work, but every payload
    /// read or write fails with [`StoreError::NoKey`] (nothing is ever stored in
    /// clear). For tools that touch no payload; the hub uses [`open_configured`].
    pub fn open(dir: &Path, mode: SyncMode) -> Result<Store, StoreError> {
        Store::open_with(dir, mode, None, DEFAULT_CACHE_BYTES)
    }

    /// Open (or create) the store in `dir` with its master key. A new store
    /// records a check value of the key; an existing one whose check value was
    /// made with another key is refused ([`StoreError::WrongKey`]). Payloads a
    /// version before encryption stored in clear are encrypted now.
    pub fn open_encrypted(dir: &Path, mode: SyncMode, key: MasterKey) -> Result<Store, StoreError> {
        Store::open_encrypted_cached(dir, mode, key, DEFAULT_CACHE_BYTES)
    }

    /// [`Store::open_encrypted`] with a page cache of `cache_bytes` (sled's
    /// `cache_capacity`, whose own default is 1 GiB).
    pub fn open_encrypted_cached(
        dir: &Path,
        mode: SyncMode,
        key: MasterKey,
        cache_bytes: u64,
    ) -> Result<Store, StoreError> {
        let store = Store::open_with(dir, mode, Some(key), cache_bytes)?;
        store.check_key(dir)?;
        Ok(store)
    }

    fn open_with(
        dir: &Path,
        mode: SyncMode,
        key: Option<MasterKey>,
        cache_bytes: u64,
    ) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .open()?;
        let trees = Trees {
            records: db.open_tree("records")?,
            raw: db.open_tree("raw")?,
            normalized: db.open_tree("normalized")?,
            idx: db.open_tree("idx")?,
            queue_due: db.open_tree("queue_due")?,
            queue_ids: db.open_tree("queue_ids")?,
            outbox: db.open_tree(OUTBOX)?,
            pending: db.open_tree("pending")?,
            seen: db.open_tree("seen")?,
            counters: db.open_tree("counters")?,
            datakeys: db.open_tree(DATAKEYS)?,
            meta: db.open_tree("meta")?,
            ledger: db.open_tree("ledger_pending")?,
        };
        migrate_queue(&db, &trees)?;
        let depths = count_depths(&trees.queue_ids)?;
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                trees,
                mode,
                key,
                data_file: dir.join("db"),
                dir: dir.to_path_buf(),
                depths: std::sync::Mutex::new(depths),
                failed: std::sync::Mutex::new(None),
                #[cfg(test)]
                fail_syncs: std::sync::atomic::AtomicU32::new(0),
                #[cfg(test)]
                fsynced: std::sync::Mutex::new(Vec::new()),
                written: AtomicU64::new(0),
                synced: AtomicU64::new(0),
                sync_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Why the store takes no more work, if it does not (a sync failed).
    pub fn unhealthy(&self) -> Option<String> {
        self.inner.failed.lock().expect("lock").clone()
    }

    /// Make the next `n` syncs fail as if fsync had (tests only).
    #[cfg(test)]
    pub(crate) fn fail_next_syncs(&self, n: u32) {
        self.inner.fail_syncs.store(n, Ordering::SeqCst);
    }

    /// Every path fsynced so far (tests only).
    #[cfg(test)]
    pub(crate) fn fsynced_paths(&self) -> Vec<PathBuf> {
        self.inner.fsynced.lock().expect("lock").clone()
    }

    /// Run `f` as one atomic transaction over the store. `f` may run more than once
    /// (sled retries on conflict), so it must not have side effects outside `tx`.
    pub fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        self.transact_sled(|tx| f(tx))
    }

    /// [`Store::transact`] with the sled trees in reach (for the store's own changes).
    fn transact_sled<T>(&self, f: impl Fn(&SledTx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        crate::cpu::charge(crate::cpu::Stage::Store, || self.transact_now(f))
    }

    fn transact_now<T>(&self, f: impl Fn(&SledTx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        let t = &self.inner.trees;
        let key = self.inner.key.as_ref();
        let trees = [
            &t.records,
            &t.raw,
            &t.normalized,
            &t.idx,
            &t.queue_due,
            &t.queue_ids,
            &t.outbox,
            &t.pending,
            &t.seen,
            &t.datakeys,
            &t.ledger,
        ];
        let (out, depth) = trees.as_slice().transaction(|t| {
            let tx = SledTx {
                records: &t[0],
                raw: &t[1],
                normalized: &t[2],
                idx: &t[3],
                queue_due: &t[4],
                queue_ids: &t[5],
                outbox: &t[6],
                pending: &t[7],
                seen: &t[8],
                datakeys: &t[9],
                ledger: &t[10],
                key,
                depth: std::cell::RefCell::new(Vec::new()),
            };
            let out = f(&tx)?;
            Ok((out, tx.depth.into_inner()))
        })?;
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        if !depth.is_empty() {
            let mut depths = self.inner.depths.lock().expect("lock");
            for (dest, d) in depth {
                let n = depths.entry(dest).or_default();
                *n = n.saturating_add_signed(d as isize);
            }
        }
        Ok(out)
    }

    /// Make every write made before this call durable, per the store's [`SyncMode`].
    /// Concurrent callers share flushes (group commit).
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.inner.check_healthy()?;
        let target = self.inner.written.load(Ordering::SeqCst);
        if self.inner.synced.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        let _guard = self.inner.sync_lock.lock().await;
        if self.inner.synced.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        let covered = self.inner.written.load(Ordering::SeqCst);
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.flush_now())
            .await
            .map_err(|e| StoreError::backend(format!("flush task: {e}")))??;
        self.inner.synced.fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }

    /// [`Store::sync`] for callers outside an async runtime.
    pub fn sync_blocking(&self) -> Result<(), StoreError> {
        self.inner.check_healthy()?;
        let covered = self.inner.written.load(Ordering::SeqCst);
        self.inner.flush_now()?;
        self.inner.synced.fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }

    /// A record by id.
    pub fn get(&self, id: &str) -> Result<Option<Record>, StoreError> {
        match self.inner.trees.records.get(id.as_bytes())? {
            Some(v) => decode_record(id, &v).map(Some),
            None => Ok(None),
        }
    }

    /// The raw bytes of an inbound payload, decrypted.
    pub fn raw(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.inner.trees.raw.get(id.as_bytes())? {
            Some(v) => self.unseal(RAW, id, &v).map(Some),
            None => Ok(None),
        }
    }

    /// The normalized JSON of a message, decrypted.
    pub fn normalized(&self, id: &str) -> Result<Option<String>, StoreError> {
        match self.inner.trees.normalized.get(id.as_bytes())? {
            Some(v) => {
                let plain = self.unseal(NORMALIZED, id, &v)?;
                String::from_utf8(plain)
                    .map(Some)
                    .map_err(|_| StoreError::Corrupt {
                        what: NORMALIZED,
                        id: id.to_owned(),
                        reason: "not UTF-8".into(),
                    })
            }
            None => Ok(None),
        }
    }

    /// Destroy record `id`'s payloads (raw and normalized) by removing its data
    /// key: the encrypted values may stay on disk, but no key opens them any
    /// more; reading them gives [`StoreError::Destroyed`]. Retention uses this.
    /// Destroying a record without a data key does nothing.
    pub fn destroy_payload(&self, id: &str) -> Result<(), StoreError> {
        self.inner.trees.datakeys.remove(id.as_bytes())?;
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Decrypt a payload of record `id` read from `tree`.
    fn unseal(&self, tree: &'static str, id: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.unseal_as(tree, id, id, value)
    }

    /// [`Store::unseal`] of a value bound to `(tree, name)` under record `id`'s key.
    fn unseal_as(
        &self,
        tree: &'static str,
        id: &str,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let master = self.inner.key.as_ref().ok_or_else(|| StoreError::NoKey {
            tree,
            id: id.to_owned(),
        })?;
        let wrapped = self
            .inner
            .trees
            .datakeys
            .get(id.as_bytes())?
            .ok_or_else(|| StoreError::Destroyed { id: id.to_owned() })?;
        let data_key = master
            .unwrap_data_key(id, &wrapped)
            .map_err(|e| decrypt_error(DATAKEYS, id, e))?;
        data_key
            .decrypt(tree, name, value)
            .map_err(|e| decrypt_error(tree, id, e))
    }

    /// Check the master key against the store's check value, or (a new store, or
    /// one from a version before encryption) encrypt what is in clear and record it.
    fn check_key(&self, dir: &Path) -> Result<(), StoreError> {
        let Some(master) = self.inner.key.as_ref() else {
            return Ok(());
        };
        let t = &self.inner.trees;
        if let Some(check) = t.meta.get(KEY_CHECK)? {
            return if master.verify_check_value(&check) {
                Ok(())
            } else {
                Err(StoreError::WrongKey {
                    path: dir.to_path_buf(),
                })
            };
        }
        // No check value yet: payloads without a data key were written in clear by
        // an older version (or by an upgrade interrupted here); encrypt them, each
        // record's raw and normalized values in one transaction.
        let mut migrated = 0usize;
        for tree in [&t.raw, &t.normalized] {
            for kv in tree.iter() {
                let (k, _) = kv?;
                if t.datakeys.contains_key(&k)? {
                    continue;
                }
                let id = String::from_utf8_lossy(&k).into_owned();
                let raw = t.raw.get(&k)?;
                let normalized = t.normalized.get(&k)?;
                self.transact(|tx| {
                    if let Some(v) = &raw {
                        tx.put_raw(&id, v)?;
                    }
                    if let Some(v) = &normalized {
                        tx.put_normalized(&id, &String::from_utf8_lossy(v))?;
                    }
                    Ok(())
                })?;
                migrated += 1;
            }
        }
        if migrated > 0 {
            tracing::warn!(
                records = migrated,
                "encrypted payloads an older version stored in clear; sled may keep old clear copies in its files until it reuses that space"
            );
        }
        let check = master
            .check_value()
            .map_err(|e| encrypt_error("meta", "keycheck", e))?;
        t.meta.insert(KEY_CHECK, check)?;
        self.sync_blocking()
    }

    /// Inbound payloads stored but not yet decoded (after a crash), oldest first.
    pub fn pending(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for kv in self.inner.trees.pending.iter() {
            let (k, _) = kv?;
            out.push(String::from_utf8_lossy(&k).into_owned());
        }
        Ok(out)
    }

    /// Forget a file taken in (once it is moved aside, a new file with the same
    /// name and content is a new payload).
    pub fn forget_seen(&self, key: &[u8]) -> Result<(), StoreError> {
        self.inner.trees.seen.remove(key)?;
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The inbound id a file was taken in as, if it was.
    pub fn seen(&self, key: &[u8]) -> Result<Option<String>, StoreError> {
        Ok(self
            .inner
            .trees
            .seen
            .get(key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Up to `limit` entries of `dest`'s queue that are due at `now_ms`, earliest
    /// due first (then oldest message), and when the first one not yet due is due.
    /// Reads only the entries it returns and one more: the queue is kept in due order.
    pub fn due(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError> {
        let mut due = Vec::new();
        let prefix = keys::queue_prefix(dest);
        for kv in self.inner.trees.queue_due.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let corrupt = |reason: String| StoreError::Corrupt {
                what: "queue",
                id: String::from_utf8_lossy(&k).into_owned(),
                reason,
            };
            let (due_ms, id) = keys::split_queue_due(&k[prefix.len()..])
                .ok_or_else(|| corrupt("key too short".into()))?;
            if due_ms > now_ms {
                return Ok((due, Some(due_ms)));
            }
            if due.len() == limit {
                break;
            }
            let entry: QueueEntry =
                serde_json::from_slice(&v).map_err(|e| corrupt(json_error_place(&e)))?;
            due.push((String::from_utf8_lossy(id).into_owned(), entry));
        }
        Ok((due, None))
    }

    /// The first entries of `dest`'s queue in id (arrival) order, up to `limit`, as
    /// long as they are due at `now_ms`: it stops at the first one not yet due and
    /// returns its due time, so nothing behind a waiting message is taken (the
    /// queue of an ordered destination). Reads the entries it returns and one more.
    pub fn head(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError> {
        let t = &self.inner.trees;
        let mut head = Vec::new();
        let prefix = keys::queue_prefix(dest);
        for kv in t.queue_ids.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            let due_ms = due_of(&v);
            if due_ms > now_ms {
                return Ok((head, Some(due_ms)));
            }
            if head.len() == limit {
                break;
            }
            let corrupt = |reason: String| StoreError::Corrupt {
                what: "queue",
                id: id.clone(),
                reason,
            };
            let Some(v) = t.queue_due.get(keys::queue_due_key(dest, due_ms, &id))? else {
                // Moved (a replay) or taken out since the id map was read: read again.
                if t.queue_ids
                    .get(&k)?
                    .is_some_and(|now| due_of(&now) == due_ms)
                {
                    return Err(corrupt("in the id map but not in the queue".into()));
                }
                return Ok((head, Some(now_ms)));
            };
            let entry: QueueEntry =
                serde_json::from_slice(&v).map_err(|e| corrupt(json_error_place(&e)))?;
            head.push((id, entry));
        }
        Ok((head, None))
    }

    /// How many messages wait in `dest`'s queue (due or not). Kept in memory.
    pub fn queue_depth(&self, dest: &str) -> usize {
        self.inner
            .depths
            .lock()
            .expect("lock")
            .get(dest)
            .copied()
            .unwrap_or(0)
    }

    /// Every destination's queue depth (kept in memory).
    pub fn queue_depths(&self) -> Vec<(String, usize)> {
        self.inner
            .depths
            .lock()
            .expect("lock")
            .iter()
            .map(|(d, n)| (d.clone(), *n))
            .collect()
    }

    /// When the oldest message waiting in `dest`'s queue was made (Unix ms): the
    /// first id of its range, since ids are ULIDs.
    pub fn oldest_queued_ms(&self, dest: &str) -> Result<Option<u64>, StoreError> {
        let prefix = keys::queue_prefix(dest);
        match self
            .inner
            .trees
            .queue_ids
            .scan_prefix(&prefix)
            .keys()
            .next()
        {
            Some(k) => {
                let k = k?;
                let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                Ok(ulid::Ulid::from_string(&id).ok().map(|u| u.timestamp_ms()))
            }
            None => Ok(None),
        }
    }

    /// The entry of message `id` in `dest`'s queue, if it is queued there.
    pub fn queue_entry(&self, dest: &str, id: &str) -> Result<Option<QueueEntry>, StoreError> {
        let t = &self.inner.trees;
        let Some(due) = t.queue_ids.get(keys::queue_id_key(dest, id))? else {
            return Ok(None);
        };
        match t
            .queue_due
            .get(keys::queue_due_key(dest, due_of(&due), id))?
        {
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    what: "queue",
                    id: id.to_owned(),
                    reason: json_error_place(&e),
                }),
            None => Ok(None),
        }
    }

    /// The payload kept for `dest` under message `first` ([`Writes::put_outgoing`]).
    pub fn outgoing(&self, dest: &str, first: &str) -> Result<Option<Outgoing>, StoreError> {
        let name = keys::queue_id_key(dest, first);
        let Some(value) = self.inner.trees.outbox.get(&name)? else {
            return Ok(None);
        };
        let plain = self.unseal_as(OUTBOX, first, &String::from_utf8_lossy(&name), &value)?;
        Outgoing::from_bytes(first, &plain).map(Some)
    }

    /// Up to `limit` ids of messages the claim ledger has yet to take in (or take in
    /// again: marked by every change of a message of a kind it follows), in id order.
    /// Each with the mark's value, to give back to [`Store::ledger_done`].
    pub fn ledger_pending(&self, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.inner.trees.ledger.iter().take(limit) {
            let (k, v) = kv?;
            out.push((String::from_utf8_lossy(&k).into_owned(), v.to_vec()));
        }
        Ok(out)
    }

    /// Clear the ledger marks of `done` (id and the mark's value as read), once
    /// taken in. A mark set again meanwhile (the message changed while the ledger
    /// read it) has another value and stays, so the change is taken in next time.
    pub fn ledger_done(&self, done: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        for (id, value) in done {
            let _ = self.inner.trees.ledger.compare_and_swap(
                id.as_bytes(),
                Some(value.as_slice()),
                None as Option<&[u8]>,
            )?;
        }
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Mark message `id` for the ledger (to take it in again, e.g. once what it
    /// answers is known).
    pub fn ledger_mark(&self, id: &str) -> Result<(), StoreError> {
        self.inner
            .trees
            .ledger
            .insert(id.as_bytes(), ulid::Ulid::new().to_bytes().to_vec())?;
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The key of module `name` (e.g. `ledger`) for the values it keeps in trees of
    /// its own: a data key wrapped by the master key, made on first use and kept in
    /// `datakeys` under `module:NAME`. Fails without the master key.
    pub fn module_key(&self, name: &str) -> Result<ModuleKey, StoreError> {
        let id = format!("module:{name}");
        let master = self.inner.key.as_ref().ok_or_else(|| StoreError::NoKey {
            tree: DATAKEYS,
            id: id.clone(),
        })?;
        let datakeys = &self.inner.trees.datakeys;
        let wrapped = match datakeys.get(id.as_bytes())? {
            Some(w) => w.to_vec(),
            None => {
                let (_, wrapped) = master
                    .new_data_key(&id)
                    .map_err(|e| encrypt_error(DATAKEYS, &id, e))?;
                // Two first users at once: the first key stored wins for both.
                match datakeys.compare_and_swap(
                    id.as_bytes(),
                    None as Option<&[u8]>,
                    Some(wrapped.clone()),
                )? {
                    Ok(()) => {
                        self.sync_blocking()?;
                        wrapped
                    }
                    Err(current) => current.current.map(|c| c.to_vec()).unwrap_or(wrapped),
                }
            }
        };
        let data = master
            .unwrap_data_key(&id, &wrapped)
            .map_err(|e| decrypt_error(DATAKEYS, &id, e))?;
        Ok(ModuleKey::new(data))
    }

    /// A tree of its own for a module outside the store (credentials, audit), in
    /// the same database, so one `sync` makes it durable with everything else.
    pub fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.inner.db.open_tree(name)?)
    }

    /// Count a write made directly to a [`Store::tree`], so the next `sync` covers it.
    pub fn note_write(&self) {
        self.inner.written.fetch_add(1, Ordering::SeqCst);
    }

    /// What each tree holds (entries, bytes of keys and values as stored, so
    /// encrypted payloads count their ciphertext) and the store's size on disk. Reads
    /// every tree: O(store size), for `clearway store stats` and a periodic metric.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut trees = Vec::new();
        for name in self.inner.db.tree_names() {
            let tree = self.inner.db.open_tree(&name)?;
            let (mut entries, mut bytes) = (0u64, 0u64);
            for kv in tree.iter() {
                let (k, v) = kv?;
                entries += 1;
                bytes += (k.len() + v.len()) as u64;
            }
            let name = String::from_utf8_lossy(&name).into_owned();
            // sled's default tree holds nothing of ours.
            if name == "__sled__default" && entries == 0 {
                continue;
            }
            trees.push(TreeStats {
                name,
                entries,
                bytes,
            });
        }
        trees.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
        let records = self.inner.trees.records.len() as u64;
        let on_disk = self.size_on_disk();
        Ok(StoreStats {
            on_disk_bytes: on_disk,
            records,
            bytes_per_record: on_disk.checked_div(records),
            trees,
        })
    }

    /// One step of retention: look at up to `limit` records after `after` (in id,
    /// so arrival, order) made before `before` (an id), and do what `decide` says
    /// with each: destroy its payloads (its data key first, then the bytes), remove
    /// the record with its index entries, or keep it. A record still queued or
    /// waiting to be decoded is always kept. Returns the last id looked at, whether
    /// the range is done, and what was done.
    ///
    /// The records are read and decided on outside any transaction; what the step
    /// removes is then removed in one transaction (one log batch for the step,
    /// where a transaction per record made sled write out its log buffer once per
    /// record; see docs/operations.md, "Retention"), none if there is nothing to
    /// remove. Its closure may run more than once, so it only reads and writes its
    /// own view and returns what it did; the counts are made from that after it
    /// commits.
    ///
    /// What the pipeline may do to an old record meanwhile: a replay re-queues it
    /// (an inbound one is marked pending and decoded again; a message or
    /// acknowledgment gets a new delivery and a queue entry), and an
    /// acknowledgment or a delivery outcome may add to its history. Each of these
    /// changes the stored record (and marks it pending or queues it) in one
    /// transaction. So inside its transaction the step reads each record again and
    /// touches it only if it is byte for byte what was decided on and it is still
    /// neither pending nor queued for any of its deliveries; otherwise it is kept
    /// (counted in `kept_busy`, so retention's cursor stops before it and it is
    /// looked at again next pass). sled runs a transaction alone (no other write
    /// or read of the store interleaves with it), so the guarantee holds: a record
    /// the step removes, or whose payloads it destroys, was not pending, not queued
    /// and unchanged since it was decided on at the moment of removal. A replay
    /// that comes after finds the record gone (not found) or its payloads
    /// destroyed, as it would any time later.
    pub fn prune(
        &self,
        after: Option<&str>,
        before: &str,
        limit: usize,
        decide: impl Fn(&Record) -> Prune,
    ) -> Result<Pruned, StoreError> {
        use std::ops::Bound;
        let t = &self.inner.trees;
        let start = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.as_bytes().to_vec()));
        let range = (start, Bound::Excluded(before.as_bytes().to_vec()));
        let mut out = Pruned::default();
        let mut chosen: Vec<Chosen> = Vec::new();
        for kv in t.records.range::<Vec<u8>, _>(range).take(limit) {
            let (k, v) = kv?;
            let id = String::from_utf8_lossy(&k).into_owned();
            out.looked += 1;
            out.last = Some(id.clone());
            let record = decode_record(&id, &v)?;
            let busy = t.pending.contains_key(&k)?
                || record.deliveries.keys().any(|d| {
                    t.queue_ids
                        .contains_key(keys::queue_id_key(d, &id))
                        .unwrap_or(true)
                });
            if busy {
                out.keep_busy(&id);
                continue;
            }
            let action = decide(&record);
            // Payloads already destroyed: nothing to do.
            let act = match action {
                Prune::Keep => false,
                Prune::Payloads => t.datakeys.contains_key(&k)?,
                Prune::Record => true,
            };
            if act {
                chosen.push(Chosen {
                    id,
                    bytes: v,
                    record,
                    action,
                });
            }
        }
        out.done = out.looked < limit;
        if chosen.is_empty() {
            return Ok(out);
        }
        let done = self.transact_sled(|tx| {
            let mut done = Vec::with_capacity(chosen.len());
            for c in &chosen {
                done.push(c.apply(tx)?);
            }
            Ok(done)
        })?;
        for (c, d) in chosen.iter().zip(done) {
            match d {
                Done::Destroyed => out.payloads_destroyed += 1,
                Done::Removed => out.records_removed += 1,
                Done::Busy => out.keep_busy(&c.id),
                Done::Nothing => {}
            }
        }
        Ok(out)
    }

    /// Size of the store on disk, in bytes.
    pub fn size_on_disk(&self) -> u64 {
        self.inner.db.size_on_disk().unwrap_or(0)
    }
}

impl Store {
    /// The next number of `sequence` for `scope` (a connector), starting at 1: one
    /// counter per scope and sequence in the `counters` tree, incremented atomically
    /// and made durable (per the store's [`SyncMode`]) before it is returned, so a
    /// number is never handed out twice.
    pub fn next_number(&self, scope: &str, sequence: &str) -> Result<u64, StoreError> {
        let key = format!("{scope}\0{sequence}");
        let bump = |old: Option<&[u8]>| {
            let n = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_be_bytes);
            Some(n.saturating_add(1).to_be_bytes().to_vec())
        };
        let value = self
            .inner
            .trees
            .counters
            .update_and_fetch(key.as_bytes(), bump)?;
        self.inner.flush_now()?;
        value
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| StoreError::Corrupt {
                what: "counters",
                id: key.replace('\0', "/"),
                reason: "not an 8-byte counter".into(),
            })
    }
}

/// Control numbers for connectors, from any store's [`Counters`].
impl<S: Counters> crate::runtime::ControlNumbers for S {
    fn next(&self, connector: &str, sequence: &str) -> Result<u64, String> {
        self.next_number(connector, sequence).map_err(|e| {
            tracing::error!(connector, error = %e, "control number store failed");
            "the hub could not store the control number".to_owned()
        })
    }
}

impl Inner {
    fn check_healthy(&self) -> Result<(), StoreError> {
        match &*self.failed.lock().expect("lock") {
            Some(reason) => Err(StoreError::Unhealthy {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Flush and (per the mode) fsync; the first failure makes the store unhealthy
    /// for good (see [`StoreError::Unhealthy`]).
    fn flush_now(&self) -> Result<(), StoreError> {
        self.check_healthy()?;
        let result = self.flush_and_fsync();
        if let Err(e) = &result {
            let mut failed = self.failed.lock().expect("lock");
            if failed.is_none() {
                tracing::error!(error = %e, "the store could not sync: no more work is acknowledged until the hub is restarted");
                *failed = Some(e.to_string());
            }
        }
        result
    }

    fn flush_and_fsync(&self) -> Result<(), StoreError> {
        #[cfg(test)]
        if self
            .fail_syncs
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(StoreError::Fsync {
                path: self.data_file.clone(),
                source: std::io::Error::other("injected fsync failure"),
            });
        }
        self.db.flush()?;
        if self.mode == SyncMode::Fsync {
            // sled's flush issues sync_file_range, which does not promise the data
            // reaches stable storage; fsync the data file so it does. sled keeps large
            // values as files in `blobs/` (each fdatasynced by sled, but not the
            // folder): fsync the folder so a new blob's name survives a power cut, and
            // the store's own folder for the files sled creates there (snapshots).
            self.fsync(&self.data_file, false)?;
            let blobs = self.dir.join("blobs");
            if blobs.exists() {
                self.fsync(&blobs, true)?;
            }
            self.fsync(&self.dir, true)?;
        }
        Ok(())
    }

    fn fsync(&self, path: &Path, dir: bool) -> Result<(), StoreError> {
        let fail = |source| StoreError::Fsync {
            path: path.to_path_buf(),
            source,
        };
        let f = std::fs::File::open(path).map_err(fail)?;
        if dir { f.sync_all() } else { f.sync_data() }.map_err(fail)?;
        #[cfg(test)]
        self.fsynced.lock().expect("lock").push(path.to_path_buf());
        Ok(())
    }
}

/// Count the messages waiting per destination.
fn count_depths(
    queue_ids: &sled::Tree,
) -> Result<std::collections::HashMap<String, usize>, StoreError> {
    let mut depths = std::collections::HashMap::new();
    for k in queue_ids.iter().keys() {
        let k = k?;
        let dest = k.split(|&b| b == 0).next().unwrap_or_default();
        *depths
            .entry(String::from_utf8_lossy(dest).into_owned())
            .or_default() += 1;
    }
    Ok(depths)
}

/// Move the queue of a store made before the queue was kept in due order (tree
/// `queue`, `<dest> 0 <id>` -> entry) into `queue_due` and `queue_ids`.
fn migrate_queue(db: &sled::Db, trees: &Trees) -> Result<(), StoreError> {
    if !db.tree_names().iter().any(|n| n.as_ref() == b"queue") {
        return Ok(());
    }
    let old = db.open_tree("queue")?;
    let mut moved = 0usize;
    for kv in old.iter() {
        let (k, v) = kv?;
        let mut parts = k.splitn(2, |&b| b == 0);
        let (Some(dest), Some(id)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (dest, id) = (String::from_utf8_lossy(dest), String::from_utf8_lossy(id));
        let entry: QueueEntry = serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
            what: "queue",
            id: id.clone().into_owned(),
            reason: json_error_place(&e),
        })?;
        (&trees.queue_due, &trees.queue_ids, &old).transaction(|(due, ids, old)| {
            due.insert(keys::queue_due_key(&dest, entry.due_ms, &id), v.clone())?;
            ids.insert(
                keys::queue_id_key(&dest, &id),
                entry.due_ms.to_be_bytes().to_vec(),
            )?;
            old.remove(&k)?;
            Ok::<_, ConflictableTransactionError<StoreError>>(())
        })?;
        moved += 1;
    }
    db.drop_tree("queue")?;
    if moved > 0 {
        tracing::info!(
            messages = moved,
            "moved the delivery queue into due-time order"
        );
    }
    db.flush()?;
    Ok(())
}
