//! An in-process hub for console page tests: a real [`Hub`] over a temporary
//! data dir (no connectors, endpoints or routes), messages stored as the
//! pipeline stores them, tokens per role, and the real router (access control
//! included) called with `tower::ServiceExt::oneshot`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use clearway_schemas::{Kind, Message};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::auth::{Auth, Role};
use crate::pipeline::Hub;
use crate::store::record::rfc3339_ms;
use crate::store::{Record, RecordType, Status, StatusChange};

/// The `Host` the test router answers to (the default listen address).
pub(crate) const HOST: &str = "127.0.0.1:8080";

/// A hub, its access control and its router.
pub(crate) struct TestHub {
    pub hub: Arc<Hub>,
    pub auth: Arc<Auth>,
    router: Router,
    tokens: AtomicUsize,
    n: u128,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers, body text.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The body as an HTML document.
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The text of every element `selector` matches, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(selector)
            .unwrap_or_else(|e| panic!("selector {selector}: {e}"));
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The one text `selector` matches (panics on none or several).
    pub fn text(&self, selector: &str) -> String {
        let mut t = self.texts(selector);
        assert_eq!(t.len(), 1, "`{selector}` matched {t:?}");
        t.remove(0)
    }
}

/// An example message of `schemas/examples/`.
pub(crate) fn example(kind: &str) -> Value {
    let path = format!(
        "{}/../schemas/examples/{kind}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn record(id: &str, ty: RecordType, kind: Option<Kind>, at_ms: u64) -> Record {
    let at = rfc3339_ms(at_ms);
    Record {
        id: id.to_owned(),
        record_type: ty,
        endpoint: "test".into(),
        kind,
        status: Status::Delivered,
        created_at: at.clone(),
        updated_at: at.clone(),
        parent: None,
        children: Vec::new(),
        correlation: Vec::new(),
        content_type: None,
        filename: None,
        size: 0,
        deliveries: BTreeMap::new(),
        history: vec![StatusChange {
            status: Status::Delivered,
            at,
            actor: "test".into(),
            destination: None,
            error: None,
            note: None,
        }],
    }
}

impl TestHub {
    /// A hub whose practice is in Chicago.
    pub fn new() -> TestHub {
        TestHub::with_console("time_zone = \"America/Chicago\"")
    }

    /// A hub with this `[console]` table body.
    pub fn with_console(console: &str) -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[hub]\ndata_dir = \"{}\"\ndurability = \"flush\"\n\n[console]\n{console}\n",
            dir.path().join("data").display()
        );
        let config = crate::config::parse(&dir.path().join("clearway.toml"), &text)
            .unwrap_or_else(|e| panic!("test config: {e}"));
        let hub = Hub::build(config).unwrap();
        let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub).unwrap());
        let router = crate::api::router(hub.clone(), auth.clone(), false);
        TestHub {
            hub,
            auth,
            router,
            tokens: AtomicUsize::new(0),
            n: 0,
            _dir: dir,
        }
    }

    /// A new bearer token of `role`.
    pub fn token(&self, role: Role) -> String {
        let n = self.tokens.fetch_add(1, Ordering::SeqCst);
        self.auth
            .credentials
            .create_token(&format!("{role}-{n}"), role, &[], None)
            .unwrap()
    }

    /// Store `message` as the pipeline would: an inbound record holding `raw`,
    /// and the message (delivered) decoded from it, both made at `at_ms`, with
    /// the message's correlation keys; then let the claim ledger take it in.
    /// Returns the message's id.
    pub fn put(&mut self, at_ms: u64, message: &Value, raw: &str) -> String {
        self.n += 2;
        let inbound_id = ulid::Ulid::from_parts(at_ms, self.n - 1).to_string();
        let id = ulid::Ulid::from_parts(at_ms, self.n).to_string();
        let mut m: Message = serde_json::from_value(message.clone()).unwrap();
        m.id = Some(id.clone());
        let mut inbound = record(&inbound_id, RecordType::Inbound, None, at_ms);
        inbound.children = vec![id.clone()];
        inbound.size = raw.len() as u64;
        let mut rec = record(&id, RecordType::Message, Some(m.kind()), at_ms);
        rec.parent = Some(inbound_id.clone());
        rec.correlation = m
            .correlation
            .keys()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let json = serde_json::to_string(&m).unwrap();
        self.hub
            .store
            .transact(|tx| {
                tx.put(&inbound)?;
                tx.put_raw(&inbound_id, raw.as_bytes())?;
                tx.put(&rec)?;
                tx.put_normalized(&id, &json)
            })
            .unwrap();
        self.hub.ledger.drain().unwrap();
        id
    }

    /// `GET uri` with `token`.
    pub async fn get(&self, token: &str, uri: &str) -> Answer {
        let req = Request::get(uri)
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }
}
