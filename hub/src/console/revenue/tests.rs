//! The revenue pages through the real router: what each role sees, masking,
//! raw payloads, CSV, filters, paging and bad parameters.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::test_support::{TestHub, example};
use crate::auth::Role;
use crate::store::record::now_ms;

/// 2026-01-15T05:30:00Z: 2026-01-14 23:30 in Chicago.
const T1: u64 = 1_768_455_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

const RAW_835: &str =
    "ISA*00*          *00*          *ZZ*TESTPAYER1~ST*835*0001~BPR*C*155.25*C*ACH~";

/// A hub with a claim for PCN-TEST-0001, the example 835 (balanced) at T1 and
/// an 835 whose total is $44.75 too high a day later. Returns (hub, balanced
/// id, unbalanced id).
fn payments_hub() -> (TestHub, String, String) {
    let mut t = TestHub::new();
    t.put(T1 - DAY, &example("claim"), "ISA*claim~");
    let good = t.put(T1, &example("remittance"), RAW_835);
    let mut bad = example("remittance");
    bad["body"]["payment"]["amount"] = json!("200.00");
    bad["body"]["payment"]["trace"]["reference"] = json!("EFT-BAD-0002");
    bad["correlation"]["trace_numbers"] = json!(["EFT-BAD-0002"]);
    let bad = t.put(T1 + DAY, &bad, "ISA*bad~");
    (t, good, bad)
}

#[tokio::test]
async fn payments_list_flags_the_835_that_does_not_balance() {
    let (t, good, bad) = payments_hub();
    let a = t.get(&t.token(Role::Coordinator), "/payments").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.text("main > table caption"), "835 payments, newest first");
    assert_eq!(a.text("[role=status]"), "2 payments (835), newest first");
    let rows = a.texts("main > table tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with(
            "EFT-BAD-0002 ACH (EFT) Example Test Health Plan TESTPAYER1 2024-03-15 $200.00 2"
        ),
        "{rows:?}"
    );
    assert!(rows[0].contains("does not balance by $44.75"), "{rows:?}");
    assert!(
        rows[1].contains("EFT-TEST-0001") && rows[1].contains("balanced"),
        "{rows:?}"
    );
    assert!(a.body.contains(&format!("href=\"/payments/{bad}\"")));
    assert!(a.body.contains(&format!("href=\"/payments/{good}\"")));
    // The claim payment no claim matches, linked to its ledger row.
    let unmatched = a.texts("#unmatched-h + p.count + table tbody tr");
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(
        unmatched[0].starts_with("PCN-TEST-0002 Example Test Health Plan $80.00 $0.00"),
        "{unmatched:?}"
    );
    assert!(
        a.html()
            .select(
                &scraper::Selector::parse("#unmatched-h + p.count + table a[href^='/claims/']")
                    .unwrap()
            )
            .count()
            == 1
    );

    let only_bad = t
        .get(&t.token(Role::Coordinator), "/payments?balanced=no")
        .await;
    assert_eq!(
        only_bad.text("[role=status]"),
        "1 payments (835), newest first"
    );
    let by_payer = t
        .get(&t.token(Role::Coordinator), "/payments?payer=testpayer")
        .await;
    assert_eq!(by_payer.texts("main > table tbody tr").len(), 2);
    let nobody = t
        .get(&t.token(Role::Coordinator), "/payments?payer=acme")
        .await;
    assert_eq!(
        nobody.text("[role=status]"),
        "0 payments (835): none match these filters"
    );
    // T1 is 2026-01-14 in Chicago: a day filter of the 15th leaves it out.
    let day = t
        .get(
            &t.token(Role::Coordinator),
            "/payments?from=2026-01-15&to=2026-01-16",
        )
        .await;
    let rows = day.texts("main > table tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].starts_with("EFT-BAD-0002"));
    let day = t
        .get(
            &t.token(Role::Coordinator),
            "/payments?from=2026-01-14&to=2026-01-14",
        )
        .await;
    assert!(day.texts("main > table tbody tr")[0].contains("EFT-TEST-0001"));
}

#[tokio::test]
async fn payments_page_with_the_cursor_of_the_last_row() {
    let (t, good, bad) = payments_hub();
    let token = t.token(Role::Coordinator);
    let first = t.get(&token, "/payments?limit=1").await;
    assert_eq!(
        first.text("[role=status]"),
        "1 payments (835) on this page, newest first; more on the next page"
    );
    let next = format!("/payments?limit=1&cursor={bad}");
    assert!(
        first.body.contains(&next.replace('&', "&amp;")),
        "{}",
        first.body
    );
    let second = t.get(&token, &next).await;
    let rows = second.texts("main > table tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("EFT-TEST-0001"));
    assert!(second.body.contains(&format!("/payments/{good}")));
    assert!(!second.body.contains("Next page"));
}

#[tokio::test]
async fn payment_detail_describes_every_code_and_masks_for_viewers() {
    let (t, good, bad) = payments_hub();
    let a = t
        .get(&t.token(Role::Coordinator), &format!("/payments/{good}"))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.text("h1"), "Payment EFT-TEST-0001");
    assert!(a.text("p.banner.ok").starts_with("Balanced"));
    let claims = a.texts("#claims-h ~ table:first-of-type tbody tr");
    assert!(claims[0].starts_with("1 PCN-TEST-0001 Fakeperson, Jane 1 — processed as primary $250.00 $160.00 $20.00 ICN-TEST-0001 2024-03-01"), "{claims:?}");
    assert!(
        claims[1].contains("(no claim on file)") && claims[1].contains("4 — denied"),
        "{claims:?}"
    );
    // The claim on file is linked.
    let claim_links = a
        .html()
        .select(&scraper::Selector::parse("#claims-h ~ table a[href^='/claims/']").unwrap())
        .count();
    assert_eq!(claim_links, 2);
    assert!(
        a.body
            .contains("Charges exceed your contracted/legislated fee arrangement"),
        "CARC 45 described"
    );
    assert!(
        a.body.contains("Contractual Obligation") || a.body.contains("Contractual obligation"),
        "group CO described"
    );
    let n130 = clearway_codes::Table::Rarc.describe("N130");
    assert!(
        a.body.contains(&maud::html! { (n130) }.into_string()),
        "RARC N130 described"
    );
    assert!(
        a.text("#plb-h + table tbody tr:last-child")
            .contains("WO — overpayment recovery ICN-TEST-OLD $10.00")
    );
    assert!(a.texts("p.next").iter().any(|s| s.starts_with("CO-29:")));
    // A coordinator may not read raw payloads.
    assert!(a.texts("#raw-h").is_empty());
    assert!(!a.body.contains("ISA*00"));

    let admin = t
        .get(&t.token(Role::Admin), &format!("/payments/{good}"))
        .await;
    assert_eq!(admin.text("#raw-h"), "Raw payload");
    assert!(admin.body.contains(RAW_835), "the raw payload as it came");
    assert_eq!(admin.texts("pre.raw").len(), 1);

    let viewer = t
        .get(&t.token(Role::Viewer), &format!("/payments/{good}"))
        .await;
    assert_eq!(viewer.status, StatusCode::OK);
    for phi in [
        "Fakeperson",
        "Sampleton",
        "PCN-TEST-0001",
        "PCN-TEST-0002",
        "ICN-TEST-0001",
        "ICN-TEST-OLD",
        "XTEST",
    ] {
        assert!(!viewer.body.contains(phi), "a viewer sees {phi}");
    }
    assert!(viewer.body.contains("[masked]"));
    assert!(viewer.texts("#raw-h").is_empty());
    let list = t.get(&t.token(Role::Viewer), "/payments").await;
    assert!(!list.body.contains("PCN-TEST-0002") && list.body.contains("[masked]"));

    let unbalanced = t
        .get(&t.token(Role::Coordinator), &format!("/payments/{bad}"))
        .await;
    assert_eq!(
        unbalanced.text("p.banner.bad"),
        "⚠ This 835 does not balance by $44.75."
    );
    assert!(unbalanced.texts("p.next")[0].contains("does not balance"));

    // Every read was audited.
    let (entries, _) = t
        .auth
        .audit
        .list(&crate::audit::Query {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "payment.read" && e.records == [good.clone()])
    );
    assert!(entries.iter().any(|e| e.action == "payments.list"));
}

#[tokio::test]
async fn payments_csv_neutralizes_formulas() {
    let mut t = TestHub::new();
    let mut m = example("remittance");
    m["parties"]["payer"]["name"] = json!("=HYPERLINK(\"http://x\")");
    t.put(T1, &m, "ISA~");
    let a = t
        .get(&t.token(Role::Coordinator), "/payments?format=csv")
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = a.body.lines().collect();
    assert!(lines[0].starts_with("received,check_eft_number,method,payer"));
    assert!(
        lines[1].contains(
            ",\"'=HYPERLINK(\"\"http://x\"\")\",TESTPAYER1,2024-03-15,155.25,2,balanced,"
        ),
        "{}",
        lines[1]
    );
}

/// A hub with the example 271 (active) and a rejected one. Returns (hub,
/// active id, rejected id).
fn eligibility_hub() -> (TestHub, String, String) {
    let mut t = TestHub::new();
    let active = t.put(T1, &example("eligibility.response"), "ISA*271~EB*1~");
    let mut rejected = example("eligibility.response");
    rejected["body"] = json!({
        "traces": [{"trace_type": "2", "reference": "TRACE-TEST-270-2"}],
        "rejections": [{"level": "subscriber", "valid_request": false, "reason_code": "72", "follow_up_action": "C"}]
    });
    let rejected = t.put(T1 + HOUR, &rejected, "ISA*271~AAA*N**72*C~");
    (t, active, rejected)
}

#[tokio::test]
async fn eligibility_list_filters_by_status_and_masks_for_viewers() {
    let (t, active, rejected) = eligibility_hub();
    let a = t.get(&t.token(Role::Coordinator), "/eligibility").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.text("caption"), "Eligibility answers (271), newest first");
    assert_eq!(
        a.text("[role=status]"),
        "2 eligibility answers (271), newest first"
    );
    let rows = a.texts("tbody tr");
    assert_eq!(
        rows,
        [
            "2026-01-15 00:30 Fakeperson, Jane XTEST00000001 Example Test Health Plan rejected 1",
            "2026-01-14 23:30 Fakeperson, Jane XTEST00000001 Example Test Health Plan active Test PPO Gold 0",
        ]
    );
    assert!(
        a.body.contains(&format!("/eligibility/{rejected}"))
            && a.body.contains(&format!("/eligibility/{active}"))
    );
    let errors = t
        .get(&t.token(Role::Coordinator), "/eligibility?status=error")
        .await;
    assert_eq!(errors.texts("tbody tr").len(), 1);
    let actives = t
        .get(&t.token(Role::Coordinator), "/eligibility?status=active")
        .await;
    assert!(actives.text("tbody tr").contains("active"));

    let viewer = t.get(&t.token(Role::Viewer), "/eligibility").await;
    assert!(!viewer.body.contains("Fakeperson") && !viewer.body.contains("XTEST00000001"));
    assert!(
        viewer
            .text("tbody tr:first-child")
            .contains("[masked] [masked]")
    );
    let csv = t
        .get(&t.token(Role::Viewer), "/eligibility?format=csv")
        .await;
    assert!(
        !csv.body.contains("Fakeperson") && csv.body.contains("[masked]"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn eligibility_detail_shows_benefits_by_service_type_and_rejections() {
    let (t, active, rejected) = eligibility_hub();
    let a = t
        .get(
            &t.token(Role::Coordinator),
            &format!("/eligibility/{active}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.text("p.banner.ok"), "Active coverage");
    assert!(
        a.body.contains("2024-01-01 – 2024-12-31"),
        "coverage dates as written"
    );
    let captions = a.texts("#ben-h ~ table caption");
    assert_eq!(captions.len(), 2, "{captions:?}");
    assert!(captions[0].starts_with("Service type 30 —"), "{captions:?}");
    assert!(captions[1].starts_with("Service type 98 —"), "{captions:?}");
    let rows = a.texts("#ben-h ~ table:first-of-type tbody tr");
    assert!(
        rows.iter().any(|r| r.contains("Deductible")
            && r.contains("$1,500.00")
            && r.contains("Calendar Year")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains("Deductible")
            && r.contains("$1,200.00")
            && r.contains("Remaining")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("20%") && r.contains("in network")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("FAM") && r.contains("$6,000.00")),
        "{rows:?}"
    );
    assert!(a.texts("#raw-h").is_empty());

    let r = t
        .get(&t.token(Role::Admin), &format!("/eligibility/{rejected}"))
        .await;
    assert_eq!(r.text("p.banner.bad"), "Eligibility request rejected");
    let aaa = r.text("#aaa-h + table tbody tr");
    let reason = clearway_codes::Table::AaaReason.lookup("72").unwrap();
    assert!(aaa.contains(reason.description), "{aaa}");
    assert!(aaa.contains(reason.next_step.unwrap()), "{aaa}");
    assert!(aaa.contains("Please correct and resubmit."), "{aaa}");
    assert_eq!(r.text("pre.raw"), "ISA*271~AAA*N**72*C~");
}

/// A hub with: an expedited request waiting 10 hours; a standard request (a
/// day old) certified until 5 days from now; a request denied. Returns the hub
/// and the ids (waiting request, certified request, its response, denied response).
fn prior_auth_hub() -> (TestHub, [String; 4]) {
    let mut t = TestHub::new();
    let now = now_ms();
    let mut urgent = example("prior_auth.request");
    urgent["body"]["level_of_service"] = json!("U");
    urgent["body"]["trace"]["reference"] = json!("TRN-URGENT");
    urgent["correlation"] = json!({"trace_numbers": ["TRN-URGENT"]});
    let waiting = t.put(now - 10 * HOUR + HOUR / 2, &urgent, "ISA*278 urgent~");

    let certified_request = t.put(now - 3 * DAY, &example("prior_auth.request"), "ISA*278~");
    let mut response = example("prior_auth.response");
    let end = t.hub.config.console.time_zone.clone();
    assert_eq!(end, "America/Chicago");
    let today: jiff::civil::Date = crate::console::Clock::new("America/Chicago")
        .today()
        .parse()
        .unwrap();
    let end = today
        .checked_add(jiff::Span::new().days(5))
        .unwrap()
        .to_string();
    response["body"]["effective_period"]["end"] = json!(end);
    response["body"]["services"][0]["effective_period"]["end"] = json!(end);
    let certified = t.put(now - 2 * DAY, &response, "ISA*278 response~");

    let mut denied_request = example("prior_auth.request");
    denied_request["body"]["trace"]["reference"] = json!("TRN-DENIED");
    denied_request["correlation"] = json!({"trace_numbers": ["TRN-DENIED"]});
    t.put(now - 5 * DAY, &denied_request, "ISA*278 d~");
    let mut denial = example("prior_auth.response");
    denial["correlation"] = json!({"trace_numbers": ["TRN-DENIED"]});
    denial["body"] = json!({"trace": {"trace_type": "2", "reference": "TRN-DENIED"}, "action": "not_certified",
        "reasons": [{"system": "x12-review-decision-reason", "code": "0P"}]});
    let denied = t.put(now - 4 * DAY, &denial, "ISA*278 denial~");
    (t, [waiting, certified_request, certified, denied])
}

#[tokio::test]
async fn prior_auths_list_pairs_requests_with_responses_and_runs_the_clock() {
    let (t, [waiting, certified_request, certified, denied]) = prior_auth_hub();
    let token = t.token(Role::Coordinator);
    let a = t.get(&token, "/prior-auths").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.text("caption"),
        "Prior authorization requests and responses (278), newest first"
    );
    assert_eq!(
        a.text("[role=status]"),
        "5 prior authorization messages (278), newest first"
    );
    let rows = a.texts("tbody tr");
    assert!(
        rows[0].starts_with("Request pending awaiting decision"),
        "{rows:?}"
    );
    assert!(
        rows[0].contains("62 hours left") && rows[0].contains("expedited, 72 hours"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("Response certified A1 — Certified total AUTH-TEST-77"),
        "{rows:?}"
    );
    assert!(
        rows[1].contains("Expires within 14 days") && rows[1].contains("5 days left"),
        "{rows:?}"
    );
    assert!(
        rows[2].starts_with("Request certified A1 — Certified total (its response) AUTH-TEST-77"),
        "{rows:?}"
    );
    assert!(
        rows[3].starts_with("Response denied A3 — Not certified"),
        "{rows:?}"
    );
    assert!(rows[4].starts_with("Request denied"), "{rows:?}");
    assert!(rows[1].contains("Fakeperson, Jane"));

    let pending = t.get(&token, "/prior-auths?status=pending").await;
    assert_eq!(pending.texts("tbody tr").len(), 1);
    assert!(pending.body.contains(&format!("/prior-auths/{waiting}")));
    let certified_list = t.get(&token, "/prior-auths?status=certified").await;
    assert_eq!(certified_list.texts("tbody tr").len(), 2);
    // The certified response and the request it answers.
    let expiring = t.get(&token, "/prior-auths?expiring=yes").await;
    assert_eq!(expiring.texts("tbody tr").len(), 2);
    assert!(expiring.body.contains(&format!("/prior-auths/{certified}")));
    assert!(
        expiring
            .body
            .contains(&format!("/prior-auths/{certified_request}"))
    );
    let denied_list = t.get(&token, "/prior-auths?status=denied").await;
    assert!(denied_list.body.contains(&format!("/prior-auths/{denied}")));
    assert!(
        !denied_list
            .body
            .contains(&format!("/prior-auths/{certified_request}"))
    );

    let viewer = t.get(&t.token(Role::Viewer), "/prior-auths").await;
    assert!(!viewer.body.contains("Fakeperson") && !viewer.body.contains("AUTH-TEST-77"));
}

#[tokio::test]
async fn prior_auth_detail_shows_its_pair_and_the_next_step() {
    let (t, [waiting, certified_request, certified, denied]) = prior_auth_hub();
    let token = t.token(Role::Coordinator);
    let w = t.get(&token, &format!("/prior-auths/{waiting}")).await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.body);
    assert_eq!(w.text("h1"), "Prior authorization request");
    assert!(
        w.text("p.next")
            .starts_with("Awaiting the payer's decision, due by")
    );
    assert!(w.body.contains("U — urgent (expedited)"));
    assert!(w.body.contains("No response shares this request"));

    let r = t
        .get(&token, &format!("/prior-auths/{certified_request}"))
        .await;
    assert!(r.text("p.banner.ok").starts_with("Certified: A1"));
    assert!(
        r.body
            .contains(&format!("href=\"/prior-auths/{certified}\"")),
        "the request links its response"
    );

    let c = t.get(&token, &format!("/prior-auths/{certified}")).await;
    assert_eq!(c.text("h1"), "Prior authorization response");
    assert!(
        c.body
            .contains(&format!("href=\"/prior-auths/{certified_request}\"")),
        "the response links its request"
    );
    assert!(
        c.texts("p.next")
            .iter()
            .any(|s| s.contains("AUTH-TEST-77") && s.contains("REF*G1"))
    );
    assert!(
        c.texts("p.next")
            .iter()
            .any(|s| s.contains("ask the payer for an extension"))
    );
    assert!(c.texts("#raw-h").is_empty());

    let d = t
        .get(&t.token(Role::Admin), &format!("/prior-auths/{denied}"))
        .await;
    assert!(d.text("p.banner.bad").starts_with("Not certified (denied)"));
    assert!(d.texts("p.next")[0].contains("peer-to-peer review"));
    assert!(
        d.body
            .contains(clearway_codes::Table::ReviewReason.describe("0P"))
    );
    assert_eq!(d.text("pre.raw"), "ISA*278 denial~");

    let viewer = t
        .get(&t.token(Role::Viewer), &format!("/prior-auths/{certified}"))
        .await;
    for phi in [
        "Fakeperson",
        "AUTH-TEST-77",
        "XTEST00000001",
        "1980-01-01",
        "R51.9",
    ] {
        assert!(!viewer.body.contains(phi), "a viewer sees {phi}");
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_them_and_unknown_ids_404() {
    let (t, good, _) = payments_hub();
    let token = t.token(Role::Coordinator);
    for (uri, name) in [
        ("/payments?bogus=1", "`bogus`"),
        ("/payments?balanced=maybe", "`balanced`"),
        ("/payments?from=01/02/2026", "`from`"),
        ("/payments?from=2026-02-01&to=2026-01-01", "`from`"),
        ("/payments?cursor=nope", "`cursor`"),
        ("/payments?limit=0", "`limit`"),
        ("/payments?format=xlsx", "`format`"),
        ("/eligibility?status=maybe", "`status`"),
        ("/eligibility?payer=x", "`payer`"),
        ("/prior-auths?expiring=perhaps", "`expiring`"),
        ("/prior-auths?status=approved", "`status`"),
    ] {
        let a = t.get(&token, uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            a.text("[role=alert]").contains(name),
            "{uri}: {}",
            a.text("[role=alert]")
        );
    }
    for uri in [
        "/payments/01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(),
        "/payments/not-an-id".to_owned(),
        format!("/eligibility/{good}"),
        format!("/prior-auths/{good}"),
    ] {
        let a = t.get(&token, &uri).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(a.text("[role=alert]").starts_with("No such"), "{uri}");
    }
}
