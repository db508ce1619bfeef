//! Each class of problem in hub, connector and endpoint tables: the message
//! and the position. (Routes are in `routes.rs`.)

use std::path::PathBuf;

use super::super::{ConfigErrors, Pos, Problem, Transport};
use super::{BASE, only, problems, triples};

#[test]
fn a_syntax_error_has_tomls_message_and_position() {
    let (line, column, message) = only("[hub]\nlisten = \"127.0.0.1:8080\nlog_format = \"text\"\n");
    assert_eq!((line, column), (2, 25));
    assert!(message.starts_with("invalid TOML: "), "{message}");
}

#[test]
fn every_syntax_error_is_reported() {
    let found = triples(&problems("[hub]\nlisten = \n[hub]\ndata_dir = \"d\" x\n"));
    let places: Vec<(usize, usize)> = found.iter().map(|(l, c, _)| (*l, *c)).collect();
    assert_eq!(places, vec![(2, 10), (3, 2), (4, 16)], "{found:#?}");
    assert!(
        found
            .iter()
            .all(|(_, _, m)| m.starts_with("invalid TOML: "))
    );
}

#[test]
fn an_unknown_top_level_key_is_named_with_the_allowed_ones() {
    assert_eq!(
        only("hub.listen = \"127.0.0.1:1\"\nroute = []\n"),
        (
            2,
            1,
            "unknown key `route` in the top level (expected one of: hub, connectors, endpoints, routes, console, retention, alerts)".into()
        )
    );
}

#[test]
fn unknown_keys_are_reported_in_every_table_at_the_key() {
    let text = "[hub]\n\
                listen = \"127.0.0.1:1\"\n\
                data-dir = \"x\"\n\
                [connectors.json]\n\
                plugin = \"json.wasm\"\n\
                limits = { memory = 1 }\n\
                wasm = true\n\
                [endpoints.outbox]\n\
                transport = \"dir-out\"\n\
                connector = \"json\"\n\
                path = \"out\"\n\
                retries = 3\n\
                retry = { max_attempts = 3, jitter = true }\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (3, 1, "unknown key `data-dir` in [hub] (expected one of: data_dir, listen, log_format, durability, tls, allow_plaintext, allowed_hosts, encryption_key, metrics_listen, session_idle_minutes, session_max_hours, max_queue_per_destination, max_backlog, min_free_disk_mib, store_cache_mib, max_blocking_threads)".into()),
            (
                6,
                12,
                "unknown key `memory` in [connectors.json].limits (expected one of: memory_mib, timeout_ms, max_output_mib)"
                    .into()
            ),
            (7, 1, "unknown key `wasm` in [connectors.json] (expected one of: plugin, sha256, limits, config, grants)".into()),
            (
                12,
                1,
                "unknown key `retries` in [endpoints.outbox] (expected one of: transport, connector, path, retry, batch_size, delivery)"
                    .into()
            ),
            (
                13,
                29,
                "unknown key `jitter` in [endpoints.outbox].retry (expected one of: max_attempts, initial_backoff_ms, max_backoff_ms)"
                    .into()
            ),
        ]
    );
}

#[test]
fn retention_names_its_keys_and_checks_its_rate_at_the_value() {
    assert_eq!(
        only(&format!("{BASE}\n[retention]\nhistory_days = 2555\nrate = 10\n")),
        (
            15,
            1,
            "unknown key `rate` in [retention] (expected one of: raw_days, normalized_days, history_days, interval_seconds, max_records_per_second, kinds)".into()
        )
    );
    assert_eq!(
        triples(&problems(&format!(
            "{BASE}\n[retention]\nhistory_days = 2555\nmax_records_per_second = 25001\n\n[retention.kinds.claim]\nhistory_days = 3650\n"
        ))),
        vec![(
            15,
            26,
            "`max_records_per_second` in [retention] must be between 0 and 25000".into()
        )]
    );
    assert_eq!(
        only(&format!(
            "{BASE}\n[retention]\nmax_records_per_second = -1\n"
        )),
        (
            14,
            26,
            "`max_records_per_second` in [retention] must be between 0 and 25000".into()
        )
    );
    let (line, column, message) = only(&format!(
        "{BASE}\n[retention]\nmax_records_per_second = 1.5\n"
    ));
    assert_eq!((line, column), (14, 26));
    assert!(message.contains("an integer"), "{message}");
}

#[test]
fn keys_of_another_transport_are_unknown_keys() {
    let (line, column, message) = only(&format!("{BASE}poll_ms = 100\n"));
    assert_eq!((line, column), (12, 1));
    assert_eq!(
        message,
        "unknown key `poll_ms` in [endpoints.outbox] (expected one of: transport, connector, path, retry, batch_size, delivery)"
    );
}

#[test]
fn wrong_types_name_the_expected_and_the_found_type() {
    let text = "[hub]\nlisten = 8080\ndurability = true\n[connectors.c]\nplugin = [\"c.wasm\"]\nlimits = 5\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (
                2,
                10,
                "`listen` in [hub] must be a string, not an integer".into()
            ),
            (
                3,
                14,
                "`durability` in [hub] must be a string, not a boolean".into()
            ),
            (
                5,
                10,
                "`plugin` in [connectors.c] must be a string, not an array".into()
            ),
            (
                6,
                10,
                "`limits` in [connectors.c] must be a table, not an integer".into()
            ),
        ]
    );
}

#[test]
fn sections_of_the_wrong_type_are_reported() {
    let found = triples(&problems(
        "hub = 1\nconnectors = \"x\"\nroutes = { from = \"a\" }\n",
    ));
    assert_eq!(
        found,
        vec![
            (
                1,
                7,
                "`hub` in the top level must be a table, not an integer".into()
            ),
            (
                2,
                14,
                "`connectors` in the top level must be a table, not a string".into()
            ),
            (
                3,
                10,
                "`routes` in the top level must be an array, not a table".into()
            ),
        ]
    );
}

#[test]
fn values_out_of_range_are_reported_at_the_value() {
    let text = "[connectors.c]\nplugin = \"c.wasm\"\nlimits = { memory_mib = 0, timeout_ms = 600001, max_output_mib = -1 }\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (
                3,
                25,
                "`memory_mib` in [connectors.c].limits must be between 1 and 4096".into()
            ),
            (
                3,
                41,
                "`timeout_ms` in [connectors.c].limits must be between 1 and 600000".into()
            ),
            (
                3,
                66,
                "`max_output_mib` in [connectors.c].limits must be between 1 and 1024".into()
            ),
        ]
    );
    let text = format!("{BASE}batch_size = 0x2711\nretry = {{ max_attempts = 0 }}\n");
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (
                12,
                14,
                "`batch_size` in [endpoints.outbox] must be between 1 and 10000".into()
            ),
            (
                13,
                26,
                "`max_attempts` in [endpoints.outbox].retry must be between 1 and 100000".into()
            ),
        ]
    );
}

#[test]
fn enumerations_list_their_values() {
    let text = "[hub]\nlog_format = \"yaml\"\ndurability = \"sync\"\nlisten = \"localhost:80\"\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (2, 14, "`log_format` in [hub] must be one of: text, json".into()),
            (3, 14, "`durability` in [hub] must be one of: flush, fsync".into()),
            (
                4,
                10,
                "`listen` in [hub] must be a socket address such as `127.0.0.1:8080` or `[::1]:8080`".into()
            ),
        ]
    );
}

#[test]
fn missing_required_keys_point_at_the_table_header() {
    let text = "[connectors.c]\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n\n\
                [endpoints.a]\nconnector = \"c\"\n\n  [endpoints.b]\ntransport = \"dir\"\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (
                1,
                1,
                "missing required key `plugin` in [connectors.c]".into()
            ),
            (
                4,
                1,
                "missing required key `transport` in [endpoints.a]".into()
            ),
            (
                7,
                3,
                "missing required key `connector` in [endpoints.b]".into()
            ),
            (7, 3, "missing required key `path` in [endpoints.b]".into()),
        ]
    );
}

#[test]
fn invalid_names_are_reported_at_the_name() {
    let rule = "must be 1 to 63 characters: lowercase letters, digits, `_` and `-`, starting with a letter or digit";
    let long = "a".repeat(64);
    let text = format!(
        "[connectors.Json]\nplugin = \"j.wasm\"\n[endpoints.\"-in\"]\ntransport = \"http\"\nconnector = \"Json\"\n\
         [endpoints.{long}]\ntransport = \"http\"\nconnector = \"Json\"\n"
    );
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (1, 13, format!("connector name `Json` {rule}")),
            (3, 12, format!("endpoint name `-in` {rule}")),
            (6, 12, format!("endpoint name `{long}` {rule}")),
        ]
    );
}

#[test]
fn a_reserved_transport_is_not_available_yet() {
    let text = "[connectors.c]\nplugin = \"c.wasm\"\n[endpoints.ehr]\ntransport = \"mllp\"\nconnector = \"c\"\n";
    assert_eq!(
        only(text),
        (4, 13, "transport `mllp` is not available yet".into())
    );
    for reserved in ["mllp", "sftp"] {
        let text = text.replace("mllp", reserved);
        assert_eq!(
            only(&text).2,
            format!("transport `{reserved}` is not available yet")
        );
    }
}

#[test]
fn an_unknown_transport_lists_the_transports() {
    let text = "[connectors.c]\nplugin = \"c.wasm\"\n[endpoints.e]\ntransport = \"smtp\"\nconnector = \"c\"\n";
    assert_eq!(
        only(text),
        (4, 13, "unknown transport `smtp` in [endpoints.e] (expected one of: http, fhir, dir, dir-out, http-out, fhir-out, test-clearinghouse)".into())
    );
}

#[test]
fn an_endpoint_naming_a_missing_connector_is_reported_at_the_name() {
    let text = "[connectors.json]\nplugin = \"j.wasm\"\n[endpoints.e]\ntransport = \"http\"\nconnector = \"x12\"\n";
    assert_eq!(
        only(text),
        (
            5,
            13,
            "connector `x12` is not defined (no [connectors.x12] table)".into()
        )
    );
}

#[test]
fn a_connector_with_problems_still_counts_as_defined() {
    // One problem (the missing plugin), not a second one at the endpoint.
    let text =
        "[connectors.c]\nlimits = {}\n[endpoints.e]\ntransport = \"http\"\nconnector = \"c\"\n";
    assert_eq!(
        only(text),
        (
            1,
            1,
            "missing required key `plugin` in [connectors.c]".into()
        )
    );
}

#[test]
fn sha256_must_be_64_lowercase_hex_digits() {
    let message =
        "`sha256` in [connectors.c] must be 64 lowercase hexadecimal digits (a SHA-256 digest)";
    for bad in ["abc", &"A".repeat(64), &"g".repeat(64), &"0".repeat(65)] {
        let text = format!("[connectors.c]\nplugin = \"c.wasm\"\nsha256 = \"{bad}\"\n");
        assert_eq!(only(&text), (3, 10, message.into()), "{bad}");
    }
}

#[test]
fn config_values_are_strings_and_references_are_well_formed() {
    let text = "[connectors.c]\nplugin = \"c.wasm\"\nconfig = { batch = false, token = \"env:9X\", key = \"file:\" }\n";
    assert_eq!(
        triples(&problems(text)),
        vec![
            (3, 20, "values of [connectors.c].config must be strings (use quotes, e.g. \"true\" or \"10\")".into()),
            (
                3,
                35,
                "`token` in [connectors.c].config: `env:` must be followed by a variable name (letters, digits, `_`, not starting with a digit)"
                    .into()
            ),
            (3, 51, "`key` in [connectors.c].config: `file:` must be followed by a path".into()),
        ]
    );
}

#[test]
fn dir_endpoint_settings_are_checked() {
    let text = format!(
        "{BASE}[endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"\"\npoll_ms = 5\npattern = \"in/[a\"\n"
    );
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (15, 8, "`path` in [endpoints.drop] must not be empty".into()),
            (
                16,
                11,
                "`poll_ms` in [endpoints.drop] must be between 10 and 3600000".into()
            ),
            (
                17,
                11,
                "`pattern` in [endpoints.drop] must match file names only, without `/` or `\\`"
                    .into()
            ),
        ]
    );
}

#[test]
fn retry_backoffs_must_be_ordered() {
    let text = format!("{BASE}retry = {{ initial_backoff_ms = 5000, max_backoff_ms = 10 }}\n");
    assert_eq!(
        only(&text),
        (12, 55, "`max_backoff_ms` in [endpoints.outbox].retry must not be less than `initial_backoff_ms`".into())
    );
}

/// An `http-out` endpoint on line 12 with `extra` after its `url`.
fn http_out(url: &str, extra: &str) -> String {
    format!(
        "{BASE}[endpoints.api]\ntransport = \"http-out\"\nconnector = \"json\"\nurl = \"{url}\"\n{extra}"
    )
}

#[test]
fn http_out_urls_must_be_http_or_https_with_a_host() {
    let cases = [
        (
            "ftp://example.org/x",
            "must be an `http://` or `https://` URL",
        ),
        ("https:///claims", "must name a host"),
        (
            "https://example.org:http/x",
            "has a port that is not a number from 0 to 65535",
        ),
        (
            "https://example.org/a b",
            "must not contain spaces or control characters",
        ),
        (
            "https://[::1/x",
            "has a `[` without a matching `]` in its host",
        ),
    ];
    for (url, rule) in cases {
        assert_eq!(
            only(&http_out(url, "")),
            (15, 7, format!("`url` in [endpoints.api] {rule}")),
            "{url}"
        );
    }
    let (_, _, message) = only(&http_out("https://SPECIALUSER:hunter2@example.org/", ""));
    assert!(
        message.contains("must not contain credentials"),
        "{message}"
    );
    assert!(
        !message.contains("hunter2") && !message.contains("SPECIALUSER"),
        "{message}"
    );
}

#[test]
fn a_literal_bearer_token_is_refused_without_repeating_it() {
    let (line, column, message) = only(&http_out(
        "https://x.org/",
        "bearer_token = \"s3cr3t-t0ken\"\n",
    ));
    assert_eq!((line, column), (16, 16));
    assert_eq!(
        message,
        "`bearer_token` in [endpoints.api] must be a reference (`env:NAME` or `file:PATH`), never a literal token"
    );
    assert!(!message.contains("s3cr3t"));
}

#[test]
fn headers_are_checked_without_repeating_their_values() {
    let extra = "headers = { \"Bad Name\" = \"x\", X-Key = \"line\\nbreak-secret\", X-Num = 5 }\n";
    let found = triples(&problems(&http_out("https://x.org/", extra)));
    assert_eq!(
        found,
        vec![
            (16, 13, "header name `Bad Name` in [endpoints.api].headers is not a valid HTTP header name".into()),
            (
                16,
                39,
                "the value of header `X-Key` in [endpoints.api].headers must not contain line breaks or control characters"
                    .into()
            ),
            (16, 69, "`X-Num` in [endpoints.api].headers must be a string, not an integer".into()),
        ]
    );
    assert!(found.iter().all(|(_, _, m)| !m.contains("secret")));
}

#[test]
fn bearer_token_and_an_authorization_header_exclude_each_other() {
    let extra = "headers = { authorization = \"env:AUTH\" }\nbearer_token = \"env:TOKEN\"\n";
    assert_eq!(
        only(&http_out("https://x.org/", extra)),
        (
            16,
            13,
            "[endpoints.api] sets both `bearer_token` and an `Authorization` header; keep one"
                .into()
        )
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "[hub]\nlisten = \"nowhere\"\nlog_format = 1\n[connectors.c]\nsha256 = \"x\"\n\
                [endpoints.e]\ntransport = \"dir\"\nconnector = \"d\"\nfoo = 1\n\
                [[routes]]\nfrom = \"nope\"\nto = []\n";
    assert_eq!(problems(text).len(), 9, "{:#?}", triples(&problems(text)));
}

#[test]
fn problems_display_as_file_line_column_message() {
    let problem = Problem {
        file: PathBuf::from("clearway.toml"),
        pos: Some(Pos {
            line: 12,
            column: 5,
        }),
        message: "unknown key `retries` in [endpoints.outbox]".into(),
    };
    assert_eq!(
        problem.to_string(),
        "clearway.toml:12:5: unknown key `retries` in [endpoints.outbox]"
    );
    let unplaced = Problem {
        pos: None,
        ..problem.clone()
    };
    assert_eq!(
        unplaced.to_string(),
        "clearway.toml: unknown key `retries` in [endpoints.outbox]"
    );
    let errors = ConfigErrors(vec![problem, unplaced]);
    assert_eq!(errors.to_string().lines().count(), 2);
    let as_error: &dyn std::error::Error = &errors;
    assert!(as_error.to_string().starts_with("clearway.toml:12:5: "));
}

#[test]
fn columns_count_characters_not_bytes() {
    // `é` is two bytes and `✓` three: counting bytes would give (2, 11)
    // and (3, 25).
    let (line, column, _) = only("[hub]\n\"é✓\" = 1 x\n");
    assert_eq!((line, column), (2, 8));
    let text = "[connectors.c]\nplugin = \"c.wasm\"\nlimits = { \"é✓\" = 1, memory = 2 }\n";
    let places: Vec<(usize, usize)> = triples(&problems(text))
        .iter()
        .map(|t| (t.0, t.1))
        .collect();
    assert_eq!(places, vec![(3, 12), (3, 22)]);
}

#[test]
fn grants_name_known_capabilities() {
    let text = "[connectors.c]\nplugin = \"c.wasm\"\ngrants = [\"control-numbers\", \"network\"]\n";
    let (line, column, message) = only(text);
    assert_eq!((line, column), (3, 30));
    assert!(
        message.contains("`network`, which is not a capability (expected one of: control-numbers)"),
        "{message}"
    );
    let ok = super::ok("[connectors.c]\nplugin = \"c.wasm\"\ngrants = [\"control-numbers\"]\n");
    assert_eq!(
        ok.connectors["c"].grants,
        vec!["control-numbers".to_string()]
    );
}

#[test]
fn plaintext_http_to_a_host_that_is_not_loopback_is_refused() {
    let refusal = "`url` in [endpoints.api] is a plain `http://` URL to a host that is not loopback: use `https://`, or set `allow_plaintext = true` for a network where plaintext PHI is acceptable";
    for url in [
        "http://payer.example.org/270",
        "HTTP://Payer.Example.Org:8080/270",
        "http://10.0.0.7:9000/x",
        "http://[2001:db8::1]:8443/x",
        "http://localhost.example.org/x",
        "http://128.0.0.1/x",
    ] {
        let found = triples(&problems(&http_out(url, "")));
        assert_eq!(found, vec![(15, 7, refusal.to_string())], "{url}");
    }
    // The problem names the key and the rule, never the URL.
    let (_, _, message) = only(&http_out(
        "http://payer.example.org/270?member=SECRET-1",
        "",
    ));
    assert!(
        !message.contains("payer.example.org") && !message.contains("SECRET-1"),
        "{message}"
    );

    // Loopback stays allowed; https is always fine; `allow_plaintext` lets the rest through.
    for url in [
        "http://127.0.0.1:9000/x",
        "http://127.8.9.10/x",
        "http://localhost:8080/x",
        "http://LOCALHOST/x",
        "http://[::1]:8080/x",
        "https://payer.example.org/270",
    ] {
        let cfg = super::ok(&http_out(url, ""));
        let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
            panic!("an http-out endpoint")
        };
        assert!(!api.http.allow_plaintext, "{url}");
    }
    let cfg = super::ok(&http_out(
        "http://payer.internal:9000/x",
        "allow_plaintext = true\n",
    ));
    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert!(api.http.allow_plaintext);
    assert_eq!(
        only(&http_out(
            "https://payer.internal/x",
            "allow_plaintext = \"yes\"\n"
        )),
        (
            16,
            19,
            "`allow_plaintext` in [endpoints.api] must be a boolean, not a string".into()
        )
    );
}

#[test]
fn plaintext_refusal_of_fhir_out_and_the_file_of_the_problem() {
    let text = format!(
        "{BASE}[endpoints.ehr]\ntransport = \"fhir-out\"\nconnector = \"json\"\nbase_url = \"http://ehr.example.org/fhir\"\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].file, PathBuf::from("/etc/clearway/clearway.toml"));
    let pos = found[0].pos.expect("a position");
    assert_eq!((pos.line, pos.column), (15, 12));
    assert!(
        found[0]
            .message
            .starts_with("`base_url` in [endpoints.ehr] is a plain `http://` URL"),
        "{}",
        found[0].message
    );
    super::ok(&format!("{text}allow_plaintext = true\n"));
    super::ok(&text.replace("http://ehr.example.org", "http://127.0.0.1:8080"));
}

#[test]
fn max_response_kib_is_bounded_and_defaults_to_a_mebibyte() {
    let cfg = super::ok(&http_out("https://x.org/", ""));
    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert_eq!(api.http.max_response_kib, 1024);
    let cfg = super::ok(&http_out("https://x.org/", "max_response_kib = 4\n"));
    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert_eq!(api.http.max_response_kib, 4);
    assert_eq!(
        only(&http_out("https://x.org/", "max_response_kib = 0\n")),
        (
            16,
            20,
            "`max_response_kib` in [endpoints.api] must be between 1 and 1048576".into()
        )
    );
}

#[test]
fn replies_from_names_inbound_endpoints() {
    let cfg = super::ok(&http_out("https://x.org/", "replies_from = [\"inbox\"]\n"));
    let Transport::HttpOut(api) = &cfg.endpoints["api"].transport else {
        panic!("an http-out endpoint")
    };
    assert_eq!(api.http.replies_from, vec!["inbox".to_string()]);
    assert_eq!(
        triples(&problems(&http_out("https://x.org/", "replies_from = [\"nowhere\", \"outbox\", \"inbox\", \"inbox\"]\n"))),
        vec![
            (16, 17, "`replies_from` in [endpoints.api] names endpoint `nowhere`, which is not defined".into()),
            (
                16,
                28,
                "`replies_from` in [endpoints.api] names endpoint `outbox`, which is outbound (transport `dir-out`); replies arrive through an inbound endpoint (http, fhir, dir)".into()
            ),
            (16, 47, "`replies_from` in [endpoints.api] names endpoint `inbox` twice".into()),
        ]
    );
    let (line, _, message) = only(&format!(
        "{BASE}[endpoints.drop]\ntransport = \"dir-out\"\nconnector = \"json\"\npath = \"x\"\nreplies_from = [\"inbox\"]\n"
    ));
    assert_eq!(line, 16);
    assert!(message.contains("unknown key `replies_from`"), "{message}");
}

#[test]
fn hub_security_keys_are_checked_with_positions() {
    let text = "[hub]\ntls = { cert = \"hub.crt\", keyy = \"file:k\" }\nencryption_key = \"0123abcd\"\nallowed_hosts = [\"a b\"]\nsession_idle_minutes = 0\n";
    let problems = triples(&problems(text));
    for expected in [
        "`cert` in [hub].tls must be `file:PATH` (a PEM file)",
        "unknown key `keyy` in [hub].tls",
        "missing required key `key` in [hub].tls",
        "`encryption_key` in [hub] must be a reference (`file:PATH` or `env:NAME`), never the key itself",
        "elements of `allowed_hosts` in [hub] must be host names",
        "`session_idle_minutes` in [hub] must be between 1 and 1440",
    ] {
        assert!(
            problems.iter().any(|(_, _, m)| m.contains(expected)),
            "no `{expected}` in {problems:?}"
        );
    }
}

#[test]
fn console_settings_are_checked_with_their_positions() {
    let found = triples(&problems(
        "[console]\ntime_zone = \"Mars/Olympus\"\ntimely_filing_days = 0\npayer_timely_filing_days = { \"60054\" = 90, \"87726\" = \"ninety\", \"X\" = 5000 }\ncolour = 1\n",
    ));
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert!(
        found
            .iter()
            .any(|(l, c, m)| (*l, *c) == (2, 13) && m.contains("IANA time zone")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(l, _, m)| *l == 3 && m.contains("between 1 and 3650")),
        "{found:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`87726`") && m.contains("integer")),
        "{found:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`X`") && m.contains("between 1 and 3650")),
        "{found:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown key `colour` in [console]")),
        "{found:#?}"
    );
}
