//! `test-clearinghouse` endpoints: defaults, the percentages, the denied procedures, and a
//! `replies_to` that must be a defined inbound endpoint.

use rust_decimal::Decimal;

use super::super::{TestClearinghouse, Transport};
use super::{BASE, ok, only, problems, triples};

/// A `test-clearinghouse` endpoint on line 12 replying to `replies_to` (line 15), with
/// `extra` from line 16.
fn tch(replies_to: &str, extra: &str) -> String {
    format!(
        "{BASE}[endpoints.ch]\ntransport = \"test-clearinghouse\"\nconnector = \"json\"\nreplies_to = \"{replies_to}\"\n{extra}"
    )
}

fn settings(text: &str) -> TestClearinghouse {
    let cfg = ok(text);
    let endpoint = &cfg.endpoints["ch"];
    assert!(!endpoint.transport.is_inbound());
    assert_eq!(endpoint.transport.kind_name(), "test-clearinghouse");
    match &endpoint.transport {
        Transport::TestClearinghouse(t) => t.clone(),
        other => panic!("a test-clearinghouse endpoint, not {other:?}"),
    }
}

#[test]
fn a_test_clearinghouse_has_defaults() {
    let t = settings(&tch("inbox", ""));
    assert_eq!(t.replies_to, "inbox");
    assert_eq!((t.replies_to_at.line, t.replies_to_at.column), (15, 14));
    assert_eq!(t.remittance_delay_seconds, 5);
    assert_eq!(t.deny_procedures, ["97110"]);
    assert_eq!(t.allowed_percent, Decimal::from(80));
    assert_eq!(t.coinsurance_percent, Decimal::from(20));
    assert_eq!(t.batch_size, 100);
}

#[test]
fn every_setting_can_be_given() {
    let t = settings(&tch(
        "inbox",
        "remittance_delay_seconds = 0\ndeny_procedures = [\"97110\", \"J0696\"]\nallowed_percent = \"72.5\"\ncoinsurance_percent = 0\nretry = { max_attempts = 3 }\nbatch_size = 10\n",
    ));
    assert_eq!(t.remittance_delay_seconds, 0);
    assert_eq!(t.deny_procedures, ["97110", "J0696"]);
    assert_eq!(t.allowed_percent, Decimal::new(725, 1));
    assert_eq!(t.coinsurance_percent, Decimal::ZERO);
    assert_eq!((t.retry.max_attempts, t.batch_size), (3, 10));
    let t = settings(&tch("inbox", "deny_procedures = []\n"));
    assert!(t.deny_procedures.is_empty());
}

#[test]
fn a_test_clearinghouse_may_be_a_routes_destination() {
    let text = format!(
        "{}\n[[routes]]\nfrom = \"inbox\"\nkinds = [\"claim\"]\nto = [\"ch\"]\n",
        tch("inbox", "")
    );
    assert_eq!(ok(&text).routes[0].to, vec!["ch".to_string()]);
}

#[test]
fn replies_to_must_be_a_defined_inbound_endpoint() {
    assert_eq!(
        only(&tch("nowhere", "")),
        (
            15,
            14,
            "`replies_to` in [endpoints.ch] names endpoint `nowhere`, which is not defined (no [endpoints.nowhere] table)".into()
        )
    );
    assert_eq!(
        only(&tch("outbox", "")),
        (
            15,
            14,
            "`replies_to` in [endpoints.ch] names endpoint `outbox`, which is outbound (transport `dir-out`); the test clearinghouse answers through an inbound endpoint (http, fhir, dir)".into()
        )
    );
    let missing =
        format!("{BASE}[endpoints.ch]\ntransport = \"test-clearinghouse\"\nconnector = \"json\"\n");
    assert_eq!(
        only(&missing),
        (
            12,
            1,
            "missing required key `replies_to` in [endpoints.ch]".into()
        )
    );
}

#[test]
fn percentages_are_exact_decimals_from_0_to_100() {
    for (value, rule) in [
        ("0.8", "not a float"),
        ("\"80%\"", "a percentage from 0 to 100"),
        ("\"100.5\"", "a percentage from 0 to 100"),
        ("\"-1\"", "a percentage from 0 to 100"),
        ("101", "a percentage from 0 to 100"),
        ("\"1.23456\"", "a percentage from 0 to 100"),
        ("true", "must be a decimal string"),
    ] {
        let (line, column, message) = only(&tch("inbox", &format!("allowed_percent = {value}\n")));
        assert_eq!((line, column), (16, 19), "{value}");
        assert!(
            message.starts_with("`allowed_percent` in [endpoints.ch]") && message.contains(rule),
            "{value}: {message}"
        );
    }
    let (_, _, message) = only(&tch("inbox", "coinsurance_percent = \"\"\n"));
    assert!(message.contains("`coinsurance_percent`"), "{message}");
}

#[test]
fn denied_procedures_are_codes_named_once() {
    let found = triples(&problems(&tch(
        "inbox",
        "deny_procedures = [\"97110\", \"971 10\", \"97110\", 5]\n",
    )));
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        messages[0].contains("must be procedure codes"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("names procedure `97110` more than once"),
        "{messages:?}"
    );
    assert!(messages[2].contains("must be strings"), "{messages:?}");
    let (_, _, message) = only(&tch("inbox", "remittance_delay_seconds = 86401\n"));
    assert!(message.contains("between 0 and 86400"), "{message}");
    let (_, _, message) = only(&tch("inbox", "url = \"https://x/\"\n"));
    assert!(message.contains("unknown key `url`"), "{message}");
}
