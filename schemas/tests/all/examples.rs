//! The committed examples in `schemas/examples/`: one per kind, canonical, and sensible.

use std::collections::BTreeSet;

use clearway_schemas::body::eligibility::EligibilityStatus;
use clearway_schemas::{Body, Kind, Message};

use crate::support::{example_text, example_value, examples_dir};

fn example(kind: Kind) -> Message {
    serde_json::from_str(&example_text(kind))
        .unwrap_or_else(|e| panic!("examples/{}.json does not parse: {e}", kind.as_str()))
}

#[test]
fn every_kind_has_exactly_one_example_and_nothing_else_is_there() {
    let expected: BTreeSet<String> = Kind::ALL
        .iter()
        .map(|k| format!("{}.json", k.as_str()))
        .collect();
    let found: BTreeSet<String> = std::fs::read_dir(examples_dir())
        .expect("examples dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn examples_parse_as_their_kind_and_are_canonical() {
    for kind in Kind::ALL {
        let message = example(kind);
        assert_eq!(message.kind(), kind, "examples/{kind}.json");
        assert!(
            message.id.is_none(),
            "examples/{kind}.json: connectors leave id unset"
        );
        let written = serde_json::to_value(&message).unwrap();
        assert_eq!(
            written,
            example_value(kind),
            "examples/{kind}.json is not in canonical form"
        );
    }
}

#[test]
fn example_claim_totals_match_its_lines() {
    let Body::Claim(claim) = example(Kind::Claim).body else {
        panic!("not a claim")
    };
    assert_eq!(claim.line_charge_total(), claim.total_charge);
    let pointers = claim
        .service_lines
        .iter()
        .flat_map(|l| l.diagnosis_pointers.iter());
    for pointer in pointers {
        assert!(
            claim.diagnoses.iter().any(|d| d.sequence == *pointer),
            "dangling pointer {pointer}"
        );
    }
}

#[test]
fn example_remittance_balances() {
    let Body::Remittance(remittance) = example(Kind::Remittance).body else {
        panic!("not a remittance")
    };
    assert_eq!(remittance.balance_problems(), Vec::<String>::new());
}

#[test]
fn example_eligibility_response_is_active() {
    let Body::EligibilityResponse(response) = example(Kind::EligibilityResponse).body else {
        panic!("not an eligibility response")
    };
    assert_eq!(response.effective_status(), EligibilityStatus::Active);
}

#[test]
fn example_claim_ack_accepts_the_claim() {
    let Body::ClaimAck(ack) = example(Kind::ClaimAck).body else {
        panic!("not a claim ack")
    };
    assert!(ack.all_accepted());
}

#[test]
fn extensions_are_carried() {
    let mut message = example(Kind::Coverage);
    message
        .extensions
        .insert("x12.INS.INS17".into(), serde_json::json!("1"));
    let text = serde_json::to_string(&message).unwrap();
    let back: Message = serde_json::from_str(&text).unwrap();
    assert_eq!(back.extensions["x12.INS.INS17"], serde_json::json!("1"));
    assert_eq!(back, message);
}
