//! Fixture tests: `tests/fixtures/NAME.x12` decodes to the snapshot `NAME.json`;
//! `bad-NAME.x12` is rejected with the text in `bad-NAME.err`. Claims and remittances are
//! also encoded and decoded again, which must give the same messages. `UPDATE_FIXTURES=1`
//! rewrites the snapshots; without it a fixture with no snapshot fails.

mod common;

use std::path::PathBuf;

use clearway_plugin_sdk::schemas::{Body, Message, to_pretty_json};
use clearway_x12::decode;
use clearway_x12::encode;
use common::{check_snapshot, clear_control_numbers, config, fixtures};

#[test]
fn fixtures_match_their_snapshots() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 4, "expected the fixture files");
    for input in inputs {
        let bytes = std::fs::read(&input).expect("read fixture");
        let name = input
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if name.starts_with("bad-") {
            let error = decode::decode(&bytes).expect_err(name);
            check_snapshot(&input.with_extension("err"), &format!("{error}\n"));
        } else {
            let messages = decode::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            let value = serde_json::to_value(&messages).expect("messages serialize");
            let json = format!("{}\n", to_pretty_json(&value));
            check_snapshot(&input.with_extension("json"), &json);
            if messages.iter().all(|m| {
                matches!(
                    m.body,
                    Body::Claim(_)
                        | Body::Remittance(_)
                        | Body::EligibilityRequest(_)
                        | Body::EligibilityResponse(_)
                        | Body::ClaimStatusRequest(_)
                        | Body::ClaimStatusResponse(_)
                        | Body::PriorAuthRequest(_)
                        | Body::PriorAuthResponse(_)
                        | Body::ClaimAck(_)
                )
            }) {
                round_trip(name, messages);
            }
        }
    }
}

/// Encodes `messages` and decodes the result: the same messages, envelope numbers aside.
fn round_trip(name: &str, messages: Vec<Message>) {
    let config = config(&[("next_control_number", "42")]);
    let payloads = encode::encode(&messages, &config).expect("encodes");
    assert_eq!(payloads.len(), 1, "{name}");
    assert_eq!(payloads[0].carries.len(), messages.len(), "{name}");
    let again = decode::decode(&payloads[0].data).unwrap_or_else(|e| panic!("{name}: {e}"));
    let strip = |mut messages: Vec<Message>| {
        for m in &mut messages {
            // A 999 or 277CA names no acknowledged interchange; an ack's own envelope is new.
            let ack = matches!(m.body, Body::ClaimAck(_));
            assert!(ack || m.correlation.interchange_control_number.is_some());
            m.extensions.remove(clearway_x12::ack::ENVELOPE);
            clear_control_numbers(m);
        }
        messages
    };
    // ISA13: the host's sequence (per test thread, counting across fixtures) shifted to
    // start at the configured 42.
    let isa13: u32 = String::from_utf8_lossy(&payloads[0].data[90..99])
        .parse()
        .unwrap_or_else(|e| panic!("{name}: ISA13: {e}"));
    assert!(isa13 >= 42, "{name}: ISA13 {isa13}");
    assert_eq!(strip(messages), strip(again), "{name}");
}
