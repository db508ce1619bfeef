//! [`Remittance`]: an 835 payment/advice with its claim payments and provider adjustments
//! (FHIR `ExplanationOfBenefit` + `PaymentReconciliation`). Balancing rules are in
//! [`Remittance::balance_problems`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::adjudication::{
    ClaimPayment, ClaimPaymentStatus, InpatientAdjudication, OutpatientAdjudication, ServicePayment,
};
use super::codes::x12_enum;
use super::common::Trace;
use crate::value::{Date, Money};

x12_enum! {
    /// What the 835 carries: payment, remittance advice, or both. X12: `BPR01`.
    HandlingCode {
        /// Payment accompanies remittance advice.
        PaymentWithRemittance = "payment_with_remittance" / "C",
        /// Make payment only.
        PaymentOnly = "payment_only" / "D",
        /// Notification only.
        NotificationOnly = "notification_only" / "H",
        /// Remittance information only.
        RemittanceOnly = "remittance_only" / "I",
        /// Prenotification of future transfers.
        Prenotification = "prenotification" / "P",
        /// Split payment and remittance.
        SplitPaymentAndRemittance = "split_payment_and_remittance" / "U",
        /// Handling party's option to split payment and remittance.
        HandlingPartyOption = "handling_party_option" / "X",
    }
}

x12_enum! {
    /// How the payment is made. X12: `BPR04`. FHIR: `PaymentReconciliation.paymentIdentifier`
    /// type / `ExplanationOfBenefit.payment.type`.
    PaymentMethod {
        /// Automated clearing house (EFT).
        Ach = "ach" / "ACH",
        /// Financial institution option.
        FinancialInstitutionOption = "financial_institution_option" / "BOP",
        /// Check.
        Check = "check" / "CHK",
        /// Federal Reserve funds/wire transfer.
        FedWire = "fed_wire" / "FWT",
        /// Non-payment data (no money moves).
        NonPayment = "non_payment" / "NON",
    }
}

x12_enum! {
    /// Direction of the payment. X12: `BPR03`.
    CreditDebit {
        /// Credit to the payee.
        Credit = "credit" / "C",
        /// Debit from the payee.
        Debit = "debit" / "D",
    }
}

/// A bank account of a funds transfer. X12: `BPR06`-`BPR09` (sender) and `BPR12`-`BPR15`
/// (receiver).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// Depository financial institution id qualifier (`01` ABA routing, `04` Canadian).
    /// X12: `BPR06` / `BPR12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dfi_qualifier: Option<String>,
    /// Routing number. X12: `BPR07` / `BPR13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dfi_number: Option<String>,
    /// Account number qualifier (`DA` demand deposit, `SG` savings). X12: `BPR08` / `BPR14`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_qualifier: Option<String>,
    /// Account number. X12: `BPR09` / `BPR15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
}

/// The payment and its trace. X12: `BPR`, `TRN`. FHIR: `PaymentReconciliation`,
/// `ExplanationOfBenefit.payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// Payment, advice, or both. X12: `BPR01`.
    pub handling: HandlingCode,
    /// Total actual provider payment. X12: `BPR02`. FHIR: `PaymentReconciliation.paymentAmount`.
    pub amount: Money,
    /// Credit or debit. X12: `BPR03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_debit: Option<CreditDebit>,
    /// Check, ACH, ... X12: `BPR04`.
    pub method: PaymentMethod,
    /// Payment format (`CCP` cash concentration/disbursement plus addenda, `CTX`). X12: `BPR05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Originating bank account. X12: `BPR06`-`BPR09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_account: Option<BankAccount>,
    /// Originating company identifier (`1` + payer EIN). X12: `BPR10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originating_company_id: Option<String>,
    /// Originating company supplemental code. X12: `BPR11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originating_company_supplemental: Option<String>,
    /// Receiving bank account. X12: `BPR12`-`BPR15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_account: Option<BankAccount>,
    /// Check issue or EFT effective date. X12: `BPR16`. FHIR: `PaymentReconciliation.paymentDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Check or EFT trace number and the payer that assigned it. X12: `TRN02`, `TRN03`,
    /// `TRN04`. FHIR: `PaymentReconciliation.paymentIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

/// A provider-level adjustment (not tied to one claim). X12: one `PLB03`/`PLB04` pair of a
/// `PLB` segment. FHIR: `PaymentReconciliation.detail` / `ExplanationOfBenefit` extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderAdjustment {
    /// Provider identifier (NPI or TIN). X12: `PLB01`.
    pub provider_id: String,
    /// Last day of the provider's fiscal period. X12: `PLB02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_period_end: Option<Date>,
    /// Adjustment reason code, e.g. `WO` overpayment recovery, `L6` interest, `FB` forwarding
    /// balance, `72` authorized return. X12: `PLB03-1`.
    pub reason: String,
    /// Reference identifier (e.g. the payer claim control number recovered). X12: `PLB03-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Amount; positive reduces the payment, negative increases it. X12: `PLB04`.
    pub amount: Money,
}

/// A remittance advice. The payer (`N1*PR`) and payee (`N1*PE`) are in the message's
/// `parties` (`payer`, `payee`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Remittance {
    /// The payment. X12: `BPR`, `TRN`.
    pub payment: Payment,
    /// Production date of the advice. X12: `DTP*405`. FHIR: `ExplanationOfBenefit.created`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_date: Option<Date>,
    /// Receiver identification. X12: `REF*EV`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_id: Option<String>,
    /// Claim payments, in order. X12: loops 2100 (under `LX` 2000). FHIR: one
    /// `ExplanationOfBenefit` each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimPayment>,
    /// Provider-level adjustments. X12: `PLB`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provider_adjustments: Vec<ProviderAdjustment>,
}
