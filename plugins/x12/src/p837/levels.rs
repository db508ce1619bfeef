//! The levels above the claims of an 837, written alike by every variant: `BHT`, loops
//! 1000A/1000B, and the `HL` loops 2000A (billing provider), 2000B (subscriber) and 2000C
//! (patient). Consecutive claims with the same billing provider, subscriber and patient share
//! their `HL` loops; each variant writes its own loop 2300 through a [`Layout`].

use clearway_plugin_sdk::schemas::{Claim, Message, Party};
use serde_json::Value;

use super::decode::{BHT, SBR};
use super::encode::{ClaimRef, NM1};
use super::header::{envelope_party, submitter};
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped};

/// A party level whose party a [`Layout`] fits to its TR3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Loop 2010AA.
    Billing,
    /// Loop 2010AB.
    PayTo,
    /// Loop 2010BA.
    Subscriber,
    /// Loop 2010BB.
    Payer,
    /// Loop 2010CA.
    Patient,
}

/// What a variant writes differently above and in its claims.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Writes loop 2300 and everything under it.
    pub claim: fn(&mut Writer, &Message, &Claim, &Unmapped),
    /// The party written at a level (e.g. without identifiers the loop cannot carry).
    pub fit: fn(Level, &Party) -> Party,
    /// Whether a carried header segment (text) is written back.
    pub header: fn(&str) -> bool,
    /// The `SBR` elements (of `SBR04`-`SBR09`) written back from `x12.SBR`; the others are
    /// "not used" in the variant.
    pub sbr: &'static [usize],
}

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
pub fn carried(w: &mut Writer, unmapped: &Unmapped, loop_id: &str, id: Option<&str>) {
    for text in unmapped.of(loop_id, None) {
        if id.is_none_or(|id| text.split('*').next() == Some(id)) {
            w.raw(text);
        }
    }
}

/// A string extension element (`x12.BHT` / `x12.SBR`), `""` when absent.
pub fn ext<'m>(message: &'m Message, key: &str, element: &str) -> &'m str {
    message
        .extensions
        .get(key)
        .and_then(|v| v.get(element))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Writes the body of one 837 transaction set for `claims` (at least one) as `layout` says;
/// `ids` are the configured sender and receiver ids, used for loops 1000A/1000B when the
/// first message names no sender or receiver.
pub fn write_hierarchy(
    w: &mut Writer,
    claims: &[ClaimRef<'_>],
    reference: &str,
    (date, time): (&str, &str),
    (sender_id, receiver_id): (&str, &str),
    layout: &Layout,
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
    for text in unmapped.of("HEADER", None) {
        if (layout.header)(text) {
            w.raw(text);
        }
    }
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
            let provider = (layout.fit)(Level::Billing, &p.provider.clone().unwrap_or_default());
            if let Some(taxonomy) = &provider.taxonomy {
                w.seg("PRV", &["BI", "PXC", taxonomy.code.as_str()]);
            }
            carried(w, &unmapped, "2000A", None);
            parties::write(w, "85", &provider, NM1);
            carried(w, &unmapped, "2010AA", None);
            if let Some(payee) = &p.payee {
                parties::write(w, "87", &(layout.fit)(Level::PayTo, payee), NM1);
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
            write_sbr(w, message, layout.sbr);
            carried(w, &unmapped, "2000B", None);
            let subscriber =
                (layout.fit)(Level::Subscriber, &p.subscriber.clone().unwrap_or_default());
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
            let payer = (layout.fit)(Level::Payer, &p.payer.clone().unwrap_or_default());
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
                    &(layout.fit)(Level::Patient, patient),
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
        (layout.claim)(w, message, claim, &unmapped);
    }
}

/// Writes the subscriber's `SBR`.
fn write_sbr(w: &mut Writer, message: &Message, used: &[usize]) {
    let subscriber = message.parties.subscriber.as_ref();
    let sbr = |n: usize| {
        if used.contains(&n) {
            ext(message, SBR, &format!("SBR{n:02}")).to_owned()
        } else {
            String::new()
        }
    };
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
