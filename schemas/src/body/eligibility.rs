//! [`EligibilityRequest`] and [`EligibilityResponse`] (X12 270/271, FHIR
//! `CoverageEligibilityRequest`/`CoverageEligibilityResponse`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::benefit::{
    Benefit, BenefitDate, BenefitInfo, BenefitQuantity, CoverageLevel, Network, TimePeriod,
};
use super::common::{Rejection, Trace};
use super::coverage::Coverage;
use crate::value::{Code, Period};

/// An eligibility and benefit inquiry. The payer (information source), provider (information
/// receiver), subscriber and patient (dependent) are in the message's `parties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRequest {
    /// Trace numbers of the inquiry (provider's and clearinghouse's). X12: `TRN` (2000C/D).
    /// FHIR: `CoverageEligibilityRequest.identifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<Trace>,
    /// Service types asked about (system `x12-service-type`; `30` health benefit plan
    /// coverage when none). X12: `EQ01` (repeating). FHIR: `item.category`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_types: Vec<Code>,
    /// Procedures asked about. X12: `EQ02`. FHIR: `item.productOrService`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub procedures: Vec<Code>,
    /// Date or period of service asked about. X12: `DTP*291` (2100C/D or 2110C/D).
    /// FHIR: `servicedDate` / `servicedPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_service: Option<Period>,
    /// Place of service (system `pos`). X12: `III*ZZ`. FHIR: `item.facility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// Diagnoses for the inquiry (system `icd-10-cm`). X12: `HI` (2100C/D).
    /// FHIR: `item.diagnosis`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Code>,
    /// Coverage the inquiry is about, as known to the requester (group number, plan).
    /// X12: `REF` (2100C/D). FHIR: `insurance.coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
}

/// Overall coverage status stated by a 271. X12: derived from `EB01` (1-5 active, 6-8
/// inactive). FHIR: `CoverageEligibilityResponse.insurance.inforce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityStatus {
    /// Coverage is active.
    Active,
    /// Coverage is not active.
    Inactive,
    /// The payer could not say (for example, the request was rejected).
    Unknown,
}

/// An eligibility and benefit response. The payer, provider, subscriber and patient as the
/// payer knows them are in the message's `parties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityResponse {
    /// Trace numbers echoed from the inquiry and added by the payer. X12: `TRN` (2000C/D).
    /// FHIR: `CoverageEligibilityResponse.identifier` / `request`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<Trace>,
    /// Overall coverage status. FHIR: `insurance.inforce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EligibilityStatus>,
    /// Plan and group details. X12: `REF*18`/`REF*6P`/`REF*1L`, `DTP*346`/`356` (2100C/D),
    /// `INS`. FHIR: `insurance.coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// Date or period of service the response applies to. X12: `DTP*291`.
    /// FHIR: `servicedDate` / `servicedPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_service: Option<Period>,
    /// Benefit statements in order. X12: `EB` loops 2110C/D. FHIR: `insurance.item`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefits: Vec<Benefit>,
    /// Rejections of the inquiry, at whichever level they occurred. X12: `AAA`.
    /// FHIR: `CoverageEligibilityResponse.error`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<Rejection>,
}

impl EligibilityResponse {
    /// The overall status: `status` if set, otherwise derived from the benefit statements
    /// (any active statement means active, else any inactive one means inactive).
    pub fn effective_status(&self) -> EligibilityStatus {
        if let Some(status) = self.status {
            return status;
        }
        if self.benefits.iter().any(|b| b.info.is_active()) {
            EligibilityStatus::Active
        } else if self.benefits.iter().any(|b| b.info.is_inactive()) {
            EligibilityStatus::Inactive
        } else {
            EligibilityStatus::Unknown
        }
    }
}
