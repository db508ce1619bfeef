//! Fixture snapshots. `tests/fixtures/NAME.json` (FHIR, synthetic people only) decodes to
//! `NAME.normalized.json`; `tests/fixtures/encode/NAME.json` (normalized messages) encodes to
//! `NAME.fhir.json`. `UPDATE_FIXTURES=1` rewrites the snapshots; otherwise a missing or
//! different snapshot fails, and so does a file that no rule exercises.

use std::path::{Path, PathBuf};

use clearway_fhir_r4::{decode, encode, typed};
use clearway_plugin_sdk::Message;
use serde_json::Value;

use crate::support::json_files;

/// The fixture folder.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Whether snapshots are rewritten instead of compared.
fn updating() -> bool {
    std::env::var("UPDATE_FIXTURES").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the snapshot at `path`, or writes it when updating.
fn snapshot(path: &Path, actual: &str) {
    if updating() {
        std::fs::write(path, actual).expect("writable snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with UPDATE_FIXTURES=1 and review it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (UPDATE_FIXTURES=1 rewrites it)",
        path.display()
    );
}

/// The inputs of a folder: `.json` files that are not snapshots.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    json_files(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !name.ends_with(".normalized.json") && !name.ends_with(".fhir.json")
        })
        .collect()
}

/// The sibling of `input` with `suffix` instead of `.json`.
fn sibling(input: &Path, suffix: &str) -> PathBuf {
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    input.with_file_name(format!("{}{suffix}", name.trim_end_matches(".json")))
}

/// The encoded payloads of one fixture, each checked against fhir-sdk's R4B types.
pub fn encode_fixture(input: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(input).expect("readable fixture");
    let messages: Vec<Message> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not normalized messages: {e}", input.display()));
    let payloads = encode::encode(&messages).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    assert_eq!(payloads.len(), messages.len());
    payloads
        .into_iter()
        .enumerate()
        .map(|(index, payload)| {
            assert_eq!(payload.carries, vec![u32::try_from(index).expect("small")]);
            assert_eq!(payload.content_type, "application/fhir+json");
            let text = String::from_utf8(payload.data).expect("UTF-8 output");
            let value: Value = serde_json::from_str(&text).expect("encoder writes JSON");
            let resources: Vec<&Value> = if value["resourceType"] == "Bundle" {
                value["entry"]
                    .as_array()
                    .expect("entries")
                    .iter()
                    .map(|e| &e["resource"])
                    .collect()
            } else {
                vec![&value]
            };
            for resource in resources {
                let kind = resource["resourceType"].as_str().expect("resourceType");
                let problems = typed::check(kind, resource, kind).expect("a checked type");
                assert!(problems.is_empty(), "{}: {problems:?}", input.display());
            }
            text
        })
        .collect()
}

#[test]
fn decode_fixtures_match_their_snapshots() {
    let dir = Path::new(FIXTURES);
    let files = inputs(dir);
    assert!(files.len() >= 4, "decode fixtures are missing");
    for input in files {
        let bytes = std::fs::read(&input).expect("readable fixture");
        let messages =
            decode::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let mut text = serde_json::to_string_pretty(&messages).expect("messages serialize");
        text.push('\n');
        snapshot(&sibling(&input, ".normalized.json"), &text);
    }
}

#[test]
fn encode_fixtures_match_their_snapshots() {
    let dir = Path::new(FIXTURES).join("encode");
    let files = inputs(&dir);
    assert!(files.len() >= 5, "encode fixtures are missing");
    for input in files {
        let text = encode_fixture(&input).concat();
        snapshot(&sibling(&input, ".fhir.json"), &text);
    }
}

#[test]
fn every_snapshot_has_its_input() {
    for dir in [
        Path::new(FIXTURES).to_path_buf(),
        Path::new(FIXTURES).join("encode"),
    ] {
        for file in json_files(&dir) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            for suffix in [".normalized.json", ".fhir.json"] {
                if let Some(stem) = name.strip_suffix(suffix) {
                    assert!(
                        dir.join(format!("{stem}.json")).is_file(),
                        "{name} has no input"
                    );
                }
            }
        }
    }
}
