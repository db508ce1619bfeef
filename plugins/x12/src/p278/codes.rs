//! The code lists of the 278 (005010X217) that Clearway reads and writes, both ways.
//!
//! Where the TR3 differs from the model's generic X12 codes it wins: `UM02` `4` is
//! "Extension" in X217, and the model's `verification` has no X217 code; `HSD01` names
//! days `DY` and units `FL`.

use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationAction, CertificationType, RequestCategory,
};
use clearway_plugin_sdk::schemas::body::{DiagnosisRole as R, UnitType};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

/// `HL03` of each level: UMO, requester, subscriber, dependent, patient event, service.
pub const LEVELS: [&str; 6] = ["20", "21", "22", "23", "EV", "SS"];

/// The `HL03` an `HL` of level `level` must have as parent (`HL02`); `None` for the top.
pub fn parent_levels(level: &str) -> Option<&'static [&'static str]> {
    match level {
        "21" => Some(&["20"]),
        "22" => Some(&["21"]),
        "23" => Some(&["22"]),
        "EV" => Some(&["22", "23"]),
        "SS" => Some(&["EV"]),
        _ => None,
    }
}

/// `UM01` request category codes of X217: `AR`, `HS`, `SC`.
pub fn request_category(code: &str) -> Option<RequestCategory> {
    RequestCategory::from_x12_code(code).filter(|c| *c != RequestCategory::Individual)
}

/// The X217 `UM01` code of a request category (`None` for `individual`, which X217 lacks).
pub fn request_category_code(category: RequestCategory) -> Option<&'static str> {
    (category != RequestCategory::Individual).then(|| category.x12_code())
}

/// X217 `UM02` certification type codes.
const CERTIFICATION_TYPES: &[(&str, CertificationType)] = &[
    ("1", CertificationType::AppealImmediate),
    ("2", CertificationType::AppealStandard),
    ("3", CertificationType::Cancel),
    ("4", CertificationType::Extension),
    ("I", CertificationType::Initial),
    ("R", CertificationType::Renewal),
    ("S", CertificationType::Revised),
];

/// A `UM02` certification type code of X217.
pub fn certification_type(code: &str) -> Option<CertificationType> {
    CERTIFICATION_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| *t)
}

/// The X217 `UM02` code of a certification type (`None` for `verification`).
pub fn certification_type_code(kind: CertificationType) -> Option<&'static str> {
    CERTIFICATION_TYPES
        .iter()
        .find(|(_, t)| *t == kind)
        .map(|(c, _)| *c)
}

/// X217 `HCR01` action codes: A1, A3, A4, A6, C, CT, NA (no `A2` certified partial).
pub fn action(code: &str) -> Option<CertificationAction> {
    CertificationAction::from_x12_code(code).filter(|a| *a != CertificationAction::CertifiedPartial)
}

/// The X217 `HCR01` code of an action (`None` for `certified_partial`).
pub fn action_code(action: CertificationAction) -> Option<&'static str> {
    (action != CertificationAction::CertifiedPartial).then(|| action.x12_code())
}

/// X217 `UM06` level of service codes: `03` emergency, `E` elective, `U` urgent.
pub const LEVELS_OF_SERVICE: &[&str] = &["03", "E", "U"];

/// X217 `HSD01` quantity qualifiers and the unit each names.
const HSD_UNITS: &[(&str, UnitType)] = &[
    ("DY", UnitType::Days),
    ("FL", UnitType::Units),
    ("HS", UnitType::Hours),
    ("MN", UnitType::Months),
    ("VS", UnitType::Visits),
];

/// The unit an `HSD01` quantity qualifier names.
pub fn hsd_unit(code: &str) -> Option<UnitType> {
    HSD_UNITS.iter().find(|(c, _)| *c == code).map(|(_, u)| *u)
}

/// The `HSD01` quantity qualifier of a unit (`None` for minutes and weeks).
pub fn hsd_code(unit: UnitType) -> Option<&'static str> {
    HSD_UNITS.iter().find(|(_, u)| *u == unit).map(|(c, _)| *c)
}

/// `UM04`: a facility code with its qualifier (`A` UB bill type facility, `B` place of
/// service).
pub fn location(code: &str, qualifier: &str) -> Option<Code> {
    let system = match qualifier {
        "A" => CodeSystem::NubcBillType,
        "B" => CodeSystem::PlaceOfService,
        _ => return None,
    };
    Some(Code::new(system, code))
}

/// The `UM04-2` qualifier of a location code's system.
pub fn location_qualifier(system: &CodeSystem) -> Option<&'static str> {
    match system {
        CodeSystem::NubcBillType => Some("A"),
        CodeSystem::PlaceOfService => Some("B"),
        _ => None,
    }
}

/// `NM101` entity codes of a patient event or service provider (2010EA, 2010F).
pub const PROVIDER_ROLES: &[&str] = &[
    "1T", "71", "72", "73", "77", "AAJ", "DD", "DK", "DN", "FA", "G3", "P3", "QB", "QV", "SJ",
];

/// `NM101` entity codes of a patient event transport location (2010EB).
pub const TRANSPORT_ROLES: &[&str] = &["45", "FS", "ND", "PW", "R3"];

/// `NM101` entity codes of another UMO that reviewed the event (2010EC).
pub const OTHER_UMO_ROLES: &[&str] = &["X3", "2B", "36", "GP", "P5", "PR"];

/// The 2010E loop a patient event party with entity code `role` belongs in.
pub fn event_party_loop(role: &str) -> Option<&'static str> {
    if PROVIDER_ROLES.contains(&role) {
        Some("2010EA")
    } else if TRANSPORT_ROLES.contains(&role) {
        Some("2010EB")
    } else if OTHER_UMO_ROLES.contains(&role) {
        Some("2010EC")
    } else {
        None
    }
}

/// `NM101` entity codes of the requester (2010B).
pub const REQUESTER_ROLES: &[&str] = &["1P", "FA"];

/// An `HI` qualifier's diagnosis role and code system: ICD-10-CM `ABK`/`ABF`/`ABJ`/`APR`/
/// `ABN`, ICD-9-CM `BK`/`BF`/`BJ`/`PR`, MS-DRG `DR`.
pub fn diagnosis_kind(qualifier: &str) -> Option<(R, CodeSystem)> {
    let icd9 = || CodeSystem::Other(crate::p837::ICD9.to_owned());
    Some(match qualifier {
        "ABK" => (R::Principal, CodeSystem::Icd10Cm),
        "ABF" => (R::Other, CodeSystem::Icd10Cm),
        "ABJ" => (R::Admitting, CodeSystem::Icd10Cm),
        "APR" => (R::PatientReason, CodeSystem::Icd10Cm),
        "ABN" => (R::ExternalCause, CodeSystem::Icd10Cm),
        "BK" => (R::Principal, icd9()),
        "BF" => (R::Other, icd9()),
        "BJ" => (R::Admitting, icd9()),
        "PR" => (R::PatientReason, icd9()),
        "DR" => (R::Other, CodeSystem::MsDrg),
        _ => return None,
    })
}

/// The `HI` qualifier of a diagnosis, from its role and code system.
pub fn diagnosis_qualifier(role: R, system: &CodeSystem) -> Option<&'static str> {
    let icd9 = matches!(system, CodeSystem::Other(uri) if uri == crate::p837::ICD9);
    Some(match (system, role) {
        (CodeSystem::Icd10Cm, R::Principal) => "ABK",
        (CodeSystem::Icd10Cm, R::Other) => "ABF",
        (CodeSystem::Icd10Cm, R::Admitting) => "ABJ",
        (CodeSystem::Icd10Cm, R::PatientReason) => "APR",
        (CodeSystem::Icd10Cm, R::ExternalCause) => "ABN",
        (CodeSystem::MsDrg, _) => "DR",
        (_, R::Principal) if icd9 => "BK",
        (_, R::Other) if icd9 => "BF",
        (_, R::Admitting) if icd9 => "BJ",
        (_, R::PatientReason) if icd9 => "PR",
        _ => return None,
    })
}
