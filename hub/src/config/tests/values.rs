//! `ConfigValue` references and their resolution, and `RetryPolicy::backoff`.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::super::value::ReferenceError;
use super::super::{ConfigValue, RetryPolicy, SecretError};

#[test]
fn values_are_literals_unless_they_start_with_env_or_file() {
    let base = Path::new("/etc/clearway");
    let read = |text: &str| ConfigValue::from_text(text, base);
    assert_eq!(read("plain"), Ok(ConfigValue::Literal("plain".into())));
    assert_eq!(read("ENV:X"), Ok(ConfigValue::Literal("ENV:X".into())));
    assert_eq!(
        read("env:PAYER_TOKEN"),
        Ok(ConfigValue::Env("PAYER_TOKEN".into()))
    );
    assert_eq!(read("env:_x1"), Ok(ConfigValue::Env("_x1".into())));
    assert_eq!(
        read("file:keys/a"),
        Ok(ConfigValue::File("/etc/clearway/keys/a".into()))
    );
    assert_eq!(
        read("file:/run/secrets/a"),
        Ok(ConfigValue::File("/run/secrets/a".into()))
    );
    assert_eq!(read("env:"), Err(ReferenceError::BadEnvName));
    assert_eq!(read("env:1X"), Err(ReferenceError::BadEnvName));
    assert_eq!(read("env:A-B"), Err(ReferenceError::BadEnvName));
    assert_eq!(read("file:"), Err(ReferenceError::EmptyFilePath));
    assert!(!ConfigValue::Literal("x".into()).is_reference());
    assert!(ConfigValue::Env("X".into()).is_reference());
    assert!(ConfigValue::File("x".into()).is_reference());
}

#[test]
fn literals_resolve_to_themselves() {
    assert_eq!(
        ConfigValue::Literal("abc".into())
            .resolve()
            .expect("literal"),
        "abc"
    );
}

#[test]
fn env_references_resolve_to_the_variable() {
    // Cargo sets CARGO_PKG_NAME for the tests it runs.
    let value = ConfigValue::Env("CARGO_PKG_NAME".into())
        .resolve()
        .expect("set by cargo");
    assert_eq!(value, env!("CARGO_PKG_NAME"));
}

#[test]
fn a_missing_env_variable_is_named() {
    let error = ConfigValue::Env("CLEARWAY_TEST_UNSET_7D1F0C".into())
        .resolve()
        .expect_err("unset");
    assert!(
        matches!(&error, SecretError::EnvMissing { name } if name == "CLEARWAY_TEST_UNSET_7D1F0C")
    );
    assert_eq!(
        error.to_string(),
        "environment variable `CLEARWAY_TEST_UNSET_7D1F0C` is not set"
    );
}

#[test]
fn file_references_resolve_to_the_contents_without_trailing_line_breaks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("token");
    fs::write(&path, "s3cr3t value \r\n\n").expect("write secret");
    assert_eq!(
        ConfigValue::File(path).resolve().expect("readable"),
        "s3cr3t value "
    );
}

#[test]
fn a_secret_file_error_names_the_file_and_never_the_contents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("token");
    // Readable, but not UTF-8: the error must not echo what it read.
    fs::write(&path, b"hunter2-secret\xff\xfe").expect("write secret");
    let error = ConfigValue::File(path.clone())
        .resolve()
        .expect_err("not UTF-8");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(!format!("{error:?}").contains("hunter2"));

    let missing = dir.path().join("absent");
    let error = ConfigValue::File(missing.clone())
        .resolve()
        .expect_err("absent");
    assert!(matches!(&error, SecretError::File { path, .. } if *path == missing));
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn backoff_doubles_from_the_initial_wait_up_to_the_cap() {
    let policy = RetryPolicy {
        max_attempts: 10,
        initial_backoff_ms: 500,
        max_backoff_ms: 300_000,
    };
    let waits: Vec<u64> = (1..=11)
        .map(|n| policy.backoff(n).as_millis() as u64)
        .collect();
    assert_eq!(
        waits,
        vec![
            500, 1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000
        ]
    );
    assert_eq!(policy.backoff(0), Duration::from_millis(500));
}

#[test]
fn backoff_never_overflows() {
    let policy = RetryPolicy {
        max_attempts: 100_000,
        initial_backoff_ms: 3_600_000,
        max_backoff_ms: 86_400_000,
    };
    for attempt in [20, 63, 64, 65, 1000, u32::MAX] {
        assert_eq!(
            policy.backoff(attempt),
            Duration::from_millis(86_400_000),
            "attempt {attempt}"
        );
    }
    let tiny = RetryPolicy {
        max_attempts: 3,
        initial_backoff_ms: 1,
        max_backoff_ms: 1,
    };
    assert_eq!(tiny.backoff(5), Duration::from_millis(1));
}
