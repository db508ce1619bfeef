//! The senders: HTTP posters on keep-alive connections and a folder writer. Each
//! records what the hub acknowledged (a 202; a file moved into `processed/`); what
//! was not acknowledged is not checked.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::payload::claim;
use super::rng::Rng;

/// One acknowledged message.
#[derive(Debug, Clone)]
pub struct Acked {
    /// Its unique claim id.
    pub claim_id: String,
    /// The hub's message id, when the acknowledgment named it (HTTP).
    pub message_id: Option<String>,
    /// The fingerprint of what was sent.
    pub hash: String,
    /// `http` or `dir`.
    pub via: &'static str,
}

/// What the senders saw, shared between them.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Acknowledged messages, by claim id.
    pub acked: Mutex<BTreeMap<String, Acked>>,
    /// HTTP answers other than 202, by status.
    pub refusals: Mutex<BTreeMap<u16, u64>>,
    /// Requests that got no answer (connection refused or reset).
    pub no_answer: AtomicU64,
    /// Requests sent.
    pub sent: AtomicU64,
    /// Files moved into `failed/` (claim ids).
    pub failed_files: Mutex<Vec<String>>,
}

impl Ledger {
    /// Acknowledged so far.
    pub fn acked_count(&self) -> usize {
        self.acked.lock().expect("ledger").len()
    }

    fn ack(&self, a: Acked) {
        self.acked
            .lock()
            .expect("ledger")
            .insert(a.claim_id.clone(), a);
    }
}

/// Running senders; [`Senders::stop`] ends them.
pub struct Senders {
    stop: Arc<AtomicBool>,
    stop_sending: Arc<AtomicBool>,
    pending: Arc<Mutex<HashMap<String, (String, String)>>>,
    posters: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<()>>,
    /// What they saw.
    pub ledger: Arc<Ledger>,
}

/// How the senders send.
pub struct Plan {
    /// HTTP posters.
    pub http: usize,
    /// Drop files into this folder (`inbox/`, with `processed/` and `failed/`).
    pub inbox: Option<PathBuf>,
    /// Stop after this many posts in all (None: until stopped).
    pub limit: Option<u64>,
}

impl Senders {
    /// Start the senders against `url` with `token`.
    pub fn start(url: &str, token: &str, plan: &Plan, rng: &Rng) -> anyhow::Result<Senders> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_sending = Arc::new(AtomicBool::new(false));
        let ledger = Arc::new(Ledger::default());
        let pending = Arc::new(Mutex::new(HashMap::new()));
        let mut posters = Vec::new();
        for n in 0..plan.http {
            let client = super::hub::client(token)?;
            let (stop, ledger, rng) = (stop_sending.clone(), ledger.clone(), rng.fork());
            let url = format!("{url}/v1/inbound/in");
            let limit = plan.limit;
            posters.push(std::thread::spawn(move || {
                post_loop(&client, &url, n, &stop, &ledger, &rng, limit);
            }));
        }
        let writer = match &plan.inbox {
            Some(inbox) => {
                std::fs::create_dir_all(inbox)?;
                let (stop, stop_sending, ledger, pending, rng) = (
                    stop.clone(),
                    stop_sending.clone(),
                    ledger.clone(),
                    pending.clone(),
                    rng.fork(),
                );
                let inbox = inbox.clone();
                Some(std::thread::spawn(move || {
                    drop_loop(&inbox, &stop, &stop_sending, &ledger, &pending, &rng);
                }))
            }
            None => None,
        };
        Ok(Senders {
            stop,
            stop_sending,
            pending,
            posters,
            writer,
            ledger,
        })
    }

    /// Stop posting and dropping new files; files already dropped are still watched.
    pub fn stop_sending(&self) {
        self.stop_sending.store(true, Ordering::SeqCst);
    }

    /// Dropped files not yet seen in `processed/` or `failed/`.
    pub fn files_pending(&self) -> usize {
        self.pending.lock().expect("pending").len()
    }

    /// Whether every HTTP poster has returned (stopped, or its limit reached).
    pub fn posters_done(&self) -> bool {
        self.posters.iter().all(JoinHandle::is_finished)
    }

    /// Stop everything and wait for the threads.
    pub fn stop(self) -> Arc<Ledger> {
        self.stop_sending.store(true, Ordering::SeqCst);
        self.stop.store(true, Ordering::SeqCst);
        for t in self.posters.into_iter().chain(self.writer) {
            let _ = t.join();
        }
        self.ledger
    }
}

fn post_loop(
    client: &reqwest::blocking::Client,
    url: &str,
    n: usize,
    stop: &AtomicBool,
    ledger: &Ledger,
    rng: &Rng,
    limit: Option<u64>,
) {
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        if limit.is_some_and(|l| ledger.sent.fetch_add(1, Ordering::SeqCst) >= l) {
            ledger.sent.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        // A new claim id for every request: a retry of an unanswered one is
        // another message (the unanswered one may or may not have been stored).
        let claim_id = format!("CHAOS-H{n}-{seq:06}");
        seq += 1;
        let Ok(c) = claim(&claim_id, rng) else { return };
        if limit.is_none() {
            ledger.sent.fetch_add(1, Ordering::SeqCst);
        }
        match client
            .post(url)
            .header("content-type", "application/json")
            .body(c.body)
            .send()
        {
            Ok(r) if r.status().as_u16() == 202 => {
                let body: serde_json::Value = r.json().unwrap_or_default();
                ledger.ack(Acked {
                    claim_id: c.claim_id,
                    message_id: body["messages"][0]["id"].as_str().map(str::to_owned),
                    hash: c.hash,
                    via: "http",
                });
            }
            Ok(r) => {
                *ledger
                    .refusals
                    .lock()
                    .expect("ledger")
                    .entry(r.status().as_u16())
                    .or_default() += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => {
                ledger.no_answer.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Write files (temp name, then rename) and watch `processed/` for them.
fn drop_loop(
    inbox: &Path,
    stop: &AtomicBool,
    stop_writing: &AtomicBool,
    ledger: &Ledger,
    pending: &Mutex<HashMap<String, (String, String)>>,
    rng: &Rng,
) {
    let mut seq = 0u64;
    let mut last_scan = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if !stop_writing.load(Ordering::SeqCst) {
            let claim_id = format!("CHAOS-D-{seq:06}");
            seq += 1;
            let Ok(c) = claim(&claim_id, rng) else { return };
            let name = format!("{claim_id}.json");
            let tmp = inbox.join(format!(".{name}.tmp"));
            if std::fs::write(&tmp, &c.body).is_ok() {
                // Pending before the rename: the hub may move it at once.
                pending
                    .lock()
                    .expect("pending")
                    .insert(name.clone(), (c.claim_id, c.hash));
                if std::fs::rename(&tmp, inbox.join(&name)).is_err() {
                    pending.lock().expect("pending").remove(&name);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(30));
        if last_scan.elapsed() >= Duration::from_millis(100) {
            scan(inbox, ledger, pending);
            last_scan = Instant::now();
        }
    }
    scan(inbox, ledger, pending);
}

/// Files of ours in `processed/` are acknowledged; in `failed/`, refused.
fn scan(inbox: &Path, ledger: &Ledger, pending: &Mutex<HashMap<String, (String, String)>>) {
    let mut pending = pending.lock().expect("pending");
    if pending.is_empty() {
        return;
    }
    for (sub, ok) in [("processed", true), ("failed", false)] {
        for name in crate::support::files(&inbox.join(sub)) {
            // A file moved beside one of the same name gets `.N` appended.
            let base = match name.rsplit_once('.') {
                Some((b, n)) if n.chars().all(|c| c.is_ascii_digit()) => b.to_owned(),
                _ => name.clone(),
            };
            let Some((claim_id, hash)) = pending.remove(&base) else {
                continue;
            };
            if ok {
                ledger.ack(Acked {
                    claim_id,
                    message_id: None,
                    hash,
                    via: "dir",
                });
            } else {
                ledger.failed_files.lock().expect("ledger").push(claim_id);
            }
        }
    }
}
