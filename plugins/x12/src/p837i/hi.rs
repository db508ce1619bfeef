//! The institutional `HI` segments both ways: diagnoses (principal, admitting, reason for
//! visit, external cause, other, with present-on-admission), the DRG, ICD-10-PCS (or ICD-9)
//! procedures, occurrence spans, occurrences, value codes and condition codes.

use clearway_plugin_sdk::schemas::body::claim::{
    ClaimProcedure, InstitutionalInfo, Occurrence, OccurrenceSpan, ValueCode,
};
use clearway_plugin_sdk::schemas::body::claim_detail::ProcedureRole;
use clearway_plugin_sdk::schemas::body::{Diagnosis, DiagnosisRole};
use clearway_plugin_sdk::schemas::{Claim, Code, CodeSystem, Date, Period};

use crate::p835::adjust::REMARK_LIST_URN;
use crate::p837::common::{decimal, diagnosis, diagnosis_kind, hi_code, hi_qualifier, poa_code};
use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{parse_date, write_date, write_period};

/// Diagnosis roles in the order the TR3 lists their `HI` segments.
pub const ROLE_ORDER: [DiagnosisRole; 5] = [
    DiagnosisRole::Principal,
    DiagnosisRole::Admitting,
    DiagnosisRole::PatientReason,
    DiagnosisRole::ExternalCause,
    DiagnosisRole::Other,
];

/// The system of a claim-level procedure code list qualifier, and its role.
fn procedure_kind(qualifier: &str) -> Option<(ProcedureRole, CodeSystem)> {
    let icd9 = || CodeSystem::Other(crate::p837::ICD9.to_owned());
    Some(match qualifier {
        "BBR" => (ProcedureRole::Principal, CodeSystem::Icd10Pcs),
        "BBQ" => (ProcedureRole::Other, CodeSystem::Icd10Pcs),
        "BR" => (ProcedureRole::Principal, icd9()),
        "BQ" => (ProcedureRole::Other, icd9()),
        "CAH" => (
            ProcedureRole::Principal,
            CodeSystem::Other(format!("{REMARK_LIST_URN}CAH")),
        ),
        _ => return None,
    })
}

/// The `HI` qualifier of a procedure, `None` for a code system the 837I cannot carry.
pub fn procedure_qualifier(procedure: &ClaimProcedure) -> Option<&'static str> {
    let principal = procedure.role == ProcedureRole::Principal;
    match &procedure.code.system {
        CodeSystem::Icd10Pcs => Some(if principal { "BBR" } else { "BBQ" }),
        CodeSystem::Other(uri) if uri == crate::p837::ICD9 => {
            Some(if principal { "BR" } else { "BQ" })
        }
        CodeSystem::Other(uri) if principal && *uri == format!("{REMARK_LIST_URN}CAH") => {
            Some("CAH")
        }
        _ => None,
    }
}

/// Component `m` of composite `n`, required.
fn part<'a>(hi: &Segment<'a>, n: usize, m: usize, what: &'static str) -> Result<&'a str, X12Error> {
    let value = hi.comp(n, m);
    if value.is_empty() {
        return Err(hi.err(format!("HI{n:02}-{m}"), ErrorKind::MissingElement(what)));
    }
    Ok(value)
}

/// The date of composite `n` (`D8` in component 3, the date in component 4).
fn day(hi: &Segment<'_>, n: usize) -> Result<Date, X12Error> {
    if hi.comp(n, 3) != "D8" {
        return Err(hi.err(
            format!("HI{n:02}-3"),
            ErrorKind::InvalidCode("date time period format qualifier"),
        ));
    }
    parse_date(hi.comp(n, 4)).ok_or_else(|| hi.err(format!("HI{n:02}-4"), ErrorKind::InvalidDate))
}

/// The period of composite `n` (`RD8` in component 3).
fn span(hi: &Segment<'_>, n: usize) -> Result<Period, X12Error> {
    if hi.comp(n, 3) != "RD8" {
        return Err(hi.err(
            format!("HI{n:02}-3"),
            ErrorKind::InvalidCode("date time period format qualifier"),
        ));
    }
    let bad = || hi.err(format!("HI{n:02}-4"), ErrorKind::InvalidDate);
    let (start, end) = hi.comp(n, 4).split_once('-').ok_or_else(bad)?;
    match (parse_date(start), parse_date(end)) {
        (Some(start), Some(end)) => Ok(Period::between(start, end)),
        _ => Err(bad()),
    }
}

/// Whether `qualifier` is one [`read`] maps.
fn mapped(qualifier: &str) -> bool {
    diagnosis_kind(qualifier).is_some()
        || procedure_kind(qualifier).is_some()
        || matches!(qualifier, "DR" | "BI" | "BH" | "BE" | "BG")
}

/// Reads one `HI` into `claim`; `false` (nothing read) when its first qualifier is not one
/// the model holds (e.g. `TC` treatment codes), so the segment is carried.
///
/// # Errors
///
/// An unknown qualifier after a known one, missing codes, bad dates and amounts.
pub fn read(claim: &mut Claim, hi: &Segment<'_>) -> Result<bool, X12Error> {
    if !mapped(hi.comp(1, 1)) {
        return Ok(false);
    }
    for n in 1..=12 {
        if hi.opt(n).is_none() {
            continue;
        }
        let qualifier = hi.comp(n, 1);
        if diagnosis_kind(qualifier).is_some() {
            claim.diagnoses.push(diagnosis(hi, n, true)?);
            continue;
        }
        if let Some((role, system)) = procedure_kind(qualifier) {
            let code = part(hi, n, 2, "procedure code")?;
            claim.procedures.push(ClaimProcedure {
                sequence: 0,
                code: Code::new(system, code),
                role,
                date: Some(day(hi, n)?),
            });
            continue;
        }
        let info = claim
            .institutional
            .get_or_insert_with(InstitutionalInfo::default);
        match qualifier {
            "DR" => info.drg = Some(Code::new(CodeSystem::MsDrg, part(hi, n, 2, "DRG code")?)),
            "BI" => info.occurrence_spans.push(OccurrenceSpan {
                code: Code::new(
                    CodeSystem::NubcOccurrenceSpan,
                    part(hi, n, 2, "occurrence span code")?,
                ),
                period: span(hi, n)?,
            }),
            "BH" => info.occurrences.push(Occurrence {
                code: Code::new(
                    CodeSystem::NubcOccurrence,
                    part(hi, n, 2, "occurrence code")?,
                ),
                date: day(hi, n)?,
            }),
            "BE" => {
                let code = part(hi, n, 2, "value code")?;
                let amount = part(hi, n, 5, "value code amount")?;
                let amount = decimal(amount)
                    .ok_or_else(|| hi.err(format!("HI{n:02}-5"), ErrorKind::InvalidNumber))?;
                info.value_codes.push(ValueCode {
                    code: Code::new(CodeSystem::NubcValue, code),
                    amount,
                });
            }
            "BG" => info.condition_codes.push(Code::new(
                CodeSystem::NubcCondition,
                part(hi, n, 2, "condition code")?,
            )),
            _ => {
                return Err(hi.err(
                    format!("HI{n:02}-1"),
                    ErrorKind::InvalidCode("code list qualifier code"),
                ));
            }
        }
    }
    Ok(true)
}

/// Puts the diagnoses in the TR3 order of their `HI` segments (stable within a role) and
/// the principal procedure first, then numbers both from 1.
pub fn renumber(claim: &mut Claim) {
    let rank = |d: &Diagnosis| ROLE_ORDER.iter().position(|r| *r == d.role).unwrap_or(5);
    claim.diagnoses.sort_by_key(rank);
    for (index, dx) in claim.diagnoses.iter_mut().enumerate() {
        dx.sequence = u32::try_from(index + 1).unwrap_or(u32::MAX);
    }
    claim
        .procedures
        .sort_by_key(|p| p.role != ProcedureRole::Principal);
    for (index, procedure) in claim.procedures.iter_mut().enumerate() {
        procedure.sequence = u32::try_from(index + 1).unwrap_or(u32::MAX);
    }
}

/// Writes `HI` segments of twelve composites at most.
fn chunks(w: &mut Writer, composites: Vec<Vec<String>>) {
    for chunk in composites.chunks(12) {
        let elements: Vec<String> = chunk
            .iter()
            .map(|parts| {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                w.comp(&parts)
            })
            .collect();
        w.seg("HI", &elements);
    }
}

/// A diagnosis composite: qualifier, code and, when present, its indicator in component 9.
fn dx_composite(dx: &Diagnosis) -> Vec<String> {
    let mut parts = vec![
        hi_qualifier(dx.role, &dx.code.system).to_owned(),
        hi_code(&dx.code),
    ];
    if dx.role != DiagnosisRole::Admitting && dx.role != DiagnosisRole::PatientReason {
        parts.resize(8, String::new());
        parts.push(poa_code(dx.present_on_admission).to_owned());
    }
    parts
}

/// Writes the mapped `HI` segments in TR3 order (principal, admitting, reason for visit,
/// external cause, DRG, other diagnoses, principal and other procedures, occurrence spans,
/// occurrences, values, conditions); the caller writes carried ones (treatment codes) after.
pub fn write(w: &mut Writer, claim: &Claim) {
    for role in ROLE_ORDER {
        let composites = claim
            .diagnoses
            .iter()
            .filter(|d| d.role == role)
            .map(dx_composite)
            .collect();
        chunks(w, composites);
        if role == DiagnosisRole::ExternalCause
            && let Some(drg) = claim.institutional.as_ref().and_then(|i| i.drg.as_ref())
        {
            let composite = w.comp(&["DR", drg.code.as_str()]);
            w.seg("HI", &[composite]);
        }
    }
    for principal in [true, false] {
        let composites = claim
            .procedures
            .iter()
            .filter(|p| (p.role == ProcedureRole::Principal) == principal)
            .filter_map(|p| {
                Some(vec![
                    procedure_qualifier(p)?.to_owned(),
                    p.code.code.clone(),
                    "D8".to_owned(),
                    p.date.as_ref().map(write_date).unwrap_or_default(),
                ])
            })
            .collect();
        chunks(w, composites);
    }
    let Some(info) = &claim.institutional else {
        return;
    };
    let spans = info
        .occurrence_spans
        .iter()
        .map(|s| {
            let (_, range) = write_period(&s.period);
            let range = if range.contains('-') {
                range
            } else {
                format!("{range}-{range}")
            };
            vec![
                "BI".to_owned(),
                s.code.code.clone(),
                "RD8".to_owned(),
                range,
            ]
        })
        .collect();
    chunks(w, spans);
    let occurrences = info
        .occurrences
        .iter()
        .map(|o| {
            vec![
                "BH".to_owned(),
                o.code.code.clone(),
                "D8".to_owned(),
                write_date(&o.date),
            ]
        })
        .collect();
    chunks(w, occurrences);
    let values = info
        .value_codes
        .iter()
        .map(|v| {
            vec![
                "BE".to_owned(),
                v.code.code.clone(),
                String::new(),
                String::new(),
                v.amount.to_string(),
            ]
        })
        .collect();
    chunks(w, values);
    let conditions = info
        .condition_codes
        .iter()
        .map(|c| vec!["BG".to_owned(), c.code.clone()])
        .collect();
    chunks(w, conditions);
}
