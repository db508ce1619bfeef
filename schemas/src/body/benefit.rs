//! [`Benefit`]: one eligibility or benefit statement of a 271 (`EB` and its loop 2110).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::{YesNoUnknown, x12_enum};
use crate::party::Party;
use crate::value::{Code, Identifier, Money, Percent, Period, Quantity};

x12_enum! {
    /// What a benefit statement says. X12: `EB01` eligibility or benefit information code.
    /// FHIR: `CoverageEligibilityResponse.insurance.item.benefit.type` / `inforce`.
    BenefitInfo {
        /// Active coverage.
        ActiveCoverage = "active_coverage" / "1",
        /// Active, full risk capitation.
        ActiveFullRiskCapitation = "active_full_risk_capitation" / "2",
        /// Active, services capitated.
        ActiveServicesCapitated = "active_services_capitated" / "3",
        /// Active, services capitated to primary care physician.
        ActiveServicesCapitatedToPcp = "active_services_capitated_to_pcp" / "4",
        /// Active, pending investigation.
        ActivePendingInvestigation = "active_pending_investigation" / "5",
        /// Inactive.
        Inactive = "inactive" / "6",
        /// Inactive, pending eligibility update.
        InactivePendingEligibilityUpdate = "inactive_pending_eligibility_update" / "7",
        /// Inactive, pending investigation.
        InactivePendingInvestigation = "inactive_pending_investigation" / "8",
        /// Co-insurance.
        CoInsurance = "co_insurance" / "A",
        /// Co-payment.
        CoPayment = "co_payment" / "B",
        /// Deductible.
        Deductible = "deductible" / "C",
        /// Coverage basis.
        CoverageBasis = "coverage_basis" / "CB",
        /// Benefit description.
        BenefitDescription = "benefit_description" / "D",
        /// Exclusions.
        Exclusions = "exclusions" / "E",
        /// Limitations.
        Limitations = "limitations" / "F",
        /// Out of pocket (stop loss).
        OutOfPocket = "out_of_pocket" / "G",
        /// Unlimited.
        Unlimited = "unlimited" / "H",
        /// Non-covered.
        NonCovered = "non_covered" / "I",
        /// Cost containment.
        CostContainment = "cost_containment" / "J",
        /// Reserve.
        Reserve = "reserve" / "K",
        /// Primary care provider.
        PrimaryCareProvider = "primary_care_provider" / "L",
        /// Pre-existing condition.
        PreExistingCondition = "pre_existing_condition" / "M",
        /// Managed care coordinator.
        ManagedCareCoordinator = "managed_care_coordinator" / "MC",
        /// Services restricted to the following provider.
        ServicesRestrictedToProvider = "services_restricted_to_provider" / "N",
        /// Not deemed a medical necessity.
        NotMedicallyNecessary = "not_medically_necessary" / "O",
        /// Benefit disclaimer.
        BenefitDisclaimer = "benefit_disclaimer" / "P",
        /// Second surgical opinion required.
        SecondSurgicalOpinionRequired = "second_surgical_opinion_required" / "Q",
        /// Other or additional payer.
        OtherPayer = "other_payer" / "R",
        /// Prior year(s) history.
        PriorYearHistory = "prior_year_history" / "S",
        /// Card(s) reported lost or stolen.
        CardLostOrStolen = "card_lost_or_stolen" / "T",
        /// Contact the following entity for eligibility or benefit information.
        ContactEntity = "contact_entity" / "U",
        /// Cannot process.
        CannotProcess = "cannot_process" / "V",
        /// Other source of data.
        OtherSourceOfData = "other_source_of_data" / "W",
        /// Health care facility.
        HealthCareFacility = "health_care_facility" / "X",
        /// Spend down.
        SpendDown = "spend_down" / "Y",
    }
}

impl BenefitInfo {
    /// Whether this statement says coverage is active (`EB01` 1 to 5).
    pub fn is_active(self) -> bool {
        matches!(self.x12_code(), "1" | "2" | "3" | "4" | "5")
    }

    /// Whether this statement says coverage is inactive (`EB01` 6 to 8).
    pub fn is_inactive(self) -> bool {
        matches!(self.x12_code(), "6" | "7" | "8")
    }
}

x12_enum! {
    /// Who the benefit covers. X12: `EB02`. FHIR: `benefit.unit` (`individual`/`family`).
    CoverageLevel {
        /// Children only.
        ChildrenOnly = "children_only" / "CHD",
        /// Dependents only.
        DependentsOnly = "dependents_only" / "DEP",
        /// Employee and children.
        EmployeeAndChildren = "employee_and_children" / "ECH",
        /// Employee only.
        EmployeeOnly = "employee_only" / "EMP",
        /// Employee and spouse.
        EmployeeAndSpouse = "employee_and_spouse" / "ESP",
        /// Family.
        Family = "family" / "FAM",
        /// Individual.
        Individual = "individual" / "IND",
        /// Spouse and children.
        SpouseAndChildren = "spouse_and_children" / "SPC",
        /// Spouse only.
        SpouseOnly = "spouse_only" / "SPO",
    }
}

x12_enum! {
    /// The period a benefit amount or quantity applies to. X12: `EB06` time period qualifier.
    /// FHIR: `benefit.type` refinements / `term`.
    TimePeriod {
        /// Hour.
        Hour = "hour" / "6",
        /// Day.
        Day = "day" / "7",
        /// 24 hours.
        TwentyFourHours = "24_hours" / "13",
        /// Years.
        Years = "years" / "21",
        /// Service year.
        ServiceYear = "service_year" / "22",
        /// Calendar year.
        CalendarYear = "calendar_year" / "23",
        /// Year to date.
        YearToDate = "year_to_date" / "24",
        /// Contract.
        Contract = "contract" / "25",
        /// Episode.
        Episode = "episode" / "26",
        /// Visit.
        Visit = "visit" / "27",
        /// Outlier.
        Outlier = "outlier" / "28",
        /// Remaining.
        Remaining = "remaining" / "29",
        /// Exceeded.
        Exceeded = "exceeded" / "30",
        /// Not exceeded.
        NotExceeded = "not_exceeded" / "31",
        /// Lifetime.
        Lifetime = "lifetime" / "32",
        /// Lifetime remaining.
        LifetimeRemaining = "lifetime_remaining" / "33",
        /// Month.
        Month = "month" / "34",
        /// Week.
        Week = "week" / "35",
        /// Admission.
        Admission = "admission" / "36",
    }
}

x12_enum! {
    /// Whether a benefit applies in network. X12: `EB12` in-plan-network indicator.
    /// FHIR: `item.network` (`in`/`out`).
    Network {
        /// In network.
        InNetwork = "in_network" / "Y",
        /// Out of network.
        OutOfNetwork = "out_of_network" / "N",
        /// Applies both in and out of network (not applicable).
        Both = "both" / "W",
        /// Unknown.
        Unknown = "unknown" / "U",
    }
}

/// A benefit quantity with its qualifier. X12: `EB09`/`EB10`. FHIR: `benefit.allowedUnsignedInt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BenefitQuantity {
    /// Quantity qualifier, e.g. `VS` visits, `DY` days, `MN` months, `99` used. X12: `EB09`.
    pub qualifier: String,
    /// The quantity. X12: `EB10`.
    pub value: Quantity,
}

/// A dated fact about a benefit. X12: `DTP` (2110C/D), e.g. `348` plan begin, `292` benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BenefitDate {
    /// Date qualifier, e.g. `291` plan, `292` benefit, `304` latest visit. X12: `DTP01`.
    pub qualifier: String,
    /// The date or period. X12: `DTP03`.
    pub period: Period,
}

/// One eligibility or benefit statement. X12: `EB` with its loop 2110C/D (`HSD`, `REF`, `DTP`,
/// `MSG`, `III`, 2120C/D). FHIR: `CoverageEligibilityResponse.insurance.item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Benefit {
    /// What the statement says (active, co-payment, deductible, ...). X12: `EB01`.
    pub info: BenefitInfo,
    /// Who it covers. X12: `EB02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_level: Option<CoverageLevel>,
    /// Service types it applies to (system `x12-service-type`). X12: `EB03` (repeating).
    /// FHIR: `item.category`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_types: Vec<Code>,
    /// Insurance type code, e.g. `MA`, `MB`, `HM`, `PR`. X12: `EB04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<String>,
    /// Plan coverage description. X12: `EB05`. FHIR: `item.name` / `insurance.coverage` display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_description: Option<String>,
    /// Period the amount or quantity applies to. X12: `EB06`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_period: Option<TimePeriod>,
    /// Monetary amount (co-payment, deductible, remaining, ...). X12: `EB07`.
    /// FHIR: `benefit.allowedMoney` / `usedMoney`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Percentage as a decimal fraction (`0.20` = 20 percent co-insurance). X12: `EB08`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Percent>,
    /// Quantity (visits, days, ...). X12: `EB09`/`EB10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<BenefitQuantity>,
    /// Whether authorization or certification is required. X12: `EB11`.
    /// FHIR: `item.authorizationRequired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_required: Option<YesNoUnknown>,
    /// In or out of network. X12: `EB12`. FHIR: `item.network`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// Procedure the statement is about. X12: `EB13`. FHIR: `item.productOrService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Code>,
    /// Procedure modifiers. X12: `EB13-3`..`EB13-6`. FHIR: `item.modifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Dates for this benefit. X12: `DTP` (2110C/D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<BenefitDate>,
    /// Reference identifiers (plan number, prior authorization, ...). X12: `REF` (2110C/D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// Free-form messages. X12: `MSG01`. FHIR: `item.description`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    /// Related entities (primary care provider, other payer, contact). X12: loop 2120C/D
    /// (`NM1`, `N3`, `N4`, `PER`, `PRV`) inside `LS`/`LE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_entities: Vec<Party>,
}

impl Benefit {
    /// A statement with only its information code set.
    pub fn new(info: BenefitInfo) -> Benefit {
        Benefit {
            info,
            coverage_level: None,
            service_types: Vec::new(),
            insurance_type: None,
            plan_description: None,
            time_period: None,
            amount: None,
            percent: None,
            quantity: None,
            authorization_required: None,
            network: None,
            procedure: None,
            modifiers: Vec::new(),
            dates: Vec::new(),
            identifiers: Vec::new(),
            messages: Vec::new(),
            related_entities: Vec::new(),
        }
    }
}
