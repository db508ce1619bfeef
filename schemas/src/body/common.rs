//! Building blocks shared by several bodies: traces, notes, adjustments, rejections,
//! diagnoses and qualified amounts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::{AdjustmentGroup, x12_enum};
use crate::value::{Code, Money, Quantity};

/// A trace number and who assigned it. X12: `TRN` (`TRN02`, `TRN03`, `TRN04`).
/// FHIR: `identifier` of the request or response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// Trace type: `1` current transaction, `2` referenced (echoed) transaction. X12: `TRN01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_type: Option<String>,
    /// The trace number, check number or EFT number. X12: `TRN02`.
    pub reference: String,
    /// Who assigned it (`1` + EIN, or a payer id). X12: `TRN03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator: Option<String>,
    /// Division or group within the originator. X12: `TRN04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplemental: Option<String>,
}

/// A free-text note. X12: `NTE` (`NTE01` reference code, `NTE02` text), `MSG01`.
/// FHIR: `Claim.supportingInfo` (category `info`) / `ClaimResponse.processNote`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// What the note is about: `ADD` additional information, `CER` certification narrative,
    /// `DCP` goals/rehab potential/discharge plans, `DGN` diagnosis description, `TPO` third
    /// party organization notes. X12: `NTE01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The text. X12: `NTE02`. FHIR: `valueString` / `processNote.text`.
    pub text: String,
}

/// One adjustment: a group, a reason and an amount. X12: a `CAS` triplet
/// (`CAS01` group, `CAS02`/`05`/... reason, `CAS03`/`06`/... amount, `CAS04`/`07`/... quantity).
/// FHIR: `ExplanationOfBenefit.item.adjudication` (category, reason, amount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Claim adjustment group code (CO, PR, OI, PI, CR). X12: `CAS01`.
    pub group: AdjustmentGroup,
    /// Claim adjustment reason code (system `carc`). X12: `CAS02`.
    pub reason: Code,
    /// Amount adjusted; positive reduces payment, negative increases it. X12: `CAS03`.
    pub amount: Money,
    /// Units adjusted. X12: `CAS04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
}

x12_enum! {
    /// Where in a 271/278 a rejection (`AAA`) occurred; the "X12 code" is the loop id.
    RejectionLevel {
        /// Information source (payer), loop 2000A/2100A.
        InformationSource = "information_source" / "2100A",
        /// Information receiver (provider), loop 2100B.
        InformationReceiver = "information_receiver" / "2100B",
        /// Subscriber, loop 2100C.
        Subscriber = "subscriber" / "2100C",
        /// Dependent, loop 2100D.
        Dependent = "dependent" / "2100D",
        /// Subscriber eligibility or benefit inquiry, loop 2110C.
        SubscriberInquiry = "subscriber_inquiry" / "2110C",
        /// Dependent eligibility or benefit inquiry, loop 2110D.
        DependentInquiry = "dependent_inquiry" / "2110D",
        /// Requester (278 loop 2010B).
        Requester = "requester" / "2010B",
        /// Patient event or service (278 loops 2000E/2000F).
        Service = "service" / "2000F",
    }
}

/// A request validation failure. X12: `AAA`. FHIR: `CoverageEligibilityResponse.error` /
/// `ClaimResponse.error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Where it occurred (which loop).
    pub level: RejectionLevel,
    /// Whether the request was valid (`Y`) or not (`N`). X12: `AAA01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_request: Option<bool>,
    /// Reject reason code, e.g. `72` invalid member id, `75` subscriber not found. X12: `AAA03`.
    pub reason_code: String,
    /// Follow-up action: `C` correct and resubmit, `N` resubmission not allowed, `R`
    /// resubmission allowed, `W` wait 30 days, `X` wait 10 days, `Y` do not resubmit. X12: `AAA04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_action: Option<String>,
}

/// Role of a diagnosis on a claim or request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisRole {
    /// Principal diagnosis. X12: `ABK`. FHIR: `Claim.diagnosis.type` `principal`.
    Principal,
    /// Admitting diagnosis. X12: `ABJ`. FHIR: `admitting`.
    Admitting,
    /// Patient's reason for visit. X12: `APR`. FHIR: `patientreasonforvisit`.
    PatientReason,
    /// External cause of injury. X12: `ABN`. FHIR: `externalcauseofinjury`.
    ExternalCause,
    /// Other diagnosis. X12: `ABF`. FHIR: `other` / `secondary`.
    #[default]
    Other,
}

/// Present-on-admission indicator. X12: `HI0n-9`. FHIR: `Claim.diagnosis.onAdmission`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresentOnAdmission {
    /// `Y`: present at the time of inpatient admission.
    Yes,
    /// `N`: not present.
    No,
    /// `U`: documentation insufficient to determine.
    Unknown,
    /// `W`: clinically undetermined.
    ClinicallyUndetermined,
    /// `1`: exempt from POA reporting (blank on the UB-04).
    Exempt,
}

/// A diagnosis, in claim order. X12: one `HI` composite. FHIR: `Claim.diagnosis`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// 1-based position; service-line diagnosis pointers refer to it. X12: position in the
    /// `HI` segments. FHIR: `Claim.diagnosis.sequence`.
    pub sequence: u32,
    /// The code (usually system `icd-10-cm`). X12: `HI0n-2`. FHIR: `diagnosisCodeableConcept`.
    pub code: Code,
    /// Principal, admitting, reason for visit, external cause or other. X12: `HI0n-1`
    /// qualifier. FHIR: `Claim.diagnosis.type`.
    #[serde(default)]
    pub role: DiagnosisRole,
    /// Present on admission (institutional). X12: `HI0n-9`. FHIR: `onAdmission`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_on_admission: Option<PresentOnAdmission>,
}

/// An amount with its X12 qualifier, for amounts the model has no field for.
/// X12: `AMT01`/`AMT02`. FHIR: `ExplanationOfBenefit.total` (category, amount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QualifiedAmount {
    /// The X12 amount qualifier, e.g. `AU` coverage amount, `D8` discount, `I` interest,
    /// `F5` patient paid, `B6` allowed. X12: `AMT01`.
    pub qualifier: String,
    /// The amount. X12: `AMT02`.
    pub amount: Money,
}
