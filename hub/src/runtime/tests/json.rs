//! The real JSON connector: describe, decode, encode, config, and what it
//! costs to load and call.

use std::time::Instant;

use super::*;

#[test]
fn the_json_connector_describes_itself_and_decodes_the_example() {
    let plugin = load("clearway_json", Limits::default());
    assert_eq!(plugin.description().name, "json");
    assert_eq!(plugin.name(), "clearway_json");
    assert_eq!(plugin.sha256().len(), 64);
    let input = example_message();
    let expected: serde_json::Value = serde_json::from_str(&input).expect("the example is JSON");
    let messages = plugin.decode(input.as_bytes(), &inbound()).expect("decode");
    assert_eq!(messages.len(), 1);
    let decoded: serde_json::Value = serde_json::from_str(&messages[0]).expect("decoded JSON");
    assert_eq!(decoded["kind"], expected["kind"]);

    let payloads = plugin
        .encode(
            &messages,
            &OutboundMeta {
                endpoint: "test-out".to_owned(),
            },
        )
        .expect("encode");
    let carried: Vec<u32> = payloads.iter().flat_map(|p| p.carries.clone()).collect();
    assert_eq!(carried, vec![0]);
}

#[test]
fn the_json_connector_gets_the_config_it_declared() {
    let path = guest("clearway_json");
    let plain = load("clearway_json", Limits::default());
    let keys: Vec<&str> = plain
        .description()
        .config_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert!(keys.contains(&"batch"), "{keys:?}");

    let config = |value: &str| {
        BTreeMap::from([
            ("batch".to_owned(), value.to_owned()),
            ("not_declared".to_owned(), "ignored".to_owned()),
        ])
    };
    let outbound = OutboundMeta {
        endpoint: "test-out".to_owned(),
    };
    let message = example_message();
    let messages = [message.clone(), message];

    let batched = runtime()
        .load("json-batch", &path, None, Limits::default(), config("true"))
        .expect("load");
    assert!(batched.missing_required_config().is_empty());
    let payloads = batched.encode(&messages, &outbound).expect("encode");
    assert_eq!(payloads.len(), 1);
    assert_eq!(payloads[0].carries, vec![0, 1]);

    let wrong = runtime()
        .load(
            "json-wrong",
            &path,
            None,
            Limits::default(),
            config("maybe"),
        )
        .expect("describe does not read config, so loading succeeds");
    let err = wrong.encode(&messages, &outbound).unwrap_err();
    assert!(
        matches!(err, CallError::Connector(ConnectorError::Config(_))),
        "{err:?}"
    );
    assert_eq!(err.code(), "connector_error");
}

/// Prints what loading and calling cost on this machine; run with
/// `cargo test -p clearway runtime::tests::report_costs -- --nocapture`.
#[test]
fn report_costs() {
    let cache = tempfile::tempdir().expect("tempdir");
    let path = guest("clearway_json");
    let size = std::fs::metadata(&path).expect("metadata").len();

    let runtime = Runtime::new(cache.path()).expect("runtime");
    let started = Instant::now();
    let plugin = runtime
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("compile");
    let compile = started.elapsed();
    assert!(!plugin.loaded_from_cache());

    let restarted = Runtime::new(cache.path()).expect("runtime");
    let started = Instant::now();
    let plugin = restarted
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load from cache");
    let cached = started.elapsed();
    assert!(plugin.loaded_from_cache());

    let input = example_message();
    let rounds: u32 = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        plugin.decode(input.as_bytes(), &inbound()).expect("decode");
    }
    let per_call = started.elapsed() / rounds;
    println!(
        "clearway_json.wasm ({size} bytes): compile and load {compile:?}; load from cache \
         (describe included) {cached:?}; instantiate + decode of {} bytes {per_call:?} per call",
        input.len()
    );
}
