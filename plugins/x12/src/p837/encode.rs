//! `claim` messages to an 837P (005010X222A1) transaction body: `BHT` through the last
//! service line, the levels above the claims written by
//! [`write_hierarchy`](super::levels::write_hierarchy).

use std::borrow::Cow;

use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::{Claim, CodeSystem, Message, Party};

use super::common::{self, claim_refs, hi_code, write_loops};
use super::header::write_dates;
use super::levels::{Layout, carried};
use super::lines::write_line;
use super::shared::clm_professional;
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::Unmapped;

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
    fit: |_, party| Cow::Borrowed(party),
    header: |_| true,
    sbr: &[4, 5, 6, 7, 8, 9],
};

/// The `HI` qualifier of a diagnosis: the shared qualifiers, except that an ICD-9-CM
/// external cause is written as another diagnosis (`BF`).
fn hi_qualifier(role: DiagnosisRole, system: &CodeSystem) -> &'static str {
    match (role, system) {
        (DiagnosisRole::ExternalCause, s) if *s != CodeSystem::Icd10Cm => "BF",
        _ => common::hi_qualifier(role, system),
    }
}

/// Writes loop 2300 and everything under it.
fn write_claim(w: &mut Writer, message: &Message, claim: &Claim, unmapped: &Unmapped) {
    let signature = claim.patient_signature_source.clone().unwrap_or_default();
    let mut clm = clm_professional(w, claim, signature);
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
    for (qualifier, value) in claim_refs(claim) {
        w.seg("REF", &[qualifier, value]);
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
                let code = hi_code(&dx.code);
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
