//! [`PriorAuthRequest`] and [`PriorAuthResponse`] (X12 278, FHIR `Claim` with
//! `use = preauthorization` / `ClaimResponse`, Da Vinci PAS).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::{UnitType, x12_enum};
use super::common::{Diagnosis, Note, Rejection, Trace};
use crate::party::Party;
use crate::value::{Code, Money, Period, Quantity};

x12_enum! {
    /// Kind of review requested. X12: `UM01`. FHIR: `Claim.type` / PAS extension.
    RequestCategory {
        /// Admission review.
        AdmissionReview = "admission_review" / "AR",
        /// Health services review.
        HealthServicesReview = "health_services_review" / "HS",
        /// Specialty care review (referral).
        SpecialtyCareReview = "specialty_care_review" / "SC",
        /// Individual (reserved).
        Individual = "individual" / "IN",
    }
}

x12_enum! {
    /// Certification type. X12: `UM02`. FHIR: PAS `certificationType` extension.
    CertificationType {
        /// Initial.
        Initial = "initial" / "I",
        /// Renewal.
        Renewal = "renewal" / "R",
        /// Revised.
        Revised = "revised" / "S",
        /// Extension.
        Extension = "extension" / "E",
        /// Appeal, immediate.
        AppealImmediate = "appeal_immediate" / "1",
        /// Appeal, standard.
        AppealStandard = "appeal_standard" / "2",
        /// Cancel.
        Cancel = "cancel" / "3",
        /// Verification.
        Verification = "verification" / "4",
    }
}

x12_enum! {
    /// Outcome of a review. X12: `HCR01` action code. FHIR: `ClaimResponse.item.adjudication`
    /// / PAS `reviewAction`.
    CertificationAction {
        /// Certified in total.
        CertifiedInTotal = "certified_in_total" / "A1",
        /// Certified, partial.
        CertifiedPartial = "certified_partial" / "A2",
        /// Not certified.
        NotCertified = "not_certified" / "A3",
        /// Pended.
        Pended = "pended" / "A4",
        /// Modified.
        Modified = "modified" / "A6",
        /// Cancelled.
        Cancelled = "cancelled" / "C",
        /// Contact payer.
        ContactPayer = "contact_payer" / "CT",
        /// No action required.
        NoActionRequired = "no_action_required" / "NA",
    }
}

/// A service in a review request. X12: loop 2000F (`UM`, `SV1`/`SV2`/`SV3`, `HSD`, `DTP*472`).
/// FHIR: `Claim.item`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedService {
    /// 1-based position in the request. FHIR: `Claim.item.sequence`.
    pub line_number: u32,
    /// Procedure (system `cpt`, `hcpcs`, `cdt`). X12: `SV101`, `SV202`, `SV301`.
    /// FHIR: `item.productOrService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Procedure modifiers. X12: `SV101-3`..`SV101-6`. FHIR: `item.modifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Revenue code (system `nubc-revenue`). X12: `SV201`. FHIR: `item.revenue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Code>,
    /// Service type (system `x12-service-type`). X12: `UM03` (2000F). FHIR: `item.category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<Code>,
    /// Charge. X12: `SV102`. FHIR: `item.net`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Money>,
    /// Quantity requested. X12: `SV104`, `HSD02`. FHIR: `item.quantity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Unit of the quantity. X12: `SV103`, `HSD01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<UnitType>,
    /// When the service is to be performed. X12: `DTP*472` (2000F). FHIR: `item.servicedPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Place of service (system `pos`). X12: `UM04`. FHIR: `item.locationCodeableConcept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// 1-based pointers into the request's `diagnoses`. FHIR: `item.diagnosisSequence`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_pointers: Vec<u32>,
    /// Providers of this service (service provider, ordering or referring provider, facility),
    /// each with its `role` (system `x12-entity-identifier`). X12: loops 2010F (`NM1`, `REF`,
    /// `N3`, `N4`, `PER`, `PRV`). FHIR: `item.extension` / `Claim.careTeam`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Party>,
}

/// A prior authorization (health care services review) request. The requester, payer
/// (utilization management organization), subscriber, patient and service provider are in the
/// message's `parties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorAuthRequest {
    /// Patient event trace number. X12: `TRN` (2000E). FHIR: `Claim.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Kind of review. X12: `UM01`.
    pub request_category: RequestCategory,
    /// Initial, extension, cancel, ... X12: `UM02`.
    pub certification_type: CertificationType,
    /// Service type (system `x12-service-type`). X12: `UM03` (2000E). FHIR: `item.category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<Code>,
    /// Place of service or facility type (system `pos`, or `nubc-bill-type` facility code).
    /// X12: `UM04`. FHIR: `Claim.facility` / `item.locationCodeableConcept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// Level of service: `03` emergency, `E` elective, `U` urgent. X12: `UM06`.
    /// FHIR: `Claim.priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_of_service: Option<String>,
    /// Authorization number being extended, revised or cancelled. X12: `REF*BB` / `REF*NT`.
    /// FHIR: `Claim.related.claim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_authorization_number: Option<String>,
    /// Event date or period (admission, surgery, course of treatment). X12: `DTP*AAH`/`435`/
    /// `472` (2000E). FHIR: `Claim.billablePeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Admission type for admission reviews (system `nubc-admission-type`). X12: `CL101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_type: Option<Code>,
    /// Requested length of stay or quantity for the whole event. X12: `HSD` (2000E).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Unit of that quantity. X12: `HSD01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<UnitType>,
    /// Diagnoses. X12: `HI` (2000E). FHIR: `Claim.diagnosis`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    /// Services requested. X12: loops 2000F. FHIR: `Claim.item`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<RequestedService>,
    /// Additional information. X12: `MSG`, `PWK`. FHIR: `Claim.supportingInfo`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// The decision on one service. X12: loop 2000F of the response (`HCR`, `REF*BB`, `DTP`).
/// FHIR: `ClaimResponse.item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceDecision {
    /// The `line_number` of the requested service it answers. FHIR: `item.itemSequence`.
    pub line_number: u32,
    /// Procedure as certified. X12: `SV1`/`SV2`/`SV3`. FHIR: `item.adjudication` / PAS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Decision. X12: `HCR01`.
    pub action: CertificationAction,
    /// Authorization number for this service. X12: `HCR02` / `REF*BB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_number: Option<String>,
    /// Decision reasons (system `x12-review-decision-reason`). X12: `HCR03`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Code>,
    /// Quantity certified. X12: `HSD02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Unit of that quantity. X12: `HSD01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<UnitType>,
    /// Certified period. X12: `DTP*AAH` / `DTP*472`. FHIR: PAS `authorizedPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// Service type decided on (system `x12-service-type`). X12: `UM03` (2000F).
    /// FHIR: `item.category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<Code>,
    /// Providers named for this service, each with its `role`. X12: loops 2010F.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Party>,
}

/// A prior authorization response. X12: 278 response. FHIR: `ClaimResponse`
/// (`use = preauthorization`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorAuthResponse {
    /// Trace echoed from the request. X12: `TRN` (2000E). FHIR: `ClaimResponse.request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Kind of review answered, echoed from the request. X12: `UM01` (2000E, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_category: Option<RequestCategory>,
    /// Certification type answered, echoed from the request. X12: `UM02` (2000E, required
    /// there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification_type: Option<CertificationType>,
    /// Service type answered (system `x12-service-type`). X12: `UM03` (2000E).
    /// FHIR: `ClaimResponse.item.category` / PAS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<Code>,
    /// Place of service or facility type answered (system `pos`, or `nubc-bill-type` facility
    /// code). X12: `UM04` (2000E).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// Decision on the event as a whole. X12: `HCR01` (2000E). FHIR: `ClaimResponse.outcome` /
    /// PAS `reviewAction`.
    pub action: CertificationAction,
    /// Authorization (review identification) number. X12: `HCR02`, `REF*BB`.
    /// FHIR: `ClaimResponse.preAuthRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_number: Option<String>,
    /// Decision reasons (system `x12-review-decision-reason`). X12: `HCR03`.
    /// FHIR: PAS `reviewActionReason`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Code>,
    /// Whether a second surgical opinion is required. X12: `HCR04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_surgical_opinion_required: Option<bool>,
    /// Period the authorization is valid. X12: `DTP*AAH` (certification effective), `DTP*ABC`
    /// issue, `DTP*036` expiration. FHIR: `ClaimResponse.preAuthPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// Quantity certified for the event (e.g. days). X12: `HSD` (2000E).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Unit of that quantity. X12: `HSD01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<UnitType>,
    /// Per-service decisions. X12: loops 2000F. FHIR: `ClaimResponse.item`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceDecision>,
    /// Request rejections. X12: `AAA`. FHIR: `ClaimResponse.error`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<Rejection>,
    /// Messages from the reviewer. X12: `MSG`. FHIR: `ClaimResponse.processNote`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}
