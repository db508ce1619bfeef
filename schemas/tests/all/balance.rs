//! The 835 balancing rules of `Remittance::balance_problems`.

use clearway_schemas::body::remittance::ProviderAdjustment;
use clearway_schemas::{Body, Kind, Money, Remittance};

use crate::support::example_text;

fn remittance() -> Remittance {
    let message: clearway_schemas::Message =
        serde_json::from_str(&example_text(Kind::Remittance)).unwrap();
    match message.body {
        Body::Remittance(remittance) => remittance,
        other => panic!("example is a {}", other.kind()),
    }
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

#[test]
fn balanced_remittance_has_no_problems() {
    assert!(remittance().balance_problems().is_empty());
}

#[test]
fn unbalanced_line_is_reported_at_line_claim_and_payment_level() {
    let mut remittance = remittance();
    remittance.claims[0].service_lines[1].paid = money("55.00");
    remittance.claims[0].paid = money("155.00");
    let problems = remittance.balance_problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("claim 1:") && problems[0].contains("95.00"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with("claim 1 line 2:") && problems[1].contains("45.00"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].starts_with("payment:") && problems[2].contains("150.25"),
        "{}",
        problems[2]
    );
}

#[test]
fn claim_level_adjustments_count_toward_the_claim() {
    let mut remittance = remittance();
    remittance.claims[1].adjustments[0].amount = money("70.00");
    let problems = remittance.balance_problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("claim 2:"), "{}", problems[0]);
    assert!(
        problems[0].contains("80.00") && problems[0].contains("70.00"),
        "{}",
        problems[0]
    );
}

#[test]
fn provider_adjustments_reduce_the_payment() {
    let mut remittance = remittance();
    remittance.provider_adjustments.push(ProviderAdjustment {
        provider_id: "1234567893".into(),
        fiscal_period_end: None,
        reason: "WO".into(),
        reference: None,
        amount: money("5.00"),
    });
    let problems = remittance.balance_problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("155.25") && problems[0].contains("150.25"),
        "{}",
        problems[0]
    );
    remittance.payment.amount = money("150.25");
    assert!(remittance.balance_problems().is_empty());
}

#[test]
fn problems_never_name_patients_or_claim_numbers() {
    let mut remittance = remittance();
    for claim in &mut remittance.claims {
        claim.paid = money("1.00");
    }
    let problems = remittance.balance_problems().join("\n");
    assert!(!problems.is_empty());
    for secret in ["PCN-TEST", "ICN-TEST", "Fakeperson", "Jane", "XTEST"] {
        assert!(
            !problems.contains(secret),
            "balance problems mention {secret}: {problems}"
        );
    }
}
