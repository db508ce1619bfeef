//! `claim.status.request` messages to a 276 and `claim.status.response` messages to a 277
//! (005010X212), written so that decoding the result gives the same messages.
//!
//! Consecutive messages share their `HL` levels while the parties of the level and those
//! above it are the same: payer (2000A), information receiver (2000B: the `sender` of a 276,
//! the `receiver` of a 277, else the configured interchange id), provider (2000C),
//! subscriber (2000D) and patient (2000E). A claim of the subscriber's own follows a
//! dependent's only under a new 2000D. A new transaction set starts where the `x12.BHT`
//! extension changes.
//!
//! Not written, for want of a place in the TR3: the medical record number (`REF*EA`); a claim
//! frequency without a bill type; in a 276, line payments (`SVC03`); in a 277, `STC03`
//! (action), `STC07` (payment method) and `STC12` (message) of a claim status, and every
//! amount and date but the effective date of a line status; a payer contact's web address;
//! `NM106` (name prefix) everywhere.

use clearway_plugin_sdk::schemas::{Contact, Message, Party};
use clearway_plugin_sdk::{ConnectorError, Payload};

use super::checks::{self, PAYER_IDS, PROVIDER_IDS, SUBSCRIBER_IDS};
use super::claims::write_claim;
use crate::config::Config;
use crate::encode::Batch;
use crate::numbers::ControlNumbers;
use crate::p270::write::{self, Bht06, BhtRules, SetKind, bht_extension, gender_code};
use crate::p837::header::envelope_party;
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped, write_date};

/// The implementation convention the connector writes.
pub const VERSION: &str = "005010X212";

/// One message with its carried segments.
struct Item<'m> {
    /// The message.
    message: &'m Message,
    /// Its `x12.unmapped` extension.
    unmapped: Unmapped,
}

/// A level of the hierarchy: its first message, the claims at it and the levels under it.
struct Node<'a, 'm> {
    /// The message whose parties the level writes.
    first: &'a Item<'m>,
    /// Claims at this level (2000D and 2000E only).
    claims: Vec<&'a Item<'m>>,
    /// Levels under it.
    children: Vec<Node<'a, 'm>>,
}

/// The party each level (payer, information receiver, provider, subscriber, patient) is
/// keyed on.
fn level_party(m: &Message, depth: usize, response: bool) -> Option<&Party> {
    let p = &m.parties;
    match depth {
        0 => p.payer.as_ref(),
        1 if response => p.receiver.as_ref(),
        1 => p.sender.as_ref(),
        2 => p.provider.as_ref(),
        3 => p.subscriber.as_ref(),
        _ => p.patient.as_ref(),
    }
}

/// Sorts the items of one transaction set into payer levels.
fn plan<'a, 'm>(items: &'a [Item<'m>], response: bool) -> Vec<Node<'a, 'm>> {
    let mut roots: Vec<Node<'a, 'm>> = Vec::new();
    for item in items {
        let depth = if item.message.parties.patient.is_some() {
            4
        } else {
            3
        };
        let mut level = &mut roots;
        for d in 0..=depth {
            let party = level_party(item.message, d, response);
            let reuse = level.last().is_some_and(|n| {
                level_party(n.first.message, d, response) == party
                    && (d != 3 || depth == 4 || n.children.is_empty())
            });
            if !reuse {
                level.push(Node {
                    first: item,
                    claims: Vec::new(),
                    children: Vec::new(),
                });
            }
            let node = level.last_mut().expect("a level was pushed");
            if d == depth {
                node.claims.push(item);
                break;
            }
            level = &mut node.children;
        }
    }
    roots
}

/// Writes the hierarchy of one transaction set (after its `BHT`).
fn write_levels(w: &mut Writer, roots: &[Node<'_, '_>], response: bool, receiver_id: &str) {
    let mut hl = 0u32;
    for a in roots {
        hl += 1;
        let a_id = hl;
        w.seg("HL", &[a_id.to_string().as_str(), "", "20", "1"]);
        let payer = a.first.message.parties.payer.clone().unwrap_or_default();
        write::write_nm1(w, "PR", &payer, PAYER_IDS, true);
        if response && let Some(contact) = payer.contacts.first() {
            let contact = Contact {
                url: None,
                ..contact.clone()
            };
            if contact.phone.is_some() || contact.email.is_some() || contact.fax.is_some() {
                crate::parties::write_contact(w, "IC", &contact);
            }
        }
        for b in &a.children {
            hl += 1;
            let b_id = hl;
            w.seg(
                "HL",
                &[b_id.to_string().as_str(), &a_id.to_string(), "21", "1"],
            );
            let party = level_party(b.first.message, 1, response);
            let mut receiver = envelope_party(party, receiver_id);
            receiver.suffix = None;
            write::write_nm1(w, "41", &receiver, &["46"], false);
            for c in &b.children {
                hl += 1;
                let c_id = hl;
                w.seg(
                    "HL",
                    &[c_id.to_string().as_str(), &b_id.to_string(), "19", "1"],
                );
                let provider = c.first.message.parties.provider.clone().unwrap_or_default();
                write::write_nm1(w, "1P", &provider, PROVIDER_IDS, false);
                for d in &c.children {
                    hl += 1;
                    let d_id = hl;
                    let child = if d.children.is_empty() { "0" } else { "1" };
                    w.seg(
                        "HL",
                        &[d_id.to_string().as_str(), &c_id.to_string(), "22", child],
                    );
                    let subscriber = d
                        .first
                        .message
                        .parties
                        .subscriber
                        .clone()
                        .unwrap_or_default();
                    if !response {
                        write_dmg(w, &subscriber);
                    }
                    write::write_nm1(w, "IL", &subscriber, SUBSCRIBER_IDS, false);
                    for claim in &d.claims {
                        write_claim(
                            w,
                            (claim.message, &claim.unmapped),
                            ("2200D", "2210D"),
                            response,
                        );
                    }
                    for e in &d.children {
                        hl += 1;
                        w.seg("HL", &[hl.to_string().as_str(), &d_id.to_string(), "23"]);
                        let patient = e.first.message.parties.patient.clone().unwrap_or_default();
                        if !response {
                            write_dmg(w, &patient);
                        }
                        write::write_nm1(w, "QC", &patient, &[], false);
                        for claim in &e.claims {
                            write_claim(
                                w,
                                (claim.message, &claim.unmapped),
                                ("2200E", "2210E"),
                                response,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Writes a 276 `DMG` (`D8`, birth date, `F`/`M`) when the party has a birth date.
fn write_dmg(w: &mut Writer, party: &Party) {
    if let Some(birth) = &party.birth_date {
        w.seg(
            "DMG",
            &["D8", write_date(birth).as_str(), gender_code(party.gender)],
        );
    }
}

/// Encodes claim status requests (`response` false, a 276) or responses (a 277) into one
/// interchange: one transaction set per run of messages with the same `x12.BHT`.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] with a problem per JSON pointer the TR3 needs and the
/// message lacks; [`ConnectorError::Config`] when no creation date is known.
pub fn encode(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
    response: bool,
) -> Result<Payload, ConnectorError> {
    let mut problems = Vec::new();
    let mut sets: Vec<Vec<Item<'_>>> = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        problems.extend(checks::problems(index as usize, message, response));
        let joins = sets
            .last()
            .and_then(|s| s.last())
            .is_some_and(|last| bht_extension(last.message) == bht_extension(message));
        if !joins {
            sets.push(Vec::new());
        }
        sets.last_mut().expect("a set was pushed").push(Item {
            message,
            unmapped: Unmapped::from_value(message.extensions.get(UNMAPPED)),
        });
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let kind = if response {
        SetKind {
            gs01: "HN",
            st01: "277",
            rules: BhtRules {
                structure: "0010",
                purposes: &["08"],
                bht06: Bht06::Required("DG"),
            },
            version: VERSION,
        }
    } else {
        SetKind {
            gs01: "HR",
            st01: "276",
            rules: BhtRules {
                structure: "0010",
                purposes: &["13"],
                bht06: Bht06::NotUsed,
            },
            version: VERSION,
        }
    };
    // The information receiver: the 276's sender (this interchange's sender) or the 277's
    // receiver.
    let receiver_id = if response {
        &config.receiver_id
    } else {
        &config.sender_id
    };
    let heads: Vec<&Message> = sets.iter().map(|s| s[0].message).collect();
    write::write_sets(batch, config, numbers, &kind, &heads, |w, n| {
        write_levels(w, &plan(&sets[n], response), response, receiver_id);
    })
}
