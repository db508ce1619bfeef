//! The shared corpus's 270, 271, 276 and 277 files (`../shared/corpus/x12/lfh_27*`) round
//! trip: decode, encode, decode gives the same messages, envelope numbers and envelope
//! warnings (`x12.warnings`, about the inbound interchange) aside. Under `CI=true` a missing
//! corpus fails the test; otherwise it is skipped with a note.

mod common;

use std::path::Path;

use clearway_plugin_sdk::schemas::Message;
use clearway_x12::{decode, encode};
use common::{config, corpus};

/// The corpus files of these transactions, with the transaction set each encodes to.
const FILES: &[(&str, &str)] = &[
    ("lfh_270_subscriber.x12", "270"),
    ("lfh_270_dependent.x12", "270"),
    ("lfh_271_subscriber.x12", "271"),
    // SE02 differs from ST02: accepted with a warning.
    ("lfh_271_subscriber_aaa_error.x12", "271"),
    ("lfh_276_claim_level.x12", "276"),
    ("lfh_276_provider_level.x12", "276"),
    ("lfh_277_claim_level.x12", "277"),
];

/// Clears what an encode assigns anew (envelope control numbers) and what describes the
/// inbound envelope (its warnings).
fn without_envelope(messages: Vec<Message>) -> Vec<Message> {
    common::without_envelope(messages, &[decode::WARNINGS])
}

/// Decodes `path`, encodes the messages and decodes the result; returns the interchange.
fn round_trip(path: &Path, st01: &str) -> String {
    let name = path.display();
    let config = config(&[]);
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let first = decode::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let payloads = encode::encode(&first, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(payloads.len(), 1, "{name}");
    assert_eq!(payloads[0].carries.len(), first.len(), "{name}");
    let text = String::from_utf8_lossy(&payloads[0].data).into_owned();
    assert!(
        text.contains(&format!("ST*{st01}*0001*")),
        "{name}:\n{text}"
    );
    let second = decode::decode(&payloads[0].data)
        .unwrap_or_else(|e| panic!("{name}: re-decode failed: {e}\n{text}"));
    assert_eq!(
        without_envelope(first),
        without_envelope(second),
        "{name}:\n{text}"
    );
    text
}

#[test]
fn eligibility_and_claim_status_files_round_trip() {
    let Some(dir) = corpus() else { return };
    for (name, st01) in FILES {
        round_trip(&dir.join(name), st01);
    }
}

#[test]
fn the_mismatched_trailer_is_only_a_warning_and_is_not_written_back() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("lfh_271_subscriber_aaa_error.x12");
    let first = decode::decode(&std::fs::read(&path).expect("read")).expect("decodes");
    assert!(first[0].extensions.contains_key(decode::WARNINGS));
    let text = round_trip(&path, "271");
    assert!(text.contains("SE*8*0001~"), "{text}");
    assert!(text.contains("AAA*Y**50*N~"), "{text}");
}

#[test]
fn a_dependent_inquiry_keeps_its_hierarchy() {
    let Some(dir) = corpus() else { return };
    let text = round_trip(&dir.join("lfh_270_dependent.x12"), "270");
    for expected in [
        "HL*3*2*22*1~",
        "NM1*IL*1******MI*11122333301~",
        "HL*4*3*23*0~",
        "TRN*1*93175-012547*9877281234~",
        "NM1*03*1*SMITH*MARY~",
        "DTP*291*D8*20060501~",
        "EQ*30~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
}

#[test]
fn claim_status_levels_are_shared_and_split_as_decoded() {
    let Some(dir) = corpus() else { return };
    let text = round_trip(&dir.join("lfh_277_claim_level.x12"), "277");
    for expected in [
        "BHT*0010*08*277X212*20050916*0810*DG~",
        "HL*4*3*22*0~",
        "HL*5*3*22*0~",
        "HL*6*2*19*1~",
        "HL*8*7*23~",
        "TRN*2*ABCXYC3~",
        "STC*F2:88:QC*20050612**150.00*0.00~",
        "SVC*HC:99203*150.00*0.00****1.00~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert_eq!(text.matches("HL*").count(), 8, "{text}");
}
