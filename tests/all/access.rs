//! Access control end to end: every route the router has, called with no
//! credential, a wrong one and each role, answers as docs/security.md's matrix
//! says; senders stay on their endpoints; viewers see no PHI; logins are
//! throttled and audited; the audit chain finds an edited entry.

use std::collections::BTreeMap;

use clearway_tests::support::{Hub, claim, clearway, http, json_config, root};
use serde_json::{Value, json};

const PATIENT_LAST: &str = "Quartermaine";
const MEMBER_ID: &str = "MBRZQ778899";
const CLAIM_ID: &str = "PCN-ACCESS-4711";
const ROLES: [&str; 5] = ["admin", "operator", "coordinator", "viewer", "sender"];

/// The route x role matrix as docs/security.md writes it: (method, route) -> cells in ROLES order.
fn matrix() -> BTreeMap<(String, String), Vec<String>> {
    let text = std::fs::read_to_string(root().join("docs/security.md")).unwrap();
    let section = text
        .split("## Route x role matrix")
        .nth(1)
        .expect("docs/security.md has the matrix section");
    let mut out = BTreeMap::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with("| method"))
        .skip(2)
    {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .collect();
        assert_eq!(
            cells.len(),
            7,
            "a matrix row needs method, route and five roles: {line}"
        );
        out.insert((cells[0].clone(), cells[1].clone()), cells[2..].to_vec());
    }
    out
}

fn config() -> String {
    json_config(
        r#"
[endpoints.other]
transport = "http"
connector = "json"
max_body_mib = 1

[endpoints.ehr]
transport = "fhir"
connector = "json"

[[routes]]
from = "ehr"
to = ["out"]
"#,
    )
}

fn phi_claim() -> Value {
    let mut c = claim(CLAIM_ID);
    c["parties"]["subscriber"]["last_name"] = json!(PATIENT_LAST);
    c["parties"]["subscriber"]["member_id"] = json!(MEMBER_ID);
    c
}

/// The path with its parameters filled in.
fn concrete(route: &str, message_id: &str) -> String {
    let endpoint = if route.starts_with("/fhir/") {
        "ehr"
    } else {
        "in"
    };
    route
        .replace("{endpoint}", endpoint)
        .replace("{id}", message_id)
        .replace("{key}", CLAIM_ID)
        .replace("{name}", "nobody")
}

fn call(client: &reqwest::blocking::Client, method: &str, url: &str) -> (u16, String) {
    let body = if url.contains("/v1/inbound/") {
        serde_json::to_vec(&phi_claim()).unwrap()
    } else {
        b"{}".to_vec()
    };
    let req = match method {
        "GET" => client.get(url),
        "POST" => client
            .post(url)
            .header("content-type", "application/json")
            .body(body),
        "DELETE" => client.delete(url),
        other => panic!("no method {other} in the matrix"),
    };
    let r = req.send().unwrap();
    (r.status().as_u16(), r.text().unwrap_or_default())
}

#[test]
fn every_route_answers_each_role_as_the_matrix_says() {
    let hub = Hub::start(&config());
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&phi_claim()).unwrap());
    assert_eq!(status, 202, "{body}");
    let message_id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    let mut tokens = BTreeMap::new();
    tokens.insert("admin", hub.token.clone());
    for role in ["operator", "coordinator", "viewer"] {
        tokens.insert(role, hub.create_token(&format!("t-{role}"), role, &[]));
    }
    tokens.insert(
        "sender",
        hub.create_token("t-sender", "sender", &["in", "ehr"]),
    );

    // The matrix lists exactly the routes the router has (its own table).
    let documented = matrix();
    let routed: Vec<(String, String)> = clearway::api::route_table()
        .iter()
        .map(|(m, p)| (m.as_str().to_owned(), (*p).to_owned()))
        .collect();
    for r in &routed {
        assert!(
            documented.contains_key(r),
            "route {} {} is missing from docs/security.md's matrix",
            r.0,
            r.1
        );
    }
    for r in documented.keys() {
        assert!(
            routed.contains(r),
            "docs/security.md lists {} {}, which the router does not have",
            r.0,
            r.1
        );
    }

    let wrong = format!("cwt_{}", "0".repeat(64));
    let mut checked = 0;
    for ((method, route), cells) in &documented {
        let url = format!("{}{}", hub.url, concrete(route, &message_id));
        let public = cells.iter().all(|c| c == "public");
        for (who, client) in [
            ("no credential", http()),
            ("a wrong token", hub.client_as(&wrong)),
        ] {
            let (status, body) = call(&client, method, &url);
            // A console page asked for without a session sends the browser to the
            // login form (303 to /login, which the client follows) instead of a 401.
            let console_page = method == "GET"
                && !route.starts_with("/v1/")
                && !route.starts_with("/fhir/")
                && route != "/metrics";
            if public {
                assert_ne!(status, 401, "{method} {route} with {who} is public: {body}");
            } else if console_page {
                assert_eq!(status, 200, "{method} {route} with {who}: {body}");
                assert!(
                    body.contains("<h1>Log in</h1>") && body.contains("Your session has ended"),
                    "{method} {route} with {who} goes to the login form: {body}"
                );
            } else {
                assert_eq!(status, 401, "{method} {route} with {who}: {body}");
                assert!(body.contains("unauthenticated"), "{method} {route}: {body}");
            }
        }
        for (i, role) in ROLES.iter().enumerate() {
            let (status, body) = call(&hub.client_as(&tokens[role]), method, &url);
            match cells[i].as_str() {
                "denied" => assert_eq!(status, 403, "{method} {route} as {role} is denied: {body}"),
                "allowed" | "masked" | "allowed, no raw payload" | "own endpoints" | "public" => {
                    assert!(
                        status != 401 && status != 403,
                        "{method} {route} as {role} is {}: got {status} {body}",
                        cells[i]
                    )
                }
                other => panic!("unknown cell `{other}` in docs/security.md for {method} {route}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 5 * 20, "only {checked} calls checked");
    // A path no route has: 401 without a credential, 404 with one.
    assert_eq!(
        http()
            .get(format!("{}/v1/nothing-here", hub.url))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(hub.get("/v1/nothing-here").0, 404);
}

#[test]
fn a_sender_posts_only_to_its_own_endpoints_and_reads_nothing() {
    let hub = Hub::start(&config());
    let token = hub.create_token("lab", "sender", &["in"]);
    let sender = hub.client_as(&token);
    let post = |endpoint: &str| {
        sender
            .post(format!("{}/v1/inbound/{endpoint}", hub.url))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&claim("PCN-SENDER-1")).unwrap())
            .send()
            .unwrap()
    };
    let r = post("in");
    assert_eq!(r.status().as_u16(), 202);
    let id = r.json::<Value>().unwrap()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post("other");
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().unwrap().contains("own endpoints (in)"));
    assert_eq!(
        sender
            .post(format!("{}/fhir/ehr/Claim/$submit", hub.url))
            .body("{}")
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        sender
            .get(format!("{}/v1/messages", hub.url))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        sender
            .get(format!("{}/v1/messages/{id}", hub.url))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        sender
            .post(format!("{}/v1/messages/{id}/replay", hub.url))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    // Refusals are audited, naming the route pattern, not the ids.
    let (_, audit) = hub.get("/v1/audit?actor=lab&action=access.denied");
    assert_eq!(audit["items"].as_array().unwrap().len(), 5, "{audit}");
    // A revoked token stops at once.
    let out = clearway(
        &[
            "token", "revoke", "lab", "--hub", &hub.url, "--token", &hub.token,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(post("in").status().as_u16(), 401);
}

#[test]
fn a_viewer_sees_no_phi_and_a_coordinator_no_raw_payload() {
    let hub = Hub::start(&config());
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&phi_claim()).unwrap());
    assert_eq!(status, 202);
    let inbound = body["inbound_id"].as_str().unwrap().to_owned();
    let message = body["messages"][0]["id"].as_str().unwrap().to_owned();
    let viewer = hub.client_as(&hub.create_token("v", "viewer", &[]));
    let coordinator = hub.client_as(&hub.create_token("c", "coordinator", &[]));
    let get = |c: &reqwest::blocking::Client, path: &str| {
        let r = c.get(format!("{}{path}", hub.url)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    for path in [
        "/v1/messages".to_owned(),
        format!("/v1/messages/{message}"),
        format!("/v1/messages/{inbound}"),
        format!("/v1/claims/{CLAIM_ID}/timeline"),
        "/metrics".to_owned(),
    ] {
        let (status, text) = get(&viewer, &path);
        assert_eq!(status, 200, "{path}: {text}");
        for phi in [
            PATIENT_LAST,
            MEMBER_ID,
            CLAIM_ID,
            "Jane",
            "1980-01-01",
            "Synthetic Lane",
        ] {
            assert!(
                !text.contains(phi),
                "a viewer's {path} shows `{phi}`: {text}"
            );
        }
    }
    assert_eq!(
        get(&viewer, "/v1/messages?q=Quartermaine").0,
        403,
        "viewers do not search"
    );
    let (_, shown) = get(&viewer, &format!("/v1/messages/{message}"));
    assert!(
        shown.contains("[masked]") && shown.contains("withheld"),
        "{shown}"
    );

    let (status, text) = get(&coordinator, &format!("/v1/messages/{message}"));
    assert_eq!(status, 200);
    assert!(
        text.contains(PATIENT_LAST),
        "a coordinator works with the claim's PHI: {text}"
    );
    let (_, text) = get(&coordinator, &format!("/v1/messages/{inbound}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["raw"], "withheld",
        "no raw payload for coordinators: {text}"
    );
    // Reads of PHI are audited with the record ids.
    let (_, audit) = hub.get(&format!("/v1/audit?actor=c&record={message}"));
    assert_eq!(audit["items"][0]["action"], "message.read", "{audit}");
    assert_eq!(audit["items"][0]["role"], "coordinator");
    assert_eq!(audit["items"][0]["source"], "127.0.0.1");
}

fn login(hub: &Hub, name: &str, password: &str) -> reqwest::blocking::Response {
    http()
        .post(format!("{}/v1/session", hub.url))
        .json(&json!({ "name": name, "password": password }))
        .send()
        .unwrap()
}

#[test]
fn six_wrong_passwords_in_a_minute_the_sixth_is_429_and_all_are_audited() {
    let hub = Hub::start(&config());
    let r = hub
        .http()
        .post(format!("{}/v1/admin/users", hub.url))
        .json(&json!({ "name": "ann", "role": "operator", "password": "correct horse battery" }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    for i in 1..=6 {
        let r = login(&hub, "ann", "wrong password here");
        let expected = if i == 6 { 429 } else { 401 };
        assert_eq!(r.status().as_u16(), expected, "attempt {i}");
        if i == 6 {
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(
        login(&hub, "ann", "correct horse battery")
            .status()
            .as_u16(),
        429,
        "still throttled"
    );
    let (_, audit) = hub.get("/v1/audit?action=login.failed&actor=ann");
    let outcomes: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), 7, "{audit}");
    assert_eq!(
        outcomes.iter().filter(|o| **o == "wrong_password").count(),
        5
    );
    assert_eq!(outcomes.iter().filter(|o| **o == "throttled").count(), 2);
}

#[test]
fn a_session_needs_its_csrf_token_to_change_anything_and_ends_at_logout() {
    let hub = Hub::start(&config());
    let (_, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("PCN-SESSION-1")).unwrap());
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    let r = hub
        .http()
        .post(format!("{}/v1/admin/users", hub.url))
        .json(&json!({ "name": "otto", "role": "operator", "password": "an operator password" }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let r = login(&hub, "otto", "an operator password");
    assert_eq!(r.status().as_u16(), 201);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = r.json::<Value>().unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = http();
    let with_cookie =
        |req: reqwest::blocking::RequestBuilder| req.header("cookie", &cookie).send().unwrap();
    assert_eq!(
        with_cookie(c.get(format!("{}/v1/messages", hub.url)))
            .status()
            .as_u16(),
        200
    );
    let r = with_cookie(c.post(format!("{}/v1/messages/{id}/replay", hub.url)));
    assert_eq!(r.status().as_u16(), 403, "no CSRF token");
    assert!(r.text().unwrap().contains("csrf"));
    let r = with_cookie(
        c.post(format!("{}/v1/messages/{id}/replay", hub.url))
            .header("x-csrf-token", "0".repeat(64)),
    );
    assert_eq!(r.status().as_u16(), 403, "a wrong CSRF token");
    let r = with_cookie(
        c.post(format!("{}/v1/messages/{id}/replay", hub.url))
            .header("x-csrf-token", &csrf),
    );
    assert_eq!(r.status().as_u16(), 202);
    let r = with_cookie(
        c.delete(format!("{}/v1/session", hub.url))
            .header("x-csrf-token", &csrf),
    );
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        with_cookie(c.get(format!("{}/v1/messages", hub.url)))
            .status()
            .as_u16(),
        401,
        "logged out"
    );
    let (_, audit) = hub.get("/v1/audit?actor=otto");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["login", "messages.list", "message.replay", "logout"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

#[test]
fn a_request_for_another_host_is_refused_and_answers_carry_security_headers() {
    let hub = Hub::start(&config());
    let r = hub
        .http()
        .get(format!("{}/v1/messages", hub.url))
        .header("host", "evil.example:80")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 421);
    let r = hub
        .http()
        .get(format!("{}/v1/messages", hub.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(!h.contains_key("access-control-allow-origin"), "no CORS");
    // Malformed credentials get a reason.
    let r = http()
        .get(format!("{}/v1/messages", hub.url))
        .header("authorization", "Basic YTpi")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().unwrap().contains("Bearer TOKEN"));
    // Oversized headers: 431, and the hub carries on.
    let r = hub
        .http()
        .get(format!("{}/v1/messages", hub.url))
        .header("x-big", "a".repeat(70 * 1024))
        .send();
    match r {
        Ok(r) => assert_eq!(r.status().as_u16(), 431, "{:?}", r.text()),
        Err(e) => assert!(e.is_request() || e.is_connect() || e.is_body(), "{e:?}"),
    }
    assert_eq!(hub.get("/v1/messages").0, 200);
}

#[test]
fn an_edited_audit_entry_is_named_by_audit_verify() {
    let hub = Hub::start(&config());
    for i in 0..3 {
        hub.get(&format!("/v1/messages?limit={}", i + 1));
    }
    let dir = hub.into_dir();
    let cfg = dir.path().join("clearway.toml");
    let cfg = cfg.to_str().unwrap();
    let out = clearway(&["audit", "verify", "--config", cfg], None);
    assert!(
        out.status.success(),
        "an intact log verifies: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let db = sled::open(dir.path().join("data/store")).unwrap();
        let tree = db.open_tree("audit").unwrap();
        let mut key = b"e/".to_vec();
        key.extend_from_slice(&2u64.to_be_bytes());
        let mut v = tree.get(&key).unwrap().expect("entry 2").to_vec();
        let at = v.windows(7).position(|w| w == b"actor\":").unwrap() + 8;
        v[at] ^= 0x01;
        tree.insert(key, v).unwrap();
        db.flush().unwrap();
    }
    let out = clearway(&["audit", "verify", "--config", cfg], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an edited log fails: {stderr}");
    assert!(stderr.contains("audit entry 2: edited"), "{stderr}");
    assert!(stderr.contains("BROKEN"), "{stderr}");
}

#[test]
fn oversized_bodies_and_slow_clients_get_clear_answers_and_lose_nothing() {
    use std::io::{Read, Write};
    let hub = Hub::start(&config());
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("PCN-KEEP-1")).unwrap());
    assert_eq!(status, 202, "{body}");
    let kept = body["messages"][0]["id"].as_str().unwrap().to_owned();
    // 413 naming the endpoint's limit, and nothing stored.
    let (status, body) = hub.post_inbound("other", &vec![b' '; 1024 * 1024 + 10]);
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit of 1 MiB"),
        "{body}"
    );
    let (_, list) = hub.get("/v1/messages?endpoint=other");
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    // A client that sends half a request line and stops is cut off (header read timeout).
    let addr = hub.url.trim_start_matches("http://").to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut buf = Vec::new();
    let read = slow.read_to_end(&mut buf);
    assert!(read.is_ok(), "the hub closed the slow connection: {read:?}");
    // Meanwhile and after, everything already accepted is there.
    assert_eq!(hub.get(&format!("/v1/messages/{kept}")).0, 200);
}

#[test]
fn metrics_listen_serves_metrics_alone_without_a_credential() {
    let port = clearway_tests::support::free_port();
    let cfg = config().replace(
        "durability = \"fsync\"",
        &format!("durability = \"fsync\"\nmetrics_listen = \"127.0.0.1:{port}\""),
    );
    let hub = Hub::start(&cfg);
    let r = http()
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().unwrap().contains("clearway_"), "Prometheus text");
    let r = http()
        .get(format!("http://127.0.0.1:{port}/v1/messages"))
        .send()
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "only /metrics is on the metrics listener"
    );
    let r = http().get(format!("{}/metrics", hub.url)).send().unwrap();
    assert_eq!(
        r.status().as_u16(),
        401,
        "the main listener still wants a credential"
    );
}
