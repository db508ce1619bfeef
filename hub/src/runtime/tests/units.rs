//! Small pieces: error serialization, thread safety, config filtering,
//! connector logs, the stderr tail, sleeps and deadlines.

use std::time::Instant;

use super::*;

#[test]
fn call_errors_serialize_with_their_code() {
    let errors = [
        CallError::Connector(ConnectorError::Unsupported("837I".to_owned())),
        CallError::Timeout { timeout_ms: 5 },
        CallError::OutOfMemory { memory_mib: 1 },
        CallError::Trap {
            reason: "unreachable".to_owned(),
            guest_stderr: None,
        },
        CallError::OutputTooLarge {
            bytes: 2,
            limit_bytes: 1,
        },
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

#[test]
fn log_lines_are_cut_and_kept_on_one_line() {
    assert_eq!(
        sandbox::sanitize_log_line("parsed 3 segments"),
        "parsed 3 segments"
    );
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
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

#[test]
fn only_declared_config_keys_reach_the_connector() {
    let key = |name: &str| ConfigKey {
        name: name.to_owned(),
        required: false,
        secret: false,
        description: String::new(),
    };
    let given = BTreeMap::from([
        ("batch".to_owned(), "true".to_owned()),
        ("password".to_owned(), "hunter2".to_owned()),
    ]);
    let kept = plugin::declared_config(&[key("batch"), key("unset")], given);
    assert_eq!(
        kept,
        BTreeMap::from([("batch".to_owned(), "true".to_owned())])
    );

    let mut host = sandbox::ConnectorHost::new(Arc::from("json-in"), None, Arc::new(kept), None);
    use super::super::bindings::clearway::connector::host::Host;
    assert_eq!(host.config("batch".to_owned()).as_deref(), Some("true"));
    assert_eq!(host.config("password".to_owned()), None);
    assert_eq!(host.config("unset".to_owned()), None);
}

/// Everything a `fmt` subscriber writes, for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn connector_logs_are_tagged_leveled_and_capped() {
    use super::super::bindings::clearway::connector::host::Host;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut host = sandbox::ConnectorHost::new(
            Arc::from("x12-in"),
            Some("01JTESTTESTTESTTESTTESTTES".to_owned()),
            Arc::new(BTreeMap::new()),
            None,
        );
        host.log(LogLevel::Trace, "first\nline".to_owned());
        host.log(LogLevel::Error, "second".to_owned());
        for _ in 2..sandbox::MAX_LOG_LINES_PER_CALL + 50 {
            host.log(LogLevel::Info, "again".to_owned());
        }
    });
    let bytes = captured.0.lock().expect("captured").clone();
    let text = String::from_utf8(bytes).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let first = lines[0];
    assert!(first.contains("DEBUG"), "{first}");
    assert!(first.contains("clearway::plugin"), "{first}");
    assert!(first.contains("connector=x12-in"), "{first}");
    assert!(
        first.contains("inbound_id=01JTESTTESTTESTTESTTESTTES"),
        "{first}"
    );
    assert!(first.contains("first\\nline"), "{first}");
    assert!(
        lines[1].contains("ERROR") && lines[1].contains("second"),
        "{}",
        lines[1]
    );
    let limit = sandbox::MAX_LOG_LINES_PER_CALL as usize;
    assert_eq!(lines.len(), limit + 1, "{} lines logged", lines.len());
    assert!(
        lines[limit].contains("WARN") && lines[limit].contains("dropped"),
        "{}",
        lines[limit]
    );
}
