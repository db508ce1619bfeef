//! [`ClaimStatusRequest`] and [`ClaimStatusResponse`] (X12 276/277), and [`StatusInfo`], the
//! `STC` segment shared with the 277CA acknowledgment.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::ClaimFrequency;
use super::common::Trace;
use crate::value::{Code, Date, Money, Period, Quantity};

/// One claim status code triple. X12: `STC01`, `STC10`, `STC11` (category, status, entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusCode {
    /// Status category (system `x12-claim-status-category`), e.g. `A1` acknowledged/receipt,
    /// `A2` accepted, `A3` returned as unprocessable, `F1` finalized/payment. X12: `STC0n-1`.
    pub category: Code,
    /// Status detail (system `x12-claim-status`), e.g. `20` accepted for processing.
    /// X12: `STC0n-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Code>,
    /// Entity the status refers to (system `x12-entity-identifier`), e.g. `85` billing
    /// provider, `IL` subscriber. X12: `STC0n-3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Code>,
}

/// A claim or line status. X12: `STC` (277, 277CA). FHIR: `ClaimResponse.outcome`/`error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInfo {
    /// The primary status. X12: `STC01`.
    pub code: StatusCode,
    /// Further statuses. X12: `STC10`, `STC11`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional: Vec<StatusCode>,
    /// When the status took effect. X12: `STC02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<Date>,
    /// Action code (277CA: `WQ` accepted, `U` rejected). X12: `STC03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Total charge the status refers to. X12: `STC04`. FHIR: `ClaimResponse.total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Money>,
    /// Amount paid. X12: `STC05`. FHIR: `ClaimResponse.payment.amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    /// Adjudication or finalized date. X12: `STC06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication_date: Option<Date>,
    /// Payment method (`ACH`, `BOP`, `CHK`, `FWT`, `NON`). X12: `STC07`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Check issue or EFT effective date. X12: `STC08`. FHIR: `ClaimResponse.payment.date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<Date>,
    /// Check or EFT trace number. X12: `STC09`. FHIR: `ClaimResponse.payment.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_number: Option<String>,
    /// Free-form message. X12: `STC12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl StatusInfo {
    /// A status with only its category (and optional detail) code.
    pub fn new(category: Code, status: Option<Code>) -> StatusInfo {
        StatusInfo {
            code: StatusCode {
                category,
                status,
                entity: None,
            },
            additional: Vec::new(),
            effective_date: None,
            action: None,
            charge: None,
            paid: None,
            adjudication_date: None,
            payment_method: None,
            payment_date: None,
            check_number: None,
            message: None,
        }
    }
}

/// A service line named in a status request or response. X12: loop 2210D/2220D (`SVC`,
/// `REF*FJ`, `DTP*472`, and `STC` in responses).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineStatus {
    /// Procedure. X12: `SVC01` (`HC`, `AD`, `N4`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Procedure modifiers. X12: `SVC01-3`..`SVC01-6`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Revenue code (system `nubc-revenue`). X12: `SVC04` or `SVC01` with `NU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Code>,
    /// Line charge. X12: `SVC02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Money>,
    /// Line paid amount. X12: `SVC03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    /// Units of service. X12: `SVC07`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Quantity>,
    /// Line item control number from the claim's `REF*6R`. X12: `REF*FJ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_control_number: Option<String>,
    /// Date or period of service. X12: `DTP*472`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Statuses of the line (responses only). X12: `STC` (2220D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<StatusInfo>,
}

/// A claim status inquiry about one claim. The payer, provider, subscriber and patient are in
/// the message's `parties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimStatusRequest {
    /// Trace number of the inquiry. X12: `TRN` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Patient control number of the claim asked about. X12: `REF*EJ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_control_number: Option<String>,
    /// Payer claim control number, when known. X12: `REF*1K`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Institutional type of bill (system `nubc-bill-type`). X12: `REF*BLT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_type: Option<Code>,
    /// Claim frequency. X12: last digit of `REF*BLT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<ClaimFrequency>,
    /// Medical record number. X12: `REF*EA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_record_number: Option<String>,
    /// Total claim charge. X12: `AMT*T3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_charge: Option<Money>,
    /// Claim service period. X12: `DTP*472` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Specific lines asked about. X12: loop 2210D.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineStatus>,
}

/// A claim status response about one claim. X12: 277 (loops 2200D/2220D).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimStatusResponse {
    /// Trace number echoed from the inquiry. X12: `TRN` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Patient control number. X12: `REF*EJ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_control_number: Option<String>,
    /// Payer claim control number. X12: `REF*1K`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Institutional type of bill (system `nubc-bill-type`). X12: `REF*BLT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_type: Option<Code>,
    /// Medical record number. X12: `REF*EA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_record_number: Option<String>,
    /// Claim service period. X12: `DTP*472` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Claim-level statuses (charge, paid, check number inside). X12: `STC` (2200D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<StatusInfo>,
    /// Line-level statuses. X12: loop 2220D.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineStatus>,
}
