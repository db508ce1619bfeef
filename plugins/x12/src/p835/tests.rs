//! Unit tests of the 835 decode and encode.

use clearway_plugin_sdk::schemas::body::{Adjustment, AdjustmentGroup};
use clearway_plugin_sdk::schemas::{Body, Code, CodeSystem, Message, Remittance};

use super::BALANCE_PROBLEMS;
use crate::config::Config;
use crate::syntax::{Delimiters, Writer, tokenize};

/// The synthetic 835 fixture.
const BASIC: &str = include_str!("../../tests/fixtures/remit_basic.x12");
/// The same 835 with amounts that do not balance.
const UNBALANCED: &str = include_str!("../../tests/fixtures/remit_unbalanced.x12");

/// Decodes one remittance.
fn remittance(input: &str) -> (Message, Remittance) {
    let mut messages = crate::decode::decode(input.as_bytes()).expect("decodes");
    assert_eq!(messages.len(), 1);
    let message = messages.remove(0);
    let Body::Remittance(body) = message.body.clone() else {
        panic!("not a remittance");
    };
    (message, body)
}

/// An encode config with fixed ids and no date.
fn config() -> Config {
    Config::parse(&|key| Some(key.to_owned()).filter(|k| k.ends_with("_id"))).expect("config")
}

#[test]
fn every_paid_claim_is_a_correlation_key() {
    let (message, body) = remittance(BASIC);
    let keys = message.correlation.keys();
    for claim in &body.claims {
        assert!(
            keys.iter().any(|(_, v)| *v == claim.patient_control_number),
            "no key for a claim payment"
        );
    }
    assert!(keys.contains(&("trace_number", "EFT12345")));
    assert!(keys.contains(&("claim_id", "PCN-1001")));
    assert!(keys.contains(&("clp01.2", "PCN-1002")));
    assert!(!message.extensions.contains_key(BALANCE_PROBLEMS));
}

#[test]
fn an_unbalanced_835_decodes_and_reports_amounts_only() {
    let (message, _) = remittance(UNBALANCED);
    let problems = message.extensions[BALANCE_PROBLEMS]
        .as_array()
        .expect("a list");
    assert_eq!(problems.len(), 3);
    let text = serde_json::to_string(problems).expect("serializes");
    for value in ["PCN-1001", "DOE", "MEMBER01", "ICN0001"] {
        assert!(!text.contains(value), "a problem names input data");
    }
}

#[test]
fn cas_holds_six_triplets_and_one_group() {
    let adjustment = |group, reason: &str| Adjustment {
        group,
        reason: Code::new(CodeSystem::Carc, reason),
        amount: "1.5".parse().expect("amount"),
        quantity: None,
    };
    let mut adjustments: Vec<Adjustment> = (1..=7)
        .map(|n| adjustment(AdjustmentGroup::ContractualObligation, &n.to_string()))
        .collect();
    adjustments.push(adjustment(AdjustmentGroup::PatientResponsibility, "2"));
    let mut w = Writer::new(Delimiters::default(), false);
    super::adjust::write_cas(&mut w, &adjustments);
    let text = format!(
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~{}",
        w.finish().expect("no delimiter in data")
    );
    let segments = tokenize(text.as_bytes()).expect("tokenizes");
    let cas: Vec<_> = segments.iter().filter(|s| s.id == "CAS").collect();
    assert_eq!(cas.len(), 3);
    assert_eq!((cas[0].el(1), cas[0].el(17)), ("CO", "6"));
    assert_eq!((cas[1].el(1), cas[1].el(2)), ("CO", "7"));
    assert_eq!(cas[2].el(1), "PR");
    let mut again = Vec::new();
    for segment in cas {
        super::adjust::read_cas(segment, &mut again).expect("reads");
    }
    assert_eq!(again, adjustments);
}

#[test]
fn the_interchange_date_falls_back_to_the_payment_date() {
    let (mut message, mut body) = remittance(BASIC);
    body.production_date = None;
    message.body = Body::Remittance(body.clone());
    let payloads =
        crate::encode::encode(std::slice::from_ref(&message), &config()).expect("encodes");
    let text = String::from_utf8(payloads[0].data.clone()).expect("text");
    assert!(text.contains("*241015*0000*"), "ISA09/ISA10 from BPR16");
    assert!(
        text.contains("\nST*835*0001~\n"),
        "ST03 is not used in the 835"
    );
    body.payment.date = None;
    message.body = Body::Remittance(body);
    let error = crate::encode::encode(&[message], &config()).expect_err("no date");
    assert_eq!(
        error.problems()[0].location.path.as_deref(),
        Some("/0/body/payment/date")
    );
}

#[test]
fn encode_names_what_an_835_requires() {
    let (mut message, mut body) = remittance(BASIC);
    body.payment.trace = None;
    body.claims[0].service_lines[1].procedure = None;
    message.body = Body::Remittance(body);
    message.parties.payee = None;
    let error = crate::encode::encode(&[message], &config()).expect_err("invalid");
    let paths: Vec<_> = error
        .problems()
        .iter()
        .filter_map(|p| p.location.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/0/body/payment/trace",
            "/0/parties/payee/name",
            "/0/body/claims/0/service_lines/1/procedure"
        ]
    );
}
