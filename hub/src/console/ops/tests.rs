//! The operator's screens over a real hub (temp data dir, the json connector),
//! through the whole router (access control included), with the HTML read back
//! by `scraper`; and the pure parts on their own.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use clearway_schemas::Kind;
use scraper::{Html, Selector};
use tower::ServiceExt as _;

use super::dead::{Row, groups};
use super::endpoints::error_rate;
use crate::auth::{Auth, Role};
use crate::console::text::Clock;
use crate::pipeline::Hub;
use crate::store::record::{now_ms, rfc3339_ms};
use crate::store::{Delivery, DeliveryState, ErrorInfo, Record, RecordType, Status, StatusChange};

/// A correlation value that must never reach a viewer.
const SECRET: &str = "PCN-SECRET-1";
/// A value a spreadsheet would run.
const FORMULA: &str = "=cmd|' /C calc'!A0";
const RAW: &str = "ISA*00*raw-payload-text~";

struct World {
    _dir: tempfile::TempDir,
    hub: Arc<Hub>,
    auth: Arc<Auth>,
    app: Router,
    tokens: BTreeMap<Role, String>,
    /// Ids by name: inbound, delivered, dead1, dead2, dead3 (other reason), failed.
    ids: BTreeMap<&'static str, String>,
}

fn config(dir: &std::path::Path) -> crate::config::Config {
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
durability = "flush"

[console]
time_zone = "America/Chicago"

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.out]
transport = "dir-out"
connector = "json"
path = "{dir}/outbox"

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

fn change(status: Status, ms: u64, error: Option<ErrorInfo>) -> StatusChange {
    StatusChange {
        status,
        at: rfc3339_ms(ms),
        actor: "test".into(),
        destination: None,
        error,
        note: None,
    }
}

fn record(id: &str, ty: RecordType, kind: Option<Kind>, status: Status, ms: u64) -> Record {
    Record {
        id: id.into(),
        record_type: ty,
        endpoint: "in".into(),
        kind,
        status,
        created_at: rfc3339_ms(ms),
        updated_at: rfc3339_ms(ms),
        parent: None,
        children: vec![],
        correlation: vec![],
        content_type: None,
        filename: None,
        size: 0,
        deliveries: BTreeMap::new(),
        history: vec![change(Status::Decoded, ms, None)],
    }
}

/// A message dead at `out` after 5 attempts, for `code`.
fn dead(id: &str, parent: &str, ms: u64, code: &str, message: &str, corr: &str) -> Record {
    let mut r = record(id, RecordType::Message, Some(Kind::Claim), Status::Dead, ms);
    r.parent = Some(parent.into());
    r.correlation = vec![("claim_id".into(), corr.into())];
    let e = ErrorInfo::new(code, message);
    r.deliveries.insert(
        "out".into(),
        Delivery {
            state: DeliveryState::Dead,
            attempts: 5,
            next_attempt_at: None,
            delivered_at: None,
            last_error: Some(e.clone()),
        },
    );
    r.history.push(change(Status::Queued, ms, None));
    let mut c = change(Status::Dead, ms + 1, Some(e));
    c.destination = Some("out".into());
    r.history.push(c);
    r
}

/// The json connector compiled once (the cache files of a first hub), kept in memory
/// for the process and in `target/clearway-unit-cache` for the next processes
/// (nextest runs each test in a process of its own), so hubs after the first load
/// it instead of compiling it again. The cache key includes the component's hash
/// and the engine's, so a stale file is never loaded.
fn compiled_plugins() -> &'static [(std::ffi::OsString, Vec<u8>)] {
    static CACHE: OnceLock<Vec<(std::ffi::OsString, Vec<u8>)>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let shared =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/clearway-unit-cache");
        let read = |dir: &std::path::Path| -> Vec<(std::ffi::OsString, Vec<u8>)> {
            std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
                        .filter_map(|e| Some((e.file_name(), std::fs::read(e.path()).ok()?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let dir = tempfile::tempdir().unwrap();
        let files = read(&shared);
        if !files.is_empty() {
            // Load it once to check it is this build's (a stale cache compiles anew).
            let cache = dir.path().join("data/plugin-cache");
            std::fs::create_dir_all(&cache).unwrap();
            for (n, b) in &files {
                std::fs::write(cache.join(n), b).unwrap();
            }
        }
        drop(Hub::build(config(dir.path())).unwrap());
        let built = read(&dir.path().join("data/plugin-cache"));
        if built.len() != files.len() || files.is_empty() {
            let _ = std::fs::create_dir_all(&shared);
            for (n, b) in &built {
                let tmp = shared.join(format!("{}.tmp{}", n.to_string_lossy(), std::process::id()));
                if std::fs::write(&tmp, b).is_ok() {
                    let _ = std::fs::rename(&tmp, shared.join(n));
                }
            }
        }
        built
    })
}

/// Put the compiled connector into `dir`'s plugin cache, private as the cache
/// wants it.
pub(crate) fn warm(dir: &std::path::Path) {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let cache = dir.join("data/plugin-cache");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&cache)
        .unwrap();
    for (name, bytes) in compiled_plugins() {
        let path = cache.join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || warm(&d)).await.unwrap();
    let hub = tokio::task::spawn_blocking(move || Hub::build(cfg))
        .await
        .unwrap()
        .unwrap();
    let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub).unwrap());
    let mut tokens = BTreeMap::new();
    for role in [Role::Admin, Role::Operator, Role::Coordinator, Role::Viewer] {
        let t = auth
            .credentials
            .create_token(&format!("t-{role}"), role, &[], None)
            .unwrap();
        tokens.insert(role, t);
    }
    let now = now_ms();
    let id = |s: u64, n: u128| ulid::Ulid::from_parts(now - 60_000 + s * 1000, n).to_string();
    let ids: BTreeMap<&'static str, String> = [
        ("inbound", id(1, 1)),
        ("delivered", id(2, 2)),
        ("dead1", id(3, 3)),
        ("dead2", id(4, 4)),
        ("dead3", id(5, 5)),
        ("failed", id(6, 6)),
    ]
    .into_iter()
    .collect();
    let ms = |name: &str| ulid::Ulid::from_string(&ids[name]).unwrap().timestamp_ms();
    let mut inbound = record(
        &ids["inbound"],
        RecordType::Inbound,
        None,
        Status::Decoded,
        ms("inbound"),
    );
    inbound.size = RAW.len() as u64;
    inbound.filename = Some("jane-doe-claims.x12".into());
    inbound.children = vec![
        ids["delivered"].clone(),
        ids["dead1"].clone(),
        ids["dead2"].clone(),
        ids["dead3"].clone(),
    ];
    let mut delivered = record(
        &ids["delivered"],
        RecordType::Message,
        Some(Kind::Claim),
        Status::Delivered,
        ms("delivered"),
    );
    delivered.parent = Some(ids["inbound"].clone());
    delivered.correlation = vec![("claim_id".into(), SECRET.into())];
    delivered.deliveries.insert(
        "out".into(),
        Delivery {
            state: DeliveryState::Delivered,
            attempts: 1,
            next_attempt_at: None,
            delivered_at: Some(rfc3339_ms(ms("delivered"))),
            last_error: None,
        },
    );
    delivered
        .history
        .push(change(Status::Delivered, ms("delivered"), None));
    let dead1 = dead(
        &ids["dead1"],
        &ids["inbound"],
        ms("dead1"),
        "delivery.http_status",
        "the server answered 503",
        "PCN-2",
    );
    let dead2 = dead(
        &ids["dead2"],
        &ids["inbound"],
        ms("dead2"),
        "delivery.http_status",
        "the server answered 503",
        FORMULA,
    );
    let dead3 = dead(
        &ids["dead3"],
        &ids["inbound"],
        ms("dead3"),
        "timeout",
        "no answer in 30 s",
        "PCN-3",
    );
    let mut failed = record(
        &ids["failed"],
        RecordType::Inbound,
        None,
        Status::DecodeFailed,
        ms("failed"),
    );
    failed.history.push(change(
        Status::DecodeFailed,
        ms("failed"),
        Some(ErrorInfo::new(
            "decode_failed.malformed",
            "the input is not in the connector's format",
        )),
    ));
    let normalized = r#"{"kind":"claim","patient":{"name":"Jane Doe"}}"#;
    hub.store
        .transact(|tx| {
            tx.put(&inbound)?;
            tx.put_raw(&inbound.id, RAW.as_bytes())?;
            tx.put(&failed)?;
            tx.put_raw(&failed.id, b"not json")?;
            for r in [&delivered, &dead1, &dead2, &dead3] {
                tx.put(r)?;
                tx.put_normalized(&r.id, normalized)?;
            }
            Ok(())
        })
        .unwrap();
    let app = crate::api::router(hub.clone(), auth.clone(), false);
    World {
        _dir: dir,
        hub,
        auth,
        app,
        tokens,
        ids,
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    fn texts(&self, css: &str) -> Vec<String> {
        let sel = Selector::parse(css).unwrap();
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    fn count(&self, css: &str) -> usize {
        self.texts(css).len()
    }

    /// The text of the result count region.
    fn status_region(&self) -> String {
        self.texts("[role=status]").join(" | ")
    }
}

impl World {
    async fn send(&self, role: Role, method: Method, uri: &str, form: Option<&str>) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[&role]),
            );
        if form.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let req = req.body(Body::from(form.unwrap_or("").to_owned())).unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            content_type,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, role: Role, uri: &str) -> Answer {
        self.send(role, Method::GET, uri, None).await
    }

    async fn post(&self, role: Role, uri: &str, form: &str) -> Answer {
        self.send(role, Method::POST, uri, Some(form)).await
    }

    fn audited(&self, action: &str) -> Vec<crate::audit::Entry> {
        let q = crate::audit::Query {
            action: Some(action.into()),
            limit: 100,
            ..Default::default()
        };
        self.auth
            .audit
            .list(&q)
            .unwrap()
            .0
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }
}

#[tokio::test]
async fn the_message_log_lists_filters_and_pages() {
    let w = world().await;
    let a = w.get(Role::Admin, "/messages").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.texts("table caption"), vec!["Messages, newest first"]);
    assert_eq!(a.count("tbody tr"), 6);
    assert!(
        a.status_region().starts_with("6 messages on this page"),
        "{}",
        a.status_region()
    );
    assert!(a.count("th[scope=col]") >= 8);
    // Newest first; the correlation value shown in full to an admin.
    let ids = a.texts("tbody tr td:nth-child(2)");
    assert_eq!(ids[0], w.ids["failed"]);
    assert!(a.body.contains(SECRET));
    // The practice's zone names the page, and every filter has a label.
    assert!(a.body.contains("Times in America/Chicago"));
    let doc = a.html();
    for c in doc.select(
        &Selector::parse("form.filters select, form.filters input:not([type=hidden])").unwrap(),
    ) {
        let id = c.value().attr("id").expect("a control with an id");
        assert_eq!(
            doc.select(&Selector::parse(&format!("label[for={id}]")).unwrap())
                .count(),
            1,
            "label for {id}"
        );
    }
    // No free text or correlation box in the GET form.
    assert_eq!(
        a.count("form[method=get] [name=q], form[method=get] [name=correlation]"),
        0
    );
    assert_eq!(w.audited("messages.list").len(), 1);

    let dead = w
        .get(
            Role::Admin,
            "/messages?status=dead&kind=claim&endpoint=in&type=message",
        )
        .await;
    assert_eq!(dead.count("tbody tr"), 3, "{}", dead.body);
    assert_eq!(
        dead.texts("form.filters select[name=status] option[selected]"),
        vec!["dead"]
    );
    let empty = w
        .get(Role::Admin, "/messages?status=&kind=&type=inbound")
        .await;
    assert_eq!(empty.count("tbody tr"), 2);

    // Dates are days in the practice's zone; today (there) takes everything in.
    let today = Clock::new("America/Chicago").today();
    let day = w
        .get(
            Role::Admin,
            &format!("/messages?since={today}&until={today}"),
        )
        .await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.body);
    assert_eq!(day.count("tbody tr"), 6);
    let before = w.get(Role::Admin, "/messages?until=2020-01-01").await;
    assert_eq!(before.count("tbody tr"), 0);

    // Cursor paging, the next page from the link.
    let p1 = w.get(Role::Admin, "/messages?limit=4").await;
    assert_eq!(p1.count("tbody tr"), 4);
    assert!(p1.status_region().contains("more on the next page"));
    let sel = Selector::parse("nav.pager a").unwrap();
    let next = p1
        .html()
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(
        next.contains("cursor=") && next.contains("limit=4"),
        "{next}"
    );
    let p2 = w.get(Role::Admin, &next).await;
    assert_eq!(p2.count("tbody tr"), 2);
    assert_eq!(p2.count("nav.pager a"), 0);

    // A deep link with the API's `correlation` works for the roles that may read it.
    let c = w
        .get(
            Role::Coordinator,
            &format!("/messages?correlation={SECRET}"),
        )
        .await;
    assert_eq!(c.count("tbody tr"), 1);
    assert!(c.body.contains("Show without it"));
}

#[tokio::test]
async fn bad_parameters_are_400_pages_naming_them() {
    let w = world().await;
    for (uri, names) in [
        ("/messages?bogus=1", "`bogus`"),
        ("/messages?status=nope", "`status`"),
        ("/messages?kind=nope", "`kind`"),
        ("/messages?type=nope", "`type`"),
        ("/messages?since=yesterday", "`since`"),
        ("/messages?limit=0", "`limit`"),
        ("/messages?cursor=abc", "`cursor`"),
        ("/messages?format=xlsx", "`format`"),
        ("/dead-letters?bogus=1", "`bogus`"),
        ("/dead-letters?until=13/01/2026", "`until`"),
        ("/dead-letters?kind=nope", "`kind`"),
        ("/endpoints?x=1", "`x`"),
    ] {
        let a = w.get(Role::Admin, uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(a.content_type.starts_with("text/html"), "{uri}");
        let alert = a.texts("[role=alert]").join(" ");
        assert!(alert.contains(names), "{uri}: {alert}");
    }
    let a = w.get(Role::Admin, "/messages/not-an-id").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = w
        .get(Role::Admin, &format!("/messages/{}", ulid::Ulid::new()))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_viewer_sees_masked_values_and_no_payload() {
    let w = world().await;
    let a = w.get(Role::Viewer, "/messages").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.count("tbody tr"), 6);
    assert!(!a.body.contains(SECRET), "a viewer saw a correlation value");
    assert!(a.texts("tbody td").iter().any(|t| t.contains("[masked]")));
    assert_eq!(a.count("form[role=search]"), 0);
    // A viewer is not audited (nothing unmasked was shown), as in /v1/messages.
    assert!(w.audited("messages.list").is_empty());
    // No search: by free text (refused by the access layer) or by correlation value.
    assert_eq!(
        w.get(Role::Viewer, "/messages?q=jane").await.status,
        StatusCode::FORBIDDEN
    );
    let c = w
        .get(Role::Viewer, &format!("/messages?correlation={SECRET}"))
        .await;
    assert_eq!(c.status, StatusCode::FORBIDDEN);
    assert!(c.content_type.starts_with("text/html"));
    // The record: masked keys and file name, no normalized JSON, no raw payload.
    let d = w
        .get(Role::Viewer, &format!("/messages/{}", w.ids["delivered"]))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(!d.body.contains(SECRET) && !d.body.contains("Jane Doe") && !d.body.contains(RAW));
    assert_eq!(d.count("pre.raw"), 0);
    assert!(d.texts("table td").iter().any(|t| t == "[masked]"));
    let i = w
        .get(Role::Viewer, &format!("/messages/{}", w.ids["inbound"]))
        .await;
    assert!(!i.body.contains("jane-doe-claims") && i.body.contains("[masked]"));
    // CSV too.
    let csv = w.get(Role::Viewer, "/messages?format=csv").await;
    assert!(
        !csv.body.contains(SECRET)
            && !csv.body.contains("jane-doe")
            && csv.body.contains("[masked]")
    );
}

#[tokio::test]
async fn the_record_shows_history_and_payloads_by_role() {
    let w = world().await;
    let id = &w.ids["dead1"];
    let a = w.get(Role::Admin, &format!("/messages/{id}")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let captions = a.texts("table caption");
    assert!(
        captions.contains(&"Status history, oldest first".to_owned()),
        "{captions:?}"
    );
    assert!(captions.contains(&"Deliveries per destination".to_owned()));
    assert!(captions.contains(&"Correlation keys".to_owned()));
    // History: three changes, the last the dead one with its error.
    let sel = Selector::parse("table").unwrap();
    let doc = a.html();
    let hist = doc
        .select(&sel)
        .find(|t| t.text().any(|x| x.contains("Status history")))
        .unwrap();
    let rows: Vec<String> = hist
        .select(&Selector::parse("tbody tr").unwrap())
        .map(|r| r.text().collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows[2].contains("dead")
            && rows[2].contains("delivery.http_status")
            && rows[2].contains("503")
    );
    // Deliveries: attempts and last error.
    let del = doc
        .select(&sel)
        .find(|t| t.text().any(|x| x.contains("Deliveries")))
        .unwrap();
    let del: String = del.text().collect();
    assert!(del.contains("out") && del.contains('5') && del.contains("delivery.http_status"));
    // The parent link, the normalized JSON pretty-printed, the raw payload of the parent.
    assert!(a.count(&format!("a[href='/messages/{}']", w.ids["inbound"])) >= 1);
    let pres = a.texts("pre.raw");
    assert_eq!(pres.len(), 2);
    assert!(pres[0].contains("\"name\": \"Jane Doe\""), "{}", pres[0]);
    assert_eq!(pres[1], RAW);
    assert_eq!(
        a.count(&format!(
            "form[action='/dead-letters/replay'] input[name=id][value='{id}']"
        )),
        1
    );
    assert_eq!(w.audited("payload.read").len(), 1);

    // A coordinator: the normalized JSON, no raw payload, no replay.
    let c = w.get(Role::Coordinator, &format!("/messages/{id}")).await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.count("pre.raw"), 1);
    assert!(!c.body.contains(RAW));
    assert!(c.body.contains("shown to admins and operators only"));
    assert_eq!(c.count("form[action='/dead-letters/replay']"), 0);
    assert_eq!(w.audited("message.read").len(), 1);

    // An operator: the raw payload of an inbound record, and its children.
    let o = w
        .get(Role::Operator, &format!("/messages/{}", w.ids["inbound"]))
        .await;
    assert_eq!(o.texts("pre.raw"), vec![RAW]);
    assert!(o.count("dd ul li a") == 4);
}

#[tokio::test]
async fn dead_letters_are_grouped_filtered_and_replayed_after_confirmation() {
    let w = world().await;
    let a = w.get(Role::Operator, "/dead-letters").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.texts("table caption").len(), 2);
    assert!(
        a.status_region().starts_with("3 dead letters match"),
        "{}",
        a.status_region()
    );
    // Groups: out × delivery.http_status = 2, out × timeout = 1.
    let groups: Vec<String> = a
        .html()
        .select(&Selector::parse("table:first-of-type tbody tr").unwrap())
        .map(|r| r.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert!(
        groups[0].contains("out")
            && groups[0].contains("delivery.http_status")
            && groups[0].ends_with('2')
    );
    assert!(groups[1].contains("timeout") && groups[1].ends_with('1'));
    assert_eq!(
        a.count("form[action='/dead-letters/replay'] input[name=id]"),
        3
    );
    assert!(
        a.texts("button")
            .iter()
            .any(|b| b.starts_with("Replay all 3 shown by this filter"))
    );

    let f = w
        .get(
            Role::Operator,
            "/dead-letters?destination=out&reason=delivery.http_status",
        )
        .await;
    assert!(f.status_region().starts_with("2 dead letters match"));
    assert_eq!(f.count("table:nth-of-type(2) tbody tr"), 2);
    assert_eq!(
        w.get(Role::Operator, "/dead-letters?reason=timeout&kind=claim")
            .await
            .count("table:nth-of-type(2) tbody tr"),
        1
    );
    assert_eq!(
        w.get(Role::Operator, "/dead-letters?kind=remittance")
            .await
            .count("table:nth-of-type(2) tbody tr"),
        0
    );
    let paged = w.get(Role::Operator, "/dead-letters?limit=2").await;
    assert_eq!(paged.count("table:nth-of-type(2) tbody tr"), 2);
    let next = paged
        .html()
        .select(&Selector::parse("nav.pager a").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(
        w.get(Role::Operator, &next)
            .await
            .count("table:nth-of-type(2) tbody tr"),
        1
    );

    // The bulk replay asks first, saying how many and by which filter.
    let filter = "destination=out&reason=delivery.http_status";
    let c = w.post(Role::Operator, "/dead-letters/replay", filter).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert!(
        c.status_region().contains("2 messages will be replayed"),
        "{}",
        c.status_region()
    );
    assert!(
        c.texts("dl.facts dd")
            .contains(&"delivery.http_status".to_owned())
    );
    assert_eq!(c.texts("form button"), vec!["Replay 2 messages"]);
    assert_eq!(c.count("form input[name=confirm][value=yes]"), 1);
    assert_eq!(
        c.count("a[href='/dead-letters?destination=out&reason=delivery.http_status']"),
        1
    );
    assert!(w.audited("message.replay").is_empty());
    assert_eq!(
        w.hub.store.get(&w.ids["dead1"]).unwrap().unwrap().status,
        Status::Dead
    );

    // A confirmation for another number is asked again.
    let stale = w
        .post(
            Role::Operator,
            "/dead-letters/replay",
            &format!("{filter}&expect=3&confirm=yes"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale
            .texts("[role=alert]")
            .join(" ")
            .contains("changed from 3 to 2")
    );

    let done = w
        .post(
            Role::Operator,
            "/dead-letters/replay",
            &format!("{filter}&expect=2&confirm=yes"),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.status_region().contains("Replayed 2 messages"),
        "{}",
        done.status_region()
    );
    for name in ["dead1", "dead2"] {
        let r = w.hub.store.get(&w.ids[name]).unwrap().unwrap();
        assert_eq!(r.status, Status::Queued, "{name}");
        assert!(r.history.iter().any(|c| c.status == Status::Replayed));
    }
    assert_eq!(
        w.hub.store.get(&w.ids["dead3"]).unwrap().unwrap().status,
        Status::Dead
    );
    let audit = w.audited("message.replay");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].outcome, "ok");
    assert_eq!(audit[0].records.len(), 2);
    assert!(
        w.get(Role::Operator, "/dead-letters")
            .await
            .status_region()
            .starts_with("1 dead letter matches")
    );

    // One message by id, confirmed the same way.
    let one = format!("id={}", w.ids["dead3"]);
    let c = w.post(Role::Admin, "/dead-letters/replay", &one).await;
    assert!(c.status_region().contains("1 message will be replayed"));
    let d = w
        .post(
            Role::Admin,
            "/dead-letters/replay",
            &format!("{one}&confirm=yes&expect=1"),
        )
        .await;
    assert!(
        d.status_region().contains("Replayed 1 message."),
        "{}",
        d.status_region()
    );
    assert_eq!(
        w.hub.store.get(&w.ids["dead3"]).unwrap().unwrap().status,
        Status::Queued
    );

    // Nothing left: nothing to confirm.
    let none = w.post(Role::Admin, "/dead-letters/replay", filter).await;
    assert!(none.status_region().contains("nothing to replay"));
    assert_eq!(none.count("form input[name=confirm]"), 0);
}

#[tokio::test]
async fn replay_forms_are_checked_and_kept_from_other_roles() {
    let w = world().await;
    for role in [Role::Coordinator, Role::Viewer] {
        let a = w
            .post(
                role,
                "/dead-letters/replay",
                &format!("id={}", w.ids["dead1"]),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{role}");
        let page = w.get(role, "/dead-letters").await;
        assert_eq!(
            page.count("form[action='/dead-letters/replay']"),
            0,
            "{role}"
        );
    }
    for (form, names) in [
        ("bogus=1", "`bogus`"),
        ("id=xyz", "`id`"),
        ("confirm=maybe", "`confirm`"),
        ("kind=nope", "`kind`"),
        ("expect=many", "`expect`"),
    ] {
        let a = w.post(Role::Admin, "/dead-letters/replay", form).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(a.texts("[role=alert]").join(" ").contains(names), "{form}");
    }
    let both = w
        .post(
            Role::Admin,
            "/dead-letters/replay",
            &format!("id={}&reason=timeout", w.ids["dead1"]),
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn csv_exports_neutralize_formulas() {
    let w = world().await;
    let a = w.get(Role::Admin, "/messages?format=csv").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = a.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 7, "{}", a.body);
    assert!(lines[0].starts_with("time,id,type,kind,endpoint,status,correlation"));
    // `claim_id==cmd...` does not start a cell with `=`; the value alone would, so
    // check the neutralizer at a cell start too (the error message column).
    assert!(!a.body.contains(",=cmd"));
    assert_eq!(w.audited("messages.export").len(), 1);
    let d = w.get(Role::Admin, "/dead-letters?format=csv").await;
    assert!(d.content_type.starts_with("text/csv"));
    assert_eq!(d.body.split("\r\n").filter(|l| !l.is_empty()).count(), 4);
    let e = w.get(Role::Admin, "/endpoints?format=csv").await;
    assert!(
        e.body
            .starts_with("endpoint,transport,connector,direction,last_message,received")
    );

    // A formula at the start of a cell gets a leading quote.
    let mut r = w.hub.store.get(&w.ids["dead3"]).unwrap().unwrap();
    r.history.push(change(
        Status::Dead,
        now_ms(),
        Some(ErrorInfo::new(FORMULA, "x")),
    ));
    w.hub.store.transact(|tx| tx.put(&r)).unwrap();
    let d = w
        .get(
            Role::Admin,
            "/dead-letters?format=csv&reason=%3Dcmd%7C%27%20%2FC%20calc%27%21A0",
        )
        .await;
    assert!(d.body.contains(",'=cmd|"), "{}", d.body);
    assert!(!d.body.contains(",=cmd"));
}

#[tokio::test]
async fn the_endpoints_page_counts_and_links() {
    let w = world().await;
    let a = w.get(Role::Viewer, "/endpoints").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.texts("table caption"), vec!["Configured endpoints"]);
    assert!(a.status_region().starts_with("2 endpoints configured"));
    let rows: Vec<String> = a
        .html()
        .select(&Selector::parse("tbody tr").unwrap())
        .map(|r| r.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].starts_with("in|http|json|inbound"), "{}", rows[0]);
    assert!(
        rows[1].starts_with("out|dir-out|json|outbound"),
        "{}",
        rows[1]
    );
    // in: 6 records, 1 decode failure + 3 dead of 6 in 24 h.
    assert_eq!(a.count("a[href='/messages?endpoint=in']"), 1);
    assert!(a.texts("a[href='/messages?endpoint=in&status=dead']") == vec!["dead: 3"]);
    assert!(
        a.texts("a[href='/messages?endpoint=in&status=decode_failed']") == vec!["decode_failed: 1"]
    );
    assert!(rows[0].contains("66.7% (4 of 6)"), "{}", rows[0]);
    // out: 3 dead of 4 routed to it; the dead count links to the dead letters.
    assert_eq!(
        a.texts("a[href='/dead-letters?destination=out']"),
        vec!["3"]
    );
    assert!(rows[1].contains("75.0% (3 of 4)"), "{}", rows[1]);
    assert_eq!(
        a.count("p.notice"),
        1,
        "only the viewer notice, no cut-off note"
    );
}

#[tokio::test]
async fn the_search_finds_by_text_and_correlation_without_a_url() {
    use axum::extract::{Extension, State};
    let w = world().await;
    let caller = |role: Role, access: crate::auth::Access| crate::api::Caller {
        principal: crate::auth::Principal {
            name: format!("t-{role}"),
            role,
            endpoints: vec![],
            via: crate::auth::Via::Token,
        },
        access,
        source: "test".into(),
        auth: w.auth.clone(),
    };
    let post = |form: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(super::SEARCH_PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap()
    };
    let run = |role, access, form: &str| {
        let req = post(form);
        let hub = w.hub.clone();
        let c = caller(role, access);
        async move {
            let r = super::messages::search(State(hub), Extension(c), req).await;
            let status = r.status();
            let body = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    use crate::auth::Access::{Allowed, Masked};
    let (s, body) = run(
        Role::Coordinator,
        Allowed,
        &format!("_csrf=&correlation={SECRET}&status="),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let doc = Answer {
        status: s,
        content_type: String::new(),
        body,
    };
    assert_eq!(doc.count("tbody tr"), 1);
    // The value stays in the form, never in a link.
    assert_eq!(
        doc.count(&format!(
            "form[role=search] input[type=search][name=correlation][value='{SECRET}']"
        )),
        1
    );
    let sel = Selector::parse("a[href]").unwrap();
    assert!(
        doc.html()
            .select(&sel)
            .all(|a| !a.value().attr("href").unwrap().contains(SECRET))
    );
    let (_, body) = run(Role::Admin, Allowed, "q=timeout").await;
    assert_eq!(
        Answer {
            status: s,
            content_type: String::new(),
            body
        }
        .count("tbody tr"),
        1
    );
    let (_, body) = run(Role::Admin, Allowed, "q=answered&limit=1").await;
    let a = Answer {
        status: s,
        content_type: String::new(),
        body,
    };
    assert_eq!(a.count("tbody tr"), 1);
    assert_eq!(a.count("form.pager input[name=cursor]"), 1);
    assert_eq!(w.audited("messages.search").len(), 3);
    let (s, _) = run(Role::Viewer, Masked, "q=jane").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = run(Role::Admin, Allowed, "status=dead").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[test]
fn plain_dates_are_days_in_the_practice_zone() {
    let c = Clock::new("America/Chicago");
    assert_eq!(
        super::zone_day(&c, false, "2026-01-15"),
        "2026-01-15T06:00:00.000Z"
    );
    assert_eq!(
        super::zone_day(&c, true, "2026-01-15"),
        "2026-01-16T06:00:00.000Z"
    );
    assert_eq!(
        super::zone_day(&c, false, "2026-01-15T00:00:00Z"),
        "2026-01-15T00:00:00Z"
    );
    assert_eq!(super::zone_day(&c, false, "junk"), "junk");
}

#[test]
fn error_rates_are_exact_decimals() {
    assert_eq!(error_rate(0, 0), None);
    assert_eq!(error_rate(1, 3).unwrap().to_string(), "33.3");
    assert_eq!(error_rate(2, 3).unwrap().to_string(), "66.7");
    assert_eq!(error_rate(3, 4).unwrap().to_string(), "75.0");
    assert_eq!(error_rate(5, 5).unwrap().to_string(), "100.0");
}

#[test]
fn dead_letters_group_by_destination_and_reason() {
    let now = now_ms();
    let mut two = dead("A", "P", now, "delivery.http_status", "503", "x");
    two.deliveries
        .insert("other".into(), two.deliveries["out"].clone());
    let rows = vec![
        Row::of(two),
        Row::of(dead("B", "P", now, "delivery.http_status", "503", "y")),
        Row::of(dead("C", "P", now, "timeout", "slow", "z")),
        Row::of(record("D", RecordType::Message, None, Status::Dead, now)),
    ];
    let g = groups(&rows);
    let key = |d: &str, r: &str| (d.to_owned(), r.to_owned());
    assert_eq!(g[&key("out", "delivery.http_status")], 2);
    assert_eq!(g[&key("other", "delivery.http_status")], 1);
    assert_eq!(g[&key("out", "timeout")], 1);
    assert_eq!(g[&key("", "")], 1);
    assert!(rows[0].matches(Some("other"), None));
    assert!(!rows[1].matches(Some("other"), None));
    assert!(rows[2].matches(Some("out"), Some("timeout")));
    assert!(!rows[2].matches(None, Some("delivery.http_status")));
    assert!(rows[3].matches(None, None));
}
