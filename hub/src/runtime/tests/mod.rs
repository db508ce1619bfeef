//! Tests of the runtime against real components: the JSON connector and the
//! hostile guests of `tests/guests/` (built by `./test.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::*;

mod grants;
mod hostile;
mod json;
mod loading;
mod units;

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
    let message: serde_json::Value =
        serde_json::from_str(&messages[0]).expect("the message is JSON");
    assert!(message.get("kind").is_some(), "{message}");
}

/// The example claim when the schemas crate has one, else a minimal valid
/// eligibility request.
fn example_message() -> String {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/examples/claim.json");
    std::fs::read_to_string(example).unwrap_or_else(|_| {
        r#"{"schema_version":"0.1.0","kind":"eligibility.request","body":{}}"#.to_owned()
    })
}

fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("plugin.wasm");
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}
