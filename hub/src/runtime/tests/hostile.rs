//! The hostile guests: each misbehaves in one way, must be stopped with the
//! right error, and must leave the plugin usable for the next call.

use super::*;

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
    let stderr = guest_stderr
        .as_deref()
        .expect("the guest's stderr was captured");
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
    // The guest lists every attempt that failed after `denied: `; all five must.
    let denied = report
        .strip_prefix("denied: ")
        .unwrap_or_else(|| panic!("{report}"));
    for attempt in ["fs-read", "fs-list", "env(0 vars)", "env-home", "net"] {
        assert!(
            denied.split(", ").any(|a| a == attempt),
            "{attempt} not denied: {report}"
        );
    }
    let everything = format!("{err:?} {err}");
    if let Ok(passwd) = std::fs::read_to_string("/etc/passwd") {
        for line in passwd.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                !everything.contains(line),
                "/etc/passwd leaked: {everything}"
            );
        }
    }
    for (key, value) in std::env::vars() {
        if value.len() >= 8 {
            assert!(
                !everything.contains(&value),
                "the value of {key} leaked: {everything}"
            );
        }
    }
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
    assert!(
        matches!(result.0, Err(CallError::Trap { .. })),
        "{:?}",
        result.0
    );
    assert_eq!(result.1.expect("ok after a trap").len(), 1);
}

#[test]
fn a_call_finds_nothing_an_earlier_call_left_in_memory() {
    // Calls follow each other in the same pooled slot, whose memory the host
    // resets in place (only the pages written, where the kernel can say which):
    // the static and the heap block each earlier call filled must read back as
    // a fresh instance has them.
    let plugin = load("guest_remember", Limits::default());
    for n in 0..5 {
        let input = format!("secret-{n}");
        let messages = plugin
            .decode(input.as_bytes(), &inbound())
            .unwrap_or_else(|err| panic!("call {n}: {err}"));
        let message: serde_json::Value =
            serde_json::from_str(&messages[0]).expect("the message is JSON");
        let ext = &message["extensions"];
        assert_eq!(
            ext["remember.static"],
            serde_json::json!([]),
            "call {n}: {message}"
        );
        assert_eq!(ext["remember.heap-dirty-bytes"], 0, "call {n}: {message}");
    }
    assert_ok_still_works(&plugin);
}
