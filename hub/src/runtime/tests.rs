//! Tests of the runtime against real components: the JSON connector and the
//! hostile guests of `tests/guests/` (built by `./test.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::engine::PoolSizing;
use super::*;

/// Where `./test.sh` puts the guest components.
fn guest_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("wasm32-wasip2").join("guest")
}

/// The path of a built guest; fails the test when it is missing.
fn guest(name: &str) -> PathBuf {
    let path = guest_dir().join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run ./test.sh (builds the guest plugins)",
        path.display()
    );
    path
}

/// A runtime shared by the tests, with its cache in a temporary directory
/// that lives as long as the test process.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<(tempfile::TempDir, Runtime)> = OnceLock::new();
    let (_, runtime) = RUNTIME.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary cache directory");
        let runtime = Runtime::new(dir.path()).expect("runtime");
        (dir, runtime)
    });
    runtime
}

fn load(name: &str, limits: Limits) -> Arc<Plugin> {
    runtime()
        .load(name, &guest(name), None, limits, BTreeMap::new())
        .unwrap_or_else(|err| panic!("loading {name}: {err}"))
}

fn inbound() -> InboundMeta {
    InboundMeta {
        inbound_id: "01JTESTTESTTESTTESTTESTTES".to_owned(),
        endpoint: "test-in".to_owned(),
        content_type: Some("application/octet-stream".to_owned()),
        filename: None,
        received_at: "2025-01-01T00:00:00Z".to_owned(),
    }
}

/// `b"ok"` gives every hostile guest's one valid message.
fn assert_ok_still_works(plugin: &Plugin) {
    let messages = plugin
        .decode(b"ok", &inbound())
        .unwrap_or_else(|err| panic!("{} after a failed call: {err}", plugin.name()));
    assert_eq!(messages.len(), 1, "{}", plugin.name());
    let message: serde_json::Value = serde_json::from_str(&messages[0]).expect("the message is JSON");
    assert!(message.get("kind").is_some(), "{message}");
}

#[test]
fn an_endless_loop_times_out_and_the_plugin_still_works() {
    let limits = Limits {
        timeout_ms: 200,
        ..Limits::default()
    };
    let plugin = load("guest_loop", limits);
    let err = plugin.decode(b"loop", &inbound()).unwrap_err();
    assert_eq!(err, CallError::Timeout { timeout_ms: 200 });
    assert_eq!(err.code(), "timeout");
    assert_ok_still_works(&plugin);
}

#[test]
fn a_greedy_guest_is_stopped_at_its_memory_cap_and_the_plugin_still_works() {
    let limits = Limits {
        memory_mib: 32,
        ..Limits::default()
    };
    let plugin = load("guest_greedy", limits);
    let err = plugin.decode(b"more", &inbound()).unwrap_err();
    assert_eq!(err, CallError::OutOfMemory { memory_mib: 32 });
    assert_ok_still_works(&plugin);
}

#[test]
fn a_panic_is_a_trap_that_carries_the_panic_message() {
    let plugin = load("guest_panic", Limits::default());
    let err = plugin.decode(b"boom", &inbound()).unwrap_err();
    let CallError::Trap {
        reason,
        guest_stderr,
    } = &err
    else {
        panic!("expected a trap, got {err:?}");
    };
    assert!(!reason.is_empty());
    let stderr = guest_stderr.as_deref().expect("the guest's stderr was captured");
    assert!(stderr.contains("deliberate panic"), "{stderr}");
    assert!(stderr.len() <= sandbox::STDERR_TAIL_BYTES);
    assert!(err.to_string().contains("deliberate panic"), "{err}");
    assert_ok_still_works(&plugin);
}

#[test]
fn oversized_output_is_refused() {
    let limits = Limits {
        memory_mib: 256,
        max_output_mib: 16,
        ..Limits::default()
    };
    let plugin = load("guest_oversize", limits);
    let err = plugin.decode(b"big", &inbound()).unwrap_err();
    let CallError::OutputTooLarge { bytes, limit_bytes } = err else {
        panic!("expected output_too_large, got {err:?}");
    };
    assert_eq!(limit_bytes, 16 * 1024 * 1024);
    assert!(bytes > limit_bytes, "{bytes}");
    assert_ok_still_works(&plugin);
}

#[test]
fn a_snooping_guest_gets_nothing() {
    let plugin = load("guest_snoop", Limits::default());
    let err = plugin.decode(b"snoop", &inbound()).unwrap_err();
    let CallError::Connector(ConnectorError::Internal(report)) = &err else {
        panic!("expected the snoop's internal-error report, got {err:?}");
    };
    assert!(report.to_lowercase().contains("denied"), "{report}");
    assert!(
        !report.to_lowercase().contains("success"),
        "an attempt succeeded: {report}"
    );
    let everything = format!("{err:?} {err}");
    if let Ok(passwd) = std::fs::read_to_string("/etc/passwd") {
        for line in passwd.lines().filter(|l| !l.trim().is_empty()) {
            assert!(!everything.contains(line), "/etc/passwd leaked: {everything}");
        }
    }
    for (key, value) in std::env::vars() {
        if value.len() >= 8 {
            assert!(!everything.contains(&value), "the value of {key} leaked: {everything}");
        }
    }
    assert_ok_still_works(&plugin);
}

/// The example claim when the schemas crate has one, else a minimal valid
/// eligibility request.
fn example_message() -> String {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/examples/claim.json");
    std::fs::read_to_string(example).unwrap_or_else(|_| {
        r#"{"schema_version":"0.1.0","kind":"eligibility.request","body":{}}"#.to_owned()
    })
}

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
        .encode(&messages, &OutboundMeta { endpoint: "test-out".to_owned() })
        .expect("encode");
    let carried: Vec<u32> = payloads.iter().flat_map(|p| p.carries.clone()).collect();
    assert_eq!(carried, vec![0]);
}

#[test]
fn a_pin_mismatch_names_the_file_and_both_hashes() {
    let path = guest("clearway_json");
    let actual = hex::encode(Sha256::digest(std::fs::read(&path).expect("read")));
    let wrong = "0".repeat(64);
    let err = runtime()
        .load("json", &path, Some(&wrong), Limits::default(), BTreeMap::new())
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(&err, LoadError::PinMismatch { expected, actual: a, .. } if *expected == wrong && *a == actual));
    assert!(text.contains(&wrong) && text.contains(&actual), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");

    let pinned = runtime()
        .load("json", &path, Some(&actual.to_uppercase()), Limits::default(), BTreeMap::new())
        .expect("a matching pin (in any case) loads");
    assert_eq!(pinned.sha256(), actual);
}

#[test]
fn a_restart_loads_the_compiled_component_from_the_cache() {
    let cache = tempfile::tempdir().expect("tempdir");
    let path = guest("clearway_json");
    let first = Runtime::new(cache.path()).expect("runtime");
    let plugin = first
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load");
    assert!(!plugin.loaded_from_cache());
    drop((plugin, first));

    let second = Runtime::new(cache.path()).expect("runtime after restart");
    let plugin = second
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load after restart");
    assert!(plugin.loaded_from_cache());
    plugin
        .decode(example_message().as_bytes(), &inbound())
        .expect("the cached component works");
}

#[test]
fn a_corrupt_cache_file_is_discarded_and_recompiled() {
    let cache = tempfile::tempdir().expect("tempdir");
    let path = guest("clearway_json");
    let runtime = Runtime::new(cache.path()).expect("runtime");
    runtime
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load");
    let cached: Vec<PathBuf> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    std::fs::write(&cached[0], b"\x7fELF not really").expect("corrupt the cache file");

    let plugin = runtime
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load with a corrupt cache file");
    assert!(!plugin.loaded_from_cache());
    let again = runtime
        .load("json", &path, None, Limits::default(), BTreeMap::new())
        .expect("load after the cache was rewritten");
    assert!(again.loaded_from_cache());
}

fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("plugin.wasm");
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

#[test]
fn a_core_module_or_other_file_is_not_a_component() {
    let (_dir, core) = write_temp(b"\0asm\x01\0\0\0");
    let err = runtime()
        .load("core", &core, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(&err, LoadError::NotAComponent(text) if text.contains("core WebAssembly module")), "{err}");

    let (_dir, text) = write_temp(b"{\"kind\":\"claim\"}");
    let err = runtime()
        .load("text", &text, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(err, LoadError::NotAComponent(_)), "{err}");

    let err = runtime()
        .load("missing", Path::new("/nonexistent/plugin.wasm"), None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err}");
}

/// A component binary whose only content is an import of the instance
/// `foo:bar/baz` exporting one function `f: func()`.
fn component_importing_foo_bar_baz() -> Vec<u8> {
    let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
    // Type section: one instance type declaring `func()` and exporting it as `f`.
    bytes.extend([0x07, 0x0e, 0x01, 0x42, 0x02]);
    bytes.extend([0x01, 0x40, 0x00, 0x01, 0x00]);
    bytes.extend([0x04, 0x00, 0x01, b'f', 0x01, 0x00]);
    // Import section: `foo:bar/baz`, an instance of type 0.
    let name = b"foo:bar/baz";
    let mut import = vec![0x01, 0x00, name.len() as u8];
    import.extend(name);
    import.extend([0x05, 0x00]);
    bytes.push(0x0a);
    bytes.push(import.len() as u8);
    bytes.extend(import);
    bytes
}

#[test]
fn an_import_the_host_does_not_provide_is_a_link_error_naming_it() {
    let (_dir, path) = write_temp(&component_importing_foo_bar_baz());
    let err = runtime()
        .load("importer", &path, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(&err, LoadError::Link(text) if text.contains("foo:bar/baz")), "{err}");

    let (_dir, path) = write_temp(b"\0asm\x0d\0\x01\0");
    let err = runtime()
        .load("empty", &path, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(&err, LoadError::Link(text) if text.contains("connector")), "{err}");
}

#[test]
fn limits_out_of_range_are_refused() {
    let path = guest("clearway_json");
    for limits in [
        Limits { memory_mib: 0, ..Limits::default() },
        Limits { memory_mib: MAX_MEMORY_MIB + 1, ..Limits::default() },
        Limits { timeout_ms: 0, ..Limits::default() },
        Limits { max_output_mib: 0, ..Limits::default() },
    ] {
        let err = runtime()
            .load("json", &path, None, limits, BTreeMap::new())
            .unwrap_err();
        assert!(matches!(err, LoadError::InvalidLimits(_)), "{limits:?}: {err}");
    }
}

#[test]
fn the_pool_is_used_by_default_and_an_impossible_pool_falls_back() {
    assert_eq!(runtime().allocator(), Allocator::Pooling);

    let cache = tempfile::tempdir().expect("tempdir");
    // 100,000 memories of 4 GiB each cannot be reserved in a 47-bit address space.
    let impossible = PoolSizing {
        component_instances: 100_000,
        core_instances_per_component: 16,
        memories: 100_000,
    };
    let runtime = Runtime::with_pool(cache.path(), impossible).expect("runtime");
    assert_eq!(runtime.allocator(), Allocator::OnDemand);
    let plugin = runtime
        .load("guest_panic", &guest("guest_panic"), None, Limits::default(), BTreeMap::new())
        .expect("load on demand");
    assert_ok_still_works(&plugin);
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_work_from_spawn_blocking() {
    let plugin = load("guest_panic", Limits::default());
    let result = tokio::task::spawn_blocking(move || {
        let trapped = plugin.decode(b"boom", &inbound());
        let fine = plugin.decode(b"ok", &inbound());
        (trapped, fine)
    })
    .await
    .expect("the blocking task did not panic");
    assert!(matches!(result.0, Err(CallError::Trap { .. })), "{:?}", result.0);
    assert_eq!(result.1.expect("ok after a trap").len(), 1);
}

#[test]
fn call_errors_serialize_with_their_code() {
    let errors = [
        CallError::Connector(ConnectorError::Unsupported("837I".to_owned())),
        CallError::Timeout { timeout_ms: 5 },
        CallError::OutOfMemory { memory_mib: 1 },
        CallError::Trap { reason: "unreachable".to_owned(), guest_stderr: None },
        CallError::OutputTooLarge { bytes: 2, limit_bytes: 1 },
        CallError::Host("pool exhausted".to_owned()),
    ];
    for error in errors {
        let json = serde_json::to_value(&error).expect("serialize");
        assert_eq!(json["code"], error.code(), "{json}");
        let back: CallError = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, error);
    }
}

#[test]
fn runtime_and_plugin_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Runtime>();
    shareable::<Plugin>();
    shareable::<Arc<Plugin>>();
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

#[test]
fn log_lines_are_cut_and_kept_on_one_line() {
    assert_eq!(sandbox::sanitize_log_line("parsed 3 segments"), "parsed 3 segments");
    assert_eq!(sandbox::sanitize_log_line("a\nb\tc"), "a\\nb\\tc");
    let long = "é".repeat(sandbox::MAX_LOG_LINE_BYTES);
    let cut = sandbox::sanitize_log_line(&long);
    assert!(cut.ends_with("... (cut)"));
    assert!(cut.len() <= sandbox::MAX_LOG_LINE_BYTES + "... (cut)".len());
}

#[test]
fn stderr_keeps_the_last_bytes_only() {
    use tokio::io::AsyncWriteExt;
    let tail = sandbox::StderrTail::default();
    assert_eq!(tail.contents(), None);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let mut writer = Box::into_pin(wasmtime_wasi::cli::StdoutStream::async_stream(&tail));
        writer.write_all(&vec![b'x'; 10_000]).await.expect("write");
        writer.write_all(b"the end").await.expect("write");
    });
    let contents = tail.contents().expect("captured");
    assert_eq!(contents.len(), sandbox::STDERR_TAIL_BYTES);
    assert!(contents.ends_with("xthe end"));
}

#[test]
fn sleeps_are_cut_at_the_deadline() {
    use std::time::Duration;
    let now = Instant::now();
    let deadline = now + Duration::from_millis(100);
    let short = Duration::from_millis(5);
    assert_eq!(clock::clamp_sleep(now, short, deadline), short);
    assert_eq!(
        clock::clamp_sleep(now, Duration::from_secs(3600), deadline),
        Duration::from_millis(100) + clock::SLEEP_GRACE
    );
    assert_eq!(
        clock::clamp_sleep(deadline + Duration::from_secs(1), Duration::MAX, deadline),
        clock::SLEEP_GRACE
    );
}

#[test]
fn deadlines_round_up_to_whole_ticks() {
    assert_eq!(plugin::deadline_ticks(1), 2);
    assert_eq!(plugin::deadline_ticks(10), 2);
    assert_eq!(plugin::deadline_ticks(200), 21);
    assert_eq!(plugin::deadline_ticks(2001), 202);
}
