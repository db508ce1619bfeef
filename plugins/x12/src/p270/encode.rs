//! `eligibility.request` messages to a 270 and `eligibility.response` messages to a 271
//! (005010X279A1), written so that decoding the result gives the same messages.
//!
//! Consecutive messages with the same payer (and its rejections) share loop 2000A, with the
//! same provider too loop 2000B. A message without a `patient` is a subscriber level (2000C)
//! of its own; a message with one is a dependent level (2000D), under the 2000C just written
//! when that is the same subscriber with the same subscriber-level rejections and carried
//! segments, else under a 2000C of its own (with no inquiry or benefit of its own). A new
//! transaction set starts where the `x12.BHT` extension changes, and around a 271 that
//! rejects the inquiry above the subscriber level (it has no subscriber).
//!
//! Not written, for want of a place in the TR3: the coverage's status, type, insurance type,
//! order, network and dependent number; a 270's coverage period and plan or group names
//! (`REF03` is "not used" there); the payer's and provider's addresses and contacts where
//! their loop has no `N3`/`N4`/`PER`; `NM106` (name prefix) everywhere; a 270 dependent's
//! relationship other than spouse or child; a subscriber's relationship (`INS*Y*18` needs the
//! birth sequence number, which the model does not hold).

use clearway_plugin_sdk::schemas::body::RejectionLevel;
use clearway_plugin_sdk::schemas::{Message, Party};
use clearway_plugin_sdk::{ConnectorError, Payload};

use super::benefits::{write_benefits, write_inquiries};
use super::checks::{self, PAYER_IDS, PROVIDER_IDS};
use super::person::{NameLoop, write_name};
use super::plan::{Item, Source, plan};
use super::write::{self, Bht06, BhtRules, SetKind, bht_extension};
use crate::config::Config;
use crate::encode::Batch;
use crate::numbers::ControlNumbers;
use crate::parties;
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped};

/// The implementation convention the connector writes.
pub const VERSION: &str = "005010X279A1";

/// `REF01` qualifiers of the information receiver (2100B).
const RECEIVER_REFS: &[&str] = &[
    "0B", "1C", "1D", "1J", "4A", "CT", "EL", "EO", "HPI", "JD", "N5", "N7", "Q4", "SY", "TJ",
];

/// Writes loop 2100A (payer) with, on a 271, its contacts and rejections.
fn write_source(w: &mut Writer, item: &Item<'_>, response: bool) {
    let payer = item.message.parties.payer.clone().unwrap_or_default();
    write::write_nm1(w, "PR", &payer, PAYER_IDS, false);
    if response {
        for contact in payer.contacts.iter().take(3) {
            parties::write_contact(w, "IC", contact);
        }
        for rejection in item.rejections(&[RejectionLevel::InformationSource]) {
            write::write_aaa(w, rejection);
        }
    }
}

/// Writes loop 2100B (provider).
fn write_receiver(w: &mut Writer, item: &Item<'_>, response: bool) {
    let provider = item.message.parties.provider.clone().unwrap_or_default();
    let used = write::write_nm1(w, "1P", &provider, PROVIDER_IDS, false);
    write::write_party_refs(w, &provider, used, RECEIVER_REFS, |_, _| None);
    if let Some(address) = &provider.address {
        parties::write_address(w, address);
    }
    if response {
        for rejection in item.rejections(&[RejectionLevel::InformationReceiver]) {
            write::write_aaa(w, rejection);
        }
    }
    if let Some(taxonomy) = &provider.taxonomy {
        w.seg("PRV", &["PE", "PXC", taxonomy.code.as_str()]);
    }
}

/// Writes the `TRN`s of a level: `TRN01` is `1` in a 270, `1` or `2` in a 271.
fn write_traces(w: &mut Writer, item: &Item<'_>) {
    let traces = match (item.request(), item.response()) {
        (Some(r), _) => &r.traces,
        (_, Some(r)) => &r.traces,
        _ => return,
    };
    for trace in traces {
        let kind = match (item.response().is_some(), trace.trace_type.as_deref()) {
            (false, _) => "1",
            (true, Some(t @ ("1" | "2"))) => t,
            (true, _) => "2",
        };
        write::write_trn(w, trace, kind, true);
    }
}

/// The name loop settings of `item` at the subscriber (`dependent` false) or dependent level.
fn name_loop<'a>(item: &'a Item<'_>, dependent: bool, own: bool) -> NameLoop<'a> {
    let (coverage, diagnoses, date) = match (item.request(), item.response()) {
        (Some(r), _) => (
            r.coverage.as_ref(),
            &r.diagnoses[..],
            r.date_of_service.as_ref(),
        ),
        (_, Some(r)) => (r.coverage.as_ref(), &[][..], r.date_of_service.as_ref()),
        _ => (None, &[][..], None),
    };
    let level = if dependent {
        RejectionLevel::Dependent
    } else {
        RejectionLevel::Subscriber
    };
    NameLoop {
        response: item.response().is_some(),
        dependent,
        coverage: coverage.filter(|_| own),
        names: coverage,
        rejections: item.rejections(&[level]),
        diagnoses: if own { diagnoses } else { &[] },
        date_of_service: date.filter(|_| own),
        carried: item.texts(if dependent { "2100D" } else { "2100C" }),
        ..NameLoop::default()
    }
}

/// The subscriber of `item`'s 2100C: its member id (`NM109` `MI`) is the coverage's
/// subscriber id when the party has none.
fn subscriber(item: &Item<'_>) -> Party {
    let mut party = item.message.parties.subscriber.clone().unwrap_or_default();
    let coverage = match (item.request(), item.response()) {
        (Some(r), _) => r.coverage.as_ref(),
        (_, Some(r)) => r.coverage.as_ref(),
        _ => None,
    };
    if party.member_id.is_none() {
        party.member_id = coverage.and_then(|c| c.subscriber_id.clone());
    }
    party
}

/// Writes the inquiries (270) or benefits (271) of `item` at loop `loop_id`.
fn write_answers(w: &mut Writer, item: &Item<'_>, loop_id: &str) {
    if let Some(request) = item.request() {
        write_inquiries(w, request, &item.texts(loop_id));
    } else if let Some(response) = item.response() {
        let level = if loop_id == "2110D" {
            RejectionLevel::DependentInquiry
        } else {
            RejectionLevel::SubscriberInquiry
        };
        let rejections = item.rejections(&[level]);
        write_benefits(w, &response.benefits, &rejections, &item.unmapped, loop_id);
    }
}

/// Writes the hierarchy of one transaction set (after its `BHT`).
fn write_levels(w: &mut Writer, sources: &[Source<'_, '_>], response: bool) {
    let mut hl = 0u32;
    let mut open = |w: &mut Writer, parent: Option<u32>, code: &str, child: Option<bool>| {
        hl += 1;
        let parent = parent.map(|p| p.to_string()).unwrap_or_default();
        let child = child.map_or("", |c| if c { "1" } else { "0" });
        w.seg("HL", &[hl.to_string().as_str(), &parent, code, child]);
        hl
    };
    for source in sources {
        let a = open(w, None, "20", Some(true));
        write_source(w, source.first, response);
        for receiver in &source.receivers {
            // A 271 rejected by the payer (2100A) may have no information receiver at all.
            if receiver.first.message.parties.provider.is_none() && receiver.levels.is_empty() {
                continue;
            }
            let b = open(w, Some(a), "21", Some(!receiver.levels.is_empty()));
            write_receiver(w, receiver.first, response);
            for level in &receiver.levels {
                let c = open(w, Some(b), "22", Some(!level.dependents.is_empty()));
                if level.own {
                    write_traces(w, level.owner);
                }
                let l = name_loop(level.owner, false, level.own);
                let base = write_name(w, &subscriber(level.owner), &l);
                if level.own {
                    write_answers(w, level.owner, "2110C");
                }
                for dependent in &level.dependents {
                    open(w, Some(c), "23", Some(false));
                    write_traces(w, dependent);
                    let patient = dependent.message.parties.patient.clone();
                    let l = NameLoop {
                        base: base.clone(),
                        ..name_loop(dependent, true, true)
                    };
                    write_name(w, &patient.unwrap_or_default(), &l);
                    write_answers(w, dependent, "2110D");
                }
            }
        }
    }
}

/// Encodes eligibility requests (`response` false, a 270) or responses (a 271) into one
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
        let index = index as usize;
        problems.extend(checks::problems(index, message, response));
        let alone = |m: &Message| m.parties.subscriber.is_none();
        let joins = sets.last().and_then(|s| s.last()).is_some_and(|last| {
            bht_extension(last.message) == bht_extension(message)
                && !alone(last.message)
                && !alone(message)
        });
        if !joins {
            sets.push(Vec::new());
        }
        sets.last_mut().expect("a set was pushed").push(Item {
            index,
            message,
            unmapped: Unmapped::from_value(message.extensions.get(UNMAPPED)),
        });
    }
    let plans: Vec<Vec<Source<'_, '_>>> = sets.iter().map(|s| plan(s, &mut problems)).collect();
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let rules = |purposes| BhtRules {
        structure: "0022",
        purposes,
        bht06: Bht06::Optional("RT"),
    };
    let kind = if response {
        SetKind {
            gs01: "HB",
            st01: "271",
            rules: rules(&["11", "06"]),
            version: VERSION,
        }
    } else {
        SetKind {
            gs01: "HS",
            st01: "270",
            rules: rules(&["13", "01"]),
            version: VERSION,
        }
    };
    let heads: Vec<&Message> = sets.iter().map(|s| s[0].message).collect();
    write::write_sets(batch, config, numbers, &kind, &heads, |w, n| {
        write_levels(w, &plans[n], response);
    })
}
