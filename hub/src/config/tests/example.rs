//! The documented example parses to the expected values; defaults; path
//! resolution.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::super::{
    ConfigValue, ConnectorConfig, DirIn, DirOut, Durability, EndpointConfig, HttpMethod, HttpOut,
    HttpSettings, Kind, Limits, LogFormat, Pos, RetryPolicy, RouteConfig, Transport, load, parse,
};
use super::{BASE, FILE, ok};

/// The example of `docs/configuration.md`, with the elided parts filled in.
pub(super) const EXAMPLE: &str = r#"[hub]
data_dir = "data"                 # sled store and compiled-plugin cache
listen = "127.0.0.1:8080"         # socket address
log_format = "text"               # "text" | "json"
durability = "fsync"              # "flush" | "fsync"

[connectors.json]
plugin = "plugins/json.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
limits = { memory_mib = 64, timeout_ms = 2000, max_output_mib = 16 }
config = { batch = "false", token = "env:TOKEN" }

[endpoints.inbox]
transport = "http"
connector = "json"

[endpoints.drop]
transport = "dir"
connector = "json"
path = "inbox"
poll_ms = 1000
processed_dir = "inbox/processed"
failed_dir = "inbox/failed"
pattern = "*.json"

[endpoints.outbox]
transport = "dir-out"
connector = "json"
path = "outbox"
retry = { max_attempts = 10, initial_backoff_ms = 500, max_backoff_ms = 300000 }
batch_size = 100

[endpoints.payer-api]
transport = "http-out"
connector = "json"
url = "https://example.org/claims"
method = "POST"
timeout_ms = 10000
headers = { "X-Api-Key" = "env:PAYER_KEY" }
bearer_token = "env:PAYER_TOKEN"
retry = { max_attempts = 5, initial_backoff_ms = 1000, max_backoff_ms = 60000 }
batch_size = 20

[[routes]]
name = "claims-out"
from = "inbox"
kinds = ["claim"]
match = { "parties.payer.identifiers.0.value" = "12345" }
to = ["outbox"]
"#;

fn pos(line: usize, column: usize) -> Pos {
    Pos { line, column }
}

fn etc(path: &str) -> PathBuf {
    Path::new("/etc/clearway").join(path)
}

#[test]
fn the_full_example_parses_to_the_expected_values() {
    let cfg = ok(EXAMPLE);
    assert_eq!(cfg.path, Path::new(FILE));
    assert_eq!(cfg.base_dir, Path::new("/etc/clearway"));

    assert_eq!(cfg.hub.data_dir, etc("data"));
    assert_eq!(cfg.hub.data_dir_at, Some(pos(2, 12)));
    assert_eq!(
        cfg.hub.listen,
        "127.0.0.1:8080".parse::<SocketAddr>().expect("address")
    );
    assert_eq!(cfg.hub.log_format, LogFormat::Text);
    assert_eq!(cfg.hub.durability, Durability::Fsync);

    let connector = ConnectorConfig {
        name: "json".into(),
        plugin: etc("plugins/json.wasm"),
        plugin_at: pos(8, 10),
        sha256: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
        sha256_at: Some(pos(9, 10)),
        limits: Limits {
            memory_mib: 64,
            timeout_ms: 2000,
            max_output_mib: 16,
        },
        config: BTreeMap::from([
            ("batch".into(), ConfigValue::Literal("false".into())),
            ("token".into(), ConfigValue::Env("TOKEN".into())),
        ]),
        config_at: BTreeMap::from([("batch".into(), pos(11, 20)), ("token".into(), pos(11, 37))]),
        grants: Vec::new(),
        at: pos(7, 1),
    };
    assert_eq!(
        cfg.connectors,
        BTreeMap::from([("json".to_string(), connector)])
    );

    assert_eq!(cfg.endpoints.len(), 4);
    assert_eq!(
        cfg.endpoints["inbox"],
        EndpointConfig {
            name: "inbox".into(),
            connector: "json".into(),
            transport: Transport::Http,
            acknowledgments: None,
            max_body_mib: 64,
            delivery: Default::default(),
            at: pos(13, 1)
        }
    );
    assert_eq!(
        cfg.endpoints["drop"].transport,
        Transport::Dir(DirIn {
            path: etc("inbox"),
            path_at: pos(20, 8),
            poll_ms: 1000,
            processed_dir: etc("inbox/processed"),
            processed_dir_at: Some(pos(22, 17)),
            failed_dir: etc("inbox/failed"),
            failed_dir_at: Some(pos(23, 14)),
            pattern: "*.json".into(),
            max_file_mib: 64,
        })
    );
    assert_eq!(
        cfg.endpoints["outbox"].transport,
        Transport::DirOut(DirOut {
            path: etc("outbox"),
            path_at: pos(29, 8),
            retry: RetryPolicy {
                max_attempts: 10,
                initial_backoff_ms: 500,
                max_backoff_ms: 300_000
            },
            batch_size: 100,
        })
    );
    let payer = &cfg.endpoints["payer-api"];
    assert_eq!(
        (payer.name.as_str(), payer.connector.as_str(), payer.at),
        ("payer-api", "json", pos(33, 1))
    );
    assert_eq!(
        payer.transport,
        Transport::HttpOut(HttpOut {
            url: "https://example.org/claims".into(),
            method: HttpMethod::Post,
            http: HttpSettings {
                timeout_ms: 10_000,
                headers: BTreeMap::from([(
                    "X-Api-Key".into(),
                    ConfigValue::Env("PAYER_KEY".into())
                )]),
                headers_at: BTreeMap::from([("X-Api-Key".into(), pos(39, 27))]),
                bearer_token: Some(ConfigValue::Env("PAYER_TOKEN".into())),
                bearer_token_at: Some(pos(40, 16)),
                retry: RetryPolicy {
                    max_attempts: 5,
                    initial_backoff_ms: 1000,
                    max_backoff_ms: 60_000
                },
                batch_size: 20,
                allow_plaintext: false,
                max_response_kib: 1024,
                replies_from: Vec::new(),
                replies_from_at: BTreeMap::new(),
            },
        })
    );

    assert_eq!(
        cfg.routes,
        vec![RouteConfig {
            name: Some("claims-out".into()),
            from: "inbox".into(),
            kinds: Some(vec![Kind::Claim]),
            matches: BTreeMap::from([("parties.payer.identifiers.0.value".into(), "12345".into())]),
            to: vec!["outbox".into()],
            request_reply: false,
            reply_timeout_ms: 20_000,
            at: pos(44, 1),
        }]
    );
}

#[test]
fn transports_know_their_direction_and_name() {
    let cfg = ok(EXAMPLE);
    let of = |name: &str| &cfg.endpoints[name].transport;
    assert_eq!(
        (of("inbox").is_inbound(), of("inbox").kind_name()),
        (true, "http")
    );
    assert_eq!(
        (of("drop").is_inbound(), of("drop").kind_name()),
        (true, "dir")
    );
    assert_eq!(
        (of("outbox").is_inbound(), of("outbox").kind_name()),
        (false, "dir-out")
    );
    assert_eq!(
        (of("payer-api").is_inbound(), of("payer-api").kind_name()),
        (false, "http-out")
    );
}

#[test]
fn defaults_fill_every_optional_key() {
    let text = format!(
        "{BASE}\n[endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"in\"\n\n\
         [endpoints.api]\ntransport = \"http-out\"\nconnector = \"json\"\nurl = \"https://peer:9000/x\"\n\n\
         [[routes]]\nfrom = \"inbox\"\nto = [\"outbox\", \"api\"]\n"
    );
    let cfg = ok(&text);
    assert_eq!(cfg.hub.data_dir, etc("data"));
    assert_eq!(cfg.hub.data_dir_at, None);
    assert_eq!(cfg.hub.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
    assert_eq!(cfg.hub.log_format, LogFormat::Text);
    assert_eq!(cfg.hub.durability, Durability::Fsync);

    let json = &cfg.connectors["json"];
    assert_eq!(
        json.limits,
        Limits {
            memory_mib: 64,
            timeout_ms: 2000,
            max_output_mib: 16
        }
    );
    assert_eq!((json.sha256.as_deref(), json.sha256_at), (None, None));
    assert!(json.config.is_empty());

    let Transport::Dir(dir) = &cfg.endpoints["drop"].transport else {
        panic!("a dir endpoint")
    };
    assert_eq!(dir.poll_ms, 1000);
    assert_eq!(dir.processed_dir, etc("in/processed"));
    assert_eq!(dir.failed_dir, etc("in/failed"));
    assert_eq!((dir.processed_dir_at, dir.failed_dir_at), (None, None));
    assert_eq!(dir.pattern, "*");

    let default_retry = RetryPolicy {
        max_attempts: 10,
        initial_backoff_ms: 500,
        max_backoff_ms: 300_000,
    };
    let Transport::DirOut(out) = &cfg.endpoints["outbox"].transport else {
        panic!("a dir-out endpoint")
    };
    assert_eq!((out.retry, out.batch_size), (default_retry, 100));

    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert_eq!(
        (api.method, api.http.timeout_ms),
        (HttpMethod::Post, 10_000)
    );
    assert!(api.http.headers.is_empty());
    assert_eq!(api.http.bearer_token, None);
    assert_eq!((api.http.retry, api.http.batch_size), (default_retry, 100));
    assert_eq!(
        (api.http.allow_plaintext, api.http.max_response_kib),
        (false, 1024)
    );
    assert!(api.http.replies_from.is_empty());

    let route = &cfg.routes[0];
    assert_eq!(
        (route.name.as_deref(), route.kinds.as_deref()),
        (None, None)
    );
    assert!(route.matches.is_empty());
}

#[test]
fn a_partial_retry_table_keeps_the_other_defaults() {
    let cfg = ok(&format!("{BASE}retry = {{ max_backoff_ms = 1000 }}\n"));
    let Transport::DirOut(out) = &cfg.endpoints["outbox"].transport else {
        panic!("a dir-out endpoint")
    };
    assert_eq!(
        out.retry,
        RetryPolicy {
            max_attempts: 10,
            initial_backoff_ms: 500,
            max_backoff_ms: 1000
        }
    );
}

#[test]
fn an_empty_file_is_a_hub_with_nothing_to_do() {
    let cfg = ok("");
    assert!(cfg.connectors.is_empty() && cfg.endpoints.is_empty() && cfg.routes.is_empty());
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let text = "[hub]\ndata_dir = \"state/db\"\n[connectors.c]\nplugin = \"../plugins/c.wasm\"\nconfig = { key = \"file:secrets/key\" }\n";
    let cfg = parse(Path::new("deploy/clearway.toml"), text).expect("valid");
    assert_eq!(cfg.base_dir, Path::new("deploy"));
    assert_eq!(cfg.hub.data_dir, Path::new("deploy/state/db"));
    assert_eq!(
        cfg.connectors["c"].plugin,
        Path::new("deploy/../plugins/c.wasm")
    );
    assert_eq!(
        cfg.connectors["c"].config["key"],
        ConfigValue::File("deploy/secrets/key".into())
    );

    // A bare file name lives in the current folder.
    let cfg = parse(Path::new("clearway.toml"), text).expect("valid");
    assert_eq!(cfg.hub.data_dir, Path::new("./state/db"));
}

#[test]
fn absolute_paths_stay_as_they_are() {
    let cfg =
        ok("[hub]\ndata_dir = \"/var/lib/clearway\"\n[connectors.c]\nplugin = \"/opt/c.wasm\"\n");
    assert_eq!(cfg.hub.data_dir, Path::new("/var/lib/clearway"));
    assert_eq!(cfg.connectors["c"].plugin, Path::new("/opt/c.wasm"));
}

#[test]
fn load_resolves_against_the_absolute_config_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("clearway.toml");
    std::fs::write(
        &file,
        "[hub]\ndata_dir = \"data\"\nlog_format = \"json\"\ndurability = \"flush\"\n",
    )
    .expect("write config");
    let cfg = load(&file).expect("valid");
    assert_eq!(cfg.path, file);
    assert!(cfg.base_dir.is_absolute());
    assert_eq!(cfg.hub.data_dir, dir.path().join("data"));
    assert_eq!(
        (cfg.hub.log_format, cfg.hub.durability),
        (LogFormat::Json, Durability::Flush)
    );
}

#[test]
fn load_reports_a_missing_file_without_a_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("absent.toml");
    let errors = load(&file).expect_err("no such file");
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].pos, None);
    assert!(
        errors.0[0]
            .message
            .starts_with("cannot read the configuration file")
    );
}

#[test]
fn bare_dotted_match_keys_mean_the_same_path_as_quoted_ones() {
    let text = format!(
        "{BASE}\n[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nmatch = {{ parties.payer.identifiers.0.value = \"12345\", \"kind\" = \"claim\" }}\n"
    );
    let cfg = ok(&text);
    assert_eq!(
        cfg.routes[0].matches,
        BTreeMap::from([
            ("kind".to_string(), "claim".to_string()),
            (
                "parties.payer.identifiers.0.value".to_string(),
                "12345".to_string()
            ),
        ])
    );
}

#[test]
fn ipv6_listen_addresses_and_put_are_accepted() {
    let text = format!(
        "[hub]\nlisten = \"[::1]:9090\"\n{BASE}\n[endpoints.api]\ntransport = \"http-out\"\nconnector = \"json\"\n\
         url = \"https://[2001:db8::1]:8443/x\"\nmethod = \"PUT\"\nbearer_token = \"file:/run/secrets/token\"\n"
    );
    let cfg = ok(&text);
    assert_eq!(
        cfg.hub.listen,
        "[::1]:9090".parse::<SocketAddr>().expect("address")
    );
    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert_eq!(api.method, HttpMethod::Put);
    assert_eq!(api.method.as_str(), "PUT");
    assert_eq!(
        api.http.bearer_token,
        Some(ConfigValue::File("/run/secrets/token".into()))
    );
}
