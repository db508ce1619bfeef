//! Claim-level pieces the three 837 variants read and write alike: diagnosis qualifiers and
//! composites, the `REF` numbers, amounts and notes of loop 2300, and the carried segments
//! written back in TR3 order.

use clearway_plugin_sdk::schemas::body::{
    Diagnosis, DiagnosisRole, Note, PresentOnAdmission, QualifiedAmount,
};
use clearway_plugin_sdk::schemas::{Claim, Code, CodeSystem, EntityType, Party};

use crate::syntax::{ErrorKind, Segment, Writer, X12Error, scan};
use crate::values::{Unmapped, money};
use crate::walker::Node;

/// A decimal in X12 form (`.5`, `5.`, `+5`) as a model number ([`Money`], `Quantity`).
///
/// [`Money`]: clearway_plugin_sdk::schemas::Money
pub fn decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.strip_suffix('.').unwrap_or(digits);
    let zero = if digits.starts_with('.') { "0" } else { "" };
    format!("{sign}{zero}{digits}").parse().ok()
}

/// Adds a loop's error context.
pub fn in_loop(node: &Node<'_, '_, '_>) -> impl Fn(X12Error) -> X12Error {
    let id = node.id();
    move |e| e.in_loop(id)
}

/// Diagnosis role and code system of an `HI` qualifier.
pub fn diagnosis_kind(qualifier: &str) -> Option<(DiagnosisRole, CodeSystem)> {
    let icd9 = || CodeSystem::Other(super::ICD9.to_owned());
    Some(match qualifier {
        "ABK" => (DiagnosisRole::Principal, CodeSystem::Icd10Cm),
        "ABF" => (DiagnosisRole::Other, CodeSystem::Icd10Cm),
        "ABJ" => (DiagnosisRole::Admitting, CodeSystem::Icd10Cm),
        "APR" => (DiagnosisRole::PatientReason, CodeSystem::Icd10Cm),
        "ABN" => (DiagnosisRole::ExternalCause, CodeSystem::Icd10Cm),
        "BK" => (DiagnosisRole::Principal, icd9()),
        "BF" => (DiagnosisRole::Other, icd9()),
        "BJ" => (DiagnosisRole::Admitting, icd9()),
        "PR" => (DiagnosisRole::PatientReason, icd9()),
        "BN" => (DiagnosisRole::ExternalCause, icd9()),
        _ => return None,
    })
}

/// The `HI` qualifier of a diagnosis (ICD-10-CM, else the ICD-9-CM qualifiers).
pub fn hi_qualifier(role: DiagnosisRole, system: &CodeSystem) -> &'static str {
    let icd10 = *system == CodeSystem::Icd10Cm;
    match (role, icd10) {
        (DiagnosisRole::Principal, true) => "ABK",
        (DiagnosisRole::Other, true) => "ABF",
        (DiagnosisRole::Admitting, true) => "ABJ",
        (DiagnosisRole::PatientReason, true) => "APR",
        (DiagnosisRole::ExternalCause, true) => "ABN",
        (DiagnosisRole::Principal, false) => "BK",
        (DiagnosisRole::Admitting, false) => "BJ",
        (DiagnosisRole::PatientReason, false) => "PR",
        (DiagnosisRole::ExternalCause, false) => "BN",
        (DiagnosisRole::Other, false) => "BF",
    }
}

/// ICD-10-CM as written in the model: a dot after the third character.
pub fn icd10_dotted(code: &str) -> String {
    if code.len() > 3 && !code.contains('.') && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

/// A diagnosis code as written in `HI0n-2`: ICD-10-CM without its dot.
pub fn hi_code(code: &Code) -> String {
    if code.system == CodeSystem::Icd10Cm {
        scan::remove(&code.code, '.')
    } else {
        code.code.clone()
    }
}

/// The present-on-admission indicator of `HI0n-9`.
pub fn poa(text: &str) -> Option<PresentOnAdmission> {
    match text {
        "Y" => Some(PresentOnAdmission::Yes),
        "N" => Some(PresentOnAdmission::No),
        "U" => Some(PresentOnAdmission::Unknown),
        "W" => Some(PresentOnAdmission::ClinicallyUndetermined),
        _ => None,
    }
}

/// `HI0n-9` for an indicator; exempt diagnoses leave it empty (the 5010 way to say exempt).
pub fn poa_code(value: Option<PresentOnAdmission>) -> &'static str {
    match value {
        Some(PresentOnAdmission::Yes) => "Y",
        Some(PresentOnAdmission::No) => "N",
        Some(PresentOnAdmission::Unknown) => "U",
        Some(PresentOnAdmission::ClinicallyUndetermined) => "W",
        Some(PresentOnAdmission::Exempt) | None => "",
    }
}

/// Reads composite `n` of a diagnosis `HI`, with its present-on-admission indicator when
/// `with_poa`.
///
/// # Errors
///
/// A qualifier that is not a diagnosis qualifier, or an empty code.
pub fn diagnosis(hi: &Segment<'_>, n: usize, with_poa: bool) -> Result<Diagnosis, X12Error> {
    let (role, system) = diagnosis_kind(hi.comp(n, 1)).ok_or_else(|| {
        hi.err(
            format!("HI{n:02}-1"),
            ErrorKind::InvalidCode("diagnosis type code"),
        )
    })?;
    let code = hi.comp(n, 2);
    if code.is_empty() {
        return Err(hi.err(
            format!("HI{n:02}-2"),
            ErrorKind::MissingElement("diagnosis code"),
        ));
    }
    let code = match system {
        CodeSystem::Icd10Cm => icd10_dotted(code),
        _ => code.to_owned(),
    };
    let indicator = if with_poa { hi.comp(n, 9) } else { "" };
    let present_on_admission = poa(indicator);
    if !indicator.is_empty() && present_on_admission.is_none() {
        return Err(hi.err(
            format!("HI{n:02}-9"),
            ErrorKind::InvalidCode("present on admission indicator"),
        ));
    }
    Ok(Diagnosis {
        sequence: 0,
        code: Code::new(system, code),
        role,
        present_on_admission,
    })
}

/// Reads the diagnoses of one `HI` segment (numbered on from `out`); `false` when it is not
/// a diagnosis `HI`.
///
/// # Errors
///
/// As [`diagnosis`].
pub fn diagnoses(hi: &Segment<'_>, out: &mut Vec<Diagnosis>) -> Result<bool, X12Error> {
    if diagnosis_kind(hi.comp(1, 1)).is_none() {
        return Ok(false);
    }
    for n in 1..=12 {
        if hi.opt(n).is_none() {
            continue;
        }
        let mut dx = diagnosis(hi, n, false)?;
        dx.sequence = u32::try_from(out.len() + 1).unwrap_or(u32::MAX);
        out.push(dx);
    }
    Ok(true)
}

/// The loop 2300 segments every variant maps the same way: `REF` `G1`/`9F`/`F8`/`EA`, `AMT`
/// (`F5` patient paid, any other qualifier kept with it) and `NTE`. `false` for others.
///
/// # Errors
///
/// A bad amount.
pub fn common_segment(claim: &mut Claim, segment: &Segment<'_>) -> Result<bool, X12Error> {
    match (segment.id, segment.el(1)) {
        ("REF", "G1") => claim
            .prior_authorization_numbers
            .push(segment.el(2).to_owned()),
        ("REF", "9F") => claim.referral_number = segment.opt(2).map(str::to_owned),
        ("REF", "F8") => claim.payer_claim_control_number = segment.opt(2).map(str::to_owned),
        ("REF", "EA") => claim.medical_record_number = segment.opt(2).map(str::to_owned),
        ("AMT", "F5") => claim.patient_amount_paid = Some(money(segment, 2)?),
        ("AMT", qualifier) => claim.other_amounts.push(QualifiedAmount {
            qualifier: qualifier.to_owned(),
            amount: money(segment, 2)?,
        }),
        ("NTE", _) => claim.notes.push(Note {
            code: segment.opt(1).map(str::to_owned),
            text: segment.el(2).to_owned(),
        }),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The `REF` numbers of loop 2300 that [`common_segment`] maps, by qualifier.
pub fn claim_refs(claim: &Claim) -> Vec<(&'static str, &str)> {
    let mut refs = Vec::new();
    refs.extend(
        claim
            .payer_claim_control_number
            .iter()
            .map(|v| ("F8", v.as_str())),
    );
    refs.extend(
        claim
            .prior_authorization_numbers
            .iter()
            .map(|v| ("G1", v.as_str())),
    );
    refs.extend(claim.referral_number.iter().map(|v| ("9F", v.as_str())));
    refs.extend(
        claim
            .medical_record_number
            .iter()
            .map(|v| ("EA", v.as_str())),
    );
    refs
}

/// The qualifier of a carried segment text: the first component of its first element
/// (`REF*G1*...` gives `G1`, `HI*BH:11:D8:...` gives `BH`).
pub fn text_qualifier(text: &str) -> &str {
    text.split('*')
        .nth(1)
        .and_then(|e| e.split(':').next())
        .unwrap_or_default()
}

/// The id of a carried segment text.
pub fn text_id(text: &str) -> &str {
    text.split('*').next().unwrap_or_default()
}

/// Writes the segments with id `id` of loop `loop_id` (service line `line`) in the order of
/// `qualifiers` (the TR3 order): for each qualifier the mapped `(qualifier, elements)` first,
/// then the carried segments with it; carried segments with other qualifiers last.
pub fn write_ordered(
    w: &mut Writer,
    id: &str,
    qualifiers: &[&str],
    mapped: &[(&str, Vec<String>)],
    carried: (&Unmapped, &str, Option<u32>),
) {
    let (unmapped, loop_id, line) = carried;
    let texts: Vec<&str> = unmapped
        .of(loop_id, line)
        .filter(|t| text_id(t) == id)
        .collect();
    for qualifier in qualifiers {
        for (_, elements) in mapped.iter().filter(|(q, _)| q == qualifier) {
            w.seg(id, elements);
        }
        for text in texts.iter().filter(|t| text_qualifier(t) == *qualifier) {
            w.raw(text);
        }
    }
    for (_, elements) in mapped.iter().filter(|(q, _)| !qualifiers.contains(q)) {
        w.seg(id, elements);
    }
    for text in texts
        .iter()
        .filter(|t| !qualifiers.contains(&text_qualifier(t)))
    {
        w.raw(text);
    }
}

/// Writes the carried segments of `loop_id` (service line `line`) whose id is one of `ids`,
/// in input order.
pub fn write_carried(
    w: &mut Writer,
    unmapped: &Unmapped,
    loop_id: &str,
    line: Option<u32>,
    ids: &[&str],
) {
    for text in unmapped.of(loop_id, line) {
        if ids.contains(&text_id(text)) {
            w.raw(text);
        }
    }
}

/// Writes every carried segment of the loops `loop_ids` (service line `line`) in input order,
/// so repeated loops (several 2320/2330 payers) stay together as they came.
pub fn write_loops(w: &mut Writer, unmapped: &Unmapped, loop_ids: &[&str], line: Option<u32>) {
    for entry in &unmapped.entries {
        if entry.claim.is_none() && entry.line == line && loop_ids.contains(&entry.loop_id.as_str())
        {
            w.raw(&entry.text);
        }
    }
}

/// A provider as a secondary provider loop (attending, rendering, referring, service
/// facility, ...) of the 837I/837D writes it: the name, the NPI and the `REF` identifiers
/// whose qualifier is in `refs`, the address only when `address`; a party of unknown kind
/// is written as a person unless `organization`.
pub fn provider_loop(party: &Party, refs: &[&str], address: bool, organization: bool) -> Party {
    let mut out = Party {
        role: party.role.clone(),
        entity_type: party.entity_type.or(Some(if organization {
            EntityType::Organization
        } else {
            EntityType::Person
        })),
        name: party.name.clone(),
        last_name: party.last_name.clone(),
        first_name: party.first_name.clone(),
        middle_name: party.middle_name.clone(),
        suffix: party.suffix.clone(),
        npi: party.npi.clone(),
        taxonomy: party.taxonomy.clone(),
        ..Party::default()
    };
    if refs.contains(&"EI") {
        out.tax_id = party.tax_id.clone();
    }
    out.identifiers = party
        .identifiers
        .iter()
        .filter(|i| i.qualifier.as_deref().is_some_and(|q| refs.contains(&q)))
        .cloned()
        .collect();
    if address {
        out.address = party.address.clone();
    }
    out
}
