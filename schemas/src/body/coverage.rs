//! [`Coverage`]: one member's insurance coverage (X12 834 member / 271 subscriber, FHIR
//! `Coverage`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::PayerSequence;
use crate::party::Relationship;
use crate::value::{Code, Period};

/// Status of a coverage. FHIR: `Coverage.status`. X12: 834 `INS03` maintenance type and
/// 271 `EB01` active/inactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// In force. FHIR `active`; X12 `EB01` 1-5, 834 `INS03` 021/030.
    Active,
    /// Ended or cancelled. FHIR `cancelled`; X12 `EB01` 6-8, 834 `INS03` 024.
    Cancelled,
    /// Not yet in force. FHIR `draft`.
    Draft,
    /// Recorded in error. FHIR `entered-in-error`.
    EnteredInError,
}

/// One member's coverage under one plan. The subscriber, the patient (beneficiary, when not
/// the subscriber) and the payer are in the message's `parties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Subscriber (member) id. X12: `NM109` of `NM1*IL` (`NM108 = MI`), 834 `REF*0F`.
    /// FHIR: `Coverage.subscriberId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<String>,
    /// Member sequence or dependent number within the subscriber's contract.
    /// X12: 834 `REF*23`, `REF*ZZ`. FHIR: `Coverage.dependent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependent_number: Option<String>,
    /// Group or policy number. X12: `SBR03`, `REF*6P`, 834 `REF*1L`.
    /// FHIR: `Coverage.class` of type `group` (`value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// Group name. X12: `SBR04`, 271 `REF*6P` `REF03`. FHIR: `Coverage.class` `group` `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Plan identifier. X12: `REF*18`, 834 `HD04`. FHIR: `Coverage.class` of type `plan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// Plan name or description. X12: `EB05`, `REF*18` `REF03`. FHIR: `Coverage.class` `plan` `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_name: Option<String>,
    /// Relationship of the beneficiary to the subscriber. X12: `SBR02`, `INS02`.
    /// FHIR: `Coverage.relationship`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Relationship>,
    /// When the coverage is in force. X12: `DTP*346`/`DTP*347` plan begin/end, `DTP*356`/`357`
    /// eligibility begin/end, 834 `DTP*348`/`349`. FHIR: `Coverage.period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Active, cancelled, ... FHIR: `Coverage.status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CoverageStatus>,
    /// Kind of coverage (FHIR `Coverage.type`, e.g. system
    /// `http://terminology.hl7.org/CodeSystem/v3-ActCode` code `HIP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_type: Option<Code>,
    /// X12 insurance type code, e.g. `MB` Medicare Part B, `HM` HMO, `12` Medicare secondary
    /// working aged. X12: `SBR05`, `EB04`, 834 `HD03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<String>,
    /// Claim filing indicator, e.g. `CI` commercial, `MB` Medicare Part B, `MC` Medicaid.
    /// X12: `SBR09`, `CLP06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_filing_indicator: Option<String>,
    /// Order of responsibility among the member's payers. X12: `SBR01`.
    /// FHIR: `Coverage.order` (primary = 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<PayerSequence>,
    /// Network the plan uses. FHIR: `Coverage.network`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
}
