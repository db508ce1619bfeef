//! `claim` messages (dental) to an 837D (005010X224A2) transaction body: the dental loop
//! 2300 of its [`LAYOUT`], which the shared levels
//! ([`write_hierarchy`](crate::p837::levels::write_hierarchy)) write around; every segment
//! in TR3 order and no element the TR3 marks "not used".

use std::borrow::Cow;

use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::{Claim, Message, Party};

use super::decode::OTHER_PROVIDERS;
use super::lines;
use crate::p837::check::fit_level;
use crate::p837::common::{
    hi_code, hi_qualifier, provider_loop, write_carried, write_loops, write_ordered,
};
use crate::p837::encode::NM1;
use crate::p837::levels::Layout;
use crate::p837::shared::{self, claim_ref_pairs, clm_professional, qualified};
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{Unmapped, write_date, write_period};

/// The 837D [`Layout`]: its loop 2300, parties cut to its loops, and no 4010 header
/// `REF*87` (5010 names the guide in `ST03`).
pub const LAYOUT: Layout = Layout {
    claim: write_claim,
    fit: |level, party| Cow::Owned(fit_level(level, party, &["SY", "0B", "1G"])),
    header: |text| !text.starts_with("REF*87*"),
    sbr: &[4, 5, 9],
};

/// `DTP01` qualifiers of loop 2300 in TR3 order.
const DTP_ORDER: &[&str] = &["439", "452", "472", "050"];

/// `REF01` qualifiers of loop 2300 in TR3 order.
const REF_ORDER: &[&str] = &["G3", "4N", "F8", "9F", "G1", "9A", "9C", "D9"];

/// `REF01` qualifiers of the referring, rendering, assistant surgeon and supervising loops.
const PROVIDER_REFS: &[&str] = &["0B", "1G", "G2", "LU"];

/// The diagnoses in the order the `HI` carries them: the principal first, then the others in
/// claim order.
pub fn hi_order(claim: &Claim) -> Vec<&clearway_plugin_sdk::schemas::body::Diagnosis> {
    let mut out: Vec<_> = claim
        .diagnoses
        .iter()
        .filter(|d| d.role == DiagnosisRole::Principal)
        .collect();
    out.extend(
        claim
            .diagnoses
            .iter()
            .filter(|d| d.role != DiagnosisRole::Principal),
    );
    out
}

/// Writes the `CLM`.
fn write_clm(w: &mut Writer, claim: &Claim) {
    let mut clm = clm_professional(w, claim, String::new());
    let predetermination = claim.dental.as_ref().is_some_and(|d| d.predetermination);
    if predetermination || claim.delay_reason.is_some() {
        clm.resize(18, String::new());
        clm.push(if predetermination { "PB" } else { "" }.to_owned());
        clm.push(claim.delay_reason.clone().unwrap_or_default());
    }
    w.seg("CLM", &clm);
}

/// The mapped claim-level dates, by qualifier.
fn dates(claim: &Claim) -> Vec<(&'static str, Vec<String>)> {
    let day = |q: &'static str, d: &clearway_plugin_sdk::schemas::Date| {
        (q, vec![q.to_owned(), "D8".to_owned(), write_date(d)])
    };
    let mut out = Vec::new();
    out.extend(claim.dates.accident.as_ref().map(|d| day("439", d)));
    let placement = claim
        .dental
        .as_ref()
        .and_then(|d| d.appliance_placement.as_ref());
    out.extend(placement.map(|d| day("452", d)));
    if let Some(period) = &claim.dates.service_period {
        let (format, value) = write_period(period);
        out.push(("472", vec!["472".to_owned(), format, value]));
    }
    out.extend(
        claim
            .dates
            .repricer_received
            .as_ref()
            .map(|d| day("050", d)),
    );
    out
}

/// Writes loop 2300 and everything under it.
fn write_claim(w: &mut Writer, message: &Message, claim: &Claim, unmapped: &Unmapped) {
    let carried = (unmapped, "2300", None);
    write_clm(w, claim);
    write_ordered(w, "DTP", DTP_ORDER, &dates(claim), carried);
    if let Some(dental) = &claim.dental {
        if let Some(ortho) = &dental.orthodontics {
            let months = |q: Option<clearway_plugin_sdk::schemas::Quantity>| {
                q.map(|q| q.to_string()).unwrap_or_default()
            };
            w.seg(
                "DN1",
                &[
                    months(ortho.total_months),
                    months(ortho.remaining_months),
                    String::new(),
                    if ortho.orthodontic_purpose { "Y" } else { "" }.to_owned(),
                ],
            );
        }
        for status in &dental.tooth_status {
            w.seg("DN2", &[status.tooth.as_str(), status.status.x12_code()]);
        }
    }
    write_carried(w, unmapped, "2300", None, &["DN1", "DN2", "PWK", "CN1"]);
    let mut amounts = qualified("F5", claim.patient_amount_paid.map(|a| a.to_string()));
    amounts.extend(shared::amounts(&claim.other_amounts));
    write_ordered(w, "AMT", &["F5"], &amounts, carried);
    write_ordered(w, "REF", REF_ORDER, &claim_ref_pairs(claim), carried);
    write_carried(w, unmapped, "2300", None, &["K3"]);
    for note in &claim.notes {
        // NTE01 is required; `ADD` (additional information) when the note has no code.
        w.seg(
            "NTE",
            &[note.code.as_deref().unwrap_or("ADD"), note.text.as_str()],
        );
    }
    write_carried(w, unmapped, "2300", None, &["NTE"]);
    let order = hi_order(claim);
    if !order.is_empty() {
        let composites: Vec<String> = order
            .iter()
            .map(|dx| {
                w.comp(&[
                    hi_qualifier(dx.role, &dx.code.system),
                    hi_code(&dx.code).as_str(),
                ])
            })
            .collect();
        w.seg("HI", &composites);
    }
    write_carried(w, unmapped, "2300", None, &["HI", "HCP"]);
    write_providers(w, message);
    write_loops(
        w,
        unmapped,
        &[
            "2310A", "2310B", "2310C", "2310D", "2310E", "2320", "2330A", "2330B", "2330C",
            "2330D", "2330E", "2330F", "2330G", "2330H",
        ],
        None,
    );
    let pointer = |sequence: u32| {
        order
            .iter()
            .position(|d| d.sequence == sequence)
            .and_then(|p| u32::try_from(p + 1).ok())
    };
    for line in &claim.service_lines {
        lines::write(w, line, unmapped, &pointer);
    }
}

/// Writes loops 2310A-E: referring (`DN`, or `P3` when its role says so), rendering
/// (`PRV*PE`), service facility (with its address), assistant surgeon (`PRV*AS`) and
/// supervising provider (from `parties.other` by role).
fn write_providers(w: &mut Writer, message: &Message) {
    let p = &message.parties;
    if let Some(referring) = &p.referring_provider {
        let code = match &referring.role {
            Some(role) if role.code == "P3" => "P3",
            _ => "DN",
        };
        let party = provider_loop(referring, PROVIDER_REFS, false, false);
        parties::write(w, code, &party, NM1);
    }
    if let Some(rendering) = &p.rendering_provider {
        let party = provider_loop(rendering, PROVIDER_REFS, false, false);
        parties::write(
            w,
            "82",
            &party,
            Details {
                taxonomy: Some("PE"),
                ..NM1
            },
        );
    }
    if let Some(facility) = &p.service_facility {
        let party = provider_loop(facility, &["G2", "LU"], true, true);
        parties::write(w, "77", &party, NM1);
    }
    for (_, code) in OTHER_PROVIDERS {
        let found = p
            .other
            .iter()
            .find(|o| o.role.as_ref().is_some_and(|r| r.code == code));
        if let Some(party) = found {
            let taxonomy = (code == "DD").then_some("AS");
            let party: Party = provider_loop(party, PROVIDER_REFS, false, false);
            parties::write(w, code, &party, Details { taxonomy, ..NM1 });
        }
    }
}
