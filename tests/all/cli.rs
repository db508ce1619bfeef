//! The command line: check, translate, plugin inspect, messages.

use clearway_tests::support::{Hub, claim, clearway, free_port, json_config, plugin, root};

#[test]
fn check_reports_three_distinct_mistakes_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("clearway.toml");
    // Line 6: unknown key `retries`; line 9: a plugin that does not exist;
    // line 18: a route to an endpoint that does not exist.
    let text = format!(
        r#"[hub]
data_dir = "data"

[connectors.json]
plugin = "{json}"
retries = 3

[connectors.x12]
plugin = "missing/x12.wasm"

[endpoints.in]
transport = "http"
connector = "json"

[[routes]]
from = "in"
kinds = ["claim"]
to = ["nowhere"]
"#,
        json = plugin("json").display()
    );
    std::fs::write(&config, text).unwrap();
    let out = clearway(&["check", "--config", config.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!("{stdout}{stderr}");
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("clearway.toml:6:1:") && all.contains("retries"),
        "unknown key with its position:\n{all}"
    );
    assert!(
        all.contains("clearway.toml:9:10:") && all.contains("missing/x12.wasm"),
        "bad plugin path with its position:\n{all}"
    );
    assert!(
        all.contains("clearway.toml:18:7:") && all.contains("nowhere"),
        "route to a missing endpoint with its position:\n{all}"
    );
}

#[test]
fn check_accepts_the_example_config() {
    let example = root().join("examples").join("clearway.toml");
    let out = clearway(&["check", "--config", example.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn translate_decodes_and_encodes_without_a_hub() {
    let json = plugin("json");
    let input = serde_json::to_vec(&claim("CLI-1")).unwrap();
    let out = clearway(
        &[
            "translate",
            "--connector",
            json.to_str().unwrap(),
            "--decode",
            "-",
        ],
        Some(&input),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decoded.as_array().unwrap().len(), 1);
    assert_eq!(decoded[0]["correlation"]["claim_id"], "CLI-1");

    let out = clearway(
        &[
            "translate",
            "--connector",
            json.to_str().unwrap(),
            "--encode",
        ],
        Some(&out.stdout),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let encoded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(encoded["correlation"]["claim_id"], "CLI-1");

    // Bad input: non-zero exit, the problem with its position on stderr.
    let mut bad = claim("CLI-2");
    bad["body"]["total_charge"] = serde_json::Value::from(1);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&bad).unwrap()).unwrap();
    let out = clearway(
        &[
            "translate",
            "--connector",
            json.to_str().unwrap(),
            "--decode",
            file.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at /body/total_charge"), "{err}");
    assert!(err.contains(file.path().to_str().unwrap()), "{err}");
}

#[test]
fn plugin_inspect_prints_describe_and_sha256() {
    let json = plugin("json");
    let out = clearway(&["plugin", "inspect", json.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["describe"]["name"], "json");
    let bytes = std::fs::read(&json).unwrap();
    let sha = v["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(
        v["describe"]["decodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "claim")
    );
    assert_eq!(v["size_bytes"], bytes.len());
}

#[test]
fn messages_subcommands_talk_to_a_running_hub() {
    let hub = Hub::start(&json_config(""));
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("CLI-MSG")).unwrap());
    assert_eq!(status, 202);
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    let url = hub.url.clone();
    let token_file = hub.path("admin.token");
    let token_file = token_file.to_str().unwrap();
    let token = hub.token.clone();

    let out = clearway(
        &["messages", "--hub", &url, "list", "--kind", "claim"],
        None,
    );
    assert!(!out.status.success(), "no token, no listing");
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a token"));

    let out = clearway(
        &[
            "messages",
            "--hub",
            &url,
            "--token-file",
            token_file,
            "list",
            "--kind",
            "claim",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&id), "{text}");

    let out = clearway(
        &["messages", "--hub", &url, "--token", &token, "show", &id],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("decoded") && text.contains("queued"),
        "{text}"
    );

    let out = clearway(
        &["messages", "--hub", &url, "--token", &token, "replay", &id],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = clearway(
        &[
            "messages",
            "--hub",
            &url,
            "--token",
            &token,
            "show",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no record"));
}

#[test]
fn credentials_are_made_on_a_stopped_hub_and_through_a_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("clearway.toml");
    std::fs::write(
        &cfg,
        json_config("").replace("{port}", &free_port().to_string()),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--config", cfg]);
        clearway(&all, None)
    };
    // `token create` prints the token and nothing else.
    let out = run(&[
        "token",
        "create",
        "--name",
        "ops-1",
        "--role",
        "operator",
        "--expires",
        "30",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(
        token.starts_with("cwt_") && token.trim_end().len() == 68 && token.lines().count() == 1,
        "{token:?}"
    );
    let out = run(&["token", "create", "--name", "ops-1", "--role", "operator"]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already exists")
    );
    let out = run(&["token", "create", "--name", "lab", "--role", "sender"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs at least one `--endpoint`"));
    let out = run(&[
        "token",
        "create",
        "--name",
        "lab",
        "--role",
        "sender",
        "--endpoint",
        "out",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outbound"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        run(&[
            "token",
            "create",
            "--name",
            "lab",
            "--role",
            "sender",
            "--endpoint",
            "in"
        ])
        .status
        .success()
    );
    // The list shows names and roles, never a token.
    let out = run(&["token", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ops-1") && text.contains("operator") && text.contains("lab"),
        "{text}"
    );
    assert!(
        !text.contains(token.trim()),
        "token list must not show tokens"
    );
    // Passwords: at least 12 characters, read from a file.
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "short\n").unwrap();
    let out = run(&[
        "user",
        "add",
        "ann",
        "--role",
        "coordinator",
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    std::fs::write(&pw, "a long enough password\n").unwrap();
    let out = run(&[
        "user",
        "add",
        "ann",
        "--role",
        "coordinator",
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing under data_dir holds the token or the password in the clear.
    for f in walk(&dir.path().join("data")) {
        let bytes = std::fs::read(&f).unwrap();
        for secret in [
            token.trim().as_bytes(),
            b"a long enough password".as_slice(),
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{} holds a secret",
                f.display()
            );
        }
    }

    // Against the running hub: the stopped-hub path is refused (the store is locked).
    let hub = Hub::start_in(dir, &json_config(""));
    let token_file = hub.path("admin.token");
    let out = clearway(
        &[
            "token",
            "list",
            "--config",
            hub.config_path().to_str().unwrap(),
        ],
        None,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--hub URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = clearway(
        &[
            "user",
            "disable",
            "ann",
            "--hub",
            &hub.url,
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = clearway(
        &[
            "user",
            "list",
            "--json",
            "--hub",
            &hub.url,
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        None,
    );
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users[0]["name"], "ann");
    assert_eq!(users[0]["disabled"], true);
    // A non-admin token cannot manage credentials.
    let out = clearway(
        &["token", "list", "--hub", &hub.url, "--token", token.trim()],
        None,
    );
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("403"));
    // Every change is in the audit log.
    let out = clearway(
        &[
            "audit",
            "list",
            "--json",
            "--hub",
            &hub.url,
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        None,
    );
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["token.create", "user.add", "user.disable"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}
