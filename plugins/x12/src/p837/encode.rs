//! `claim` messages to an 837P (005010X222A1) transaction body: `BHT` through the last
//! service line, the levels above the claims written by [`write_hierarchy`].

use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::{Claim, CodeSystem, Message, Party};

use super::common::write_loops;
use super::header::write_dates;
use super::levels::{Layout, carried, write_hierarchy};
use super::lines::write_line;
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{Unmapped, yes_no};

/// What every 837P party loop writes: `NM106` is "not used" in all of them.
pub const NM1: Details = Details {
    demographics: false,
    taxonomy: None,
    no_prefix: true,
    no_id: false,
};

/// A claim message and its body.
pub type ClaimRef<'m> = (&'m Message, &'m Claim);

/// The 837P [`Layout`]: its loop 2300, every party and carried header segment as they are.
pub const LAYOUT: Layout = Layout {
    claim: write_claim,
    fit: |_, party| party.clone(),
    header: |_| true,
    sbr: &[4, 5, 6, 7, 8, 9],
};

/// Writes the body of one 837P transaction set for `claims` (at least one); `ids` are the
/// configured sender and receiver ids, used for loops 1000A/1000B when the first message
/// names no sender or receiver.
pub fn write_body(
    w: &mut Writer,
    claims: &[ClaimRef<'_>],
    reference: &str,
    creation: (&str, &str),
    ids: (&str, &str),
) {
    write_hierarchy(w, claims, reference, creation, ids, &LAYOUT);
}

/// The `HI` qualifier of a diagnosis.
fn hi_qualifier(role: DiagnosisRole, system: &CodeSystem) -> &'static str {
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
        (DiagnosisRole::Other | DiagnosisRole::ExternalCause, false) => "BF",
    }
}

/// Writes loop 2300 and everything under it.
fn write_claim(w: &mut Writer, message: &Message, claim: &Claim, unmapped: &Unmapped) {
    let location = w.comp(&[
        claim
            .place_of_service
            .as_ref()
            .map_or("", |c| c.code.as_str()),
        "B",
        claim.frequency.map_or("1", |f| f.x12_code()),
    ]);
    let causes = claim.related_causes.as_ref().map(|r| {
        let mut parts: Vec<&str> = r.causes.iter().map(|c| c.x12_code()).collect();
        parts.resize(3, "");
        parts.push(r.auto_accident_state.as_deref().unwrap_or_default());
        parts.push(r.auto_accident_country.as_deref().unwrap_or_default());
        w.comp(&parts)
    });
    let mut clm = vec![
        claim.patient_control_number.clone(),
        claim.total_charge.to_string(),
        String::new(),
        String::new(),
        location,
        // CLM06-CLM09 are required. A claim that does not say takes the values most
        // professional claims carry (TR3-common defaults): provider signature on file `Y`,
        // assignment accepted `A`, benefits assigned `Y`, release of information signed `Y`.
        claim
            .provider_signature_on_file
            .map_or("Y", |v| yes_no(Some(v)))
            .to_owned(),
        claim.assignment.map_or("A", |a| a.x12_code()).to_owned(),
        claim
            .benefits_assignment
            .map_or("Y", |a| a.x12_code())
            .to_owned(),
        claim
            .release_of_information
            .map_or("Y", |a| a.x12_code())
            .to_owned(),
        claim.patient_signature_source.clone().unwrap_or_default(),
        causes.unwrap_or_default(),
        claim.special_program.clone().unwrap_or_default(),
    ];
    if let Some(delay) = &claim.delay_reason {
        clm.resize(19, String::new());
        clm.push(delay.clone());
    }
    w.seg("CLM", &clm);
    write_dates(w, claim, unmapped);
    carried(w, unmapped, "2300", Some("PWK"));
    carried(w, unmapped, "2300", Some("CN1"));
    if let Some(paid) = claim.patient_amount_paid {
        w.seg("AMT", &["F5".to_owned(), paid.to_string()]);
    }
    for amount in &claim.other_amounts {
        w.seg(
            "AMT",
            &[amount.qualifier.clone(), amount.amount.to_string()],
        );
    }
    let refs = [
        (
            "F8",
            claim.payer_claim_control_number.iter().collect::<Vec<_>>(),
        ),
        ("G1", claim.prior_authorization_numbers.iter().collect()),
        ("9F", claim.referral_number.iter().collect()),
        ("EA", claim.medical_record_number.iter().collect()),
    ];
    for (qualifier, values) in refs {
        for value in values {
            w.seg("REF", &[qualifier, value.as_str()]);
        }
    }
    carried(w, unmapped, "2300", Some("REF"));
    carried(w, unmapped, "2300", Some("K3"));
    for note in &claim.notes {
        // NTE01 is required; `ADD` (additional information) when the note has no code.
        w.seg(
            "NTE",
            &[note.code.as_deref().unwrap_or("ADD"), note.text.as_str()],
        );
    }
    for id in ["CR1", "CR2", "CRC"] {
        carried(w, unmapped, "2300", Some(id));
    }
    for chunk in claim.diagnoses.chunks(12) {
        let elements: Vec<String> = chunk
            .iter()
            .map(|dx| {
                let code = if dx.code.system == CodeSystem::Icd10Cm {
                    dx.code.code.replace('.', "")
                } else {
                    dx.code.code.clone()
                };
                w.comp(&[hi_qualifier(dx.role, &dx.code.system), code.as_str()])
            })
            .collect();
        w.seg("HI", &elements);
    }
    for id in ["HI", "HCP"] {
        carried(w, unmapped, "2300", Some(id));
    }
    let p = &message.parties;
    let loops: [(&str, &str, &Option<Party>, Option<&'static str>); 3] = [
        ("2310A", "DN", &p.referring_provider, None),
        ("2310B", "82", &p.rendering_provider, Some("PE")),
        ("2310C", "77", &p.service_facility, None),
    ];
    for (loop_id, role, party, taxonomy) in loops {
        if let Some(party) = party {
            parties::write(w, role, party, Details { taxonomy, ..NM1 });
            carried(w, unmapped, loop_id, None);
        }
    }
    // In input order, so several other payers (2320 with its 2330 loops) stay together.
    write_loops(
        w,
        unmapped,
        &[
            "2310D", "2310E", "2310F", "2320", "2330A", "2330B", "2330C", "2330D", "2330E",
            "2330F", "2330G",
        ],
        None,
    );
    for line in &claim.service_lines {
        write_line(w, line, claim.dates.service_period.as_ref(), unmapped);
    }
}
