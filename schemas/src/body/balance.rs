//! The 835 balancing rules, checked by [`Remittance::balance_problems`].

use super::adjudication::{ClaimPayment, ServicePayment};
use super::common::Adjustment;
use super::remittance::Remittance;
use crate::value::Money;

/// Sum of the amounts of `adjustments`.
fn adjustment_total(adjustments: &[Adjustment]) -> Money {
    adjustments.iter().map(|a| a.amount).sum()
}

/// Checks one service line: charge - paid = sum of the line's adjustments.
fn line_problem(claim: usize, line: usize, payment: &ServicePayment) -> Option<String> {
    let expected = payment.charge - payment.paid;
    let adjusted = adjustment_total(&payment.adjustments);
    (expected != adjusted).then(|| {
        format!(
            "claim {claim} line {line}: charge {} - paid {} = {expected}, but line adjustments \
             total {adjusted} (SVC02 - SVC03 must equal the sum of CAS amounts)",
            payment.charge, payment.paid
        )
    })
}

/// Checks one claim: charge - paid = claim adjustments + every line's adjustments.
fn claim_problem(claim: usize, payment: &ClaimPayment) -> Option<String> {
    let expected = payment.charge - payment.paid;
    let claim_level = adjustment_total(&payment.adjustments);
    let line_level: Money = payment
        .service_lines
        .iter()
        .map(|l| adjustment_total(&l.adjustments))
        .sum();
    let adjusted = claim_level + line_level;
    (expected != adjusted).then(|| {
        format!(
            "claim {claim}: charge {} - paid {} = {expected}, but adjustments total {adjusted} \
             (claim level {claim_level}, line level {line_level}; CLP03 - CLP04 must equal the \
             sum of claim and line CAS amounts)",
            payment.charge, payment.paid
        )
    })
}

impl Remittance {
    /// Every violation of the 835 balancing rules, one description each; empty when balanced.
    ///
    /// - per line: `SVC02 - SVC03` = sum of the line's `CAS` amounts;
    /// - per claim: `CLP03 - CLP04` = sum of claim-level and line-level `CAS` amounts;
    /// - total: `BPR02` = sum of `CLP04` - sum of `PLB` amounts.
    ///
    /// Claims and lines are named by 1-based position and described by amounts only (no
    /// names or identifiers).
    pub fn balance_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (claim_index, claim) in self.claims.iter().enumerate() {
            let claim_number = claim_index + 1;
            problems.extend(claim_problem(claim_number, claim));
            for (line_index, line) in claim.service_lines.iter().enumerate() {
                problems.extend(line_problem(claim_number, line_index + 1, line));
            }
        }
        let claims_paid: Money = self.claims.iter().map(|c| c.paid).sum();
        let provider_adjusted: Money = self.provider_adjustments.iter().map(|p| p.amount).sum();
        let expected = claims_paid - provider_adjusted;
        if self.payment.amount != expected {
            problems.push(format!(
                "payment: total {} differs from claim payments {claims_paid} - provider \
                 adjustments {provider_adjusted} = {expected} (BPR02 must equal the sum of \
                 CLP04 minus the sum of PLB04)",
                self.payment.amount
            ));
        }
        problems
    }
}
