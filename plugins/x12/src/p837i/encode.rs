//! `claim` messages (institutional) to an 837I (005010X223A2) transaction body: the
//! institutional loop 2300 of its [`LAYOUT`], which the shared levels
//! ([`write_hierarchy`](crate::p837::levels::write_hierarchy)) write around; every segment
//! in TR3 order and no element the TR3 marks "not used".

use std::borrow::Cow;

use clearway_plugin_sdk::schemas::{Claim, Message, Party};

use super::decode::OTHER_PROVIDERS;
use super::{hi, lines};
use crate::p837::check::fit_level;
use crate::p837::common::{provider_loop, write_carried, write_loops, write_ordered};
use crate::p837::encode::NM1;
use crate::p837::levels::Layout;
use crate::p837::shared::{amounts, claim_ref_pairs, clm_head};
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{Unmapped, write_date, write_period};

/// The 837I [`Layout`]: its loop 2300 and parties cut to its loops (the billing provider
/// carries no `REF` but its tax id).
pub const LAYOUT: Layout = Layout {
    claim: write_claim,
    fit: |level, party| Cow::Owned(fit_level(level, party, &[])),
    header: |_| true,
    sbr: &[4, 9],
};

/// `DTP01` qualifiers of loop 2300 in TR3 order.
const DTP_ORDER: &[&str] = &["096", "434", "435", "050"];

/// `REF01` qualifiers of loop 2300 in TR3 order.
const REF_ORDER: &[&str] = &[
    "4N", "9F", "G1", "F8", "9A", "9C", "LX", "D9", "LU", "EA", "P4", "G4",
];

/// `NTE01` codes of loop 2300 in TR3 order: the claim notes, then the billing note (`ADD`).
const NTE_ORDER: &[&str] = &[
    "ALG", "DCP", "DGN", "DME", "MED", "NTR", "ODT", "RHB", "RLH", "RNH", "SET", "SFM", "SPT",
    "UPI", "ADD",
];

/// `REF01` qualifiers of the attending, operating, other operating, rendering and referring
/// provider loops.
pub const PROVIDER_REFS: &[&str] = &["0B", "1G", "G2", "LU"];

/// The facility type code (`CLM05-1`) and frequency (`CLM05-3`) of a type of bill: four
/// characters with the leading `0`, or three without it.
pub fn bill_parts(code: &str) -> Option<(&str, &str)> {
    let code = match code.len() {
        4 => code.strip_prefix('0')?,
        3 => code,
        _ => return None,
    };
    if !code.is_ascii() || !code[..2].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&code[..2], &code[2..]))
}

/// Writes the `CLM`.
fn write_clm(w: &mut Writer, claim: &Claim) {
    let (facility, frequency) = claim
        .bill_type
        .as_ref()
        .and_then(|b| bill_parts(&b.code))
        .unwrap_or_default();
    let location = w.comp(&[facility, "A", frequency]);
    let mut clm = clm_head(claim, location, false);
    if let Some(delay) = &claim.delay_reason {
        clm.resize(19, String::new());
        clm.push(delay.clone());
    }
    w.seg("CLM", &clm);
}

/// The mapped claim-level dates, by qualifier.
fn dates(claim: &Claim) -> Vec<(&'static str, Vec<String>)> {
    let d = &claim.dates;
    let mut out = Vec::new();
    if let Some(time) = &d.discharge_time {
        out.push(("096", vec!["096".into(), "TM".into(), hhmm(time.as_ref())]));
    }
    if let Some(period) = &d.service_period {
        let (_, range) = write_period(period);
        let range = if range.contains('-') {
            range
        } else {
            format!("{range}-{range}")
        };
        out.push(("434", vec!["434".into(), "RD8".into(), range]));
    }
    if let Some(admission) = &d.admission {
        let day = write_date(admission);
        out.push(match &d.admission_time {
            Some(time) => (
                "435",
                vec![
                    "435".into(),
                    "DT".into(),
                    format!("{day}{}", hhmm(time.as_ref())),
                ],
            ),
            None => ("435", vec!["435".into(), "D8".into(), day]),
        });
    }
    if let Some(date) = &d.repricer_received {
        out.push(("050", vec!["050".into(), "D8".into(), write_date(date)]));
    }
    out
}

/// `HH:MM[:SS]` as `HHMM`.
fn hhmm(time: &str) -> String {
    time.replace(':', "").chars().take(4).collect()
}

/// Writes loop 2300 and everything under it.
fn write_claim(w: &mut Writer, message: &Message, claim: &Claim, unmapped: &Unmapped) {
    let carried = (unmapped, "2300", None);
    write_clm(w, claim);
    write_ordered(w, "DTP", DTP_ORDER, &dates(claim), carried);
    let info = claim.institutional.clone().unwrap_or_default();
    let code = |c: &Option<clearway_plugin_sdk::schemas::Code>| {
        c.as_ref().map(|c| c.code.clone()).unwrap_or_default()
    };
    w.seg(
        "CL1",
        &[
            code(&info.admission_type),
            code(&info.admission_source),
            code(&info.patient_status),
        ],
    );
    write_carried(w, unmapped, "2300", None, &["PWK", "CN1"]);
    write_ordered(w, "AMT", &["F3"], &amounts(&claim.other_amounts), carried);
    write_ordered(w, "REF", REF_ORDER, &claim_ref_pairs(claim), carried);
    write_carried(w, unmapped, "2300", None, &["K3"]);
    let notes: Vec<(&str, Vec<String>)> = claim
        .notes
        .iter()
        .map(|n| {
            let code = n.code.as_deref().unwrap_or("ADD");
            let code = NTE_ORDER
                .iter()
                .find(|c| **c == code)
                .copied()
                .unwrap_or("ADD");
            (code, vec![code.to_owned(), n.text.clone()])
        })
        .collect();
    write_ordered(w, "NTE", NTE_ORDER, &notes, carried);
    write_carried(w, unmapped, "2300", None, &["CRC"]);
    hi::write(w, claim);
    write_carried(w, unmapped, "2300", None, &["HI", "HCP"]);
    write_providers(w, message);
    write_loops(
        w,
        unmapped,
        &[
            "2310A", "2310B", "2310C", "2310D", "2310E", "2310F", "2320", "2330A", "2330B",
            "2330C", "2330D", "2330E", "2330F", "2330G", "2330H", "2330I",
        ],
        None,
    );
    for line in &claim.service_lines {
        lines::write(w, line, unmapped);
    }
}

/// Writes loops 2310A-F: attending (`PRV*AT`), operating and other operating physicians (from
/// `parties.other` by role), rendering, service facility (with its address) and referring.
fn write_providers(w: &mut Writer, message: &Message) {
    let p = &message.parties;
    let role = |code: &str| -> Option<&Party> {
        p.other
            .iter()
            .find(|o| o.role.as_ref().is_some_and(|r| r.code == code))
    };
    for (_, code) in OTHER_PROVIDERS {
        if let Some(party) = role(code) {
            let taxonomy = (code == "71").then_some("AT");
            let party = provider_loop(party, PROVIDER_REFS, false, false);
            parties::write(w, code, &party, Details { taxonomy, ..NM1 });
        }
    }
    if let Some(rendering) = &p.rendering_provider {
        let party = provider_loop(rendering, PROVIDER_REFS, false, false);
        parties::write(w, "82", &party, NM1);
    }
    if let Some(facility) = &p.service_facility {
        let party = provider_loop(facility, &["0B", "G2", "LU"], true, true);
        parties::write(w, "77", &party, NM1);
    }
    if let Some(referring) = &p.referring_provider {
        let party = provider_loop(referring, &["0B", "1G", "G2"], false, false);
        parties::write(w, "DN", &party, NM1);
    }
}
