//! The audit log: who read which PHI, replayed what, logged in or failed to, and
//! changed which credential. Append-only, in the store's `audit` tree; each entry
//! carries the SHA-256 of the entry before it and a head record holds the last
//! entry's hash, so [`Audit::verify`] finds an entry edited, deleted or added out
//! of order. Entries hold ids, never payload content.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::record::{now_ms, rfc3339_ms};
use crate::store::{Store, StoreError};

const HEAD: &[u8] = b"head";
const ENTRY_PREFIX: &[u8] = b"e/";
/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: a token's or a person's name, or `cli` for the command line on the data dir.
    pub actor: String,
    /// Their role, if they had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What, e.g. `message.read`, `login.failed`, `token.create`.
    pub action: String,
    /// The records (or credential names) it concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// The source address, for requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `ok`, `denied`, or a failure code.
    pub outcome: String,
    /// SHA-256 (hex) of the previous entry as stored.
    pub prev: String,
}

/// What to record; the log adds the position, the time and the chain.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// Who.
    pub actor: String,
    /// Their role.
    pub role: Option<String>,
    /// What.
    pub action: String,
    /// Which records.
    pub records: Vec<String>,
    /// From where.
    pub source: Option<String>,
    /// How it went.
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Head {
    seq: u64,
    #[serde(with = "hex_hash")]
    hash: [u8; 32],
}

mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(&s).map_err(serde::de::Error::custom)?;
        <[u8; 32]>::try_from(v).map_err(|_| serde::de::Error::custom("not 32 bytes"))
    }
}

/// A problem `verify` found, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The entry's position.
    pub seq: u64,
    /// What is wrong with it.
    pub problem: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's hash (write it down elsewhere to detect a rewritten chain).
    pub head: String,
    /// Every problem, in log order; empty when the log is intact.
    pub broken: Vec<Broken>,
}

/// Filters of `list`.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only actions starting with this (e.g. `login` matches `login.failed`).
    pub action: Option<String>,
    /// Only entries that concern this record id.
    pub record: Option<String>,
    /// Only entries at or after this Unix time (ms).
    pub since_ms: Option<u64>,
    /// Only entries before this Unix time (ms).
    pub until_ms: Option<u64>,
    /// Only entries before this position (the cursor of the previous page).
    pub before: Option<u64>,
    /// Page size.
    pub limit: usize,
}

/// The audit log of one store.
pub struct Audit {
    store: Store,
    tree: sled::Tree,
    append: Mutex<()>,
}

fn entry_key(seq: u64) -> Vec<u8> {
    let mut k = ENTRY_PREFIX.to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        what: "audit",
        id: what.to_owned(),
        reason: "not a valid audit record".into(),
    }
}

impl Audit {
    /// The audit log kept in `store`.
    pub fn open(store: &Store) -> Result<Audit, StoreError> {
        Ok(Audit {
            store: store.clone(),
            tree: store.tree("audit")?,
            append: Mutex::new(()),
        })
    }

    /// Append an entry (durable with the store's next sync; see [`Audit::record`]).
    pub fn append(&self, e: Event) -> Result<Entry, StoreError> {
        let _guard = self.append.lock().unwrap_or_else(|p| p.into_inner());
        let head = match self.tree.get(HEAD)? {
            Some(v) => serde_json::from_slice::<Head>(&v).map_err(|_| corrupt("head"))?,
            None => Head {
                seq: 0,
                hash: [0; 32],
            },
        };
        let entry = Entry {
            seq: head.seq + 1,
            at: rfc3339_ms(now_ms()),
            actor: e.actor,
            role: e.role,
            action: e.action,
            records: e.records,
            source: e.source,
            outcome: e.outcome,
            prev: hex::encode(head.hash),
        };
        let bytes = serde_json::to_vec(&entry).expect("audit entries serialize");
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        let new_head = serde_json::to_vec(&Head {
            seq: entry.seq,
            hash,
        })
        .expect("audit head serializes");
        let mut batch = sled::Batch::default();
        batch.insert(entry_key(entry.seq), bytes);
        batch.insert(HEAD, new_head);
        self.tree.apply_batch(batch)?;
        self.store.note_write();
        Ok(entry)
    }

    /// Append an entry and make it durable before returning. A failure is logged
    /// (without the entry's content) and returned.
    pub async fn record(&self, e: Event) -> Result<Entry, StoreError> {
        let action = e.action.clone();
        let out = self.append(e);
        let out = match out {
            Ok(entry) => self.store.sync().await.map(|()| entry),
            Err(err) => Err(err),
        };
        if let Err(err) = &out {
            tracing::error!(%action, error = %err, "could not write the audit entry");
        }
        out
    }

    /// Entries newest first, filtered; and the cursor of the next page.
    pub fn list(&self, q: &Query) -> Result<(Vec<Entry>, Option<u64>), StoreError> {
        let upper = q.before.map_or_else(|| entry_key(u64::MAX), entry_key);
        let mut out = Vec::new();
        for kv in self.tree.range(ENTRY_PREFIX.to_vec()..upper).rev() {
            let (k, v) = kv?;
            let seq = k
                .get(2..10)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_be_bytes);
            let e: Entry = serde_json::from_slice(&v).map_err(|_| corrupt(&seq.to_string()))?;
            let ms = crate::store::record::parse_time_ms(&e.at).unwrap_or(0);
            if q.until_ms.is_some_and(|u| ms >= u) {
                continue;
            }
            if q.since_ms.is_some_and(|s| ms < s) {
                break;
            }
            let keep = q.actor.as_deref().is_none_or(|a| a == e.actor)
                && q.action.as_deref().is_none_or(|a| e.action.starts_with(a))
                && q.record
                    .as_deref()
                    .is_none_or(|r| e.records.iter().any(|x| x == r));
            if keep {
                if out.len() == q.limit {
                    let next = out.last().map(|e: &Entry| e.seq);
                    return Ok((out, next));
                }
                out.push(e);
            }
        }
        Ok((out, None))
    }

    /// Walk the whole chain and report every entry that was edited, deleted,
    /// inserted or is unreadable.
    pub fn verify(&self) -> Result<Verified, StoreError> {
        let mut broken = Vec::new();
        let mut expected_seq = 1u64;
        let mut prev_hash = [0u8; 32];
        let mut count = 0u64;
        for kv in self.tree.scan_prefix(ENTRY_PREFIX) {
            let (k, v) = kv?;
            count += 1;
            let Some(seq) = k
                .get(2..10)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
            else {
                broken.push(Broken {
                    seq: 0,
                    problem: "an entry with a malformed key".into(),
                });
                continue;
            };
            if seq != expected_seq {
                for missing in expected_seq..seq.min(expected_seq + 100) {
                    broken.push(Broken {
                        seq: missing,
                        problem: "missing (deleted)".into(),
                    });
                }
            }
            match serde_json::from_slice::<Entry>(&v) {
                Err(_) => broken.push(Broken {
                    seq,
                    problem: "not a valid audit entry (edited)".into(),
                }),
                Ok(e) => {
                    if e.seq != seq {
                        broken.push(Broken {
                            seq,
                            problem: format!("says it is entry {} (moved)", e.seq),
                        });
                    }
                    if e.prev != hex::encode(prev_hash) && seq > 1 {
                        broken.push(Broken {
                            seq: seq - 1,
                            problem: format!(
                                "edited: its hash no longer matches the `prev` of entry {seq}"
                            ),
                        });
                    } else if e.prev != hex::encode(prev_hash) {
                        broken.push(Broken {
                            seq,
                            problem: "edited: the first entry's `prev` is not the genesis value"
                                .into(),
                        });
                    }
                }
            }
            prev_hash = Sha256::digest(&v).into();
            expected_seq = seq + 1;
        }
        let last = expected_seq - 1;
        match self.tree.get(HEAD)? {
            None if count == 0 => {}
            None => broken.push(Broken {
                seq: last,
                problem: "the log's head record is missing".into(),
            }),
            Some(h) => match serde_json::from_slice::<Head>(&h) {
                Err(_) => broken.push(Broken {
                    seq: last,
                    problem: "the log's head record is unreadable".into(),
                }),
                Ok(h) if h.seq != last => broken.push(Broken {
                    seq: h.seq,
                    problem: format!(
                        "the head says the last entry is {}, but the log ends at {last} (deleted)",
                        h.seq
                    ),
                }),
                Ok(h) if h.hash != prev_hash => broken.push(Broken {
                    seq: last,
                    problem: "the last entry does not match the head's hash (edited)".into(),
                }),
                Ok(_) => {}
            },
        }
        Ok(Verified {
            entries: count,
            head: hex::encode(prev_hash),
            broken,
        })
    }
}
