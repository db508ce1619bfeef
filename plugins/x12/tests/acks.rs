//! Acknowledgments end to end: `acknowledge` on `tests/fixtures/ack-NAME.edi` gives the
//! payloads in the snapshot `ack-NAME.acks` (`UPDATE_FIXTURES=1` rewrites them); every
//! corpus 999, TA1 and 277CA that decodes re-encodes to the same messages; `acknowledge`
//! answers every corpus interchange that has an `ISA`, with a 999 that decodes. Under
//! `CI=true` a missing corpus fails.

mod common;

use std::path::PathBuf;

use clearway_plugin_sdk::schemas::Body;
use clearway_plugin_sdk::{ConnectorError, Payload};
use clearway_x12::acknowledge::acknowledge;
use clearway_x12::{decode, encode};
use common::{check_snapshot, config, corpus, fixtures, inbound_meta};

/// `acknowledge` on `bytes` in a fresh thread, so the native host's control numbers start
/// at 1 for every input.
fn answer(bytes: Vec<u8>) -> Result<Vec<Payload>, ConnectorError> {
    std::thread::spawn(move || acknowledge(&bytes, &inbound_meta(), &|_| None))
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
        check_snapshot(&input.with_extension("acks"), &snapshot(&result));
    }
}

#[test]
fn corpus_acknowledgments_round_trip() {
    let Some(dir) = corpus() else { return };
    let config = config(&[]);
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
        // The envelope (`x12.envelope`) is new; inbound warnings (`x12.warnings`) describe
        // the inbound interchange and are not written back.
        let clear = [clearway_x12::ack::ENVELOPE, decode::WARNINGS];
        assert_eq!(
            common::without_envelope(first, &clear),
            common::without_envelope(second, &clear),
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
            "oop_ta1_accepted_4010.x12",
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
