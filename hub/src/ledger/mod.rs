//! The claim ledger: one row per claim (billing provider NPI + patient control
//! number + payer), with its lifecycle state derived from every message linked to
//! it (837, TA1/999, 277CA, 277, 835) and the coordinators' actions (notes,
//! assignments, resolutions). The console and `/v1/claims` read it.
//!
//! Durability: the store marks every change of a message of a kind the ledger
//! follows in the same transaction as the change (`ledger_pending`); a worker
//! takes the marks in, in id order, and clears each mark only once what it says is
//! stored, so a crash never loses one (taking a message in twice gives the same
//! result: events are keyed by message id).
//!
//! Storage (trees of its own, in the hub's store): `ledger_claims` (key -> row),
//! `ledger_events` (key, event id -> event), both AES-256-GCM under the ledger's
//! module key; `ledger_ident` and `ledger_pcn` (keyed digest of an identifier,
//! then the claim key: an identifier index that holds no identifier);
//! `ledger_env` (envelope -> claim keys) and `ledger_ackenv` (envelope -> the
//! acknowledgments that named it before the claim's envelope was known); and
//! `console_views` (saved views). A claim key is the hex of a keyed digest, so the
//! console's URLs carry no patient data.
//!
//! In memory: a [`Summary`] of every claim (state, payer, provider, dates, amounts:
//! no PHI), loaded from `ledger_claims` at start and kept in step with every row
//! written, so listing, counting and KPIs over 100,000 claims cost a scan of
//! memory, not of the disk.

mod derive;
mod event;
mod extract;
pub mod query;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use clearway_schemas::Message;
use rust_decimal::Decimal;
use serde::{Serialize, de::DeserializeOwned};

pub use derive::{DAY_MS, Rejection, Row, State, Work, derive, is_denial, payment_state};
pub use event::{
    AckError, Adjustment, ClaimAckEvent, Event, FileAck, PaymentEvent, StatusEvent, StatusTriple,
    Submission, What,
};
pub use extract::{ClaimRef, Envelope, Touch, party_name, touches};

use crate::store::{ModuleKey, Store, StoreError};

const CLAIMS: &str = "ledger_claims";
const EVENTS: &str = "ledger_events";

/// What the in-memory index keeps of one claim: what lists filter and sort on and
/// KPIs add up, nothing that names a patient.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The claim key.
    pub key: Arc<str>,
    /// State.
    pub state: State,
    /// Payer (interned id, else name).
    pub payer: u32,
    /// Billing provider NPI (interned).
    pub provider: u32,
    /// First submission, Unix ms (0 when unmatched).
    pub submitted_ms: u64,
    /// Latest event, Unix ms.
    pub last_ms: u64,
    /// Billed.
    pub billed: Decimal,
    /// Paid (net).
    pub paid: Decimal,
    /// Denied on the latest 835.
    pub denied: Decimal,
    /// Denied on the first 835.
    pub initially_denied_amount: Decimal,
    /// First-pass accepted.
    pub first_pass: bool,
    /// Has an 835.
    pub has_payment: bool,
    /// The first 835 denied it (all or part).
    pub initially_denied: bool,
    /// Whole days from submission to the first 835.
    pub days_to_payment: Option<u64>,
    /// Rejection root cause (interned).
    pub root_cause: Option<u32>,
    /// The denying adjustments' group-CARC codes (interned), e.g. `CO-50`, each with
    /// the dollars it denied.
    pub denial_codes: Vec<(u32, Decimal)>,
    /// Assignee (interned).
    pub assignee: Option<u32>,
    /// Resolved on its worklist.
    pub resolved: bool,
    /// No known submission.
    pub unmatched: bool,
}

/// Strings the index shares between claims.
#[derive(Debug, Default)]
pub struct Interner {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Interner {
    /// The number of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.ids.get(s) {
            return n;
        }
        let n = self.names.len() as u32;
        let a: Arc<str> = Arc::from(s);
        self.names.push(a.clone());
        self.ids.insert(a, n);
        n
    }

    /// The number of `s`, if known.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    /// The string of number `n`.
    pub fn name(&self, n: u32) -> &str {
        self.names.get(n as usize).map_or("", |s| s)
    }
}

/// The in-memory index.
#[derive(Debug, Default)]
pub struct Index {
    /// Every claim by key.
    pub claims: HashMap<Arc<str>, Summary>,
    /// Interned strings.
    pub strings: Interner,
    /// Payer id -> the name last seen for it.
    pub payer_names: HashMap<u32, String>,
    /// Provider NPI -> the name last seen for it.
    pub provider_names: HashMap<u32, String>,
}

impl Index {
    fn put(&mut self, row: &Row) {
        let s = &mut self.strings;
        let payer_key = row
            .payer_id
            .clone()
            .or_else(|| row.payer_name.clone())
            .unwrap_or_default();
        let payer = s.intern(&payer_key);
        let provider = s.intern(row.provider_npi.as_deref().unwrap_or(""));
        let root_cause = row.rejection.as_ref().map(|r| s.intern(&r.root_cause));
        let mut denial_codes: Vec<(u32, Decimal)> = Vec::new();
        for a in &row.denial {
            let code = s.intern(&format!("{}-{}", a.group, a.carc));
            match denial_codes.iter_mut().find(|(c, _)| *c == code) {
                Some((_, d)) => *d += a.amount.0,
                None => denial_codes.push((code, a.amount.0)),
            }
        }
        let assignee = row.work.assignee.as_deref().map(|a| s.intern(a));
        if let Some(n) = &row.payer_name {
            self.payer_names.insert(payer, n.clone());
        }
        if let Some(n) = &row.provider_name {
            self.provider_names.insert(provider, n.clone());
        }
        let key: Arc<str> = self
            .claims
            .get_key_value(row.key.as_str())
            .map_or_else(|| Arc::from(row.key.as_str()), |(k, _)| k.clone());
        let money = |m: Option<clearway_schemas::value::Money>| m.map_or(Decimal::ZERO, |m| m.0);
        self.claims.insert(
            key.clone(),
            Summary {
                key,
                state: row.state,
                payer,
                provider,
                submitted_ms: row.submitted_ms.unwrap_or(0),
                last_ms: row.last_ms,
                billed: money(row.billed),
                paid: money(row.paid),
                denied: row.denied_amount().0,
                initially_denied_amount: row.initially_denied_amount.0,
                first_pass: row.first_pass,
                has_payment: row.first_payment_ms.is_some(),
                initially_denied: row.initially_denied,
                days_to_payment: row.days_to_payment(),
                root_cause,
                denial_codes,
                assignee,
                resolved: row.work.resolved,
                unmatched: row.unmatched,
            },
        );
    }

    /// The payer's display name.
    pub fn payer_label(&self, payer: u32) -> String {
        let id = self.strings.name(payer);
        match self.payer_names.get(&payer) {
            Some(n) if n != id && !id.is_empty() => format!("{n} ({id})"),
            Some(n) => n.clone(),
            None if id.is_empty() => "(no payer)".into(),
            None => id.to_owned(),
        }
    }

    /// The provider's display name.
    pub fn provider_label(&self, provider: u32) -> String {
        let npi = self.strings.name(provider);
        match self.provider_names.get(&provider) {
            Some(n) if !npi.is_empty() => format!("{n} ({npi})"),
            Some(n) => n.clone(),
            None if npi.is_empty() => "(no NPI)".into(),
            None => npi.to_owned(),
        }
    }
}

/// The ledger.
pub struct Ledger {
    store: Store,
    key: ModuleKey,
    claims: sled::Tree,
    events: sled::Tree,
    ident: sled::Tree,
    pcn: sled::Tree,
    env: sled::Tree,
    ackenv: sled::Tree,
    views: sled::Tree,
    index: RwLock<Index>,
    wake: tokio::sync::Notify,
}

/// A ledger failure (the store's, or a value that does not decode).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// sled failed.
    #[error("ledger: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value did not decrypt or decode (names the tree, not the content).
    #[error("ledger: corrupt value in {0}")]
    Corrupt(&'static str),
}

fn corrupt(tree: &'static str) -> impl Fn(crate::store::CryptError) -> LedgerError {
    move |_| LedgerError::Corrupt(tree)
}

impl Ledger {
    /// Open the ledger in `store` (which must have its master key) and load the index.
    pub fn open(store: &Store) -> Result<Ledger, LedgerError> {
        let ledger = Ledger {
            key: store.module_key("ledger")?,
            claims: store.tree(CLAIMS)?,
            events: store.tree(EVENTS)?,
            ident: store.tree("ledger_ident")?,
            pcn: store.tree("ledger_pcn")?,
            env: store.tree("ledger_env")?,
            ackenv: store.tree("ledger_ackenv")?,
            views: store.tree("console_views")?,
            store: store.clone(),
            index: RwLock::new(Index::default()),
            wake: tokio::sync::Notify::new(),
        };
        let mut index = Index::default();
        for kv in ledger.claims.iter() {
            let (k, v) = kv?;
            let row: Row = ledger.open_value(CLAIMS, &k, &v)?;
            index.put(&row);
        }
        *ledger.index.write().expect("ledger index lock") = index;
        Ok(ledger)
    }

    fn seal<T: Serialize>(
        &self,
        tree: &'static str,
        k: &[u8],
        v: &T,
    ) -> Result<Vec<u8>, LedgerError> {
        let plain = serde_json::to_vec(v).map_err(|_| LedgerError::Corrupt(tree))?;
        self.key.seal(tree, k, &plain).map_err(corrupt(tree))
    }

    fn open_value<T: DeserializeOwned>(
        &self,
        tree: &'static str,
        k: &[u8],
        v: &[u8],
    ) -> Result<T, LedgerError> {
        let plain = self.key.open(tree, k, v).map_err(corrupt(tree))?;
        serde_json::from_slice(&plain).map_err(|_| LedgerError::Corrupt(tree))
    }

    /// Read the in-memory index.
    pub fn index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().expect("ledger index lock")
    }

    /// The key of the claim of billing NPI `npi`, patient control number `pcn`, payer `payer`.
    pub fn claim_key(&self, npi: &str, pcn: &str, payer: &str) -> String {
        let text = format!("claim\0{}\0{}\0{}", npi.trim(), pcn.trim(), payer.trim());
        hex::encode(self.key.digest(text.as_bytes()))
    }

    fn ident_digest(&self, kind: &str, value: &str) -> [u8; 16] {
        let norm = value.trim().to_uppercase();
        self.key.digest(format!("{kind}\0{norm}").as_bytes())
    }

    /// A claim's row.
    pub fn row(&self, key: &str) -> Result<Option<Row>, LedgerError> {
        match self.claims.get(key.as_bytes())? {
            Some(v) => Ok(Some(self.open_value(CLAIMS, key.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    /// A claim's events, oldest first.
    pub fn events(&self, key: &str) -> Result<Vec<Event>, LedgerError> {
        let mut prefix = key.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for kv in self.events.scan_prefix(&prefix) {
            let (k, v) = kv?;
            out.push(self.open_value::<Event>(EVENTS, &k, &v)?);
        }
        out.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The claims any identifier names: patient control number, payer claim control
    /// number, member id, check/EFT trace number, NPI, authorization number.
    pub fn search(&self, identifier: &str) -> Result<Vec<String>, LedgerError> {
        let d = self.ident_digest("any", identifier);
        let mut out = Vec::new();
        for kv in self.ident.scan_prefix(d) {
            let (k, _) = kv?;
            out.push(String::from_utf8_lossy(&k[16..]).into_owned());
        }
        Ok(out)
    }

    fn keys_by_pcn(&self, pcn: &str) -> Result<Vec<String>, LedgerError> {
        let d = self.ident_digest("pcn", pcn);
        let mut out = Vec::new();
        for kv in self.pcn.scan_prefix(d) {
            let (k, _) = kv?;
            out.push(String::from_utf8_lossy(&k[16..]).into_owned());
        }
        Ok(out)
    }

    fn index_ident(&self, key: &str, values: &[&str]) -> Result<(), LedgerError> {
        for v in values.iter().filter(|v| !v.trim().is_empty()) {
            let mut k = self.ident_digest("any", v).to_vec();
            k.extend_from_slice(key.as_bytes());
            self.ident.insert(k, &[][..])?;
        }
        Ok(())
    }

    fn put_event(&self, key: &str, event: &Event) -> Result<(), LedgerError> {
        let mut k = key.as_bytes().to_vec();
        k.push(0);
        k.extend_from_slice(event.id.as_bytes());
        let v = self.seal(EVENTS, &k, event)?;
        self.events.insert(k, v)?;
        Ok(())
    }

    /// Derive and store claim `key`'s row from its events, and update the index.
    fn recompute(&self, key: &str) -> Result<Row, LedgerError> {
        let mut events = self.events(key)?;
        let row = derive(key, &mut events);
        let v = self.seal(CLAIMS, key.as_bytes(), &row)?;
        self.claims.insert(key.as_bytes(), v)?;
        let mut ids: Vec<&str> = vec![row.pcn.as_str()];
        ids.extend(row.payer_icn.as_deref());
        ids.extend(row.check_numbers.iter().map(String::as_str));
        ids.extend(row.member_id.as_deref());
        ids.extend(row.provider_npi.as_deref());
        ids.extend(row.authorization_numbers.iter().map(String::as_str));
        self.index_ident(key, &ids)?;
        let mut pk = self.ident_digest("pcn", &row.pcn).to_vec();
        pk.extend_from_slice(key.as_bytes());
        self.pcn.insert(pk, &[][..])?;
        self.index.write().expect("ledger index lock").put(&row);
        Ok(row)
    }

    /// Which known claim an answer is about: among the claims with its patient
    /// control number, the one with its payer claim number, else its NPI, else its
    /// charge, else the latest submitted. `None` when no claim has that number.
    fn resolve(&self, r: &ClaimRef) -> Result<Option<String>, LedgerError> {
        let keys = self.keys_by_pcn(&r.pcn)?;
        let mut rows = Vec::new();
        for k in keys {
            if let Some(row) = self.row(&k)?
                && !row.unmatched
            {
                rows.push(row);
            }
        }
        if rows.is_empty() {
            return Ok(None);
        }
        // Narrow by each clue in turn, keeping a clue only when some claim fits it.
        let narrow = |rows: Vec<Row>, f: &dyn Fn(&Row) -> bool| -> Vec<Row> {
            if rows.iter().any(f) {
                rows.into_iter().filter(|r| f(r)).collect()
            } else {
                rows
            }
        };
        if let Some(icn) = &r.payer_icn {
            rows = narrow(rows, &|row| row.payer_icn.as_ref() == Some(icn));
        }
        if let Some(npi) = &r.npi {
            rows = narrow(rows, &|row| row.provider_npi.as_ref() == Some(npi));
        }
        if let Some(c) = r.charge {
            rows = narrow(rows, &|row| row.billed.is_some_and(|b| b.0 == c.0));
        }
        // Two claims alike in every clue: the one without an answer of this kind
        // yet, the earliest submitted first (answers come in the order claims went).
        rows = narrow(rows, &|row| match r.answer {
            extract::Answer::ClaimAck => {
                matches!(row.state, State::Submitted | State::FileRejected)
            }
            extract::Answer::Status => true,
            extract::Answer::Payment => row.first_payment_ms.is_none(),
        });
        rows.sort_by_key(|r| (r.submitted_ms, r.key.clone()));
        let pick = match r.answer {
            extract::Answer::Status => rows.last(),
            _ => rows.first(),
        };
        Ok(pick.map(|r| r.key.clone()))
    }

    /// Take in message `id` (what the worker does for each mark). Returns the claim
    /// keys it touched.
    pub fn apply(&self, id: &str) -> Result<Vec<String>, LedgerError> {
        let Some(record) = self.store.get(id)? else {
            return Ok(Vec::new());
        };
        let json = match self.store.normalized(id) {
            Ok(Some(j)) => j,
            Ok(None) | Err(StoreError::Destroyed { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let Ok(message) = serde_json::from_str::<Message>(&json) else {
            tracing::warn!(message = %id, "ledger: a stored message does not parse; skipped");
            return Ok(Vec::new());
        };
        let at_ms = ulid::Ulid::from_string(id).map_or(0, |u| u.timestamp_ms());
        let mut touched = BTreeSet::new();
        let all = touches(id, at_ms, record.status.as_str(), &message);
        let many = all.len() > 1;
        for (n, mut touch) in all.into_iter().enumerate() {
            if many {
                let e = match &mut touch {
                    Touch::Claim { event, .. }
                    | Touch::Answer { event, .. }
                    | Touch::File { event, .. } => event,
                };
                e.id = format!("{id}.{n}");
            }
            match touch {
                Touch::Claim {
                    npi,
                    pcn,
                    payer,
                    envelopes,
                    event,
                } => {
                    let key = self.claim_key(&npi, &pcn, &payer);
                    self.put_event(&key, &event)?;
                    self.adopt_unmatched(&key, &pcn)?;
                    for env in &envelopes {
                        self.learn_envelope(&key, env)?;
                    }
                    touched.insert(key);
                }
                Touch::Answer { claim, event } => {
                    let key = match self.resolve(&claim)? {
                        Some(k) => k,
                        None => self.claim_key(
                            claim.npi.as_deref().unwrap_or(""),
                            &claim.pcn,
                            claim.payer_id.as_deref().unwrap_or(""),
                        ),
                    };
                    self.put_event(&key, &event)?;
                    touched.insert(key);
                }
                Touch::File { envelope, event } => {
                    let mut k = envelope.key();
                    k.extend_from_slice(id.as_bytes());
                    self.ackenv.insert(k, &[][..])?;
                    for key in self.keys_by_envelope(&envelope)? {
                        self.put_event(&key, &event)?;
                        touched.insert(key);
                    }
                }
            }
        }
        for key in &touched {
            self.recompute(key)?;
        }
        Ok(touched.into_iter().collect())
    }

    fn keys_by_envelope(&self, env: &Envelope) -> Result<Vec<String>, LedgerError> {
        let prefix = env.key();
        let mut out = Vec::new();
        for kv in self.env.scan_prefix(&prefix) {
            let (k, _) = kv?;
            out.push(String::from_utf8_lossy(&k[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// Record that claim `key` was sent in `env`; acknowledgments that named `env`
    /// before are taken in again, now that they have a claim to go to.
    pub fn learn_envelope(&self, key: &str, env: &Envelope) -> Result<(), LedgerError> {
        let mut k = env.key();
        k.extend_from_slice(key.as_bytes());
        if self.env.insert(k, &[][..])?.is_some() {
            return Ok(());
        }
        let prefix = env.key();
        for kv in self.ackenv.scan_prefix(&prefix) {
            let (k, _) = kv?;
            let ack = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            self.store.ledger_mark(&ack)?;
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Claims the hub sent in a format with acknowledgments (X12): read back, with
    /// the destination's connector, the payload that carried `sent` (message id,
    /// normalized JSON), and learn the envelope (interchange, group and transaction
    /// control numbers) each claim went in, so the TA1/999 that answers that file
    /// finds its claims. The connector is the only one that knows the format: the
    /// hub parses nothing itself. A payload that does not decode teaches nothing.
    pub fn learn_sent(
        &self,
        plugin: &crate::runtime::Plugin,
        payload: &[u8],
        sent: &[(String, String)],
    ) -> Result<usize, LedgerError> {
        let meta = crate::runtime::InboundMeta {
            inbound_id: sent.first().map_or_else(String::new, |(id, _)| id.clone()),
            endpoint: String::new(),
            content_type: None,
            filename: None,
            received_at: crate::store::record::now_rfc3339(),
        };
        let Ok(decoded) = plugin.decode(payload, &meta) else {
            return Ok(0);
        };
        // The claims' keys by patient control number, from what was sent.
        let mut keys: HashMap<String, String> = HashMap::new();
        for (id, json) in sent {
            let Ok(m) = serde_json::from_str::<Message>(json) else {
                continue;
            };
            for t in touches(id, 0, "", &m) {
                if let Touch::Claim {
                    npi, pcn, payer, ..
                } = t
                {
                    keys.insert(pcn.clone(), self.claim_key(&npi, &pcn, &payer));
                }
            }
        }
        let mut learned = 0;
        for json in decoded {
            let Ok(m) = serde_json::from_str::<Message>(&json) else {
                continue;
            };
            for t in touches("", 0, "", &m) {
                if let Touch::Claim { pcn, envelopes, .. } = t
                    && let Some(key) = keys.get(&pcn)
                {
                    for env in &envelopes {
                        self.learn_envelope(key, env)?;
                        learned += 1;
                    }
                }
            }
        }
        self.store.note_write();
        Ok(learned)
    }

    /// A claim arrived after answers about it that found no claim: their events
    /// move to it.
    fn adopt_unmatched(&self, key: &str, pcn: &str) -> Result<(), LedgerError> {
        for other in self.keys_by_pcn(pcn)? {
            if other == key {
                continue;
            }
            let Some(row) = self.row(&other)? else {
                continue;
            };
            if !row.unmatched {
                continue;
            }
            for e in self.events(&other)? {
                self.put_event(key, &e)?;
            }
            self.forget(&other)?;
        }
        Ok(())
    }

    fn forget(&self, key: &str) -> Result<(), LedgerError> {
        let mut prefix = key.as_bytes().to_vec();
        prefix.push(0);
        for kv in self.events.scan_prefix(&prefix) {
            let (k, _) = kv?;
            self.events.remove(k)?;
        }
        self.claims.remove(key.as_bytes())?;
        self.index
            .write()
            .expect("ledger index lock")
            .claims
            .remove(key);
        Ok(())
    }

    /// Add a coordinator action (note, assignment, resolution) to claim `key`.
    pub fn act(&self, key: &str, what: What) -> Result<Row, LedgerError> {
        let event = Event {
            id: ulid::Ulid::new().to_string(),
            at_ms: crate::store::record::now_ms(),
            what,
        };
        self.put_event(key, &event)?;
        let row = self.recompute(key)?;
        self.store.note_write();
        Ok(row)
    }

    /// Take in every pending mark, in batches; returns how many. A message that
    /// fails keeps its mark (tried again on the next round) without holding back the
    /// others; a round in which nothing could be taken in is an error.
    pub fn drain(&self) -> Result<usize, LedgerError> {
        let mut total = 0;
        loop {
            let batch = self.store.ledger_pending(512)?;
            let mut done = Vec::with_capacity(batch.len());
            let mut failed = None;
            for (id, mark) in batch {
                match self.apply(&id) {
                    Ok(_) => done.push((id, mark)),
                    Err(e) => {
                        tracing::error!(message = %id, error = %e, "ledger: taking a message in failed; it stays marked");
                        failed = Some(e);
                    }
                }
            }
            if done.is_empty() {
                return match failed {
                    Some(e) => Err(e),
                    None => Ok(total),
                };
            }
            total += done.len();
            self.store.ledger_done(&done)?;
        }
    }

    /// Wake the worker (something was marked).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Run the worker forever: drain, then wait for a wake or a short poll.
    pub async fn run(self: Arc<Self>) {
        loop {
            let l = self.clone();
            match tokio::task::spawn_blocking(move || l.drain()).await {
                Ok(Ok(n)) if n > 0 => {
                    let _ = self.store.sync().await;
                    continue;
                }
                Ok(Ok(_)) => {}
                Ok(Err(_)) | Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
            let _ = tokio::time::timeout(Duration::from_millis(250), self.wake.notified()).await;
        }
    }

    /// The saved views of `user`: (name, query string).
    pub fn views(&self, user: &str) -> Result<Vec<(String, String)>, LedgerError> {
        let prefix = format!("{user}\0");
        let mut out = Vec::new();
        for kv in self.views.scan_prefix(prefix.as_bytes()) {
            let (k, v) = kv?;
            out.push((
                String::from_utf8_lossy(&k[prefix.len()..]).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            ));
        }
        Ok(out)
    }

    /// Save (or replace) a view of `user`.
    pub fn save_view(&self, user: &str, name: &str, query: &str) -> Result<(), LedgerError> {
        self.views
            .insert(format!("{user}\0{name}").as_bytes(), query.as_bytes())?;
        self.store.note_write();
        Ok(())
    }

    /// Delete a view of `user`.
    pub fn delete_view(&self, user: &str, name: &str) -> Result<(), LedgerError> {
        self.views.remove(format!("{user}\0{name}").as_bytes())?;
        self.store.note_write();
        Ok(())
    }

    /// Make the ledger's writes durable.
    pub async fn sync(&self) -> Result<(), LedgerError> {
        Ok(self.store.sync().await?)
    }
}
