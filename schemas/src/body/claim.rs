//! [`Claim`]: a professional, institutional or dental claim (X12 837P/I/D, FHIR `Claim`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::claim_detail::{
    Ambulance, ClaimDates, ClaimProcedure, InstitutionalInfo, Occurrence, OccurrenceSpan,
    RelatedCause, RelatedCauses, ValueCode,
};
pub use super::claim_line::{DrugInfo, LineAdjudication, OtherSubscriber, ServiceLine, Tooth};
use super::codes::{ClaimFrequency, x12_enum};
use super::common::{Diagnosis, Note, QualifiedAmount};
use crate::value::{Code, Date, Money, Quantity};

/// Claim type. X12: the 837 variant (`ST03`/`GS08` `005010X222A1` P, `X223A2` I,
/// `X224A2` D). FHIR: `Claim.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    /// 837P / CMS-1500. FHIR `professional`.
    #[default]
    Professional,
    /// 837I / UB-04. FHIR `institutional`.
    Institutional,
    /// 837D / ADA dental claim. FHIR `oral`.
    Dental,
}

x12_enum! {
    /// Provider accepts assignment / participates. X12: `CLM07`.
    Assignment {
        /// Assigned.
        Assigned = "assigned" / "A",
        /// Assignment accepted on clinical lab services only.
        LabServicesOnly = "lab_services_only" / "B",
        /// Not assigned.
        NotAssigned = "not_assigned" / "C",
    }
}

x12_enum! {
    /// Whether benefits are assigned to the provider. X12: `CLM08`.
    /// FHIR: `Claim.payee.type` (`provider` when yes).
    BenefitsAssignment {
        /// Yes.
        Yes = "yes" / "Y",
        /// No.
        No = "no" / "N",
        /// Not applicable (patient refuses to assign, or the payer does not require it).
        NotApplicable = "not_applicable" / "W",
    }
}

x12_enum! {
    /// Release of information. X12: `CLM09`.
    ReleaseOfInformation {
        /// Informed consent to release medical information for claims processing.
        InformedConsent = "informed_consent" / "I",
        /// Signed statement permitting release.
        Yes = "yes" / "Y",
    }
}

/// A claim: header, diagnoses, coordination of benefits and service lines.
///
/// The billing provider, subscriber, patient, payer and claim-level rendering/referring
/// providers and service facility are in the message's `parties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Professional, institutional or dental. X12: 837 variant. FHIR: `Claim.type`.
    #[serde(default)]
    pub claim_type: ClaimType,
    /// Original, replacement, void, ... X12: `CLM05-3`. FHIR: `Claim.related.relationship`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<ClaimFrequency>,
    /// Patient control number: the provider's claim id. X12: `CLM01`. FHIR: `Claim.identifier`.
    pub patient_control_number: String,
    /// Total charge of the claim. X12: `CLM02`. FHIR: `Claim.total`.
    pub total_charge: Money,
    /// Place of service (professional and dental; system `pos`). X12: `CLM05-1` with
    /// `CLM05-2 = B`. FHIR: `Claim.item.locationCodeableConcept` / `Claim.facility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// Type of bill (institutional; system `nubc-bill-type`, four digits e.g. `0111`).
    /// X12: `CLM05-1` (facility type, with `CLM05-2 = A`) + `CLM05-3`. FHIR: `Claim.subType` /
    /// extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_type: Option<Code>,
    /// Dates: service period, admission, discharge, onset, accident, ...
    #[serde(default, skip_serializing_if = "ClaimDates::is_empty")]
    pub dates: ClaimDates,
    /// Diagnoses in claim order (principal first). X12: `HI` (`ABK`/`ABF`/`ABJ`/`APR`/`ABN`,
    /// `BK`/`BF` for ICD-9). FHIR: `Claim.diagnosis`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    /// Procedures (institutional ICD-10-PCS, or CPT/HCPCS). X12: `HI` `BBR`/`BBQ`
    /// (`BP`/`BO`). FHIR: `Claim.procedure`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub procedures: Vec<ClaimProcedure>,
    /// Institutional-only data: admission type/source, patient status, condition, occurrence
    /// and value codes, DRG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institutional: Option<InstitutionalInfo>,
    /// Prior authorization numbers. X12: `REF*G1` (2300). FHIR: `Claim.insurance.preAuthRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior_authorization_numbers: Vec<String>,
    /// Referral number. X12: `REF*9F` (2300). FHIR: `Claim.referral` (identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_number: Option<String>,
    /// The payer's claim number of the claim being replaced or voided (frequency 7 or 8).
    /// X12: `REF*F8` (2300). FHIR: `Claim.related.claim` (identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Medical record number. X12: `REF*EA`. FHIR: `Claim.supportingInfo` / `Patient.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_record_number: Option<String>,
    /// Provider or supplier signature on file. X12: `CLM06` (`Y`/`N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_signature_on_file: Option<bool>,
    /// Assignment or plan participation. X12: `CLM07`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    /// Benefits assignment certification. X12: `CLM08`. FHIR: `Claim.payee.type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefits_assignment: Option<BenefitsAssignment>,
    /// Release of information. X12: `CLM09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_of_information: Option<ReleaseOfInformation>,
    /// Patient signature source code (`P`: signed by the provider on the patient's behalf).
    /// X12: `CLM10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_signature_source: Option<String>,
    /// Accident or employment related causes. X12: `CLM11`. FHIR: `Claim.accident`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_causes: Option<RelatedCauses>,
    /// Special program code (e.g. `02` physically handicapped children's program). X12: `CLM12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_program: Option<String>,
    /// Delay reason code for a late claim (`1` to `15`). X12: `CLM20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_reason: Option<String>,
    /// Amount the patient already paid. X12: `AMT*F5`. FHIR: `Claim.supportingInfo`
    /// (`patientpaid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_amount_paid: Option<Money>,
    /// Other claim amounts the model has no field for. X12: `AMT` (2300).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_amounts: Vec<QualifiedAmount>,
    /// Claim notes. X12: `NTE` (2300). FHIR: `Claim.supportingInfo` (category `info`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Dental-only claim data: predetermination, orthodontic treatment, tooth status.
    /// X12 837D: `CLM19`, `DTP*452`, `DN1`, `DN2` (2300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dental: Option<DentalInfo>,
    /// Ambulance transport. X12: `CR1`, `CRC`, `NM1*PW`/`NM1*45` (2310E/F).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambulance: Option<Ambulance>,
    /// Other payers' coverage and their adjudication (coordination of benefits).
    /// X12: loop 2320/2330. FHIR: `Claim.insurance` (with `focal = false`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_subscribers: Vec<OtherSubscriber>,
    /// Service lines in order. X12: loop 2400. FHIR: `Claim.item`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_lines: Vec<ServiceLine>,
}

/// Dental-only claim data (ADA claim form). X12 837D loop 2300.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DentalInfo {
    /// A predetermination of benefits (an estimate before treatment), not a claim for payment.
    /// X12: `CLM19 = PB`. FHIR: `Claim.use = predetermination`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub predetermination: bool,
    /// Orthodontic appliance placement (banding) date. X12: `DTP*452` (2300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appliance_placement: Option<Date>,
    /// Orthodontic treatment. X12: `DN1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orthodontics: Option<Orthodontics>,
    /// Missing or extracted teeth. X12: `DN2` (one per tooth). FHIR: `supportingInfo`
    /// (`missingtooth`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tooth_status: Vec<ToothStatus>,
}

/// Orthodontic treatment data. X12: `DN1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Orthodontics {
    /// Total months of orthodontic treatment. X12: `DN101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_months: Option<Quantity>,
    /// Treatment months remaining (a transfer patient). X12: `DN102`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_months: Option<Quantity>,
    /// The services are for orthodontic purposes (said when the months are not). X12:
    /// `DN104 = Y` (5010), `DN103 = Y` (4010).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub orthodontic_purpose: bool,
}

x12_enum! {
    /// Status of a tooth on a dental claim. X12: `DN202`.
    ToothStatusCode {
        /// To be extracted.
        Extraction = "extraction" / "E",
        /// Missing.
        Missing = "missing" / "M",
    }
}

/// One tooth's status. X12: `DN2` (`DN201` tooth number, `DN202` status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToothStatus {
    /// Tooth number (ADA universal, `1` to `32`, `A` to `T`). X12: `DN201`.
    pub tooth: String,
    /// Missing or to be extracted. X12: `DN202`.
    pub status: ToothStatusCode,
}

impl Claim {
    /// The sum of the service line charges (compare with `total_charge`).
    pub fn line_charge_total(&self) -> Money {
        self.service_lines.iter().map(|line| line.charge).sum()
    }

    /// The principal diagnosis, if any.
    pub fn principal_diagnosis(&self) -> Option<&Diagnosis> {
        self.diagnoses
            .iter()
            .find(|d| d.role == super::common::DiagnosisRole::Principal)
    }
}
