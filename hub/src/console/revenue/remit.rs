//! The rules of an 835 the payment pages apply: the balancing check with its
//! figures, the codes in words (BPR04, CLP02, PLB03-1), and what to do next.

use clearway_codes::Table;
use clearway_schemas::Remittance;
use clearway_schemas::body::remittance::{ClaimPaymentStatus, PaymentMethod};
use rust_decimal::Decimal;

use super::super::text::money;

/// The 835 balancing figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// Total actual provider payment (BPR02).
    pub total: Decimal,
    /// Sum of the claim payments (CLP04).
    pub claims_paid: Decimal,
    /// Sum of the provider-level adjustments (PLB04).
    pub provider_adjusted: Decimal,
    /// Every balancing rule broken ([`Remittance::balance_problems`]).
    pub problems: Vec<String>,
}

impl Balance {
    /// The figures of `r`.
    pub fn of(r: &Remittance) -> Balance {
        Balance {
            total: r.payment.amount.0,
            claims_paid: r.claims.iter().map(|c| c.paid.0).sum(),
            provider_adjusted: r.provider_adjustments.iter().map(|p| p.amount.0).sum(),
            problems: r.balance_problems(),
        }
    }

    /// What BPR02 should be: claim payments less provider adjustments.
    pub fn expected(&self) -> Decimal {
        self.claims_paid - self.provider_adjusted
    }

    /// BPR02 less what it should be (zero when the total balances).
    pub fn difference(&self) -> Decimal {
        self.total - self.expected()
    }

    /// Whether every rule holds.
    pub fn balanced(&self) -> bool {
        self.problems.is_empty() && self.difference().is_zero()
    }

    /// `balanced`, or the flag a coordinator must see.
    pub fn label(&self) -> String {
        if self.balanced() {
            "balanced".into()
        } else if !self.difference().is_zero() {
            format!("does not balance by {}", money(self.difference().abs()))
        } else {
            let n = self.problems.len();
            format!(
                "claim or line adjustments do not balance ({n} problem{})",
                if n == 1 { "" } else { "s" }
            )
        }
    }
}

/// BPR04 in words.
pub fn method_label(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Ach => "ACH (EFT)",
        PaymentMethod::Check => "Check",
        PaymentMethod::FedWire => "Fed wire transfer",
        PaymentMethod::FinancialInstitutionOption => "Financial institution option",
        PaymentMethod::NonPayment => "No payment (advice only)",
    }
}

/// CLP02 in words.
pub fn claim_status_label(s: ClaimPaymentStatus) -> &'static str {
    use ClaimPaymentStatus as S;
    match s {
        S::ProcessedAsPrimary => "processed as primary",
        S::ProcessedAsSecondary => "processed as secondary",
        S::ProcessedAsTertiary => "processed as tertiary",
        S::Denied => "denied",
        S::ProcessedAsPrimaryForwarded => "processed as primary, forwarded to another payer",
        S::ProcessedAsSecondaryForwarded => "processed as secondary, forwarded to another payer",
        S::ProcessedAsTertiaryForwarded => "processed as tertiary, forwarded to another payer",
        S::Reversal => "reversal of a previous payment",
        S::NotOurClaimForwarded => "not this payer's claim, forwarded to another payer",
        S::Predetermination => "predetermination pricing only, no payment",
    }
}

/// PLB03-1 in words (the codes payers use most; Clearway's wording).
pub fn plb_reason(code: &str) -> &'static str {
    match code.trim() {
        "WO" => "overpayment recovery",
        "L6" => "interest owed to the provider",
        "FB" => "forwarding balance (carried to or from another 835)",
        "72" => "authorized return (refund the provider sent back)",
        "CS" => "adjustment (see the reference)",
        "J1" => "non-reimbursable item",
        "50" => "late charge",
        "51" => "interest penalty charge",
        "90" => "early payment allowance",
        "B2" => "rebate",
        "C5" => "temporary allowance",
        "E3" => "withholding",
        "FC" => "fund allocation",
        "GO" => "garnishment",
        "IR" => "tax withholding",
        "L3" => "penalty",
        "LE" => "levy",
        "OA" => "organization adjustment",
        "WU" => "recovery of an unspent balance",
        _ => clearway_codes::NO_DESCRIPTION,
    }
}

/// What to do with this 835.
pub fn next_steps(r: &Remittance) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let b = Balance::of(r);
    if !b.balanced() {
        push(format!(
            "This 835 does not balance: do not post it automatically. Ask the payer for a corrected 835, or post it by hand against the {} actually received.",
            money(b.total)
        ));
    }
    for c in &r.claims {
        if c.status == ClaimPaymentStatus::Reversal {
            push("A claim payment is a reversal: look for the corrected payment of the same claim in this 835 or the next one.".into());
        }
        for a in c
            .adjustments
            .iter()
            .chain(c.service_lines.iter().flat_map(|l| l.adjustments.iter()))
        {
            let (g, carc) = (a.group.x12_code(), a.reason.code.as_str());
            if clearway_codes::carc_is_contractual(g, carc)
                || clearway_codes::carc_is_patient_responsibility(g, carc)
            {
                continue;
            }
            if let Some(step) = Table::Carc.lookup(carc).and_then(|e| e.next_step) {
                push(format!("{g}-{carc}: {step}"));
            }
        }
    }
    if r.provider_adjustments
        .iter()
        .any(|p| p.reason.trim() == "WO")
    {
        push("An overpayment recovery (PLB WO) reduced this payment: match its reference to the claim it recovers before posting.".into());
    }
    if out.is_empty() {
        out.push("Post the payments, write off the contractual adjustments (CO) and bill patients their responsibility (PR).".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use clearway_schemas::{Body, Message};

    use super::*;

    fn example() -> Remittance {
        let path = format!(
            "{}/../schemas/examples/remittance.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let m: Message = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        match m.body {
            Body::Remittance(r) => r,
            _ => unreachable!("the example is an 835"),
        }
    }

    #[test]
    fn the_example_balances_with_its_plb_amounts() {
        let r = example();
        let b = Balance::of(&r);
        // 160.00 + 0.00 paid, less PLB (-5.25 + 10.00) = 155.25 = BPR02.
        assert_eq!(b.claims_paid, "160.00".parse().unwrap());
        assert_eq!(b.provider_adjusted, "4.75".parse().unwrap());
        assert_eq!(b.expected(), "155.25".parse().unwrap());
        assert!(b.difference().is_zero());
        assert!(b.balanced(), "{:?}", b.problems);
        assert_eq!(b.label(), "balanced");
    }

    #[test]
    fn a_wrong_total_is_flagged_with_the_difference() {
        let mut r = example();
        r.payment.amount = "165.25".parse().unwrap();
        let b = Balance::of(&r);
        assert_eq!(b.difference(), "10.00".parse().unwrap());
        assert!(!b.balanced());
        assert_eq!(b.label(), "does not balance by $10.00");
        r.payment.amount = "150.00".parse().unwrap();
        assert_eq!(Balance::of(&r).label(), "does not balance by $5.25");
    }

    #[test]
    fn claim_level_problems_are_flagged_even_when_the_total_balances() {
        let mut r = example();
        // The claim's paid and the total move together; the adjustments no longer add up.
        r.claims[1].paid = "10.00".parse().unwrap();
        r.payment.amount = "165.25".parse().unwrap();
        let b = Balance::of(&r);
        assert!(b.difference().is_zero());
        assert!(!b.balanced());
        assert_eq!(
            b.label(),
            "claim or line adjustments do not balance (1 problem)"
        );
    }

    #[test]
    fn next_steps_name_denials_and_recoveries_but_not_contractual_write_offs() {
        let steps = next_steps(&example());
        assert!(steps.iter().any(|s| s.starts_with("CO-29")), "{steps:?}");
        assert!(!steps.iter().any(|s| s.starts_with("CO-45")), "{steps:?}");
        assert!(steps.iter().any(|s| s.contains("PLB WO")), "{steps:?}");
        let mut r = example();
        r.payment.amount = "1.00".parse().unwrap();
        assert!(next_steps(&r)[0].contains("does not balance"));
    }
}
