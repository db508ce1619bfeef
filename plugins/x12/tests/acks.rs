//! Acknowledgments end to end: `acknowledge` on `tests/fixtures/ack-NAME.edi` gives the
//! payloads in the snapshot `ack-NAME.acks` (`UPDATE_FIXTURES=1` rewrites them); every
//! corpus 999, TA1 and 277CA that decodes re-encodes to the same messages; `acknowledge`
//! answers every corpus interchange that has an `ISA`, with a 999 that decodes. Under
//! `CI=true` a missing corpus fails.

use std::path::{Path, PathBuf};

use clearway_plugin_sdk::schemas::{Body, Message};
use clearway_plugin_sdk::{ConnectorError, InboundMeta, Payload};
use clearway_x12::acknowledge::acknowledge;
use clearway_x12::config::Config;
use clearway_x12::{decode, encode};

/// The fixtures folder.
fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// The corpus folder, or `None` (with a note) when it is missing outside CI.
fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/x12"
    ));
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

/// The inbound metadata of these tests.
fn meta() -> InboundMeta {
    InboundMeta {
        inbound_id: "01HS0000000000000000000000".into(),
        endpoint: "clearinghouse-in".into(),
        received_at: "2024-03-17T08:30:00Z".into(),
        ..InboundMeta::default()
    }
}

/// `acknowledge` on `bytes` in a fresh thread, so the native host's control numbers start
/// at 1 for every input.
fn answer(bytes: Vec<u8>) -> Result<Vec<Payload>, ConnectorError> {
    std::thread::spawn(move || acknowledge(&bytes, &meta(), &|_| None))
        .join()
        .expect("acknowledge does not panic")
}

/// The snapshot text of an answer: each payload under its file name, or the error.
fn snapshot(result: &Result<Vec<Payload>, ConnectorError>) -> String {
    match result {
        Ok(payloads) if payloads.is_empty() => "(no acknowledgment)\n".to_owned(),
        Ok(payloads) => payloads
            .iter()
            .map(|p| {
                let name = p.filename_hint.as_deref().unwrap_or("(unnamed)");
                format!("--- {name}\n{}", String::from_utf8_lossy(&p.data))
            })
            .collect(),
        Err(error) => format!("error: {error}\n"),
    }
}

/// Compares `actual` with the snapshot at `path`, or rewrites it in update mode.
fn check(path: &Path, actual: &str) {
    if std::env::var("UPDATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_FIXTURES=1", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

#[test]
fn acknowledgments_match_their_snapshots() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "edi"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 6, "expected the ack-*.edi fixtures");
    for input in inputs {
        let result = answer(std::fs::read(&input).expect("read fixture"));
        if let Ok(payloads) = &result {
            for payload in payloads {
                decode::decode(&payload.data).unwrap_or_else(|e| {
                    panic!("{}: an answer does not decode: {e}", input.display())
                });
            }
        }
        check(&input.with_extension("acks"), &snapshot(&result));
    }
}

/// Clears what an encode assigns anew: the envelope and its control numbers.
fn without_envelope(mut messages: Vec<Message>) -> Vec<Message> {
    for message in &mut messages {
        message.extensions.remove(clearway_x12::ack::ENVELOPE);
        message.correlation.interchange_control_number = None;
        message.correlation.group_control_number = None;
        message.correlation.transaction_control_number = None;
    }
    messages
}

#[test]
fn corpus_acknowledgments_round_trip() {
    let Some(dir) = corpus() else { return };
    let config = Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        _ => None,
    })
    .expect("config");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus listing")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let mut tripped = Vec::new();
    for path in names {
        let Ok(first) = decode::decode(&std::fs::read(&path).expect("read")) else {
            continue;
        };
        if first.is_empty() || !first.iter().all(|m| matches!(m.body, Body::ClaimAck(_))) {
            continue;
        }
        let payloads = encode::encode(&first, &config).expect("encodes");
        assert_eq!(payloads.len(), 1, "{}", path.display());
        let second = decode::decode(&payloads[0].data).unwrap_or_else(|e| {
            panic!(
                "{}: re-decode failed: {e}\n{}",
                path.display(),
                String::from_utf8_lossy(&payloads[0].data)
            )
        });
        assert_eq!(
            without_envelope(first),
            without_envelope(second),
            "{}",
            path.display()
        );
        tripped.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
    }
    let tripped: Vec<String> = tripped.into_iter().flatten().collect();
    assert_eq!(
        tripped,
        [
            "ims_277ca_accepted.x12",
            "ims_999_rejected.x12",
            "oop_ta1_rejected_5010.x12",
            "pyx12_999_834_ls_le_ls.x12",
            "pyx12_999_834_lui_id.x12",
        ]
    );
}

#[test]
fn every_corpus_interchange_with_an_isa_is_answered() {
    let Some(dir) = corpus() else { return };
    let mut paths: Vec<PathBuf> = Vec::new();
    for folder in [dir.clone(), dir.join("invalid")] {
        for entry in std::fs::read_dir(folder).expect("listing") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).expect("read");
        let name = path.display().to_string();
        match answer(bytes) {
            Err(ConnectorError::Malformed(_)) => assert!(name.ends_with("no_isa.x12"), "{name}"),
            Err(error) => panic!("{name}: {error}"),
            Ok(payloads) => {
                for payload in payloads {
                    let text = String::from_utf8(payload.data).expect("ASCII");
                    decode::decode(text.as_bytes())
                        .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
                }
            }
        }
    }
}
