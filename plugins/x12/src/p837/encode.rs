//! `claim` messages to an 837P (005010X222A1) transaction body: `BHT` through the last
//! service line. Consecutive claims with the same billing provider, subscriber and patient
//! share their `HL` loops.

use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::{Claim, CodeSystem, Message, Party};
use serde_json::Value;

use super::decode::{BHT, SBR};
use super::header::{envelope_party, submitter, write_dates};
use super::lines::write_line;
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped, yes_no};

/// What every 837P party loop writes: `NM106` is "not used" in all of them.
pub const NM1: Details = Details {
    demographics: false,
    taxonomy: None,
    no_prefix: true,
    no_id: false,
};

/// A claim message and its body.
pub type ClaimRef<'m> = (&'m Message, &'m Claim);

/// The `HL` grouping key of a level: its parties and carried segments, as JSON text.
fn key(
    message: &Message,
    parties: &[&Option<Party>],
    loops: &[&str],
    extra: Option<&str>,
) -> String {
    let unmapped = Unmapped::from_value(message.extensions.get(UNMAPPED));
    let carried: Vec<&str> = loops.iter().flat_map(|l| unmapped.of(l, None)).collect();
    let extra = extra.and_then(|k| message.extensions.get(k));
    serde_json::to_string(&(parties, carried, extra)).unwrap_or_default()
}

/// Writes the carried segments of `loop_id` (optionally only those with segment id `id`).
fn carried(w: &mut Writer, unmapped: &Unmapped, loop_id: &str, id: Option<&str>) {
    for text in unmapped.of(loop_id, None) {
        if id.is_none_or(|id| text.split('*').next() == Some(id)) {
            w.raw(text);
        }
    }
}

/// A string extension element (`x12.BHT` / `x12.SBR`), `""` when absent.
fn ext<'m>(message: &'m Message, key: &str, element: &str) -> &'m str {
    message
        .extensions
        .get(key)
        .and_then(|v| v.get(element))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Writes the body of one 837P transaction set for `claims` (at least one); `ids` are the
/// configured sender and receiver ids, used for loops 1000A/1000B when the first message
/// names no sender or receiver.
pub fn write_body(
    w: &mut Writer,
    claims: &[ClaimRef<'_>],
    reference: &str,
    (date, time): (&str, &str),
    (sender_id, receiver_id): (&str, &str),
) {
    let (first, _) = claims[0];
    let bht = |e: &str, default: &str| {
        let value = ext(first, BHT, e);
        if value.is_empty() {
            default.to_owned()
        } else {
            value.to_owned()
        }
    };
    w.seg(
        "BHT",
        &[
            bht("BHT01", "0019"),
            bht("BHT02", "00"),
            bht("BHT03", reference),
            bht("BHT04", date),
            bht("BHT05", time),
            bht("BHT06", "CH"),
        ],
    );
    let unmapped = Unmapped::from_value(first.extensions.get(UNMAPPED));
    carried(w, &unmapped, "HEADER", None);
    let submitter = submitter(first, sender_id);
    parties::write(w, "41", &submitter, NM1);
    let receiver = envelope_party(first.parties.receiver.as_ref(), receiver_id);
    parties::write(w, "40", &receiver, NM1);
    let mut hl = 0u32;
    let (mut a, mut b) = (0u32, 0u32);
    let (mut key_a, mut key_b, mut key_c) = (String::new(), String::new(), String::new());
    for (index, (message, claim)) in claims.iter().enumerate() {
        let p = &message.parties;
        let unmapped = Unmapped::from_value(message.extensions.get(UNMAPPED));
        let this_a = key(
            message,
            &[&p.provider, &p.payee],
            &["2000A", "2010AA", "2010AB", "2010AC"],
            None,
        );
        let this_b = key(
            message,
            &[&p.subscriber, &p.payer],
            &["2000B", "2010BA", "2010BB"],
            Some(SBR),
        );
        let this_c = key(message, &[&p.patient], &["2000C", "2010CA"], None);
        let new_a = index == 0 || this_a != key_a;
        let new_b = new_a || this_b != key_b;
        if new_a {
            hl += 1;
            a = hl;
            w.seg("HL", &[a.to_string().as_str(), "", "20", "1"]);
            let provider = p.provider.clone().unwrap_or_default();
            if let Some(taxonomy) = &provider.taxonomy {
                w.seg("PRV", &["BI", "PXC", taxonomy.code.as_str()]);
            }
            carried(w, &unmapped, "2000A", None);
            parties::write(w, "85", &provider, NM1);
            carried(w, &unmapped, "2010AA", None);
            if let Some(payee) = &p.payee {
                parties::write(w, "87", payee, NM1);
                carried(w, &unmapped, "2010AB", None);
            }
            carried(w, &unmapped, "2010AC", None);
            key_a = this_a;
        }
        if new_b {
            hl += 1;
            b = hl;
            // HL04: whether a 2000C follows under this subscriber.
            let has_child = claims[index..]
                .iter()
                .take_while(|(m, _)| {
                    key(
                        m,
                        &[&m.parties.subscriber, &m.parties.payer],
                        &["2000B", "2010BA", "2010BB"],
                        Some(SBR),
                    ) == this_b
                })
                .any(|(m, _)| m.parties.patient.is_some());
            w.seg(
                "HL",
                &[
                    b.to_string().as_str(),
                    a.to_string().as_str(),
                    "22",
                    if has_child { "1" } else { "0" },
                ],
            );
            write_sbr(w, message);
            carried(w, &unmapped, "2000B", None);
            let subscriber = p.subscriber.clone().unwrap_or_default();
            parties::write(
                w,
                "IL",
                &subscriber,
                Details {
                    demographics: true,
                    ..NM1
                },
            );
            carried(w, &unmapped, "2010BA", None);
            let payer = p.payer.clone().unwrap_or_default();
            parties::write(w, "PR", &payer, NM1);
            carried(w, &unmapped, "2010BB", None);
            key_b = this_b;
            key_c = String::new();
        }
        if let Some(patient) = &p.patient
            && (new_b || this_c != key_c)
        {
            {
                hl += 1;
                w.seg(
                    "HL",
                    &[hl.to_string().as_str(), b.to_string().as_str(), "23", "0"],
                );
                let relationship = patient
                    .relationship_to_subscriber
                    .map(|r| r.x12_code())
                    .unwrap_or("G8");
                w.seg("PAT", &[relationship]);
                carried(w, &unmapped, "2000C", None);
                parties::write(
                    w,
                    "QC",
                    patient,
                    Details {
                        demographics: true,
                        no_id: true,
                        ..NM1
                    },
                );
                carried(w, &unmapped, "2010CA", None);
                key_c = this_c;
            }
        }
        write_claim(w, message, claim, &unmapped);
    }
}

/// Writes the subscriber's `SBR`.
fn write_sbr(w: &mut Writer, message: &Message) {
    let subscriber = message.parties.subscriber.as_ref();
    let sbr = |n: usize| ext(message, SBR, &format!("SBR{n:02}")).to_owned();
    let first = sbr(1);
    w.seg(
        "SBR",
        &[
            if first.is_empty() {
                "P".to_owned()
            } else {
                first
            },
            subscriber
                .and_then(|s| s.relationship_to_subscriber)
                .map(|r| r.x12_code().to_owned())
                .unwrap_or_default(),
            subscriber
                .and_then(|s| s.group_number.clone())
                .unwrap_or_default(),
            sbr(4),
            sbr(5),
            sbr(6),
            sbr(7),
            sbr(8),
            sbr(9),
        ],
    );
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
    for loop_id in [
        "2310D", "2310E", "2310F", "2320", "2330A", "2330B", "2330C", "2330D", "2330E", "2330F",
        "2330G",
    ] {
        carried(w, unmapped, loop_id, None);
    }
    for line in &claim.service_lines {
        write_line(w, line, claim.dates.service_period.as_ref(), unmapped);
    }
}
