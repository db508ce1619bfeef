//! The subscriber and dependent name loops (2100C/D) of a 270 or 271, written so that the
//! decoder reads back the same party, coverage, rejections, diagnoses and dates.
//!
//! Coverage facts ride on `REF*18` (plan) and `REF*6P` (group), which the decoder also keeps
//! as the party's identifiers: the party's own `REF`s are written first (with the plan or group
//! name in `REF03` on a 271), then a `REF` for whatever the coverage still lacks. A
//! dependent's coverage starts from the subscriber's, as the decoder reads it.

use clearway_plugin_sdk::schemas::body::Rejection;
use clearway_plugin_sdk::schemas::body::coverage::Coverage;
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Party, Period, Relationship};

use super::write::{self, UsedId};
use crate::syntax::{Writer, scan};
use crate::values::{write_date, write_period};

/// `REF01` qualifiers of a 270 subscriber (2100C).
const SUBSCRIBER_REFS_270: &[&str] = &[
    "18", "1L", "1W", "3H", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IG", "N6", "NQ", "SY", "Y4",
];
/// `REF01` qualifiers of a 270 dependent (2100D).
const DEPENDENT_REFS_270: &[&str] = &[
    "18", "1L", "1W", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IF", "IG", "MRC", "N6", "SY", "Y4",
];
/// `REF01` qualifiers of a 271 subscriber or dependent (2100C/D).
const PERSON_REFS_271: &[&str] = &[
    "18", "1L", "1W", "3H", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IG", "N6", "NQ", "SY", "Y4",
];

/// What a name loop writes besides its party.
#[derive(Debug, Clone, Default)]
pub struct NameLoop<'a> {
    /// Whether this is a 271.
    pub response: bool,
    /// Whether this is the dependent loop (2100D, `NM1*03`).
    pub dependent: bool,
    /// The coverage to express here, `None` to write only the party.
    pub coverage: Option<&'a Coverage>,
    /// Where plan and group names (`REF03`, 271 only) come from.
    pub names: Option<&'a Coverage>,
    /// The coverage the decoder has before this loop (the subscriber's, for a dependent).
    pub base: Coverage,
    /// Rejections of this level (`AAA`, 271).
    pub rejections: Vec<&'a Rejection>,
    /// Diagnoses (`HI`, 270).
    pub diagnoses: &'a [Code],
    /// Date of service (`DTP*291`).
    pub date_of_service: Option<&'a Period>,
    /// Carried segments of the loop (`DTP`, `MPI`), in order.
    pub carried: Vec<&'a str>,
}

/// `DTP` format and value of a period; one known day as `D8`.
pub fn dtp_value(period: &Period) -> Option<(String, String)> {
    match (&period.start, &period.end) {
        (Some(_), Some(_)) => Some(write_period(period)),
        (Some(day), None) | (None, Some(day)) => Some(("D8".into(), write_date(day))),
        (None, None) => None,
    }
}

/// What the decoder does with a `REF` of a name loop.
fn apply_ref(coverage: &mut Coverage, qualifier: &str, value: &str, name: Option<String>) {
    match qualifier {
        "18" => (coverage.plan_id, coverage.plan_name) = (Some(value.to_owned()), name),
        "6P" => (coverage.group_number, coverage.group_name) = (Some(value.to_owned()), name),
        "1L" if coverage.group_number.is_none() => coverage.group_number = Some(value.to_owned()),
        _ => {}
    }
}

/// `REF03` for a plan or group identifier: the name the coverage gives it (271 only).
fn ref_name(names: Option<&Coverage>, qualifier: &str, value: &str) -> Option<String> {
    let names = names?;
    match qualifier {
        "18" if names.plan_id.as_deref() == Some(value) => names.plan_name.clone(),
        "6P" if names.group_number.as_deref() == Some(value) => names.group_name.clone(),
        _ => None,
    }
}

/// Writes `REF`s for the plan and group the coverage has and the derived one lacks.
fn write_coverage_refs(w: &mut Writer, target: &Coverage, derived: &mut Coverage, names: bool) {
    let pairs = [
        ("18", &target.plan_id, &target.plan_name),
        ("6P", &target.group_number, &target.group_name),
    ];
    for (qualifier, id, name) in pairs {
        let Some(id) = id else { continue };
        let name = if names { name.clone() } else { None };
        let (have_id, have_name) = if qualifier == "18" {
            (&derived.plan_id, &derived.plan_name)
        } else {
            (&derived.group_number, &derived.group_name)
        };
        if have_id.as_ref() == Some(id) && (!names || *have_name == name) {
            continue;
        }
        let text = name.clone().unwrap_or_default();
        w.seg("REF", &[qualifier, id.as_str(), text.as_str()]);
        apply_ref(derived, qualifier, id, name);
    }
}

/// Writes `DTP`s so that the derived coverage period becomes the target's (271: plan begin
/// `346` and end `347`).
fn write_coverage_period(w: &mut Writer, target: Option<&Period>, derived: &mut Coverage) {
    let Some(target) = target else { return };
    if derived.period.as_ref() == Some(target) {
        return;
    }
    let span = derived.period.get_or_insert_with(Period::default);
    match (&target.start, &target.end) {
        (Some(start), Some(end)) if start != end => {
            w.seg("DTP", &["346", "RD8", write_period(target).1.as_str()]);
            (span.start, span.end) = (Some(start.clone()), Some(end.clone()));
        }
        (start, end) => {
            if let Some(start) = start {
                w.seg("DTP", &["346", "D8", write_date(start).as_str()]);
                span.start = Some(start.clone());
            }
            if let Some(end) = end {
                w.seg("DTP", &["347", "D8", write_date(end).as_str()]);
                span.end = Some(end.clone());
            }
        }
    }
}

/// `INS02` of a dependent: the 270 allows spouse and child only, the 271 any but self.
fn ins_code(relationship: Option<Relationship>, response: bool) -> Option<&'static str> {
    match relationship? {
        Relationship::Self_ => None,
        r @ (Relationship::Spouse | Relationship::Child) => Some(r.x12_code()),
        other if response => Some(other.x12_code()),
        _ => None,
    }
}

/// Writes the `HI` of a 270 inquiry: the first code principal (`ABK`/`BK`), the others
/// `ABF`/`BF`; ICD-10-CM without its dot.
fn write_hi(w: &mut Writer, diagnoses: &[Code]) {
    if diagnoses.is_empty() {
        return;
    }
    let elements: Vec<String> = diagnoses
        .iter()
        .take(8)
        .enumerate()
        .map(|(n, dx)| {
            let icd10 = dx.system == CodeSystem::Icd10Cm;
            let qualifier = match (n, icd10) {
                (0, true) => "ABK",
                (_, true) => "ABF",
                (0, false) => "BK",
                (_, false) => "BF",
            };
            let code = if icd10 {
                scan::remove(&dx.code, '.')
            } else {
                dx.code.clone()
            };
            w.comp(&[qualifier, code.as_str()])
        })
        .collect();
    w.seg("HI", &elements);
}

/// Writes a subscriber (`IL`) or dependent (`03`) name loop through its `MPI`; returns the
/// coverage the decoder derives from it.
pub fn write_name(w: &mut Writer, party: &Party, l: &NameLoop<'_>) -> Coverage {
    let (role, qualifiers): (&str, &[&'static str]) = if l.dependent {
        ("03", &[])
    } else {
        ("IL", &["MI", "II"])
    };
    let used: Option<UsedId> = write::write_nm1(w, role, party, qualifiers, false);
    let allowed = match (l.response, l.dependent) {
        (true, _) => PERSON_REFS_271,
        (false, false) => SUBSCRIBER_REFS_270,
        (false, true) => DEPENDENT_REFS_270,
    };
    let names = if l.response { l.names } else { None };
    let written = write::write_party_refs(w, party, used, allowed, |q, v| ref_name(names, q, v));
    let mut derived = l.base.clone();
    for (qualifier, value, name) in written {
        apply_ref(&mut derived, &qualifier, &value, name);
    }
    if let Some(target) = l.coverage {
        write_coverage_refs(w, target, &mut derived, l.response);
    }
    if let Some(address) = &party.address {
        crate::parties::write_address(w, address);
    }
    for rejection in &l.rejections {
        write::write_aaa(w, rejection);
    }
    if let Some(taxonomy) = &party.taxonomy {
        w.seg("PRV", &["PE", "PXC", taxonomy.code.as_str()]);
    }
    write::write_dmg(w, party);
    if l.dependent
        && let Some(code) = ins_code(party.relationship_to_subscriber, l.response)
    {
        w.seg("INS", &["N", code]);
    }
    if !l.response {
        write_hi(w, l.diagnoses);
    }
    if let Some((format, value)) = l.date_of_service.and_then(dtp_value) {
        w.seg("DTP", &["291", format.as_str(), value.as_str()]);
    }
    if l.response {
        write_coverage_period(w, l.coverage.and_then(|c| c.period.as_ref()), &mut derived);
    }
    let is_dtp = |t: &&&str| t.starts_with("DTP*");
    for text in l.carried.iter().filter(is_dtp) {
        w.raw(text);
    }
    for text in l.carried.iter().filter(|t| !is_dtp(t)) {
        w.raw(text);
    }
    derived
}
