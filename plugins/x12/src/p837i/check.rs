//! What keeps an institutional claim message from a TR3-valid 837I: each problem names the
//! JSON pointer of what is missing or not allowed, never a value.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::claim_detail::ProcedureRole;
use clearway_plugin_sdk::schemas::body::{DiagnosisRole, UnitType};
use clearway_plugin_sdk::schemas::{Body, EntityType, Message};

use super::decode::OTHER_PROVIDERS;
use super::encode::bill_parts;
use super::hi::procedure_qualifier;
use crate::p837::check::{at_most, invalid, missing, parties, provider};
use crate::p837::header::billing_problems;

/// The variant name in problem messages.
const NAME: &str = "837I";

/// How many diagnoses of each role the 837I carries: one principal (required), one
/// admitting, three reasons for visit, twelve external causes, 24 others (two `HI`).
const DIAGNOSIS_LIMITS: [(DiagnosisRole, usize, &str); 5] = [
    (DiagnosisRole::Principal, 1, "principal diagnosis (HI ABK)"),
    (DiagnosisRole::Admitting, 1, "admitting diagnosis (HI ABJ)"),
    (
        DiagnosisRole::PatientReason,
        3,
        "patient reasons for visit (HI APR)",
    ),
    (
        DiagnosisRole::ExternalCause,
        12,
        "external causes of injury (HI ABN)",
    ),
    (DiagnosisRole::Other, 24, "other diagnoses (HI ABF)"),
];

/// The problems of claim message `index` (`first` in its interchange).
pub fn problems(index: usize, message: &Message, first: bool) -> Vec<Problem> {
    let mut out = billing_problems(NAME, index, message, first);
    let provider_path = format!("/{index}/parties/provider");
    if let Some(billing) = &message.parties.provider {
        if billing.tax_id.as_deref().is_none_or(str::is_empty) {
            out.push(missing(
                NAME,
                format!("{provider_path}/tax_id"),
                "a billing provider tax id (REF*EI)",
            ));
        }
        if billing.entity_type == Some(EntityType::Person) {
            out.push(invalid(
                NAME,
                format!("{provider_path}/entity_type"),
                "billing provider is an organization (NM102 2)",
            ));
        }
    }
    out.extend(parties(NAME, index, message));
    out.extend(others(index, message));
    let Body::Claim(claim) = &message.body else {
        return out;
    };
    let body = format!("/{index}/body");
    if claim
        .bill_type
        .as_ref()
        .and_then(|b| bill_parts(&b.code))
        .is_none()
    {
        out.push(missing(
            NAME,
            format!("{body}/bill_type"),
            "a type of bill of 3 or 4 characters (CLM05-1 facility type, CLM05-3 frequency)",
        ));
    }
    let statement = claim.dates.service_period.as_ref();
    if statement.is_none_or(|p| p.start.is_none() || p.end.is_none()) {
        out.push(missing(
            NAME,
            format!("{body}/dates/service_period"),
            "statement dates with a start and an end (DTP*434)",
        ));
    }
    let status = claim
        .institutional
        .as_ref()
        .and_then(|i| i.patient_status.as_ref());
    if status.is_none() {
        out.push(missing(
            NAME,
            format!("{body}/institutional/patient_status"),
            "a patient discharge status (CL103)",
        ));
    }
    let count = |role| claim.diagnoses.iter().filter(|d| d.role == role).count();
    if count(DiagnosisRole::Principal) == 0 {
        out.push(missing(
            NAME,
            format!("{body}/diagnoses"),
            "a principal diagnosis (HI ABK)",
        ));
    }
    for (role, max, what) in DIAGNOSIS_LIMITS {
        out.extend(at_most(
            NAME,
            format!("{body}/diagnoses"),
            count(role),
            max,
            what,
        ));
    }
    let principal = claim
        .procedures
        .iter()
        .filter(|p| p.role == ProcedureRole::Principal)
        .count();
    let path = format!("{body}/procedures");
    out.extend(at_most(
        NAME,
        path.clone(),
        principal,
        1,
        "principal procedure (HI BBR)",
    ));
    let others = claim.procedures.len() - principal;
    out.extend(at_most(
        NAME,
        path.clone(),
        others,
        24,
        "other procedures (HI BBQ)",
    ));
    for (j, procedure) in claim.procedures.iter().enumerate() {
        if procedure.date.is_none() {
            out.push(missing(
                NAME,
                format!("{path}/{j}/date"),
                "a procedure date (HI0n-4)",
            ));
        }
        if procedure_qualifier(procedure).is_none() {
            out.push(invalid(
                NAME,
                format!("{path}/{j}/code/system"),
                "carries ICD-10-PCS or ICD-9-CM claim procedures only (HI BBR/BBQ, BR/BQ)",
            ));
        }
    }
    if let Some(info) = &claim.institutional {
        let lists = [
            (
                "occurrence_spans",
                info.occurrence_spans.len(),
                "occurrence spans (HI BI)",
            ),
            ("occurrences", info.occurrences.len(), "occurrences (HI BH)"),
            ("value_codes", info.value_codes.len(), "value codes (HI BE)"),
            (
                "condition_codes",
                info.condition_codes.len(),
                "condition codes (HI BG)",
            ),
        ];
        for (field, len, what) in lists {
            out.extend(at_most(
                NAME,
                format!("{body}/institutional/{field}"),
                len,
                24,
                what,
            ));
        }
    }
    let billing_notes = claim
        .notes
        .iter()
        .filter(|n| n.code.as_deref().is_none_or(|c| c == "ADD"))
        .count();
    out.extend(at_most(
        NAME,
        format!("{body}/notes"),
        billing_notes,
        1,
        "billing note (NTE*ADD)",
    ));
    if claim.service_lines.is_empty() {
        out.push(missing(
            NAME,
            format!("{body}/service_lines"),
            "a service line (loop 2400)",
        ));
    }
    for (j, line) in claim.service_lines.iter().enumerate() {
        if line.revenue_code.is_none() {
            out.push(missing(
                NAME,
                format!("{body}/service_lines/{j}/revenue_code"),
                "a revenue code on every service line (SV201)",
            ));
        }
        if line
            .unit_type
            .is_some_and(|u| !matches!(u, UnitType::Units | UnitType::Days))
        {
            out.push(invalid(
                NAME,
                format!("{body}/service_lines/{j}/unit_type"),
                "counts service units in units or days only (SV204 UN, DA)",
            ));
        }
    }
    out
}

/// The claim-level providers: attending, operating and other operating physicians at most
/// once each and persons, rendering and referring persons, a service facility with an address.
fn others(index: usize, message: &Message) -> Vec<Problem> {
    let p = &message.parties;
    let mut out = Vec::new();
    for (_, code) in OTHER_PROVIDERS {
        let with_role: Vec<usize> = p
            .other
            .iter()
            .enumerate()
            .filter(|(_, o)| o.role.as_ref().is_some_and(|r| r.code == code))
            .map(|(k, _)| k)
            .collect();
        if let Some(&extra) = with_role.get(1) {
            out.push(invalid(
                NAME,
                format!("/{index}/parties/other/{extra}"),
                "carries one provider per role (loops 2310A-C)",
            ));
        }
        if let Some(&k) = with_role.first() {
            out.extend(provider(
                NAME,
                format!("/{index}/parties/other/{k}"),
                &p.other[k],
                true,
                false,
            ));
        }
    }
    let base = |field: &str| format!("/{index}/parties/{field}");
    if let Some(party) = &p.rendering_provider {
        out.extend(provider(
            NAME,
            base("rendering_provider"),
            party,
            true,
            false,
        ));
    }
    if let Some(party) = &p.referring_provider {
        out.extend(provider(
            NAME,
            base("referring_provider"),
            party,
            true,
            false,
        ));
    }
    if let Some(party) = &p.service_facility {
        out.extend(provider(NAME, base("service_facility"), party, false, true));
    }
    out
}
