//! A hub killed with SIGKILL loses nothing it acknowledged.

use std::collections::BTreeSet;

use clearway_tests::support::{Hub, claim, files, json_config};

/// Post `n` claims, each in its own request, concurrently; return the message ids.
fn post_batch(hub: &Hub, n: usize, prefix: &str) -> Vec<String> {
    let url = hub.url.clone();
    let token = hub.token.clone();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let url = url.clone();
            let token = token.clone();
            let body = serde_json::to_vec(&claim(&format!("{prefix}{i:04}"))).unwrap();
            std::thread::spawn(move || {
                let r = clearway_tests::support::client_with_token(&token)
                    .post(format!("{url}/v1/inbound/in"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .unwrap();
                assert_eq!(r.status().as_u16(), 202);
                let v: serde_json::Value = r.json().unwrap();
                v["messages"][0]["id"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn sigkill_after_202s_loses_nothing_and_delivers_everything_once() {
    let cfg = json_config("");
    let hub = Hub::start(&cfg);
    let ids = post_batch(&hub, 40, "KILL");
    // SIGKILL straight after the last 202: no shutdown code runs.
    let dir = hub.into_dir();

    let hub = Hub::start_in(dir, &cfg);
    for id in &ids {
        let (status, body) = hub.get(&format!("/v1/messages/{id}"));
        assert_eq!(
            status, 200,
            "acknowledged message {id} is missing after the restart"
        );
        assert_eq!(body["record"]["kind"], "claim");
    }
    let outbox = hub.path("outbox");
    hub.wait_for("every acknowledged message delivered", 120, || {
        ids.iter()
            .all(|id| hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered")
    });
    // Exactly one file per message: a delivery repeated after the crash rewrote its file.
    let names = files(&outbox);
    assert_eq!(names.len(), ids.len(), "outbox: {names:?}");
    let delivered: BTreeSet<String> = names
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(outbox.join(n)).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(delivered, ids.iter().cloned().collect::<BTreeSet<_>>());
}

#[test]
fn queued_deliveries_survive_a_kill_and_retry_after_restart() {
    // The outbox path is a file at first, so every delivery fails and is retried.
    let cfg = json_config("");
    let hub = Hub::start(&cfg);
    std::fs::write(hub.path("outbox"), b"not a folder").unwrap();
    let ids = post_batch(&hub, 5, "RETRY");
    hub.wait_for("a failed attempt", 60, || {
        hub.get(&format!("/v1/messages/{}", ids[0])).1["record"]["status"] == "retrying"
    });
    let (_, body) = hub.get(&format!("/v1/messages/{}", ids[0]));
    let history = body["record"]["history"].as_array().unwrap();
    let failure = history.iter().find(|h| h["status"] == "retrying").unwrap();
    assert_eq!(failure["destination"], "out");
    assert_eq!(failure["error"]["code"], "delivery.io");

    let dir = hub.into_dir();
    std::fs::remove_file(dir.path().join("outbox")).unwrap();
    let hub = Hub::start_in(dir, &cfg);
    hub.wait_for("retried deliveries", 60, || {
        files(&hub.path("outbox")).len() == ids.len()
    });
    for id in &ids {
        hub.wait_for("delivered status", 30, || {
            hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered"
        });
    }
}
