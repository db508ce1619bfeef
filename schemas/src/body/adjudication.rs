//! The claim and service payments of a [`Remittance`](super::Remittance) (835 loops 2100/2110).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::{ClaimFrequency, x12_enum};
use super::common::{Adjustment, QualifiedAmount};
use crate::party::Party;
use crate::value::{Code, Date, Identifier, Money, Percent, Period, Quantity};

x12_enum! {
    /// How the payer processed the claim. X12: `CLP02`. FHIR: `ExplanationOfBenefit.outcome`
    /// / `ClaimResponse.outcome`.
    ClaimPaymentStatus {
        /// Processed as primary.
        ProcessedAsPrimary = "processed_as_primary" / "1",
        /// Processed as secondary.
        ProcessedAsSecondary = "processed_as_secondary" / "2",
        /// Processed as tertiary.
        ProcessedAsTertiary = "processed_as_tertiary" / "3",
        /// Denied.
        Denied = "denied" / "4",
        /// Processed as primary, forwarded to additional payer(s).
        ProcessedAsPrimaryForwarded = "processed_as_primary_forwarded" / "19",
        /// Processed as secondary, forwarded to additional payer(s).
        ProcessedAsSecondaryForwarded = "processed_as_secondary_forwarded" / "20",
        /// Processed as tertiary, forwarded to additional payer(s).
        ProcessedAsTertiaryForwarded = "processed_as_tertiary_forwarded" / "21",
        /// Reversal of previous payment.
        Reversal = "reversal" / "22",
        /// Not our claim, forwarded to additional payer(s).
        NotOurClaimForwarded = "not_our_claim_forwarded" / "23",
        /// Predetermination pricing only, no payment.
        Predetermination = "predetermination" / "25",
    }
}

/// Outpatient adjudication information. X12: `MOA`. FHIR: `ExplanationOfBenefit.adjudication`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutpatientAdjudication {
    /// Reimbursement rate. X12: `MOA01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reimbursement_rate: Option<Percent>,
    /// Claim HCPCS payable amount. X12: `MOA02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hcpcs_payable_amount: Option<Money>,
    /// Remark codes (system `rarc`). X12: `MOA03`..`MOA07`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<Code>,
    /// End stage renal disease payment amount. X12: `MOA08`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esrd_payment_amount: Option<Money>,
    /// Non-payable professional component amount. X12: `MOA09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_payable_professional_component: Option<Money>,
}

/// Inpatient adjudication information. X12: `MIA`. FHIR: `ExplanationOfBenefit.adjudication`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InpatientAdjudication {
    /// Covered days or visits. X12: `MIA01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_days: Option<Quantity>,
    /// PPS operating outlier amount. X12: `MIA02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pps_operating_outlier_amount: Option<Money>,
    /// Lifetime psychiatric days. X12: `MIA03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_psychiatric_days: Option<Quantity>,
    /// Claim DRG amount. X12: `MIA04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drg_amount: Option<Money>,
    /// Remark codes (system `rarc`). X12: `MIA05`, `MIA20`..`MIA23`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<Code>,
    /// Claim disproportionate share amount. X12: `MIA06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disproportionate_share_amount: Option<Money>,
    /// Claim MSP pass-through amount. X12: `MIA07`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_pass_through_amount: Option<Money>,
    /// Claim PPS capital amount. X12: `MIA08`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pps_capital_amount: Option<Money>,
    /// Other `MIA` amounts, qualified by element name (`MIA09` ... `MIA19`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_amounts: Vec<QualifiedAmount>,
}

/// Payment of one service line. X12: loop 2110 (`SVC`, `DTP`, `CAS`, `REF`, `AMT`, `QTY`,
/// `LQ`). FHIR: `ExplanationOfBenefit.item`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePayment {
    /// Procedure as adjudicated (system `cpt`, `hcpcs`, `cdt`, `ndc`, or `nubc-revenue` with
    /// `NU`). X12: `SVC01-2`. FHIR: `item.productOrService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Modifiers as adjudicated. X12: `SVC01-3`..`SVC01-6`. FHIR: `item.modifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Revenue code (institutional). X12: `SVC04`. FHIR: `item.revenue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Code>,
    /// Line charge. X12: `SVC02`. FHIR: `item.adjudication` `submitted`.
    pub charge: Money,
    /// Line paid. X12: `SVC03`. FHIR: `item.adjudication` `benefit`.
    pub paid: Money,
    /// Units paid. X12: `SVC05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_paid: Option<Quantity>,
    /// Procedure as submitted, when the payer adjudicated a different one. X12: `SVC06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_procedure: Option<Code>,
    /// Modifiers as submitted. X12: `SVC06-3`..`SVC06-6`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submitted_modifiers: Vec<String>,
    /// Units as submitted, when different. X12: `SVC07`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_submitted: Option<Quantity>,
    /// Service date or period. X12: `DTP*472`, `DTP*150`/`151`. FHIR: `item.servicedDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// Line item control number from the claim (`REF*6R` of the 837). X12: `REF*6R`.
    /// FHIR: `item.sequence` link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_control_number: Option<String>,
    /// Line adjustments. X12: `CAS` (2110). FHIR: `item.adjudication`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// Allowed amount. X12: `AMT*B6`. FHIR: `item.adjudication` `eligible`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_amount: Option<Money>,
    /// Other line amounts (`KH` late filing reduction, `T` tax, ...). X12: `AMT` (2110).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_amounts: Vec<QualifiedAmount>,
    /// Remarks (system `rarc` for `LQ*HE`). X12: `LQ02`. FHIR: `item.noteNumber` / reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<Code>,
    /// Other line identifiers (`REF*G1` prior auth, `REF*HPI` rendering NPI, ...). X12: `REF`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
}

/// Payment of one claim. X12: loop 2100 (`CLP`, `CAS`, `NM1`, `MIA`, `MOA`, `REF`, `DTP`,
/// `PER`, `AMT`, `QTY`) with its 2110 lines. FHIR: `ExplanationOfBenefit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimPayment {
    /// Provider's assigned number grouping claims (often the bill type or a sequence).
    /// X12: `LX01` of the enclosing 2000 loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_number: Option<u32>,
    /// Patient control number from the claim. X12: `CLP01`. FHIR: `ExplanationOfBenefit.claim`.
    pub patient_control_number: String,
    /// Processed as primary, denied, reversal, ... X12: `CLP02`.
    pub status: ClaimPaymentStatus,
    /// Total claim charge. X12: `CLP03`. FHIR: `total` `submitted`.
    pub charge: Money,
    /// Claim payment amount. X12: `CLP04`. FHIR: `payment.amount`.
    pub paid: Money,
    /// Patient responsibility. X12: `CLP05`. FHIR: `total` `patientpay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_responsibility: Option<Money>,
    /// Claim filing indicator (`MB`, `MC`, `CI`, `12`, ...). X12: `CLP06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_filing_indicator: Option<String>,
    /// Payer claim control number. X12: `CLP07`. FHIR: `ExplanationOfBenefit.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Facility type / place of service code (system `pos` or the bill type's first two
    /// digits). X12: `CLP08`. FHIR: `facility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<Code>,
    /// Claim frequency. X12: `CLP09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<ClaimFrequency>,
    /// DRG (system `ms-drg`). X12: `CLP11`. FHIR: `item.productOrService` / `packageCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drg: Option<Code>,
    /// DRG weight. X12: `CLP12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drg_weight: Option<Quantity>,
    /// Discharge fraction. X12: `CLP13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge_fraction: Option<Percent>,
    /// Claim-level adjustments. X12: `CAS` (2100). FHIR: `adjudication`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// The patient as the payer has them. X12: `NM1*QC`. FHIR: `patient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Party>,
    /// The insured, when not the patient. X12: `NM1*IL`. FHIR: `insurance.coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured: Option<Party>,
    /// Other claim-level parties (corrected patient `74`, rendering `82`, crossover carrier
    /// `TT`, corrected priority payer `PR`), with `role` set. X12: `NM1` (2100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_parties: Vec<Party>,
    /// Inpatient adjudication. X12: `MIA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inpatient: Option<InpatientAdjudication>,
    /// Outpatient adjudication. X12: `MOA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpatient: Option<OutpatientAdjudication>,
    /// Other claim identifiers (`REF*EA` medical record, `REF*1L` group, `REF*G1` prior auth).
    /// X12: `REF` (2100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// Statement period. X12: `DTP*232`/`DTP*233`. FHIR: `billablePeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_period: Option<Period>,
    /// Claim received date. X12: `DTP*050`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_date: Option<Date>,
    /// Coverage expiration date. X12: `DTP*036`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_expiration: Option<Date>,
    /// Other claim amounts (`AU` coverage, `D8` discount, `I` interest, `F5` patient paid).
    /// X12: `AMT` (2100). FHIR: `total`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_amounts: Vec<QualifiedAmount>,
    /// Service line payments. X12: loops 2110. FHIR: `item`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_lines: Vec<ServicePayment>,
}
