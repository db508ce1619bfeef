//! What keeps a dental claim message from a TR3-valid 837D: each problem names the JSON
//! pointer of what is missing or not allowed, never a value.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::body::claim::ServiceLine;
use clearway_plugin_sdk::schemas::{Body, Claim, CodeSystem, Message};

use super::decode::OTHER_PROVIDERS;
use super::lines::{ORAL_CAVITY, PROSTHESIS, SURFACES, valid_tooth};
use crate::p837::check::{at_most, invalid, missing, parties, provider};
use crate::p837::header::billing_problems;

/// The variant name in problem messages.
const NAME: &str = "837D";

/// The problems of claim message `index` (`first` in its interchange).
pub fn problems(index: usize, message: &Message, first: bool) -> Vec<Problem> {
    let mut out = billing_problems(NAME, index, message, first);
    out.extend(parties(NAME, index, message));
    let p = &message.parties;
    let base = |field: &str| format!("/{index}/parties/{field}");
    for (field, party, person, address) in [
        ("referring_provider", &p.referring_provider, true, false),
        ("rendering_provider", &p.rendering_provider, true, false),
        ("service_facility", &p.service_facility, false, true),
    ] {
        if let Some(party) = party {
            out.extend(provider(NAME, base(field), party, person, address));
        }
    }
    for (_, code) in OTHER_PROVIDERS {
        let with_role = p
            .other
            .iter()
            .enumerate()
            .filter(|(_, o)| o.role.as_ref().is_some_and(|r| r.code == code))
            .map(|(k, _)| k);
        for (n, k) in with_role.enumerate() {
            if n > 0 {
                out.push(invalid(
                    NAME,
                    format!("/{index}/parties/other/{k}"),
                    "carries one provider per role (loops 2310D-E)",
                ));
            }
        }
    }
    if let Body::Claim(claim) = &message.body {
        out.extend(claim_problems(&format!("/{index}/body"), claim));
    }
    out
}

/// The problems of the claim body at JSON pointer `body`.
fn claim_problems(body: &str, claim: &Claim) -> Vec<Problem> {
    let mut out = Vec::new();
    if claim.place_of_service.is_none() {
        out.push(missing(
            NAME,
            format!("{body}/place_of_service"),
            "a place of service (CLM05-1)",
        ));
    }
    let diagnoses = &claim.diagnoses;
    out.extend(at_most(
        NAME,
        format!("{body}/diagnoses"),
        diagnoses.len(),
        4,
        "diagnoses (HI)",
    ));
    let principal = diagnoses
        .iter()
        .filter(|d| d.role == DiagnosisRole::Principal)
        .count();
    if !diagnoses.is_empty() && principal != 1 {
        out.push(invalid(
            NAME,
            format!("{body}/diagnoses"),
            "carries diagnoses only after exactly one principal diagnosis (HI01 ABK)",
        ));
    }
    for (j, dx) in diagnoses.iter().enumerate() {
        if !matches!(dx.role, DiagnosisRole::Principal | DiagnosisRole::Other) {
            out.push(invalid(
                NAME,
                format!("{body}/diagnoses/{j}/role"),
                "carries principal and other diagnoses only (HI ABK, ABF)",
            ));
        }
    }
    if let Some(dental) = &claim.dental {
        let path = format!("{body}/dental/tooth_status");
        out.extend(at_most(
            NAME,
            path.clone(),
            dental.tooth_status.len(),
            35,
            "tooth statuses (DN2)",
        ));
        for (j, status) in dental.tooth_status.iter().enumerate() {
            if !valid_tooth(&status.tooth) {
                out.push(invalid(
                    NAME,
                    format!("{path}/{j}/tooth"),
                    "names teeth by ADA universal number (1-32, A-T, 51-82, AS-TS)",
                ));
            }
        }
    }
    let lines = format!("{body}/service_lines");
    if claim.service_lines.is_empty() {
        out.push(missing(NAME, lines.clone(), "a service line (loop 2400)"));
    }
    out.extend(at_most(
        NAME,
        lines.clone(),
        claim.service_lines.len(),
        50,
        "service lines",
    ));
    for (j, line) in claim.service_lines.iter().enumerate() {
        out.extend(line_problems(&format!("{lines}/{j}"), line, claim));
    }
    out
}

/// The problems of one service line at JSON pointer `path`.
fn line_problems(path: &str, line: &ServiceLine, claim: &Claim) -> Vec<Problem> {
    let mut out = Vec::new();
    match &line.procedure {
        Some(code) if code.system == CodeSystem::Cdt => {}
        Some(_) => out.push(invalid(
            NAME,
            format!("{path}/procedure/system"),
            "carries CDT procedure codes only (SV301-1 AD)",
        )),
        None => out.push(missing(
            NAME,
            format!("{path}/procedure"),
            "a CDT procedure code (SV301-2)",
        )),
    }
    let areas = &line.oral_cavity_areas;
    out.extend(at_most(
        NAME,
        format!("{path}/oral_cavity_areas"),
        areas.len(),
        5,
        "oral cavity areas (SV304)",
    ));
    for (k, area) in areas.iter().enumerate() {
        if !ORAL_CAVITY.contains(&area.as_str()) {
            out.push(invalid(
                NAME,
                format!("{path}/oral_cavity_areas/{k}"),
                "takes oral cavity designation codes from its code list (SV304)",
            ));
        }
    }
    if line
        .prosthesis
        .as_deref()
        .is_some_and(|p| !PROSTHESIS.contains(&p))
    {
        out.push(invalid(
            NAME,
            format!("{path}/prosthesis"),
            "takes prosthesis codes I (initial) or R (replacement) (SV305)",
        ));
    }
    out.extend(at_most(
        NAME,
        format!("{path}/teeth"),
        line.teeth.len(),
        32,
        "teeth per line (TOO)",
    ));
    for (k, tooth) in line.teeth.iter().enumerate() {
        let tooth_path = format!("{path}/teeth/{k}");
        if !valid_tooth(&tooth.number) {
            out.push(invalid(
                NAME,
                format!("{tooth_path}/number"),
                "names teeth by ADA universal number (TOO01 JP: 1-32, A-T, 51-82, AS-TS)",
            ));
        }
        out.extend(at_most(
            NAME,
            format!("{tooth_path}/surfaces"),
            tooth.surfaces.len(),
            5,
            "surfaces per tooth (TOO03)",
        ));
        if tooth
            .surfaces
            .iter()
            .any(|s| !SURFACES.contains(&s.as_str()))
        {
            out.push(invalid(
                NAME,
                format!("{tooth_path}/surfaces"),
                "takes tooth surface codes B, D, F, I, L, M, O (TOO03)",
            ));
        }
    }
    let pointers = &line.diagnosis_pointers;
    out.extend(at_most(
        NAME,
        format!("{path}/diagnosis_pointers"),
        pointers.len(),
        4,
        "diagnosis pointers (SV311)",
    ));
    if pointers
        .iter()
        .any(|p| !claim.diagnoses.iter().any(|d| d.sequence == *p))
    {
        out.push(invalid(
            NAME,
            format!("{path}/diagnosis_pointers"),
            "points only at diagnoses the claim carries (SV311)",
        ));
    }
    out
}
