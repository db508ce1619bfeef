//! The levels above the claims of an 837, written alike by every variant: `BHT`, loops
//! 1000A/1000B, and the `HL` loops 2000A (billing provider), 2000B (subscriber) and 2000C
//! (patient). Consecutive claims with the same billing provider, subscriber and patient share
//! their `HL` loops; each variant writes its own loop 2300 through a [`Layout`].

use std::borrow::Cow;

use clearway_plugin_sdk::schemas::{Claim, Message, Party};
use serde_json::Value;

use super::decode::{BHT, SBR};
use super::encode::{ClaimRef, NM1};
use super::header::{envelope_party, submitter};
use crate::parties::{self, Details};
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped, numbered};

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
    pub fit: for<'p> fn(Level, &'p Party) -> Cow<'p, Party>,
    /// Whether a carried header segment (text) is written back.
    pub header: fn(&str) -> bool,
    /// The `SBR` elements (of `SBR04`-`SBR09`) written back from `x12.SBR`; the others are
    /// "not used" in the variant.
    pub sbr: &'static [usize],
}

/// The `HL` grouping key of a level: consecutive claims with equal keys share the level.
#[derive(Debug, PartialEq)]
struct LevelKey<'m> {
    /// The level's parties.
    parties: Vec<Option<&'m Party>>,
    /// The level's carried segments, loop by loop.
    carried: Vec<&'m str>,
    /// The extension the level also writes (`x12.SBR` for 2000B).
    extra: Option<&'m Value>,
}

/// The [`LevelKey`] of `message` (whose carried segments are `unmapped`) for a level with
/// these parties and loops.
fn key<'m>(
    message: &'m Message,
    unmapped: &'m Unmapped,
    parties: &[&'m Option<Party>],
    loops: &[&'static str],
    extra: Option<&str>,
) -> LevelKey<'m> {
    LevelKey {
        parties: parties.iter().map(|p| p.as_ref()).collect(),
        carried: loops.iter().flat_map(|l| unmapped.of(l, None)).collect(),
        extra: extra.and_then(|k| message.extensions.get(k)),
    }
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
    // Each claim's carried segments, read once (the level keys borrow from them).
    let carried_segments: Vec<Unmapped> = claims
        .iter()
        .map(|(message, _)| Unmapped::from_value(message.extensions.get(UNMAPPED)))
        .collect();
    let subscriber_key = |index: usize| {
        let (message, _) = claims[index];
        let p = &message.parties;
        key(
            message,
            &carried_segments[index],
            &[&p.subscriber, &p.payer],
            &["2000B", "2010BA", "2010BB"],
            Some(SBR),
        )
    };
    let no_party = Party::default();
    let (mut key_a, mut key_b, mut key_c) = (None, None, None);
    for (index, (message, claim)) in claims.iter().enumerate() {
        let p = &message.parties;
        let unmapped = &carried_segments[index];
        let this_a = key(
            message,
            unmapped,
            &[&p.provider, &p.payee],
            &["2000A", "2010AA", "2010AB", "2010AC"],
            None,
        );
        let this_b = subscriber_key(index);
        let this_c = key(message, unmapped, &[&p.patient], &["2000C", "2010CA"], None);
        let new_a = key_a.as_ref() != Some(&this_a);
        let new_b = new_a || key_b.as_ref() != Some(&this_b);
        if new_a {
            hl += 1;
            a = hl;
            w.seg("HL", &[numbered("", a.into()).as_str(), "", "20", "1"]);
            let provider = (layout.fit)(Level::Billing, p.provider.as_ref().unwrap_or(&no_party));
            if let Some(taxonomy) = &provider.taxonomy {
                w.seg("PRV", &["BI", "PXC", taxonomy.code.as_str()]);
            }
            carried(w, unmapped, "2000A", None);
            parties::write(w, "85", &provider, NM1);
            carried(w, unmapped, "2010AA", None);
            if let Some(payee) = &p.payee {
                parties::write(w, "87", &(layout.fit)(Level::PayTo, payee), NM1);
                carried(w, unmapped, "2010AB", None);
            }
            carried(w, unmapped, "2010AC", None);
            key_a = Some(this_a);
        }
        if new_b {
            hl += 1;
            b = hl;
            // HL04: whether a 2000C follows under this subscriber.
            let has_child = (index..claims.len())
                .take_while(|&i| subscriber_key(i) == this_b)
                .any(|i| claims[i].0.parties.patient.is_some());
            w.seg(
                "HL",
                &[
                    numbered("", b.into()).as_str(),
                    numbered("", a.into()).as_str(),
                    "22",
                    if has_child { "1" } else { "0" },
                ],
            );
            write_sbr(w, message, layout.sbr);
            carried(w, unmapped, "2000B", None);
            let subscriber = (layout.fit)(
                Level::Subscriber,
                p.subscriber.as_ref().unwrap_or(&no_party),
            );
            parties::write(
                w,
                "IL",
                &subscriber,
                Details {
                    demographics: true,
                    ..NM1
                },
            );
            carried(w, unmapped, "2010BA", None);
            let payer = (layout.fit)(Level::Payer, p.payer.as_ref().unwrap_or(&no_party));
            parties::write(w, "PR", &payer, NM1);
            carried(w, unmapped, "2010BB", None);
            key_b = Some(this_b);
            key_c = None;
        }
        if let Some(patient) = &p.patient
            && (new_b || key_c.as_ref() != Some(&this_c))
        {
            {
                hl += 1;
                w.seg(
                    "HL",
                    &[
                        numbered("", hl.into()).as_str(),
                        numbered("", b.into()).as_str(),
                        "23",
                        "0",
                    ],
                );
                let relationship = patient
                    .relationship_to_subscriber
                    .map(|r| r.x12_code())
                    .unwrap_or("G8");
                w.seg("PAT", &[relationship]);
                carried(w, unmapped, "2000C", None);
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
                carried(w, unmapped, "2010CA", None);
                key_c = Some(this_c);
            }
        }
        (layout.claim)(w, message, claim, unmapped);
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
