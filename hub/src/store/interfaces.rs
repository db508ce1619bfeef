//! The store's seam: what the pipeline needs from a store, as narrow interfaces
//! that name no sled type. [`super::Store`] (sled) is one implementation; another
//! (several hubs sharing NATS JetStream: a KV bucket for the message log, an
//! object store for payloads, a work-queue stream per destination) implements the
//! same traits and the pipeline does not change.
//!
//! - [`MessageLog`]: records with their status history and indexes, listings and
//!   timelines, the inbound payloads waiting to be decoded, the files taken in,
//!   and the feed of changes the claim ledger follows.
//! - [`Payloads`]: the raw and normalized bytes of each record (encrypted at rest).
//! - [`DeliveryQueue`]: each destination's queue in due (and arrival) order and the
//!   payloads kept for retries.
//! - [`Counters`]: numbers handed out once (X12 control numbers).
//! - [`UnitsOfWork`]: atomic changes across the four ([`Writes`], the view one
//!   change gets), durability ([`UnitsOfWork::sync`]) and health.
//!
//! [`HubStore`] is all of them: what the hub holds (`Arc<dyn HubStore>`). A change
//! is one [`UnitsOfWork::transact`] call whose closure may run more than once
//! (a backend retries on conflict), so it has no side effects outside its
//! [`Writes`]. A backend without multi-key transactions must make each change
//! idempotent and apply it log first, queue last, so a crash between the parts
//! leaves a record that recovery finds (see docs/operations.md, "Durability").

use std::future::Future;
use std::pin::Pin;

use super::query::{Filter, Page};
use super::record::Record;
use super::{Due, Outgoing, QueueEntry, StoreError, StoreStats};

/// A future of a store call.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a change did not commit. Opaque: a [`StoreError`] the change gave up with
/// ([`TxError::abort`]), or a conflict the backend retries by itself.
#[derive(Debug)]
pub struct TxError(pub(super) TxFailure);

#[derive(Debug)]
pub(super) enum TxFailure {
    /// Give up with this error.
    Abort(StoreError),
    /// Another change got there first: the backend runs the closure again.
    Conflict,
}

impl TxError {
    /// Give up the change with `e` (returned by `transact`).
    pub fn abort(e: StoreError) -> TxError {
        TxError(TxFailure::Abort(e))
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::abort(e)
    }
}

/// What a step of a change returns.
pub type TxResult<T> = Result<T, TxError>;

/// The view of the store one change gets: reads see its own writes, and either
/// every write commits or none does.
pub trait Writes {
    /// Read a record.
    fn get(&self, id: &str) -> TxResult<Option<Record>>;
    /// Write a record (new or changed) and bring its index entries in step.
    fn put(&self, record: &Record) -> TxResult<()>;
    /// Read, change and write a record (`update` on `dyn Writes` is the generic form).
    fn update_with(&self, id: &str, f: &mut dyn FnMut(&mut Record)) -> TxResult<Record>;
    /// Store the raw bytes of an inbound payload (encrypted under the record's data
    /// key, made now if the record has none).
    fn put_raw(&self, id: &str, bytes: &[u8]) -> TxResult<()>;
    /// Store a message's normalized JSON (encrypted like [`Writes::put_raw`]).
    fn put_normalized(&self, id: &str, json: &str) -> TxResult<()>;
    /// Mark an inbound payload as waiting to be decoded (or clear the mark).
    fn set_pending(&self, id: &str, pending: bool) -> TxResult<()>;
    /// Remember that a file was taken in as `inbound_id` (so a crash before it is
    /// moved aside does not take it twice).
    fn mark_seen(&self, key: &[u8], inbound_id: &str) -> TxResult<()>;
    /// Put a message in a destination's queue (or replace its entry).
    fn enqueue(&self, dest: &str, msg_id: &str, entry: QueueEntry) -> TxResult<()>;
    /// Take a message out of a destination's queue.
    fn dequeue(&self, dest: &str, msg_id: &str) -> TxResult<()>;
    /// Keep the payload a destination was (or is about to be) sent, under its
    /// first message's id, for retries.
    fn put_outgoing(&self, dest: &str, out: &Outgoing) -> TxResult<()>;
    /// Forget a payload kept by [`Writes::put_outgoing`].
    fn remove_outgoing(&self, dest: &str, first: &str) -> TxResult<()>;
}

/// A change's view of the store, as the pipeline names it.
pub type Tx<'a> = dyn Writes + 'a;

impl dyn Writes + '_ {
    /// Read, change and write a record.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Record)) -> TxResult<Record> {
        let mut f = Some(f);
        self.update_with(id, &mut |r| {
            if let Some(f) = f.take() {
                f(r)
            }
        })
    }
}

/// Records, their history and indexes.
pub trait MessageLog: Send + Sync {
    /// A record by id.
    fn get(&self, id: &str) -> Result<Option<Record>, StoreError>;
    /// One page of records matching `filter`, newest first, after `cursor` (the
    /// last id of the previous page).
    fn list(&self, filter: &Filter, cursor: Option<&str>, limit: usize)
    -> Result<Page, StoreError>;
    /// Every message whose correlation keys include `key`, oldest first.
    fn timeline(&self, key: &str) -> Result<Vec<Record>, StoreError>;
    /// One page of [`MessageLog::timeline`] after record `after`, and the next cursor.
    fn timeline_page(
        &self,
        key: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Record>, Option<String>), StoreError>;
    /// Inbound payloads stored but not yet decoded (after a crash), oldest first.
    fn pending(&self) -> Result<Vec<String>, StoreError>;
    /// The inbound id a file was taken in as, if it was.
    fn seen(&self, key: &[u8]) -> Result<Option<String>, StoreError>;
    /// Forget a file taken in (once it is moved aside).
    fn forget_seen(&self, key: &[u8]) -> Result<(), StoreError>;
    /// Up to `limit` messages the claim ledger has yet to take in, in id order,
    /// each with its mark to give back to [`MessageLog::ledger_done`].
    fn ledger_pending(&self, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Clear the ledger marks of `done` that were not set again meanwhile.
    fn ledger_done(&self, done: &[(String, Vec<u8>)]) -> Result<(), StoreError>;
    /// Mark message `id` for the ledger to take in again.
    fn ledger_mark(&self, id: &str) -> Result<(), StoreError>;
}

/// The bytes of each record: its raw inbound payload and its normalized message.
pub trait Payloads: Send + Sync {
    /// The raw bytes of an inbound payload, decrypted.
    fn raw(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The normalized JSON of a message, decrypted.
    fn normalized(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Destroy record `id`'s payloads for good (its data key first).
    fn destroy_payload(&self, id: &str) -> Result<(), StoreError>;
}

/// Each destination's delivery queue.
pub trait DeliveryQueue: Send + Sync {
    /// Up to `limit` entries of `dest`'s queue due at `now_ms`, earliest due first,
    /// and when the first one not yet due is due. Costs O(due), not O(queue).
    fn due(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError>;
    /// The first entries of `dest`'s queue in arrival order while they are due,
    /// and the due time of the first that is not (an ordered destination).
    fn head(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError>;
    /// The entry of message `id` in `dest`'s queue, if it is queued there.
    fn queue_entry(&self, dest: &str, id: &str) -> Result<Option<QueueEntry>, StoreError>;
    /// How many messages wait in `dest`'s queue (due or not).
    fn queue_depth(&self, dest: &str) -> usize;
    /// Every destination's queue depth.
    fn queue_depths(&self) -> Vec<(String, usize)>;
    /// When the oldest message waiting in `dest`'s queue was made (Unix ms).
    fn oldest_queued_ms(&self, dest: &str) -> Result<Option<u64>, StoreError>;
    /// The payload kept for `dest` under message `first`.
    fn outgoing(&self, dest: &str, first: &str) -> Result<Option<Outgoing>, StoreError>;
}

/// Numbers handed out once, durable before they are returned.
pub trait Counters: Send + Sync {
    /// The next number of `sequence` for `scope` (a connector), starting at 1.
    fn next_number(&self, scope: &str, sequence: &str) -> Result<u64, StoreError>;
}

/// Atomic changes, durability and health.
pub trait UnitsOfWork: Send + Sync {
    /// Run `f` as one atomic change (`transact` on `dyn UnitsOfWork` is the generic form).
    fn transact_with(&self, f: &dyn Fn(&Tx<'_>) -> TxResult<()>) -> Result<(), StoreError>;
    /// Make every change committed before this call durable (per the configured
    /// durability); concurrent callers share the work.
    fn sync(&self) -> StoreFuture<'_, ()>;
    /// [`UnitsOfWork::sync`] for callers outside an async runtime.
    fn sync_blocking(&self) -> Result<(), StoreError>;
    /// Why the store takes no more work, if it does not (a sync failed).
    fn unhealthy(&self) -> Option<String>;
    /// What the store holds (O(store size)).
    fn stats(&self) -> Result<StoreStats, StoreError>;
}

impl dyn UnitsOfWork + '_ {
    /// Run `f` as one atomic change and return what it returned. `f` may run more
    /// than once, so it must not have side effects outside its [`Writes`].
    pub fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        transact(self, f)
    }
}

impl dyn HubStore + '_ {
    /// `transact` on the whole store.
    pub fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        transact(self, f)
    }
}

fn transact<T, S: UnitsOfWork + ?Sized>(
    store: &S,
    f: impl Fn(&Tx<'_>) -> TxResult<T>,
) -> Result<T, StoreError> {
    let out = std::cell::RefCell::new(None);
    store.transact_with(&|tx| {
        let v = f(tx)?;
        *out.borrow_mut() = Some(v);
        Ok(())
    })?;
    Ok(out
        .into_inner()
        .expect("a committed change ran its closure to the end"))
}

/// Everything the hub needs from a store.
pub trait HubStore: MessageLog + Payloads + DeliveryQueue + Counters + UnitsOfWork {}

impl<S: MessageLog + Payloads + DeliveryQueue + Counters + UnitsOfWork> HubStore for S {}
