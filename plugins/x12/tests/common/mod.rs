//! Helpers shared by the integration tests (each test binary includes them with
//! `mod common;`): where the fixtures, the shared corpus and the validator venvs are, the
//! encode config, decoding a file, clearing what an encode assigns anew, snapshot checks.
//!
//! The corpus (`../shared/corpus/x12` beside the repository) and the validator venvs may be
//! missing on a developer's machine: the tests then skip with a note, except under
//! `CI=true`, where they fail.

// Each test binary compiles its own copy and uses only some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use clearway_plugin_sdk::InboundMeta;
use clearway_plugin_sdk::schemas::Message;
use clearway_x12::config::Config;
use clearway_x12::decode::decode;
use clearway_x12::encode::encode;

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// A fixture file.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// The shared corpus's X12 folder, whether or not it is there.
pub fn corpus_path() -> PathBuf {
    workspace().join("../shared/corpus/x12")
}

/// The corpus folder, or `None` (with a note) when it is missing outside CI; under
/// `CI=true` a missing corpus fails the test.
pub fn corpus() -> Option<PathBuf> {
    let dir = corpus_path();
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "corpus folder {} is missing and CI=true",
        dir.display()
    );
    eprintln!("note: corpus folder {} is missing; skipping", dir.display());
    None
}

/// A corpus file, `None` when it is missing (the corpus tests fail under CI then).
pub fn corpus_file(name: &str) -> Option<PathBuf> {
    let path = corpus_path().join(name);
    path.is_file().then_some(path)
}

/// The encode config of the tests: sender `CLEARWAY`, receiver `PARTNER`, and the `extra`
/// keys given (`next_control_number`, `interchange_datetime`).
pub fn config(extra: &[(&str, &str)]) -> Config {
    Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        _ => extra
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| (*value).to_owned()),
    })
    .expect("config")
}

/// Decodes a fixture or corpus file.
pub fn messages(path: &Path) -> Vec<Message> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Encodes `messages` to one interchange.
pub fn encoded(messages: &[Message], config: &Config) -> Vec<u8> {
    let payloads = encode(messages, config).expect("encodes");
    assert_eq!(payloads.len(), 1);
    payloads[0].data.clone()
}

/// Clears the envelope control numbers, which an encode assigns anew.
pub fn clear_control_numbers(message: &mut Message) {
    message.correlation.interchange_control_number = None;
    message.correlation.group_control_number = None;
    message.correlation.transaction_control_number = None;
}

/// Clears what an encode assigns anew (envelope control numbers) and the `extensions` keys
/// named (what describes the inbound envelope: `x12.warnings`, `x12.envelope`).
pub fn without_envelope(mut messages: Vec<Message>, extensions: &[&str]) -> Vec<Message> {
    for message in &mut messages {
        for key in extensions {
            message.extensions.remove(*key);
        }
        clear_control_numbers(message);
    }
    messages
}

/// Compares `actual` with the snapshot at `path`, or rewrites it when
/// `UPDATE_FIXTURES=1`; without it a missing snapshot fails.
pub fn check_snapshot(path: &Path, actual: &str) {
    if std::env::var("UPDATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with UPDATE_FIXTURES=1 to create it",
            path.display()
        )
    });
    assert_eq!(actual, expected, "{} differs", path.display());
}

/// The inbound metadata of the `acknowledge` tests.
pub fn inbound_meta() -> InboundMeta {
    InboundMeta {
        inbound_id: "01HS0000000000000000000000".into(),
        endpoint: "clearinghouse-in".into(),
        received_at: "2024-03-17T08:30:00Z".into(),
        ..InboundMeta::default()
    }
}

/// Serializes venv creation between the tests of one binary.
static VENV: Mutex<()> = Mutex::new(());

/// Runs `command`, describing a failure (spawn error or exit status with its stderr).
fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("{command:?} could not start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A validator script in the venv `validators/<venv>` under the cargo target dir
/// (`$CARGO_TARGET_DIR`, else `<workspace>/target`), creating the venv with `python3 -m venv`
/// and `pip install PACKAGES` when it is missing. `None` (with a note) when it cannot be
/// created outside CI; under `CI=true` that fails the test. `tool` names the validator in
/// the messages.
pub fn validator(venv: &str, script: &str, packages: &[&str], tool: &str) -> Option<PathBuf> {
    let _guard = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    };
    let venv = target.join("validators").join(venv);
    let path = venv.join("bin").join(script);
    if path.is_file() {
        return Some(path);
    }
    let pip = venv.join("bin").join("pip");
    let created = run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).and_then(|()| {
        run(Command::new(pip)
            .args(["install", "--quiet"])
            .args(packages))
    });
    match created {
        Ok(()) if path.is_file() => Some(path),
        outcome => {
            let why = outcome
                .err()
                .unwrap_or_else(|| format!("pip installed no {script} script"));
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true and the {tool} venv at {} cannot be created: {why}",
                venv.display()
            );
            eprintln!("note: skipping the {tool} check, no venv: {why}");
            None
        }
    }
}

/// Runs the validator `script` with `args` on `interchange`, written to `<name>.x12` in a
/// fresh temporary folder (its working directory, removed afterwards).
pub fn run_validator(
    script: &Path,
    tool: &str,
    name: &str,
    interchange: &[u8],
    args: &[&str],
) -> Output {
    let dir =
        std::env::temp_dir().join(format!("clearway-x12-{tool}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{name}.x12"));
    std::fs::write(&file, interchange).expect("write interchange");
    let output = Command::new(script)
        .args(args)
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{tool} does not run: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    output
}
