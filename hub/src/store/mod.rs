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
mod keys;
mod open;
mod query;
pub mod record;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

pub use crypt::{CryptError, KeyError, MasterKey, ModuleKey};
pub use keys::seen_key;
pub use open::{open_configured, tighten_permissions};
pub use query::{Filter, Page};
pub use record::{Delivery, DeliveryState, ErrorInfo, Record, RecordType, Status, StatusChange};

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
    /// sled failed (disk full, corruption, I/O).
    #[error("store: {0}")]
    Sled(#[from] sled::Error),
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

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}

/// One entry in a destination's delivery queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Not to be tried before this Unix time (ms).
    pub due_ms: u64,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the message entered this queue (Unix ms), for latency metrics.
    pub enqueued_ms: u64,
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
    queue: sled::Tree,
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

/// A transaction's view of the store.
pub struct Tx<'a> {
    records: &'a TransactionalTree,
    raw: &'a TransactionalTree,
    normalized: &'a TransactionalTree,
    idx: &'a TransactionalTree,
    queue: &'a TransactionalTree,
    pending: &'a TransactionalTree,
    seen: &'a TransactionalTree,
    datakeys: &'a TransactionalTree,
    ledger: &'a TransactionalTree,
    key: Option<&'a MasterKey>,
}

pub type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

impl Tx<'_> {
    /// Read a record.
    pub fn get(&self, id: &str) -> TxResult<Option<Record>> {
        match self.records.get(id.as_bytes())? {
            Some(v) => decode_record(id, &v).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    /// Write a record (new or changed) and bring its index entries in step.
    pub fn put(&self, record: &Record) -> TxResult<()> {
        let old = self.get(&record.id)?;
        if let Some(old) = &old {
            for k in keys::index_keys(old) {
                self.idx.remove(k)?;
            }
        }
        for k in keys::index_keys(record) {
            self.idx.insert(k, &[][..])?;
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

    /// Read, change and write a record.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Record)) -> TxResult<Record> {
        let mut r = self
            .get(id)?
            .ok_or_else(|| abort(StoreError::NotFound(id.to_owned())))?;
        f(&mut r);
        self.put(&r)?;
        Ok(r)
    }

    /// Store the raw bytes of an inbound payload, encrypted under the record's
    /// data key (made now, in this transaction, if the record has none).
    pub fn put_raw(&self, id: &str, bytes: &[u8]) -> TxResult<()> {
        let value = self.seal(RAW, id, bytes)?;
        self.raw.insert(id.as_bytes(), value)?;
        Ok(())
    }

    /// Store a message's normalized JSON, encrypted like [`Tx::put_raw`].
    pub fn put_normalized(&self, id: &str, json: &str) -> TxResult<()> {
        let value = self.seal(NORMALIZED, id, json.as_bytes())?;
        self.normalized.insert(id.as_bytes(), value)?;
        Ok(())
    }

    /// Encrypt a payload of record `id` for `tree` under the record's data key.
    fn seal(&self, tree: &'static str, id: &str, plain: &[u8]) -> TxResult<Vec<u8>> {
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
            .encrypt(tree, id, plain)
            .map_err(|e| abort(encrypt_error(tree, id, e)))
    }

    /// Mark an inbound payload as waiting to be decoded (or clear the mark).
    pub fn set_pending(&self, id: &str, pending: bool) -> TxResult<()> {
        if pending {
            self.pending.insert(id.as_bytes(), &[][..])?;
        } else {
            self.pending.remove(id.as_bytes())?;
        }
        Ok(())
    }

    /// Remember that a file was taken in (so a crash before it is moved aside does not take it twice).
    pub fn mark_seen(&self, key: &[u8], inbound_id: &str) -> TxResult<()> {
        self.seen.insert(key, inbound_id.as_bytes())?;
        Ok(())
    }

    /// Put a message in a destination's queue (or replace its entry).
    pub fn enqueue(&self, dest: &str, msg_id: &str, entry: QueueEntry) -> TxResult<()> {
        let v = serde_json::to_vec(&entry).expect("queue entry serializes");
        self.queue.insert(keys::queue_key(dest, msg_id), v)?;
        Ok(())
    }

    /// Take a message out of a destination's queue.
    pub fn dequeue(&self, dest: &str, msg_id: &str) -> TxResult<()> {
        self.queue.remove(keys::queue_key(dest, msg_id))?;
        Ok(())
    }
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
        Store::open_with(dir, mode, None)
    }

    /// Open (or create) the store in `dir` with its master key. A new store
    /// records a check value of the key; an existing one whose check value was
    /// made with another key is refused ([`StoreError::WrongKey`]). Payloads a
    /// version before encryption stored in clear are encrypted now.
    pub fn open_encrypted(dir: &Path, mode: SyncMode, key: MasterKey) -> Result<Store, StoreError> {
        let store = Store::open_with(dir, mode, Some(key))?;
        store.check_key(dir)?;
        Ok(store)
    }

    fn open_with(dir: &Path, mode: SyncMode, key: Option<MasterKey>) -> Result<Store, StoreError> {
        let db = sled::Config::new().path(dir).open()?;
        let trees = Trees {
            records: db.open_tree("records")?,
            raw: db.open_tree("raw")?,
            normalized: db.open_tree("normalized")?,
            idx: db.open_tree("idx")?,
            queue: db.open_tree("queue")?,
            pending: db.open_tree("pending")?,
            seen: db.open_tree("seen")?,
            counters: db.open_tree("counters")?,
            datakeys: db.open_tree(DATAKEYS)?,
            meta: db.open_tree("meta")?,
            ledger: db.open_tree("ledger_pending")?,
        };
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                trees,
                mode,
                key,
                data_file: dir.join("db"),
                written: AtomicU64::new(0),
                synced: AtomicU64::new(0),
                sync_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Run `f` as one atomic transaction over the store. `f` may run more than once
    /// (sled retries on conflict), so it must not have side effects outside `tx`.
    pub fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        let t = &self.inner.trees;
        let key = self.inner.key.as_ref();
        let trees = (
            &t.records,
            &t.raw,
            &t.normalized,
            &t.idx,
            &t.queue,
            &t.pending,
            &t.seen,
            &t.datakeys,
            &t.ledger,
        );
        let out = trees.transaction(
            |(records, raw, normalized, idx, queue, pending, seen, datakeys, ledger)| {
                f(&Tx {
                    records,
                    raw,
                    normalized,
                    idx,
                    queue,
                    pending,
                    seen,
                    datakeys,
                    ledger,
                    key,
                })
            },
        )?;
        self.inner.written.fetch_add(1, Ordering::SeqCst);
        Ok(out)
    }

    /// Make every write made before this call durable, per the store's [`SyncMode`].
    /// Concurrent callers share flushes (group commit).
    pub async fn sync(&self) -> Result<(), StoreError> {
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
            .map_err(|e| {
                StoreError::Sled(sled::Error::ReportableBug(format!("flush task: {e}")))
            })??;
        self.inner.synced.fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }

    /// [`Store::sync`] for callers outside an async runtime.
    pub fn sync_blocking(&self) -> Result<(), StoreError> {
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
            .decrypt(tree, id, value)
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

    /// Up to `limit` entries of `dest`'s queue that are due at `now_ms`, oldest message
    /// first, and the earliest due time among those not yet due.
    pub fn due(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError> {
        let mut due = Vec::new();
        let mut next: Option<u64> = None;
        let prefix = keys::queue_prefix(dest);
        for kv in self.inner.trees.queue.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            let entry: QueueEntry =
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                    what: "queue",
                    id: id.clone(),
                    reason: json_error_place(&e),
                })?;
            if entry.due_ms <= now_ms {
                if due.len() < limit {
                    due.push((id, entry));
                }
            } else {
                next = Some(next.map_or(entry.due_ms, |n: u64| n.min(entry.due_ms)));
            }
        }
        Ok((due, next))
    }

    /// How many messages wait in `dest`'s queue (due or not).
    pub fn queue_depth(&self, dest: &str) -> usize {
        self.inner
            .trees
            .queue
            .scan_prefix(keys::queue_prefix(dest))
            .count()
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

    /// Size of the store on disk, in bytes.
    pub fn size_on_disk(&self) -> u64 {
        self.inner.db.size_on_disk().unwrap_or(0)
    }
}

impl crate::runtime::ControlNumbers for Store {
    /// One counter per connector and sequence in the `counters` tree, incremented
    /// atomically and made durable (per the store's [`SyncMode`]) before the
    /// number is handed out, so a number is never handed out twice.
    fn next(&self, connector: &str, sequence: &str) -> Result<u64, String> {
        let key = format!("{connector}\0{sequence}");
        let bump = |old: Option<&[u8]>| {
            let n = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_be_bytes);
            Some(n.saturating_add(1).to_be_bytes().to_vec())
        };
        let fail = |e: &dyn std::fmt::Display| {
            tracing::error!(connector, error = %e, "control number store failed");
            "the hub could not store the control number".to_owned()
        };
        let value = self
            .inner
            .trees
            .counters
            .update_and_fetch(key.as_bytes(), bump)
            .map_err(|e| fail(&e))?;
        self.inner.flush_now().map_err(|e| fail(&e))?;
        value
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| "the control number counter is corrupt".to_owned())
    }
}

impl Inner {
    fn flush_now(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        if self.mode == SyncMode::Fsync {
            // sled's flush issues sync_file_range, which does not promise the data
            // reaches stable storage; fsync the data file so it does.
            let f = std::fs::File::open(&self.data_file).map_err(|source| StoreError::Fsync {
                path: self.data_file.clone(),
                source,
            })?;
            f.sync_data().map_err(|source| StoreError::Fsync {
                path: self.data_file.clone(),
                source,
            })?;
        }
        Ok(())
    }
}
