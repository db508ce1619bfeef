//! The `/v1` API over a real socket: inbound, listing with filters and cursor
//! pagination, detail, replay, claim timeline, health, metrics, the error shape.

use clearway_tests::support::{Hub, claim, example, files, json_config};
use serde_json::Value;

fn all_pages(hub: &Hub, query: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/messages?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = hub.get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        let page = body["items"].as_array().unwrap().clone();
        assert!(page.len() <= limit);
        items.extend(page);
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

#[test]
fn message_log_filters_paginates_and_replays() {
    let hub = Hub::start(&json_config(""));
    // 7 claims, 3 eligibility requests (routed), 2 remittances (unrouted), in one array.
    let mut batch = Vec::new();
    for i in 0..7 {
        batch.push(claim(&format!("PCN-{i}")));
    }
    for _ in 0..3 {
        batch.push(example("eligibility.request"));
    }
    for _ in 0..2 {
        batch.push(example("remittance"));
    }
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&batch).unwrap());
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "decoded");
    let msgs = body["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 12);
    assert_eq!(msgs.iter().filter(|m| m["status"] == "unrouted").count(), 2);
    let inbound_id = body["inbound_id"].as_str().unwrap().to_owned();

    hub.wait_for("10 deliveries", 60, || {
        files(&hub.path("outbox")).len() == 10
    });
    hub.wait_for("delivered statuses", 30, || {
        all_pages(&hub, "&status=delivered", 100).len() == 10
    });

    // Pagination: 13 records (1 inbound + 12 messages), pages of 5, newest first, no repeats.
    let all = all_pages(&hub, "", 5);
    assert_eq!(all.len(), 13);
    let ids: Vec<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);
    assert!(
        all.iter().all(|r| r.get("history").is_none()),
        "listings leave history out"
    );

    // Filters.
    assert_eq!(all_pages(&hub, "&kind=claim", 3).len(), 7);
    assert_eq!(all_pages(&hub, "&status=unrouted", 3).len(), 2);
    assert_eq!(
        all_pages(&hub, "&kind=remittance&status=unrouted", 3).len(),
        2
    );
    assert_eq!(all_pages(&hub, "&endpoint=in&type=inbound", 3).len(), 1);
    assert_eq!(all_pages(&hub, "&correlation=PCN-3", 3).len(), 1);
    assert_eq!(all_pages(&hub, "&q=pcn-", 3).len(), 7);
    assert_eq!(
        all_pages(&hub, "&since=2000-01-01&until=2999-01-01", 4).len(),
        13
    );
    assert_eq!(all_pages(&hub, "&until=2000-01-01", 4).len(), 0);

    // Detail: history and payloads.
    let claim_id = all_pages(&hub, "&correlation=PCN-3", 3)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, detail) = hub.get(&format!("/v1/messages/{claim_id}"));
    assert_eq!(status, 200);
    let statuses: Vec<&str> = detail["record"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["decoded", "queued", "delivered"]);
    assert_eq!(detail["record"]["parent"], inbound_id.as_str());
    assert_eq!(detail["normalized"]["correlation"]["claim_id"], "PCN-3");
    assert_eq!(detail["normalized"]["id"], claim_id.as_str());
    let (_, inbound) = hub.get(&format!("/v1/messages/{inbound_id}"));
    assert_eq!(inbound["record"]["children"].as_array().unwrap().len(), 12);
    assert!(inbound["raw"]["data"].as_str().unwrap().contains("PCN-3"));

    // Timeline by claim key.
    let (status, tl) = hub.get("/v1/claims/PCN-3/timeline");
    assert_eq!(status, 200);
    assert_eq!(tl["items"].as_array().unwrap().len(), 1);
    assert_eq!(hub.get("/v1/claims/NO-SUCH-CLAIM/timeline").0, 404);

    // Replay: recorded, queued again, delivered again (same file rewritten).
    let (status, r) = hub.post(&format!("/v1/messages/{claim_id}/replay"));
    assert_eq!(status, 202, "{r}");
    hub.wait_for("replayed delivery", 30, || {
        let (_, d) = hub.get(&format!("/v1/messages/{claim_id}"));
        let h = d["record"]["history"].as_array().unwrap();
        h.iter()
            .any(|c| c["status"] == "replayed" && c["actor"] == "api")
            && d["record"]["status"] == "delivered"
            && h.len() == 6
    });
    assert_eq!(files(&hub.path("outbox")).len(), 10);

    // Metrics.
    let m = hub.get_text("/metrics");
    assert!(
        m.contains("clearway_messages_total{endpoint=\"in\",status=\"received\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("clearway_messages_total{endpoint=\"out\",status=\"delivered\"} 11"),
        "{m}"
    );
    assert!(
        m.contains("clearway_decode_duration_seconds_count{endpoint=\"in\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("clearway_delivery_latency_seconds_count{endpoint=\"out\"} 11"),
        "{m}"
    );
    assert!(
        m.contains("clearway_queue_depth{endpoint=\"out\"} 0"),
        "{m}"
    );
    assert!(!m.contains("PCN-"), "metrics carry no message data");
}

#[test]
fn errors_have_one_json_shape_and_name_the_problem() {
    let hub = Hub::start(&json_config(""));
    let check = |(status, body): (u16, Value), want_status: u16, want_code: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["error"]["code"], want_code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    };
    check(hub.post_inbound("nope", b"{}"), 404, "not_found");
    check(hub.post_inbound("out", b"{}"), 404, "not_found");
    check(hub.get("/v1/messages?status=lost"), 400, "bad_request");
    check(hub.get("/v1/messages?kind=bill"), 400, "bad_request");
    check(hub.get("/v1/messages?colour=red"), 400, "bad_request");
    check(hub.get("/v1/messages?limit=0"), 400, "bad_request");
    check(hub.get("/v1/messages?cursor=xyz"), 400, "bad_request");
    check(hub.get("/v1/messages?since=yesterday"), 400, "bad_request");
    check(
        hub.get("/v1/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        404,
        "not_found",
    );
    check(
        hub.post("/v1/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/replay"),
        404,
        "not_found",
    );
    check(hub.get("/v2/anything"), 404, "not_found");

    // A payload that does not validate: 422, stored, every problem with its JSON path,
    // and no value from the payload in the answer.
    let mut bad = claim("SECRET-PCN");
    bad["body"]["total_charge"] = Value::from(12.5);
    bad["parties"]["patient"]["last_name"] = Value::from(42);
    bad["surprise"] = Value::from("PATIENTNAME-XYZ");
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&bad).unwrap());
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("decode_failed")
    );
    let problems = body["error"]["details"]["problems"].as_array().unwrap();
    let paths: Vec<&str> = problems
        .iter()
        .filter_map(|p| p["location"]["path"].as_str())
        .collect();
    assert!(paths.contains(&"/body/total_charge"), "{paths:?}");
    assert!(paths.contains(&"/parties/patient/last_name"), "{paths:?}");
    assert!(problems.len() >= 3, "every violation is reported: {body}");
    let text = body.to_string();
    assert!(
        !text.contains("PATIENTNAME-XYZ") && !text.contains("12.5"),
        "no input values in errors: {text}"
    );
    let inbound = body["error"]["details"]["inbound_id"].as_str().unwrap();
    assert_eq!(
        hub.get(&format!("/v1/messages/{inbound}")).1["record"]["status"],
        "decode_failed"
    );

    let (status, body) = hub.post_inbound("in", b"{not json");
    assert_eq!(status, 422);
    let p = &body["error"]["details"]["problems"][0]["location"];
    assert_eq!(p["line"], 1, "{body}");
}
