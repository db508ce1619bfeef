//! `/v1/dead-letters` over a real hub: messages made dead by a receiver that
//! answers 400 (final) and by a closed port with `max_attempts = 1`; listed with
//! their destination and reason, filtered, counted and paged; replayed by id and
//! by filter once the receiver is fixed, each replay in the history and the audit
//! log; a viewer masked, a sender refused, a replay without a filter refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

use clearway_tests::support::{Hub, claim, clearway, free_port, http_receiver, plugin};
use serde_json::{Value, json};

/// A receiver answering `status` (changeable), counting the 2xx answers it gave.
struct Receiver {
    port: u16,
    status: Arc<AtomicU16>,
    accepted: Arc<AtomicUsize>,
}

fn receiver(status: u16) -> Receiver {
    let (s, a) = (
        Arc::new(AtomicU16::new(status)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (s2, a2) = (s.clone(), a.clone());
    let port = http_receiver(move |_, _| {
        let status = s2.load(Ordering::SeqCst);
        if (200..300).contains(&status) {
            a2.fetch_add(1, Ordering::SeqCst);
        }
        status
    });
    Receiver {
        port,
        status: s,
        accepted: a,
    }
}

/// `in` goes to `payer` (the receiver), `in2` to `lab` (a closed port, one attempt).
fn config(payer: u16, lab: u16) -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.in2]
transport = "http"
connector = "json"

[endpoints.payer]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{payer}/claims"
retry = {{ max_attempts = 3, initial_backoff_ms = 50, max_backoff_ms = 100 }}

[endpoints.lab]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:{lab}/claims"
timeout_ms = 2000
retry = {{ max_attempts = 1, initial_backoff_ms = 50, max_backoff_ms = 100 }}

[[routes]]
from = "in"
to = ["payer"]

[[routes]]
from = "in2"
to = ["lab"]
"#,
        json = plugin("json").display()
    )
}

/// Post one claim to `endpoint`; its message id.
fn post_claim(hub: &Hub, endpoint: &str, pcn: &str) -> String {
    let (status, body) = hub.post_inbound(endpoint, &serde_json::to_vec(&claim(pcn)).unwrap());
    assert_eq!(status, 202, "{body}");
    body["messages"][0]["id"].as_str().unwrap().to_owned()
}

fn status_of(hub: &Hub, id: &str) -> String {
    hub.get(&format!("/v1/messages/{id}")).1["record"]["status"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn dead_ids(hub: &Hub, query: &str) -> Vec<String> {
    let (status, body) = hub.get(&format!("/v1/dead-letters?limit=1000{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn replay(hub: &Hub, token: &str, body: &str) -> (u16, Value) {
    let r = hub
        .client_as(token)
        .post(format!("{}/v1/dead-letters/replay", hub.url))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// Three claims dead at `payer` (HTTP 400), two at `lab` (connection refused).
fn five_dead(payer: &Receiver) -> (Hub, Vec<String>, Vec<String>) {
    let hub = Hub::start(&config(payer.port, free_port()));
    let at_payer: Vec<String> = (0..3)
        .map(|i| post_claim(&hub, "in", &format!("PCN-DL-P{i}")))
        .collect();
    let at_lab: Vec<String> = (0..2)
        .map(|i| post_claim(&hub, "in2", &format!("PCN-DL-L{i}")))
        .collect();
    hub.wait_for("five dead letters", 60, || {
        at_payer
            .iter()
            .chain(&at_lab)
            .all(|id| status_of(&hub, id) == "dead")
    });
    (hub, at_payer, at_lab)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn dead_letters_are_listed_with_destination_and_reason_filtered_counted_and_paged() {
    let payer = receiver(400);
    let (hub, at_payer, at_lab) = five_dead(&payer);

    let (status, all) = hub.get("/v1/dead-letters");
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 5, "{all}");
    assert_eq!(all["partial"], false);
    assert_eq!(
        all["groups"],
        json!([
            {"destination": "payer", "reason": "delivery.http_status", "count": 3},
            {"destination": "lab", "reason": "delivery.http_transport", "count": 2},
        ]),
        "{all}"
    );
    let first = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == at_payer[0].as_str())
        .unwrap();
    let dead = &first["dead"][0];
    assert_eq!(dead["destination"], "payer");
    assert_eq!(dead["attempts"], 1, "a 400 is final: one attempt");
    assert_eq!(dead["reason"]["code"], "delivery.http_status");
    assert!(
        dead["reason"]["message"].as_str().unwrap().contains("400"),
        "{dead}"
    );
    assert!(dead["dead_at"].as_str().unwrap().ends_with('Z'), "{dead}");
    assert_eq!(first["status"], "dead");

    // Filters: destination, reason (exact or a dotted prefix), when it went dead.
    assert_eq!(
        sorted(dead_ids(&hub, "&destination=payer")),
        sorted(at_payer.clone())
    );
    assert_eq!(
        sorted(dead_ids(&hub, "&reason=delivery.http_transport")),
        sorted(at_lab.clone())
    );
    assert_eq!(dead_ids(&hub, "&reason=delivery").len(), 5);
    assert_eq!(dead_ids(&hub, "&reason=delivery.http").len(), 0);
    assert_eq!(
        dead_ids(&hub, "&destination=lab&reason=delivery.http_status").len(),
        0
    );
    assert_eq!(
        dead_ids(&hub, "&since=2000-01-01&until=2999-01-01").len(),
        5
    );
    assert_eq!(dead_ids(&hub, "&since=2999-01-01").len(), 0);
    assert_eq!(dead_ids(&hub, "&until=2000-01-01").len(), 0);
    let (_, f) = hub.get("/v1/dead-letters?destination=lab");
    assert_eq!(f["total"], 2);
    assert_eq!(
        f["groups"],
        json!([{"destination": "lab", "reason": "delivery.http_transport", "count": 2}])
    );

    // Pages of two, newest first, every dead letter once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/dead-letters?limit=2&cursor={c}"),
            None => "/v1/dead-letters?limit=2".to_owned(),
        };
        let (status, page) = hub.get(&path);
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 5);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = seen.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, newest_first);
    assert_eq!(
        sorted(seen),
        sorted(at_payer.iter().chain(&at_lab).cloned().collect())
    );

    // Bad parameters are named.
    for (query, named) in [
        ("bogus=1", "`bogus`"),
        ("until=13/01/2026", "`until`"),
        ("kind=nope", "`kind`"),
        ("limit=0", "`limit`"),
        ("cursor=x", "`cursor`"),
    ] {
        let (status, body) = hub.get(&format!("/v1/dead-letters?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(named),
            "{query}: {body}"
        );
    }
}

#[test]
fn dead_letters_are_replayed_by_id_and_by_filter_with_history_and_audit() {
    let payer = receiver(400);
    let (hub, at_payer, at_lab) = five_dead(&payer);
    let operator = hub.create_token("ops-olga", "operator", &[]);

    // Nothing says which: refused, naming what is missing; nothing replayed.
    for body in ["", "{}", r#"{"confirm": true}"#, r#"{"max": 5}"#] {
        let (status, b) = replay(&hub, &operator, body);
        assert_eq!(status, 400, "{body}: {b}");
        let m = b["error"]["message"].as_str().unwrap();
        assert!(
            m.contains("`ids`") && m.contains("`destination`") && m.contains("`reason`"),
            "{body}: {m}"
        );
    }
    let (status, b) = replay(&hub, &operator, r#"{"destination": "payer"}"#);
    assert_eq!(status, 400, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`\"confirm\": true`")
    );
    let (status, b) = replay(
        &hub,
        &operator,
        r#"{"destinaton": "payer", "confirm": true}"#,
    );
    assert_eq!(status, 400, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("destinaton"),
        "{b}"
    );
    let (status, b) = replay(
        &hub,
        &operator,
        &json!({"ids": [at_payer[0]], "destination": "payer"}).to_string(),
    );
    assert_eq!(status, 400, "{b}");
    assert_eq!(
        dead_ids(&hub, "").len(),
        5,
        "a refused replay replays nothing"
    );
    assert_eq!(payer.accepted.load(Ordering::SeqCst), 0);

    // The receiver is fixed; one replayed by id.
    payer.status.store(200, Ordering::SeqCst);
    let one = &at_payer[0];
    let (status, b) = replay(&hub, &operator, &json!({"ids": [one]}).to_string());
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["replayed"], 1, "{b}");
    assert_eq!(b["ids"], json!([one]));
    assert_eq!(b["failed"], json!([]));
    hub.wait_for("the replayed one delivered", 30, || {
        status_of(&hub, one) == "delivered"
    });
    assert_eq!(payer.accepted.load(Ordering::SeqCst), 1);
    let (_, rec) = hub.get(&format!("/v1/messages/{one}"));
    let history = rec["record"]["history"].as_array().unwrap();
    let statuses: Vec<&str> = history
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    let dead_at = statuses.iter().position(|s| *s == "dead").unwrap();
    let replayed_at = statuses.iter().position(|s| *s == "replayed").unwrap();
    assert!(dead_at < replayed_at, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&"delivered"), "{statuses:?}");
    assert_eq!(history[replayed_at]["actor"], "api");
    let (_, audit) = hub.get(&format!("/v1/audit?action=message.replay&record={one}"));
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor"], "ops-olga");
    assert_eq!(entries[0]["role"], "operator");
    assert_eq!(entries[0]["outcome"], "ok");
    assert_eq!(entries[0]["records"], json!([one]));

    // It is no longer dead: replaying it again here is refused, and says why.
    let (status, b) = replay(&hub, &operator, &json!({"ids": [one]}).to_string());
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["replayed"], 0);
    assert_eq!(b["failed"][0]["id"], one.as_str());
    assert!(
        b["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not dead"),
        "{b}"
    );

    // The rest at `payer` in bulk, by filter: the count answered is the number delivered.
    let (status, b) = replay(
        &hub,
        &operator,
        r#"{"destination": "payer", "reason": "delivery.http_status", "confirm": true}"#,
    );
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["replayed"], 2, "{b}");
    assert_eq!(b["matched"], 2);
    assert_eq!(b["left"], 0);
    let bulk: Vec<String> = b["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sorted(bulk.clone()), sorted(at_payer[1..].to_vec()));
    hub.wait_for("the bulk replay delivered", 30, || {
        bulk.iter().all(|id| status_of(&hub, id) == "delivered")
    });
    assert_eq!(
        payer.accepted.load(Ordering::SeqCst),
        1 + b["replayed"].as_u64().unwrap() as usize
    );
    let (_, audit) = hub.get("/v1/audit?action=message.replay&actor=ops-olga");
    let entries = audit["items"].as_array().unwrap();
    let bulk_entry = entries
        .iter()
        .find(|e| e["records"].as_array().unwrap().len() == 2)
        .unwrap_or_else(|| panic!("no audit entry for the bulk replay: {audit}"));
    assert_eq!(bulk_entry["outcome"], "ok");
    assert_eq!(
        sorted(
            bulk_entry["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_owned())
                .collect()
        ),
        sorted(bulk.clone())
    );

    // `max` bounds a bulk replay: the oldest first; the lab's port is still closed.
    assert_eq!(sorted(dead_ids(&hub, "")), sorted(at_lab.clone()));
    let (status, b) = replay(
        &hub,
        &operator,
        r#"{"reason": "delivery.http_transport", "confirm": true, "max": 1}"#,
    );
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["replayed"], 1, "{b}");
    assert_eq!(b["matched"], 2);
    assert_eq!(b["left"], 1);
    assert_eq!(b["ids"], json!([at_lab[0]]), "the oldest first");
}

#[test]
fn a_viewer_sees_dead_letters_masked_and_a_sender_nothing() {
    let payer = receiver(400);
    let hub = Hub::start(&config(payer.port, free_port()));
    let id = post_claim(&hub, "in", "PCN-DL-SECRET-9");
    hub.wait_for("dead", 30, || status_of(&hub, &id) == "dead");
    let viewer = hub.create_token("vic", "viewer", &[]);
    let coordinator = hub.create_token("cora", "coordinator", &[]);
    let sender = hub.create_token("snd", "sender", &["in"]);
    let get = |token: &str| {
        let r = hub
            .client_as(token)
            .get(format!("{}/v1/dead-letters", hub.url))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };

    let (status, text) = get(&viewer);
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("PCN-DL-SECRET-9"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let item = &body["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["dead"][0]["destination"], "payer");
    assert_eq!(item["dead"][0]["reason"]["code"], "delivery.http_status");
    assert!(
        item["correlation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p[1] == "[masked]"),
        "{item}"
    );
    assert_eq!(body["groups"][0]["count"], 1);

    let (status, text) = get(&coordinator);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("PCN-DL-SECRET-9"),
        "a coordinator sees it in full"
    );

    let (status, _) = get(&sender);
    assert_eq!(status, 403);
    let ids = json!({"ids": [id]}).to_string();
    for token in [&sender, &viewer, &coordinator] {
        let (status, b) = replay(&hub, token, &ids);
        assert_eq!(status, 403, "{b}");
    }
    assert_eq!(status_of(&hub, &id), "dead");
    // The viewer's masked read is not audited as a PHI read; the coordinator's is.
    let (_, audit) = hub.get("/v1/audit?action=messages.list");
    let actors: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.contains(&"cora") && !actors.contains(&"vic"),
        "{actors:?}"
    );
}

#[test]
fn the_cli_lists_and_replays_dead_letters_only_with_yes() {
    let payer = receiver(400);
    let hub = Hub::start(&config(payer.port, free_port()));
    let id = post_claim(&hub, "in", "PCN-DL-CLI-1");
    hub.wait_for("dead", 30, || status_of(&hub, &id) == "dead");
    let token = hub.path("admin.token");
    let cli = |args: &[&str]| {
        let mut all = vec!["dead-letters"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--hub", &hub.url, "--token-file", token.to_str().unwrap()]);
        let out = clearway(&all, None);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = cli(&["list", "--destination", "payer"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&id) && out.contains("delivery.http_status"),
        "{out}"
    );
    let (code, out) = cli(&["replay", "--destination", "payer"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("1 dead letter(s) match"), "{out}");
    assert_eq!(
        status_of(&hub, &id),
        "dead",
        "nothing replayed without --yes"
    );

    payer.status.store(200, Ordering::SeqCst);
    let (code, out) = cli(&["replay", "--id", &id, "--yes", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let body: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(body["replayed"], 1, "{body}");
    hub.wait_for("delivered", 30, || status_of(&hub, &id) == "delivered");
}
