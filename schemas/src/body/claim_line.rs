//! Claim service lines and coordination-of-benefits data (837 loops 2400, 2430, 2320/2330).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::claim::{BenefitsAssignment, ReleaseOfInformation};
use super::codes::{DrugUnit, PayerSequence, UnitType};
use super::common::{Adjustment, Note, QualifiedAmount};
use crate::party::{Party, Relationship};
use crate::value::{Code, Date, Money, Period, Quantity};

/// A drug administered on a service line. X12: `LIN`, `CTP`, `REF*XZ` (loop 2410).
/// FHIR: `Claim.item.detail` with an NDC `productOrService`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrugInfo {
    /// National drug code (system `ndc`). X12: `LIN03` (`LIN02 = N4`).
    pub ndc: Code,
    /// Quantity administered. X12: `CTP04`. FHIR: `detail.quantity.value`.
    pub quantity: Quantity,
    /// Unit of the quantity. X12: `CTP05-1`. FHIR: `detail.quantity.unit`.
    pub unit: DrugUnit,
    /// Prescription or compound link number. X12: `REF*XZ` / `REF*VY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription_number: Option<String>,
}

/// A tooth and its surfaces. X12: `TOO` (`TOO01 = JP` universal numbering).
/// FHIR: `Claim.item.bodySite` / `subSite`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tooth {
    /// Tooth number (`1` to `32`, `A` to `T`). X12: `TOO02`. FHIR: `bodySite` (ADA universal).
    pub number: String,
    /// Surfaces: `M` mesial, `O` occlusal, `D` distal, `B` buccal, `L` lingual, `I` incisal,
    /// `F` facial. X12: `TOO03-1`..`TOO03-5`. FHIR: `subSite`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surfaces: Vec<String>,
}

/// Another payer's adjudication of one service line. X12: loop 2430 (`SVD`, `CAS`, `DTP*573`).
/// FHIR: `ExplanationOfBenefit.item.adjudication` of the prior payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineAdjudication {
    /// The other payer's id (matches that payer's `NM109` in 2330B). X12: `SVD01`.
    pub payer_id: String,
    /// Amount the other payer paid for this line. X12: `SVD02`.
    pub paid: Money,
    /// Procedure the other payer adjudicated. X12: `SVD03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Modifiers of that procedure. X12: `SVD03-3`..`SVD03-6`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Revenue code the other payer adjudicated (institutional). X12: `SVD04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Code>,
    /// Units paid. X12: `SVD05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_units: Option<Quantity>,
    /// The other payer's adjustments. X12: `CAS` (2430).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// When the other payer adjudicated it. X12: `DTP*573`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication_date: Option<Date>,
    /// Remaining patient liability. X12: `AMT*EAF` (2430).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_patient_liability: Option<Money>,
}

/// One service line. X12: loop 2400 (`LX`, `SV1`/`SV2`/`SV3`, `TOO`, `DTP*472`, `REF`, `NTE`,
/// 2410, 2420A, 2430). FHIR: `Claim.item`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceLine {
    /// 1-based line number. X12: `LX01`. FHIR: `Claim.item.sequence`.
    pub line_number: u32,
    /// Procedure (system `cpt`, `hcpcs` or `cdt`). X12: `SV101-2`, `SV202-2`, `SV301-2`.
    /// FHIR: `Claim.item.productOrService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Procedure modifiers, in order. X12: `SV101-3`..`SV101-6`. FHIR: `Claim.item.modifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Procedure description (for unlisted codes). X12: `SV101-7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Revenue code (institutional; system `nubc-revenue`). X12: `SV201`.
    /// FHIR: `Claim.item.revenue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Code>,
    /// Line charge. X12: `SV102`, `SV203`, `SV302`. FHIR: `Claim.item.net`.
    pub charge: Money,
    /// Units of service. X12: `SV104`, `SV205`, `SV306`. FHIR: `Claim.item.quantity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Quantity>,
    /// Unit of the units (units, minutes, days). X12: `SV103`, `SV204`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<UnitType>,
    /// Line place of service when it differs from the claim's (system `pos`). X12: `SV105`,
    /// `SV303`. FHIR: `Claim.item.locationCodeableConcept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Code>,
    /// 1-based pointers into the claim's `diagnoses` (up to four). X12: `SV107`, `SV311`.
    /// FHIR: `Claim.item.diagnosisSequence`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_pointers: Vec<u32>,
    /// Date or period of service (`start == end` for one day). X12: `DTP*472` (2400).
    /// FHIR: `Claim.item.servicedDate` / `servicedPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Emergency indicator. X12: `SV109`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<bool>,
    /// EPSDT indicator. X12: `SV111`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsdt: Option<bool>,
    /// Family planning indicator. X12: `SV112`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_planning: Option<bool>,
    /// Non-covered charge (institutional). X12: `SV207`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_covered_charge: Option<Money>,
    /// Drug detail. X12: loop 2410.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug: Option<DrugInfo>,
    /// Oral cavity area codes (`00` entire oral cavity, `01` maxillary arch, ...).
    /// X12: `SV304-1`..`SV304-5`. FHIR: `Claim.item.bodySite`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oral_cavity_areas: Vec<String>,
    /// Prosthesis, crown or inlay code: `I` initial, `R` replacement. X12: `SV305`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prosthesis: Option<String>,
    /// Teeth and surfaces. X12: `TOO`. FHIR: `Claim.item.bodySite` / `subSite`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teeth: Vec<Tooth>,
    /// Line rendering provider when it differs from the claim's. X12: loop 2420A (`NM1*82`).
    /// FHIR: `Claim.item.careTeamSequence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering_provider: Option<Party>,
    /// Line-level prior authorization numbers. X12: `REF*G1` (2400).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior_authorization_numbers: Vec<String>,
    /// Line item control number, echoed by the payer on the 835 (`REF*6R`). X12: `REF*6R`.
    /// FHIR: `Claim.item.extension` / `ExplanationOfBenefit.item.sequence` link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_control_number: Option<String>,
    /// Line amounts the model has no field for. X12: `AMT` (2400), e.g. `AMT*T` sales tax.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_amounts: Vec<QualifiedAmount>,
    /// Line notes. X12: `NTE` (2400).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Other payers' adjudication of this line. X12: loop 2430.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_payer_adjudications: Vec<LineAdjudication>,
}

/// Another payer covering the patient, and what it did with the claim (coordination of
/// benefits). X12: loops 2320 (`SBR`, `CAS`, `AMT`, `OI`), 2330A (subscriber), 2330B (payer).
/// FHIR: `Claim.insurance` (`focal = false`) with `Coverage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherSubscriber {
    /// This payer's order of responsibility. X12: `SBR01`. FHIR: `Claim.insurance.sequence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_responsibility: Option<PayerSequence>,
    /// Patient's relationship to this other subscriber. X12: `SBR02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Relationship>,
    /// Group or policy number. X12: `SBR03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// Group name. X12: `SBR04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Insurance type code. X12: `SBR05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<String>,
    /// Claim filing indicator (`CI`, `MB`, `MC`, ...). X12: `SBR09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_filing_indicator: Option<String>,
    /// The other subscriber. X12: loop 2330A (`NM1*IL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Party>,
    /// The other payer. X12: loop 2330B (`NM1*PR`). FHIR: `Coverage.payor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Party>,
    /// Claim-level adjustments by the other payer. X12: `CAS` (2320).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// Amount the other payer paid. X12: `AMT*D` (2320).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Money>,
    /// Remaining patient liability. X12: `AMT*EAF` (2320).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_patient_liability: Option<Money>,
    /// Non-covered charge. X12: `AMT*A8` (2320).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_covered_amount: Option<Money>,
    /// Benefits assignment to the provider for this payer. X12: `OI03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefits_assignment: Option<BenefitsAssignment>,
    /// Release of information for this payer. X12: `OI06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_of_information: Option<ReleaseOfInformation>,
    /// When the other payer adjudicated the claim. X12: `DTP*573` (2330B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication_date: Option<Date>,
    /// The other payer's claim control number. X12: `REF*F8` (2330B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// The other payer's prior authorization number. X12: `REF*G1` (2330B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_authorization_number: Option<String>,
}
