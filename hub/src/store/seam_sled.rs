//! [`Store`] (sled) as the implementation of the store's seam ([`super::interfaces`]).
//! Each call is the inherent method of the same name.

use super::interfaces::{
    Counters, DeliveryQueue, MessageLog, Payloads, StoreFuture, Tx, TxResult, UnitsOfWork,
};
use super::query::{Filter, Page};
use super::record::Record;
use super::{Due, Outgoing, QueueEntry, Store, StoreError, StoreStats};

impl MessageLog for Store {
    fn get(&self, id: &str) -> Result<Option<Record>, StoreError> {
        Store::get(self, id)
    }
    fn list(
        &self,
        filter: &Filter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        Store::list(self, filter, cursor, limit)
    }
    fn timeline(&self, key: &str) -> Result<Vec<Record>, StoreError> {
        Store::timeline(self, key)
    }
    fn timeline_page(
        &self,
        key: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Record>, Option<String>), StoreError> {
        Store::timeline_page(self, key, after, limit)
    }
    fn pending(&self) -> Result<Vec<String>, StoreError> {
        Store::pending(self)
    }
    fn seen(&self, key: &[u8]) -> Result<Option<String>, StoreError> {
        Store::seen(self, key)
    }
    fn forget_seen(&self, key: &[u8]) -> Result<(), StoreError> {
        Store::forget_seen(self, key)
    }
    fn ledger_pending(&self, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Store::ledger_pending(self, limit)
    }
    fn ledger_done(&self, done: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        Store::ledger_done(self, done)
    }
    fn ledger_mark(&self, id: &str) -> Result<(), StoreError> {
        Store::ledger_mark(self, id)
    }
}

impl Payloads for Store {
    fn raw(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Store::raw(self, id)
    }
    fn normalized(&self, id: &str) -> Result<Option<String>, StoreError> {
        Store::normalized(self, id)
    }
    fn destroy_payload(&self, id: &str) -> Result<(), StoreError> {
        Store::destroy_payload(self, id)
    }
}

impl DeliveryQueue for Store {
    fn due(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError> {
        Store::due(self, dest, now_ms, limit)
    }
    fn head(&self, dest: &str, now_ms: u64, limit: usize) -> Result<Due, StoreError> {
        Store::head(self, dest, now_ms, limit)
    }
    fn queue_entry(&self, dest: &str, id: &str) -> Result<Option<QueueEntry>, StoreError> {
        Store::queue_entry(self, dest, id)
    }
    fn queue_depth(&self, dest: &str) -> usize {
        Store::queue_depth(self, dest)
    }
    fn queue_depths(&self) -> Vec<(String, usize)> {
        Store::queue_depths(self)
    }
    fn oldest_queued_ms(&self, dest: &str) -> Result<Option<u64>, StoreError> {
        Store::oldest_queued_ms(self, dest)
    }
    fn outgoing(&self, dest: &str, first: &str) -> Result<Option<Outgoing>, StoreError> {
        Store::outgoing(self, dest, first)
    }
}

impl Counters for Store {
    fn next_number(&self, scope: &str, sequence: &str) -> Result<u64, StoreError> {
        Store::next_number(self, scope, sequence)
    }
}

impl UnitsOfWork for Store {
    fn transact_with(&self, f: &dyn Fn(&Tx<'_>) -> TxResult<()>) -> Result<(), StoreError> {
        Store::transact(self, f)
    }
    fn sync(&self) -> StoreFuture<'_, ()> {
        Box::pin(Store::sync(self))
    }
    fn sync_blocking(&self) -> Result<(), StoreError> {
        Store::sync_blocking(self)
    }
    fn unhealthy(&self) -> Option<String> {
        Store::unhealthy(self)
    }
    fn stats(&self) -> Result<StoreStats, StoreError> {
        Store::stats(self)
    }
}
