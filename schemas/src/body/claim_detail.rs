//! Claim header details: dates, procedures, institutional codes, related causes, ambulance.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::x12_enum;
use crate::party::Address;
use crate::value::{Code, Date, Money, Period, Quantity, Time};

/// Claim-level dates. X12: `DTP` segments of loop 2300. FHIR: `Claim.billablePeriod`,
/// `Claim.supportingInfo` (`onset`, `admissionperiod`, ...), `Claim.accident.date`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDates {
    /// Service or statement period. X12: `DTP*434` statement dates (institutional), `DTP*472`
    /// (2300, dental/professional). FHIR: `Claim.billablePeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Admission date. X12: `DTP*435`. FHIR: `supportingInfo` `admissionperiod` start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<Date>,
    /// Admission hour (institutional). X12: `DTP*435` with `DT` format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_time: Option<Time>,
    /// Discharge date. X12: `DTP*096` (professional), statement end (institutional).
    /// FHIR: `supportingInfo` `admissionperiod` end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge: Option<Date>,
    /// Discharge hour (institutional). X12: `DTP*096` with `TM` format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge_time: Option<Time>,
    /// Onset of current illness or symptom. X12: `DTP*431`. FHIR: `supportingInfo` `onset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<Date>,
    /// Initial treatment date. X12: `DTP*454`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_treatment: Option<Date>,
    /// Date last seen. X12: `DTP*304`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Date>,
    /// Accident date. X12: `DTP*439`. FHIR: `Claim.accident.date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accident: Option<Date>,
    /// Last menstrual period. X12: `DTP*484`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_menstrual_period: Option<Date>,
    /// Last X-ray date. X12: `DTP*455`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_xray: Option<Date>,
    /// Disability period. X12: `DTP*314` (or `360`/`361`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<Period>,
    /// Last worked. X12: `DTP*297`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_worked: Option<Date>,
    /// Authorized return to work. X12: `DTP*296`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to_work: Option<Date>,
    /// Repricer received date. X12: `DTP*050`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repricer_received: Option<Date>,
}

impl ClaimDates {
    /// Whether no date is set.
    pub fn is_empty(&self) -> bool {
        self == &ClaimDates::default()
    }
}

/// Role of a claim-level procedure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureRole {
    /// Principal procedure. X12: `BBR` (ICD-10-PCS), `BP` (HCPCS). FHIR: `Claim.procedure.type`
    /// `primary`.
    Principal,
    /// Other procedure. X12: `BBQ`, `BO`.
    #[default]
    Other,
}

/// A claim-level procedure (institutional). X12: `HI` `BBR`/`BBQ`. FHIR: `Claim.procedure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimProcedure {
    /// 1-based position. FHIR: `Claim.procedure.sequence`.
    pub sequence: u32,
    /// The procedure (system `icd-10-pcs`, or `cpt`/`hcpcs`). X12: `HI0n-2`.
    /// FHIR: `procedureCodeableConcept`.
    pub code: Code,
    /// Principal or other. X12: `HI0n-1` qualifier. FHIR: `Claim.procedure.type`.
    #[serde(default)]
    pub role: ProcedureRole,
    /// When it was performed. X12: `HI0n-4` (`HI0n-3 = D8`). FHIR: `Claim.procedure.date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
}

/// An occurrence code with its date. X12: `HI` `BH`. FHIR: `supportingInfo` (`occurrence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Occurrence {
    /// Occurrence code (system `nubc-occurrence`). X12: `HI0n-2`.
    pub code: Code,
    /// Date of the occurrence. X12: `HI0n-4`.
    pub date: Date,
}

/// An occurrence span code with its period. X12: `HI` `BI`. FHIR: `supportingInfo` (`occurrencespan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceSpan {
    /// Occurrence span code (system `nubc-occurrence-span`). X12: `HI0n-2`.
    pub code: Code,
    /// The span. X12: `HI0n-4` (`RD8`).
    pub period: Period,
}

/// A value code with its amount. X12: `HI` `BE`. FHIR: `supportingInfo` (`value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueCode {
    /// Value code (system `nubc-value`). X12: `HI0n-2`.
    pub code: Code,
    /// The value: an amount or a count, as a decimal string. X12: `HI0n-5`.
    pub amount: Money,
}

/// Institutional-only claim data (UB-04). X12: `CL1`, `HI` `BG`/`BH`/`BI`/`BE`/`DR`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionalInfo {
    /// Priority (type) of admission or visit (system `nubc-admission-type`). X12: `CL101`.
    /// FHIR: `supportingInfo` / `Encounter.priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_type: Option<Code>,
    /// Point of origin for admission (system `nubc-point-of-origin`). X12: `CL102`.
    /// FHIR: `Encounter.hospitalization.admitSource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_source: Option<Code>,
    /// Patient discharge status (system `nubc-patient-status`). X12: `CL103`.
    /// FHIR: `supportingInfo` (`discharge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_status: Option<Code>,
    /// Diagnosis related group (system `ms-drg`). X12: `HI*DR`. FHIR: `Claim.diagnosis.packageCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drg: Option<Code>,
    /// Condition codes (system `nubc-condition`). X12: `HI` `BG`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_codes: Vec<Code>,
    /// Occurrence codes with dates. X12: `HI` `BH`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<Occurrence>,
    /// Occurrence span codes with periods. X12: `HI` `BI`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occurrence_spans: Vec<OccurrenceSpan>,
    /// Value codes with amounts. X12: `HI` `BE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_codes: Vec<ValueCode>,
}

x12_enum! {
    /// A cause the claim is related to. X12: `CLM11-1`..`CLM11-3`. FHIR: `Claim.accident.type`.
    RelatedCause {
        /// Auto accident.
        AutoAccident = "auto_accident" / "AA",
        /// Employment related.
        Employment = "employment" / "EM",
        /// Other accident.
        OtherAccident = "other_accident" / "OA",
    }
}

/// What the claim is related to (accident, employment). X12: `CLM11`. FHIR: `Claim.accident`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedCauses {
    /// Up to three causes. X12: `CLM11-1`, `CLM11-2`, `CLM11-3`. FHIR: `Claim.accident.type`.
    pub causes: Vec<RelatedCause>,
    /// State of an auto accident. X12: `CLM11-4`. FHIR: `Claim.accident.locationAddress.state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_accident_state: Option<String>,
    /// Country of an auto accident, when not the US. X12: `CLM11-5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_accident_country: Option<String>,
}

/// Ambulance transport information. X12: `CR1`, `CRC*07`, loops 2310E/2310F (2420G/H).
/// FHIR: `Claim.supportingInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ambulance {
    /// Patient weight in pounds. X12: `CR102` (`CR101 = LB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_weight_pounds: Option<Quantity>,
    /// Transport reason code (`A` to `E`, e.g. `A` nearest facility). X12: `CR104`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_reason: Option<String>,
    /// Transport distance in miles. X12: `CR106` (`CR105 = DH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_miles: Option<Quantity>,
    /// Round trip purpose description. X12: `CR109`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip_purpose: Option<String>,
    /// Stretcher purpose description. X12: `CR110`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretcher_purpose: Option<String>,
    /// Certification condition indicator: whether the conditions below apply. X12: `CRC02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions_apply: Option<bool>,
    /// Condition codes (e.g. `01` admitted to hospital, `04` moved by stretcher).
    /// X12: `CRC03`..`CRC07`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_codes: Vec<String>,
    /// Pick-up location. X12: `NM1*PW` + `N3`/`N4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<Address>,
    /// Drop-off location. X12: `NM1*45` (`NM103` name) + `N3`/`N4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropoff: Option<Address>,
    /// Drop-off location name. X12: `NM103` of `NM1*45`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropoff_name: Option<String>,
}
