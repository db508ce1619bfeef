//! The `http-out` partner, in process (axum on its own tokio runtime): it answers
//! 2xx most of the time, sometimes 503, and sometimes holds the request past the
//! hub's timeout. Every request it answered 2xx is recorded with its fingerprint.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;

use super::payload::{Seen, read_delivered};
use super::rng::Rng;

/// How the partner answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Mostly 2xx, some 503, some answers held for [`Receiver::hang`].
    Flaky,
    /// 503 to everything.
    Down,
    /// 200 to everything.
    Up,
}

/// What the partner saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// Payloads it answered 2xx, in order.
    pub accepted: Vec<Seen>,
    /// Bodies it answered 2xx that were not a readable message (id, error).
    pub unreadable: Vec<String>,
}

struct Shared {
    mode: AtomicU8,
    rng: Rng,
    hang: Duration,
    tally: Mutex<Tally>,
    requests: AtomicU64,
    refused: AtomicU64,
    held: AtomicU64,
}

/// A running partner.
pub struct Receiver {
    /// Its port on 127.0.0.1.
    pub port: u16,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Start a partner in `mode`; a held answer waits `hang` (set it past the
    /// endpoint's `timeout_ms`) and is then a 503 the hub no longer hears.
    pub fn start(mode: Mode, rng: Rng, hang: Duration) -> anyhow::Result<Receiver> {
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(mode as u8),
            rng,
            hang,
            tally: Mutex::default(),
            requests: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            held: AtomicU64::new(0),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app.into_make_service()).await;
            });
        });
        Ok(Receiver { port, shared })
    }

    /// Change how it answers from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!(
            "http://{}/claims",
            SocketAddr::from(([127, 0, 0, 1], self.port))
        )
    }

    /// Per message id, every payload it accepted.
    pub fn accepted(&self) -> BTreeMap<String, Vec<Seen>> {
        let tally = self.shared.tally.lock().expect("tally");
        let mut by_id: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
        for s in &tally.accepted {
            by_id
                .entry(s.message_id.clone())
                .or_default()
                .push(s.clone());
        }
        by_id
    }

    /// Bodies it accepted that did not read as a message.
    pub fn unreadable(&self) -> Vec<String> {
        self.shared.tally.lock().expect("tally").unreadable.clone()
    }

    /// (requests, 2xx answers, 503 answers, held answers).
    pub fn counts(&self) -> (u64, usize, u64, u64) {
        (
            self.shared.requests.load(Ordering::SeqCst),
            self.shared.tally.lock().expect("tally").accepted.len(),
            self.shared.refused.load(Ordering::SeqCst),
            self.shared.held.load(Ordering::SeqCst),
        )
    }
}

async fn answer(State(s): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let mode = match s.mode.load(Ordering::SeqCst) {
        m if m == Mode::Down as u8 => Mode::Down,
        m if m == Mode::Up as u8 => Mode::Up,
        _ => Mode::Flaky,
    };
    let draw = s.rng.range(0, 99);
    if mode == Mode::Down || (mode == Mode::Flaky && draw < 10) {
        s.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if mode == Mode::Flaky && draw < 13 {
        // Past the hub's timeout: it gives up, retries, and never hears this answer.
        s.held.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(s.hang).await;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut tally = s.tally.lock().expect("tally");
    match read_delivered(&body) {
        Ok(seen) => tally.accepted.push(seen),
        Err(e) => tally.unreadable.push(format!("{e:#}")),
    }
    if draw % 2 == 0 {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    }
}
