//! What the connector encodes as 270/271 (005010X279A1) and 276/277 (005010X212) passes the
//! external validator linuxforhealth-x12 0.57.0 (`lfhx12 -m -x FILE`: exit 0 and a JSON array
//! of one model per transaction set when it parses and validates, a traceback otherwise), and
//! the validator really rejects broken input.
//!
//! The validator lives in a virtual environment under the cargo target dir
//! (`$CARGO_TARGET_DIR`, else `<workspace>/target`), `validators/lfhx12`, which
//! `scripts/validators.sh` creates; when it is missing (a bare `cargo test`) it is created here
//! with `python3 -m venv` and `pip install linuxforhealth-x12==0.57.0 "pydantic<2"`. When it
//! cannot be created the tests are skipped with a note, except under `CI=true`, where they
//! fail.
//!
//! Inputs stay within what linuxforhealth-x12 models (its own limits, not the TR3's): one
//! `EQ` loop per 270 person, no payer `PER` (2100A) in a 271, one subscriber per
//! information receiver and one dependent per subscriber in a 270/271, one service line per
//! 277 claim. `270-batch`, `271-batch`, `elig_inquiry`, `elig_response` and `status_response`
//! go beyond them and are checked by the round trip only.

mod common;

use std::path::{Path, PathBuf};

use clearway_plugin_sdk::schemas::Message;
use common::{corpus_path, fixtures, messages, run_validator};

/// The pins of the venv (as `scripts/validators.sh` installs them).
const PACKAGES: &[&str] = &["linuxforhealth-x12==0.57.0", "pydantic<2"];

/// The `lfhx12` script, creating the venv when needed; `None` (with a note) when it cannot
/// be created outside CI.
fn lfhx12() -> Option<PathBuf> {
    common::validator("lfhx12", "lfhx12", PACKAGES, "linuxforhealth-x12")
}

/// Validates `interchange` with linuxforhealth-x12: `Ok` when it exits 0 and prints one
/// model per transaction set, else the validator's message.
fn validate(script: &Path, name: &str, interchange: &[u8]) -> Result<(), String> {
    let output = run_validator(script, "lfhx12", name, interchange, &["-m", "-x"]);
    let text = String::from_utf8_lossy(interchange);
    let sets = text.matches("~ST*").count() + text.matches("\nST*").count();
    let models = serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len));
    if output.status.success() && models == Some(sets) {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message: Vec<&str> = stderr.lines().rev().take(12).collect();
    let message: Vec<&str> = message.into_iter().rev().collect();
    Err(format!(
        "{name}: linuxforhealth-x12 rejects it ({}, {models:?} models for {sets} transaction \
         sets):\n{}\n--- interchange ---\n{text}",
        output.status,
        message.join("\n")
    ))
}

/// The inputs named: fixtures (`tests/fixtures`) and, when the corpus is there, corpus files
/// (`lfh_*`; the corpus tests fail under CI when it is missing).
fn inputs(names: &[&str]) -> Vec<(String, PathBuf)> {
    let fixtures = fixtures();
    let corpus = corpus_path();
    names
        .iter()
        .filter_map(|name| {
            let path = if name.starts_with("lfh_") {
                corpus.join(format!("{name}.x12"))
            } else {
                fixtures.join(format!("{name}.x12"))
            };
            path.is_file().then(|| ((*name).to_owned(), path))
        })
        .collect()
}

/// Encodes `messages` to one interchange.
fn encoded(messages: &[Message]) -> Vec<u8> {
    common::encoded(messages, &common::config(&[("next_control_number", "11")]))
}

/// Encodes each input and validates it; `header` is what every interchange must contain.
fn check_all(names: &[&str], header: &str) {
    let Some(script) = lfhx12() else { return };
    let mut failures = Vec::new();
    for (name, path) in inputs(names) {
        let interchange = encoded(&messages(&path));
        let text = String::from_utf8_lossy(&interchange);
        assert!(text.contains(header), "{name}: no `{header}` in\n{text}");
        failures.extend(validate(&script, &name, &interchange).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn encoded_270_passes_lfhx12() {
    check_all(
        &[
            "270-subscriber",
            "270-dependent",
            "lfh_270_subscriber",
            "lfh_270_dependent",
        ],
        "ST*270*0001*005010X279A1~",
    );
}

#[test]
fn encoded_271_passes_lfhx12() {
    check_all(
        &[
            "271-benefits",
            "271-dependent",
            "271-source-rejected",
            "271-subscriber-rejected",
            "elig_rejected",
            "lfh_271_subscriber",
            "lfh_271_subscriber_aaa_error",
        ],
        "ST*271*0001*005010X279A1~",
    );
}

#[test]
fn encoded_276_passes_lfhx12() {
    check_all(
        &[
            "276-claims",
            "lfh_276_claim_level",
            "lfh_276_provider_level",
        ],
        "ST*276*0001*005010X212~",
    );
}

#[test]
fn encoded_277_passes_lfhx12() {
    check_all(
        &["277-statuses", "lfh_277_claim_level"],
        "ST*277*0001*005010X212~",
    );
}

/// `text` with `from` replaced by `to`, which must occur.
fn broken(text: &str, from: &str, to: &str) -> Vec<u8> {
    assert!(text.contains(from), "`{from}` is not in\n{text}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn lfhx12_rejects_broken_interchanges() {
    let Some(script) = lfhx12() else { return };
    let [(_, path)] = &inputs(&["270-subscriber"])[..] else {
        panic!("the 270-subscriber fixture is missing")
    };
    let good = String::from_utf8(encoded(&messages(path))).expect("ASCII");
    validate(&script, "good_270", good.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("bht01", broken(&good, "BHT*0022*", "BHT*0019*")),
        ("payer_id", broken(&good, "*****PI*ACME01~", "~")),
        (
            "service_type",
            broken(&good, "EQ*98^33^AL~", "EQ*98^33^Q9~"),
        ),
        (
            "dependent_flag",
            broken(&good, "HL*3*2*22*0~", "HL*3*2*22*1~"),
        ),
    ];
    for (name, interchange) in cases {
        assert!(
            validate(&script, name, &interchange).is_err(),
            "linuxforhealth-x12 accepted the broken 270 ({name}):\n{}",
            String::from_utf8_lossy(&interchange)
        );
    }
    let [(_, path)] = &inputs(&["277-statuses"])[..] else {
        panic!("the 277-statuses fixture is missing")
    };
    let good = String::from_utf8(encoded(&messages(path))).expect("ASCII");
    validate(&script, "good_277", good.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let trace_type = broken(&good, "TRN*2*STATTRACE1~", "TRN*1*STATTRACE1~");
    assert!(
        validate(&script, "trace_type", &trace_type).is_err(),
        "linuxforhealth-x12 accepted a 277 claim trace of type 1"
    );
}
