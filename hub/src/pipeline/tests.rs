//! Issue 12's durability holes in the pipeline, each test named after the hole it
//! closes: a real hub (temporary store, the json connector) delivering over
//! `http-out` to a receiver in the test, with faults injected where only a test can
//! reach (a failed fsync, a store error while recording an outcome).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt as _;

use super::Hub;
use crate::auth::{Auth, Role};
use crate::store::record::{now_ms, rfc3339_ms};
use crate::store::{
    Delivery, DeliveryState, Outgoing, QueueEntry, Record, RecordType, Status, StatusChange,
};

/// What the receiver was sent, and the statuses it answers in turn (the last repeats).
#[derive(Default)]
struct Receiver {
    bodies: Mutex<Vec<Vec<u8>>>,
    script: Mutex<Vec<u16>>,
    /// The status answered to each body.
    answered: Mutex<Vec<u16>>,
}

impl Receiver {
    fn bodies(&self) -> Vec<Vec<u8>> {
        self.bodies.lock().unwrap().clone()
    }

    /// The claim id of each body received, in order.
    fn claims(&self) -> Vec<String> {
        self.bodies().iter().map(|b| claim_id(b)).collect()
    }

    /// The claim ids of the bodies answered 2xx, in order.
    fn delivered(&self) -> Vec<String> {
        let answered = self.answered.lock().unwrap().clone();
        self.claims()
            .into_iter()
            .zip(answered)
            .filter(|(_, status)| (200..300).contains(status))
            .map(|(c, _)| c)
            .collect()
    }
}

/// The claim id in a body the json connector encoded.
fn claim_id(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    v["correlation"]["claim_id"].as_str().unwrap().to_owned()
}

/// Start a receiver on loopback; its port.
async fn receiver(script: Vec<u16>) -> (u16, Arc<Receiver>) {
    let state = Arc::new(Receiver {
        script: Mutex::new(script),
        ..Receiver::default()
    });
    let s = state.clone();
    let app = axum::Router::new().route(
        "/in",
        axum::routing::post(move |body: axum::body::Bytes| {
            let s = s.clone();
            async move {
                let mut bodies = s.bodies.lock().unwrap();
                let script = s.script.lock().unwrap();
                let status = script
                    .get(bodies.len())
                    .or(script.last())
                    .copied()
                    .unwrap_or(200);
                bodies.push(body.to_vec());
                s.answered.lock().unwrap().push(status);
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, state)
}

struct World {
    dir: tempfile::TempDir,
    hub: Arc<Hub>,
    admin: String,
    app: axum::Router,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

fn config(
    dir: &std::path::Path,
    port: u16,
    extra_hub: &str,
    extra_out: &str,
) -> crate::config::Config {
    let json = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/plugins/json.wasm");
    assert!(
        json.exists(),
        "{} is missing: run scripts/build-plugins.sh",
        json.display()
    );
    let text = format!(
        r#"[hub]
data_dir = "{dir}/data"
listen = "127.0.0.1:8080"
durability = "fsync"
{extra_hub}

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.out]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{port}/in"
timeout_ms = 5000
retry = {{ max_attempts = 50, initial_backoff_ms = 20, max_backoff_ms = 100 }}
{extra_out}

[[routes]]
from = "in"
kinds = ["claim"]
to = ["out"]
"#,
        dir = dir.display(),
        json = json.display()
    );
    crate::config::parse(&dir.join("clearway.toml"), &text)
        .unwrap_or_else(|e| panic!("config: {e:?}"))
}

/// A hub over a new folder (not started), delivering to the receiver on `port`.
async fn world(port: u16) -> World {
    world_with(port, "").await
}

/// [`world`] with `extra_hub` lines in `[hub]`.
async fn world_with(port: u16, extra_hub: &str) -> World {
    world_full(port, extra_hub, "").await
}

/// [`world`] with `extra_out` lines in `[endpoints.out]`.
async fn world_out(port: u16, extra_out: &str) -> World {
    world_full(port, "", extra_out).await
}

async fn world_full(port: u16, extra_hub: &str, extra_out: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || crate::console::ops::tests::warm(&d))
        .await
        .unwrap();
    reopen_full(dir, port, extra_hub, extra_out).await
}

/// A hub over `dir` again (as after a restart), not started.
async fn reopen(dir: tempfile::TempDir, port: u16) -> World {
    reopen_full(dir, port, "", "").await
}

async fn reopen_full(dir: tempfile::TempDir, port: u16, extra_hub: &str, extra_out: &str) -> World {
    let cfg = config(dir.path(), port, extra_hub, extra_out);
    let hub = tokio::task::spawn_blocking(move || Hub::build(cfg))
        .await
        .unwrap()
        .unwrap();
    let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub).unwrap());
    let admin = auth
        .credentials
        .create_token(
            &format!("admin-{}", ulid::Ulid::new()),
            Role::Admin,
            &[],
            None,
        )
        .unwrap();
    let app = crate::api::router(hub.clone(), auth, false);
    World {
        dir,
        hub,
        admin,
        app,
        tasks: Mutex::default(),
    }
}

impl World {
    async fn start(&self) {
        let tasks = self.hub.start().await.unwrap();
        self.tasks.lock().unwrap().extend(tasks);
    }

    /// Stop the hub's tasks and close its store (as a stopped process would); the
    /// folder, to open again.
    async fn stop(self) -> tempfile::TempDir {
        let World {
            dir,
            hub,
            app,
            tasks,
            ..
        } = self;
        for t in tasks.into_inner().unwrap() {
            t.abort();
            let _ = t.await;
        }
        drop((hub, app));
        dir
    }

    /// POST a claim to `in`: status, `Retry-After`, body.
    async fn post_claim(&self, pcn: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let mut claim: serde_json::Value =
            serde_json::from_str(include_str!("../../../schemas/examples/claim.json")).unwrap();
        claim["correlation"]["claim_id"] = pcn.into();
        let req = Request::post("/v1/inbound/in")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin))
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&claim).unwrap()))
            .unwrap();
        self.send(req).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let req = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin))
            .header(header::HOST, "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Option<String>, serde_json::Value) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let retry = resp
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, retry, json)
    }

    fn record(&self, id: &str) -> Record {
        self.hub.store.get(id).unwrap().unwrap()
    }

    /// Wait (up to 20 s) until message `id` is in `status`.
    async fn wait_for(&self, id: &str, status: Status) -> Record {
        for _ in 0..400 {
            let r = self.record(id);
            if r.status == status {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{id} never reached {status}: {:?}", self.record(id).history);
    }
}

fn change(status: Status) -> StatusChange {
    StatusChange {
        status,
        at: rfc3339_ms(now_ms()),
        actor: "test".into(),
        destination: None,
        error: None,
        note: None,
    }
}

/// A claim message queued at `out`, as a hub that stopped would have left it.
fn queued_message(id: &str) -> Record {
    let at = rfc3339_ms(now_ms());
    let mut deliveries = BTreeMap::new();
    deliveries.insert("out".to_owned(), Delivery::queued());
    Record {
        id: id.into(),
        record_type: RecordType::Message,
        endpoint: "in".into(),
        kind: Some(clearway_schemas::Kind::Claim),
        status: Status::Queued,
        created_at: at.clone(),
        updated_at: at,
        parent: None,
        children: vec![],
        correlation: vec![],
        content_type: None,
        filename: None,
        size: 0,
        deliveries,
        history: vec![change(Status::Decoded), change(Status::Queued)],
    }
}

fn message_id(body: &serde_json::Value) -> String {
    body["messages"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn recovery_finishes_before_inbound_endpoints_take_work() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world(port).await;
    // A payload stored but not decoded when the hub stopped.
    let id = ulid::Ulid::new().to_string();
    let raw = include_bytes!("../../../schemas/examples/claim.json");
    let mut inbound = queued_message(&id);
    inbound.record_type = RecordType::Inbound;
    inbound.kind = None;
    inbound.status = Status::Received;
    inbound.deliveries.clear();
    inbound.history = vec![change(Status::Received)];
    w.hub
        .store
        .transact(|tx| {
            tx.put(&inbound)?;
            tx.put_raw(&id, raw)?;
            tx.set_pending(&id, true)
        })
        .unwrap();
    // Before start: inbound refused with 503 and Retry-After, nothing stored.
    let (status, retry, body) = w.post_claim("EARLY").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "starting");
    assert!(retry.is_some());
    assert_eq!(w.get("/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
    w.start().await;
    let r = w.record(&id);
    assert_eq!(r.status, Status::Decoded, "{:?}", r.history);
    assert_eq!(r.children.len(), 1);
    assert!(w.hub.store.pending().unwrap().is_empty());
    let (status, _, body) = w.post_claim("LATER").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    w.wait_for(&message_id(&body), Status::Delivered).await;
    w.wait_for(&r.children[0], Status::Delivered).await;
    assert_eq!(rx.bodies().len(), 2);
}

#[tokio::test]
async fn failed_fsync_stops_acknowledging() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world(port).await;
    w.start().await;
    let (status, _, body) = w.post_claim("BEFORE").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let before = message_id(&body);
    w.wait_for(&before, Status::Delivered).await;
    w.hub.sled.fail_next_syncs(1);
    let (status, retry, body) = w.post_claim("DURING").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "store_unhealthy");
    assert_eq!(retry.as_deref(), Some("30"));
    // Not retried over: the next one is refused too, although fsync would pass now.
    let (status, _, body) = w.post_claim("AFTER").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(w.get("/readyz").await.1, None);
    assert_eq!(w.get("/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
    let delivered = rx.bodies().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.bodies().len(),
        delivered,
        "nothing goes out while the store cannot record it"
    );
    // A restart opens the store again; what was acknowledged is there.
    let w = reopen(w.stop().await, port).await;
    assert!(w.hub.store.unhealthy().is_none());
    assert_eq!(w.record(&before).status, Status::Delivered);
    w.start().await;
    let (status, _, body) = w.post_claim("RESTARTED").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test]
async fn missing_raw_payload_is_a_recorded_decode_failure() {
    let (port, _rx) = receiver(vec![200]).await;
    let w = world(port).await;
    let id = ulid::Ulid::new().to_string();
    let mut inbound = queued_message(&id);
    inbound.record_type = RecordType::Inbound;
    inbound.kind = None;
    inbound.status = Status::Received;
    inbound.deliveries.clear();
    w.hub
        .store
        .transact(|tx| {
            tx.put(&inbound)?;
            tx.set_pending(&id, true)
        })
        .unwrap();
    w.start().await;
    let r = w.record(&id);
    assert_eq!(r.status, Status::DecodeFailed);
    let err = r.history.last().unwrap().error.clone().unwrap();
    assert_eq!(err.code, "decode_failed.no_payload");
    assert!(w.hub.store.pending().unwrap().is_empty());
}

#[tokio::test]
async fn queued_message_without_a_body_is_dead_not_dropped() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world(port).await;
    let id = ulid::Ulid::new().to_string();
    let r = queued_message(&id);
    w.hub
        .store
        .transact(|tx| {
            tx.put(&r)?;
            tx.enqueue("out", &id, QueueEntry::new(now_ms()))
        })
        .unwrap();
    w.start().await;
    let r = w.wait_for(&id, Status::Dead).await;
    let d = &r.deliveries["out"];
    assert_eq!(d.state, DeliveryState::Dead);
    assert_eq!(
        d.last_error.as_ref().unwrap().code,
        "delivery.no_payload",
        "{:?}",
        r.history
    );
    assert_eq!(w.hub.store.queue_depth("out"), 0);
    assert!(rx.bodies().is_empty());
}

#[tokio::test]
async fn store_error_after_delivery_does_not_send_again() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world(port).await;
    w.start().await;
    // The next two tries to record an outcome fail, as a store error would.
    w.hub.fail_records.store(2, Ordering::SeqCst);
    let (status, _, body) = w.post_claim("ONCE").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let r = w.wait_for(&message_id(&body), Status::Delivered).await;
    assert_eq!(w.hub.fail_records.load(Ordering::SeqCst), 0);
    assert_eq!(
        rx.bodies().len(),
        1,
        "delivered once, recorded after the store came back"
    );
    assert_eq!(r.deliveries["out"].attempts, 1);
}

#[tokio::test]
async fn retry_sends_the_same_encoded_bytes() {
    let (port, rx) = receiver(vec![503, 503, 200]).await;
    let w = world(port).await;
    w.start().await;
    let (status, _, body) = w.post_claim("SAME-BYTES").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = message_id(&body);
    // Wait for the first refusal, then change the stored message: a retry that
    // encoded again would send the change.
    for _ in 0..200 {
        if !rx.bodies().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let json = w.hub.store.normalized(&id).unwrap().unwrap();
    let changed = json.replace("SAME-BYTES", "CHANGED-AFTER-SENDING");
    assert_ne!(json, changed);
    w.hub
        .store
        .transact(|tx| tx.put_normalized(&id, &changed))
        .unwrap();
    let r = w.wait_for(&id, Status::Delivered).await;
    let bodies = rx.bodies();
    assert_eq!(bodies.len(), 3, "{:?}", r.history);
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "every try sent the first bytes"
    );
    assert!(String::from_utf8_lossy(&bodies[0]).contains("SAME-BYTES"));
    assert_eq!(r.deliveries["out"].attempts, 3);
    // Once delivered, the kept payload is gone.
    assert!(w.hub.store.outgoing("out", &id).unwrap().is_none());
}

#[tokio::test]
async fn interrupted_attempt_is_recorded_as_a_redelivery() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world(port).await;
    // The hub stopped after storing the payload and the attempt, before recording
    // its outcome: the receiver may have it already.
    let id = ulid::Ulid::new().to_string();
    let r = queued_message(&id);
    let sent = b"{\"kept\":\"exactly these bytes\"}".to_vec();
    w.hub
        .store
        .transact(|tx| {
            tx.put(&r)?;
            tx.put_normalized(&id, "{\"not\":\"these\"}")?;
            tx.put_outgoing(
                "out",
                &Outgoing {
                    members: vec![id.clone()],
                    content_type: "application/json".into(),
                    filename_hint: None,
                    data: sent.clone(),
                },
            )?;
            tx.enqueue(
                "out",
                &id,
                QueueEntry {
                    started: 1,
                    outbox: Some(id.clone()),
                    ..QueueEntry::new(now_ms())
                },
            )
        })
        .unwrap();
    w.start().await;
    let r = w.wait_for(&id, Status::Delivered).await;
    assert_eq!(rx.bodies(), vec![sent]);
    let last = r.history.last().unwrap();
    assert_eq!(last.destination.as_deref(), Some("out"));
    let note = last.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("redelivery: 1 earlier attempt(s) may have reached out"),
        "{note}"
    );
    assert_eq!(r.deliveries["out"].attempts, 2);
}

#[tokio::test]
async fn full_queue_refuses_new_work_until_it_drains() {
    let (port, rx) = receiver(vec![503]).await;
    let w = world_with(port, "max_queue_per_destination = 2").await;
    w.start().await;
    for pcn in ["Q1", "Q2"] {
        let (status, _, body) = w.post_claim(pcn).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, retry, body) = w.post_claim("Q3").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "backpressure");
    assert_eq!(retry.as_deref(), Some("10"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_queue_per_destination"),
        "{body}"
    );
    // The partner comes back: the queue drains and the endpoint takes work again.
    *rx.script.lock().unwrap() = vec![200];
    for _ in 0..400 {
        if w.hub.store.queue_depth("out") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.hub.store.queue_depth("out"), 0);
    let (status, _, body) = w.post_claim("Q4").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test]
async fn low_disk_refuses_with_507_and_resumes_without_a_restart() {
    let (port, _rx) = receiver(vec![200]).await;
    // More free space than any disk has: refused at once.
    let w = world_with(port, "min_free_disk_mib = 1073741824").await;
    w.start().await;
    let (status, retry, body) = w.post_claim("D1").await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "insufficient_storage");
    assert_eq!(retry.as_deref(), Some("60"));
    assert_eq!(w.hub.store.queue_depth("out"), 0, "nothing stored");
    // Space "returns".
    w.hub.pressure.set_min_free_disk_mib(1);
    let (status, _, body) = w.post_claim("D2").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// Queue claim messages at `out` as a stopped hub would have left them (ids in
/// the order given, each with its normalized payload); `due(n)` is the n-th's due
/// time. Their ids.
fn queue_claims(w: &World, pcns: &[&str], due: impl Fn(usize) -> u64) -> Vec<String> {
    let now = now_ms();
    let example: serde_json::Value =
        serde_json::from_str(include_str!("../../../schemas/examples/claim.json")).unwrap();
    let mut ids = Vec::new();
    for (n, pcn) in pcns.iter().enumerate() {
        let id = ulid::Ulid::from_parts(now, n as u128).to_string();
        let mut claim = example.clone();
        claim["id"] = id.clone().into();
        claim["correlation"]["claim_id"] = (*pcn).into();
        let json = serde_json::to_string(&claim).unwrap();
        let r = queued_message(&id);
        let entry = QueueEntry {
            due_ms: due(n),
            ..QueueEntry::new(now)
        };
        w.hub
            .store
            .transact(|tx| {
                tx.put(&r)?;
                tx.put_normalized(&id, &json)?;
                tx.enqueue("out", &id, entry.clone())
            })
            .unwrap();
        ids.push(id);
    }
    ids
}

/// Wait (up to 20 s) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

const ORDERED: &str = "delivery = { ordered = true, breaker_failures = 0 }";

#[test]
fn new_ids_increase_within_a_millisecond() {
    // `Ulid::new` is random within a millisecond: thousands of ids made in a few
    // milliseconds would not come out sorted.
    let ids: Vec<String> = (0..5_000).map(|_| super::delivery::new_id()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids made later sort later"
    );
    assert!(ids.iter().all(|id| ulid::Ulid::from_string(id).is_ok()));
}

#[tokio::test]
async fn ordered_destination_holds_later_messages_behind_a_failing_head() {
    let (port, rx) = receiver(vec![503]).await;
    let w = world_out(port, ORDERED).await;
    let t0 = now_ms();
    let ids = queue_claims(&w, &["HEAD", "SECOND", "THIRD", "FOURTH"], |_| t0);
    w.start().await;
    // The head fails (and is retried) a few times; nothing behind it goes.
    until("three tries of the head", || rx.bodies().len() >= 3).await;
    let first_bodies = rx.bodies();
    assert!(
        first_bodies.iter().all(|b| claim_id(b) == "HEAD"),
        "only the head went: {:?}",
        rx.claims()
    );
    assert!(
        first_bodies.iter().all(|b| b == &first_bodies[0]),
        "each retry sent the first bytes"
    );
    // Those behind it are back as they were: no attempt counted, nothing kept
    // for them, not marked retrying, due with the head (not before it).
    let behind: Vec<QueueEntry> = ids[1..]
        .iter()
        .map(|id| w.hub.store.queue_entry("out", id).unwrap().unwrap())
        .collect();
    for (id, e) in ids[1..].iter().zip(&behind) {
        assert_eq!(
            (e.started, e.attempts, e.outbox.as_deref()),
            (0, 0, None),
            "{id}"
        );
        assert!(w.hub.store.outgoing("out", id).unwrap().is_none(), "{id}");
        assert_eq!(w.record(id).status, Status::Queued, "{id}");
        assert!(e.due_ms > t0, "{id} waits with the head");
        assert_eq!(e.due_ms, behind[0].due_ms, "{id}");
    }
    // The partner recovers: the head goes through, then the others in order.
    *rx.script.lock().unwrap() = vec![200];
    let last = w.wait_for(&ids[3], Status::Delivered).await;
    let head = w.wait_for(&ids[0], Status::Delivered).await;
    let claims = rx.claims();
    let tries = claims.iter().take_while(|c| *c == "HEAD").count();
    assert!(tries >= 4, "{claims:?}");
    assert_eq!(claims[tries..], ["SECOND", "THIRD", "FOURTH"], "{claims:?}");
    assert_eq!(head.deliveries["out"].attempts as usize, tries);
    assert_eq!(last.deliveries["out"].attempts, 1);
    for id in &ids[1..] {
        let r = w.record(id);
        assert_eq!(r.deliveries["out"].attempts, 1, "{id}: {:?}", r.history);
        assert!(
            r.history
                .iter()
                .all(|c| !c.note.as_deref().unwrap_or_default().contains("redelivery")),
            "held back is not a redelivery: {:?}",
            r.history
        );
    }
    assert_eq!(w.hub.store.queue_depth("out"), 0);
}

#[tokio::test]
async fn ordered_destination_sends_in_arrival_order() {
    let (port, rx) = receiver(vec![200]).await;
    let w = world_out(port, ORDERED).await;
    // Twenty waiting, the later ones due earlier (as retries with jitter leave
    // them): due order would send them backwards.
    let t0 = now_ms();
    let pcns: Vec<String> = (0..20).map(|n| format!("Q{n:02}")).collect();
    let names: Vec<&str> = pcns.iter().map(String::as_str).collect();
    let ids = queue_claims(&w, &names, |n| t0 - n as u64);
    w.start().await;
    w.wait_for(&ids[19], Status::Delivered).await;
    assert_eq!(rx.claims(), pcns);
    // Then messages as they arrive, one after another.
    let mut posted = Vec::new();
    for n in 0..10 {
        let pcn = format!("P{n:02}");
        let (status, _, body) = w.post_claim(&pcn).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        posted.push((message_id(&body), pcn));
    }
    w.wait_for(&posted[9].0, Status::Delivered).await;
    for (id, _) in &posted {
        w.wait_for(id, Status::Delivered).await;
    }
    let expected: Vec<String> = pcns
        .iter()
        .cloned()
        .chain(posted.iter().map(|(_, p)| p.clone()))
        .collect();
    assert_eq!(rx.claims(), expected);
}

#[tokio::test]
async fn ordered_destination_lets_the_next_go_after_a_dead_head() {
    // The head is refused for good (400); the others are taken.
    let (port, rx) = receiver(vec![400, 200]).await;
    let w = world_out(port, ORDERED).await;
    let t0 = now_ms();
    let ids = queue_claims(&w, &["REFUSED", "NEXT", "LAST"], |_| t0);
    w.start().await;
    w.wait_for(&ids[2], Status::Delivered).await;
    w.wait_for(&ids[1], Status::Delivered).await;
    let dead = w.wait_for(&ids[0], Status::Dead).await;
    assert_eq!(dead.deliveries["out"].attempts, 1);
    assert_eq!(rx.claims(), ["REFUSED", "NEXT", "LAST"]);
}

#[tokio::test]
async fn replayed_message_goes_back_to_its_arrival_position() {
    // The first is refused for good, the second fails until the partner recovers.
    let (port, rx) = receiver(vec![400, 503]).await;
    let w = world_out(port, ORDERED).await;
    let t0 = now_ms();
    let ids = queue_claims(&w, &["FIRST", "SECOND", "THIRD"], |_| t0);
    w.start().await;
    w.wait_for(&ids[0], Status::Dead).await;
    until("the second tried twice", || {
        rx.claims().iter().filter(|c| *c == "SECOND").count() >= 2
    })
    .await;
    // Replayed, the first is queued under its id again: ahead of the others.
    w.hub.replay(&ids[0]).await.unwrap();
    until("the replayed one tried", || {
        rx.claims().iter().filter(|c| *c == "FIRST").count() >= 2
    })
    .await;
    *rx.script.lock().unwrap() = vec![200];
    for id in &ids {
        w.wait_for(id, Status::Delivered).await;
    }
    assert_eq!(
        rx.delivered(),
        ["FIRST", "SECOND", "THIRD"],
        "{:?}",
        rx.claims()
    );
}
