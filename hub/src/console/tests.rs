//! In-process router tests of the console's claims, claim detail, worklist and KPI
//! screens: a real hub over a temporary store, the real router with its access
//! control, the HTML checked with `scraper`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::{Html, Selector};
use serde_json::json;
use tower::ServiceExt as _;

use crate::auth::{Auth, Role};
use crate::ledger::tests::{DAY, T0, ack_277, claim, put_message, remit};
use crate::pipeline::Hub;

pub(crate) struct Console {
    _dir: tempfile::TempDir,
    pub hub: Arc<Hub>,
    pub auth: Arc<Auth>,
    pub app: Router,
    pub admin: String,
    pub coordinator: String,
    pub viewer: String,
    n: u128,
}

pub(crate) const PATIENT: &str = "Quillfeather";

impl Console {
    pub fn new() -> Console {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clearway.toml");
        let text = format!(
            "[hub]\ndata_dir = \"{}\"\n\n[console]\ntime_zone = \"America/Chicago\"\ntimely_filing_days = 90\n",
            dir.path().join("data").display()
        );
        std::fs::write(&path, &text).unwrap();
        let config = crate::config::parse(&path, &text).unwrap();
        let hub = Hub::build(config).unwrap();
        let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub).unwrap());
        let token = |name: &str, role: Role| {
            auth.credentials
                .create_token(name, role, &[], None)
                .unwrap()
        };
        let (admin, coordinator, viewer) = (
            token("t-admin", Role::Admin),
            token("t-coord", Role::Coordinator),
            token("t-viewer", Role::Viewer),
        );
        auth.credentials
            .add_user("carol", Role::Coordinator, "correct horse battery")
            .unwrap();
        let app = crate::api::router(hub.clone(), auth.clone(), false);
        Console {
            _dir: dir,
            hub,
            auth,
            app,
            admin,
            coordinator,
            viewer,
            n: 0,
        }
    }

    pub fn put(&mut self, at: u64, m: &serde_json::Value) -> String {
        self.n += 1;
        put_message(&self.hub.sled, &self.hub.ledger, self.n, at, m)
    }

    pub async fn call(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let r = self.app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, String) {
        let req = Request::get(path)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, b) = self.call(req).await;
        (s, b)
    }

    pub async fn post_form(
        &self,
        token: &str,
        path: &str,
        form: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::post(path)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        self.call(req).await
    }
}

pub(crate) fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// Four claims: paid (CO-45, PR-2), denied (CO-50), rejected (A7), submitted; one
/// with a patient name that is a spreadsheet formula.
async fn seeded() -> (Console, String) {
    let mut c = Console::new();
    let mut paid = claim("PCN-PAID", "1", "0001");
    paid["parties"]["patient"] =
        json!({"entity_type": "person", "last_name": PATIENT, "first_name": "Ada"});
    c.put(T0, &paid);
    c.put(T0 + 1000, &ack_277("PCN-PAID", "A2", "20"));
    c.put(
        T0 + 4 * DAY,
        &remit(
            "PCN-PAID",
            "processed_as_primary",
            "250.00",
            "160.00",
            &[("CO", "45", "50.00"), ("PR", "2", "40.00")],
        ),
    );
    c.put(T0, &claim("PCN-DENY", "2", "0001"));
    c.put(T0 + 1000, &ack_277("PCN-DENY", "A2", "20"));
    c.put(
        T0 + 6 * DAY,
        &remit(
            "PCN-DENY",
            "denied",
            "250.00",
            "0.00",
            &[("CO", "50", "250.00")],
        ),
    );
    c.put(T0 + DAY, &claim("PCN-REJ", "3", "0001"));
    c.put(T0 + DAY + 1000, &ack_277("PCN-REJ", "A7", "164"));
    let mut formula = claim("PCN-NEW", "4", "0001");
    formula["parties"]["patient"] = json!({"entity_type": "person", "last_name": "=HYPERLINK(\"http://x\")", "first_name": "Eve"});
    c.put(T0 + 2 * DAY, &formula);
    let key = c.hub.ledger.search("PCN-PAID").unwrap().remove(0);
    (c, key)
}

#[tokio::test]
async fn the_claims_list_shows_states_counts_and_filters() {
    let (c, _) = seeded().await;
    let (s, html) = c.get(&c.coordinator, "/claims").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(
        texts(&html, "[role=status]"),
        vec!["4 claims match these filters"]
    );
    assert_eq!(texts(&html, "table caption").len(), 1);
    let rows = texts(&html, "table tbody tr");
    assert_eq!(rows.len(), 4);
    assert!(
        rows[0].contains("PCN-NEW"),
        "newest submission first: {rows:?}"
    );
    assert!(html.contains(PATIENT), "a coordinator sees the patient");
    let chips = texts(&html, "ul.chips a");
    assert!(
        chips.contains(&"Paid: 1".to_owned())
            && chips.contains(&"Denied: 1".to_owned())
            && chips.contains(&"Rejected: 1".to_owned()),
        "{chips:?}"
    );
    // Times and the zone.
    assert!(html.contains("Times in America/Chicago"));
    // Sortable headers say how they sort.
    let doc = Html::parse_document(&html);
    let th = Selector::parse("th[aria-sort]").unwrap();
    let sorts: Vec<&str> = doc
        .select(&th)
        .map(|e| e.value().attr("aria-sort").unwrap())
        .collect();
    assert!(sorts.contains(&"descending") && sorts.contains(&"none"));
    // A filter is a deep link.
    let (_, denied) = c.get(&c.coordinator, "/claims?state=denied").await;
    assert_eq!(
        texts(&denied, "[role=status]"),
        vec!["1 claim matches these filters"]
    );
    assert!(denied.contains("PCN-DENY") && !denied.contains("PCN-PAID"));
    let (_, by_date) = c
        .get(&c.coordinator, "/claims?from=2026-01-01&to=2026-01-01")
        .await;
    // 2026-01-01T00:00Z is Dec 31 in Chicago: only the claims of Jan 1 (Chicago) count.
    assert_eq!(
        texts(&by_date, "[role=status]"),
        vec!["1 claim matches these filters"]
    );
    // Paging by cursor.
    let (_, p1) = c.get(&c.coordinator, "/claims?limit=3").await;
    let next = Html::parse_document(&p1);
    let a = Selector::parse("nav.pager a").unwrap();
    let href = next
        .select(&a)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let (_, p2) = c.get(&c.coordinator, &href).await;
    assert_eq!(texts(&p2, "table tbody tr").len(), 1);
    // Bad input names itself.
    let (s, bad) = c.get(&c.coordinator, "/claims?state=lost").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(bad.contains("unknown state `lost`"), "{bad}");
    let (s, bad) = c.get(&c.coordinator, "/claims?colour=red").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(bad.contains("unknown parameter `colour`"));
    // Every listing is audited with the claims it showed.
    let (audit, _) = c
        .auth
        .audit
        .list(&crate::audit::Query {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "claims.list" && e.records.len() == 4)
    );
}

#[tokio::test]
async fn a_viewer_sees_no_patient_data_and_cannot_search() {
    let (c, key) = seeded().await;
    let (s, html) = c.get(&c.viewer, "/claims").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains(PATIENT) && !html.contains("PCN-PAID"),
        "masked for a viewer"
    );
    assert!(html.contains("[masked]"));
    let (s, detail) = c.get(&c.viewer, &format!("/claims/{key}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !detail.contains(PATIENT)
            && !detail.contains("PCN-PAID")
            && !detail.contains("XTEST00000001")
    );
    assert!(!detail.contains("Add a note"), "viewers do not work claims");
    let (s, _, _) = c.post_form(&c.viewer, "/claims/search", "q=PCN-PAID").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = c
        .post_form(&c.viewer, &format!("/claims/{key}/notes"), "text=hi")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, csv) = c.get(&c.viewer, "/claims?format=csv").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!csv.contains(PATIENT));
}

#[tokio::test]
async fn csv_export_neutralizes_formulas() {
    let (c, _) = seeded().await;
    let (s, csv) = c.get(&c.coordinator, "/claims?format=csv").await;
    assert_eq!(s, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "header and four claims");
    assert!(lines[0].starts_with("patient_control_number,patient,"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\"), Eve\""),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"));
}

#[tokio::test]
async fn the_claim_page_shows_the_timeline_with_codes_and_next_steps() {
    let (c, key) = seeded().await;
    let (s, html) = c.get(&c.coordinator, &format!("/claims/{key}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let steps = texts(&html, "ol.timeline > li h3");
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert!(steps[0].starts_with("Claim submitted (837P)"));
    assert!(steps[1].starts_with("Claim acknowledgment (277CA)"));
    assert!(steps[2].starts_with("Payment (835)"));
    // Codes carry their descriptions; CO-45 is not a denial.
    let carc45 = clearway_codes::Table::Carc.describe("45");
    assert!(html.contains(carc45), "CARC 45 described");
    assert!(html.contains(clearway_codes::Table::ClaimStatusCategory.describe("A2")));
    assert!(texts(&html, "p.next")[0].starts_with("Post the payment"));
    // Coordinators get no raw payload; admins do.
    assert!(!html.contains("Raw payload"));
    let (_, admin) = c.get(&c.admin, &format!("/claims/{key}")).await;
    assert!(admin.contains("Raw payload"));
    // An unknown key is a 404 page, a malformed one too.
    let (s, _) = c
        .get(&c.coordinator, "/claims/00000000000000000000000000000000")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = c.get(&c.coordinator, "/claims/not-a-key").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_denial_is_worked_through_forms_and_shows_in_the_timeline() {
    let (c, _) = seeded().await;
    let (_, list) = c.get(&c.coordinator, "/worklists/denials").await;
    assert!(list.contains("CO-50"), "grouped by group and CARC");
    assert_eq!(
        texts(&list, "[role=status]"),
        vec!["1 claim on this worklist"]
    );
    assert!(list.contains("$250.00"));
    assert!(list.contains("Timely filing passed") || list.contains("days left"));
    let key = c.hub.ledger.search("PCN-DENY").unwrap().remove(0);
    // A person logs in with the form and works the denial with the session.
    let login = Request::post("/login")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=carol&password=correct+horse+battery"))
        .unwrap();
    let (s, h, _) = c.call(login).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookie = h
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let get_page = |path: String| {
        Request::get(path)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap()
    };
    let (_, _, page) = c.call(get_page(format!("/claims/{key}"))).await;
    let doc = Html::parse_document(&page);
    let csrf_sel = Selector::parse("input[name=_csrf]").unwrap();
    let csrf = doc
        .select(&csrf_sel)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    let post = |path: String, body: String| {
        Request::post(path)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // Without the form's CSRF token the session may not change anything.
    let (s, _, _) = c
        .call(post(format!("/claims/{key}/notes"), "text=x".into()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, h, _) = c
        .call(post(
            format!("/claims/{key}/notes"),
            format!("_csrf={csrf}&text=Called+payer%3B+records+sent"),
        ))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), &format!("/claims/{key}"));
    let (s, _, _) = c
        .call(post(
            format!("/claims/{key}/assign"),
            format!("_csrf={csrf}&to=carol"),
        ))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = c
        .call(post(
            format!("/claims/{key}/assign"),
            format!("_csrf={csrf}&to=mallory"),
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "only active users");
    let (s, _, _) = c
        .call(post(
            format!("/claims/{key}/resolve"),
            format!("_csrf={csrf}&action=resolve"),
        ))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = c.call(get_page(format!("/claims/{key}"))).await;
    let steps = texts(&page, "ol.timeline > li h3");
    assert!(
        steps.iter().any(|s| s.starts_with("Note"))
            && steps.iter().any(|s| s.starts_with("Assigned"))
            && steps.iter().any(|s| s.starts_with("Resolved")),
        "{steps:?}"
    );
    assert!(page.contains("Called payer; records sent"));
    let (_, _, list) = c.call(get_page("/worklists/denials".into())).await;
    assert_eq!(
        texts(&list, "[role=status]"),
        vec!["0 claims on this worklist"],
        "resolved leaves the list"
    );
    let (audit, _) = c
        .auth
        .audit
        .list(&crate::audit::Query {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    for action in ["claim.note", "claim.assign", "claim.resolve", "login"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.actor == "carol"),
            "{action} audited"
        );
    }
    // Logging out ends the session: pages send the browser to the login form.
    let (s, _, _) = c
        .call(post("/logout".into(), format!("_csrf={csrf}")))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, h, _) = c.call(get_page("/claims".into())).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/login?ended=1");
}

#[tokio::test]
async fn rejections_group_by_root_cause_and_kpis_match_the_hand_count() {
    let (c, _) = seeded().await;
    let (_, rej) = c.get(&c.coordinator, "/worklists/rejections").await;
    assert_eq!(
        texts(&rej, "[role=status]"),
        vec!["1 claim on this worklist"]
    );
    assert!(rej.contains("PCN-REJ"));
    let (s, k) = c.get(&c.coordinator, "/kpis").await;
    assert_eq!(s, StatusCode::OK, "{k}");
    let big = texts(&k, ".kpi .big");
    // By hand: 4 submitted; first pass: PAID and DENY (A2, no resubmission) = 50.0%;
    // 2 with an 835, 1 denied = 50.0%; dollars 250 of 500 = 50.0%; days to payment
    // of the one paid claim: 4; rejected now: 1 of 4 = 25.0%.
    assert_eq!(big, vec!["50.0%", "50.0%", "4 d", "25.0%"]);
    assert!(k.contains("<svg"), "a chart");
    assert!(k.contains("Definitions"));
    let doc = Html::parse_document(&k);
    let a = Selector::parse(".kpi .big a").unwrap();
    let first = doc
        .select(&a)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let (_, drill) = c.get(&c.coordinator, &first).await;
    assert_eq!(
        texts(&drill, "[role=status]"),
        vec!["2 claims match these filters"],
        "the number links to its list"
    );
}

#[tokio::test]
async fn pages_need_a_session_and_the_login_page_is_accessible() {
    let c = Console::new();
    let req = Request::get("/claims")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = c.call(req).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/login?ended=1");
    let req = Request::get("/login")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let (s, _, html) = c.call(req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(texts(&html, "label[for=name]"), vec!["Name"]);
    assert_eq!(texts(&html, "label[for=password]"), vec!["Password"]);
    let bad = Request::post("/login")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=carol&password=wrong"))
        .unwrap();
    let (s, _, html) = c.call(bad).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        texts(&html, "[role=alert]"),
        vec!["Wrong name or password, or the account is disabled."]
    );
    // The JSON API keeps its 401.
    let req = Request::get("/v1/claims")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = c.call(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn v1_claims_answers_the_same_filter_as_json() {
    let (c, key) = seeded().await;
    let (s, body) = c.get(&c.coordinator, "/v1/claims?state=paid").await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["counts"]["denied"], 1);
    assert_eq!(v["items"][0]["key"], key.as_str());
    let (_, masked) = c.get(&c.viewer, &format!("/v1/claims/{key}")).await;
    assert!(!masked.contains(PATIENT) && masked.contains("[masked]"));
    let (s, _) = c.get(&c.coordinator, "/v1/claims?state=lost").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
