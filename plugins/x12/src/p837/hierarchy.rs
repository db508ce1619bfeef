//! The `HL` hierarchy every 837 variant shares (loops 1000A/B, 2000A/2010AA-AC,
//! 2000B/2010BA-BB, 2000C/2010CA), read into the parties above each claim; the claim
//! loop 2300 itself is read by the variant's [`ClaimReader`].

use clearway_plugin_sdk::schemas::{Body, Claim, Code, CodeSystem, Message, Parties, Relationship};
use serde_json::{Map, Value};

use super::decode::{BHT, SBR};
use crate::decode::EnvelopeIds;
use crate::parties;
use crate::syntax::{ErrorKind, Transaction, X12Error};
use crate::values::{UNMAPPED, Unmapped};
use crate::walker::{LoopDef, Node, walk};

/// The hierarchy above a claim, as read so far.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Submitter, receiver, billing and pay-to providers, subscriber, payer, patient.
    pub parties: Parties,
    /// The subscriber's `SBR` elements other than `SBR02`/`SBR03`.
    pub sbr: Map<String, Value>,
    /// The carried segments of the loops above the claim.
    pub unmapped: Unmapped,
}

/// Reads one loop 2300 under its hierarchy into a `claim` message (see [`finish`]).
pub type ClaimReader =
    fn(&Node<'_, '_, '_>, &Context, &Map<String, Value>, &EnvelopeIds) -> Result<Message, X12Error>;

/// Records every segment of `node` except the trigger and the ids in `mapped`.
pub fn carry(node: &Node<'_, '_, '_>, mapped: &[&str], line: Option<u32>, out: &mut Unmapped) {
    for segment in node.segments().iter().skip(1) {
        if !mapped.contains(&segment.id) {
            out.push(node.id(), line, segment);
        }
    }
}

/// Records a whole loop (trigger and children) as unmapped.
pub fn carry_all(node: &Node<'_, '_, '_>, line: Option<u32>, out: &mut Unmapped) {
    for segment in node.segments() {
        out.push(node.id(), line, segment);
    }
    for child in node.children() {
        carry_all(&child, line, out);
    }
}

/// Decodes one 837 transaction set laid out by `root`, reading each loop 2300 with `claim`.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(
    tx: &Transaction<'_>,
    ids: &EnvelopeIds,
    root: &'static LoopDef,
    claim: ClaimReader,
) -> Result<Vec<Message>, X12Error> {
    let tree = walk(root, &tx.body)?;
    let root = tree.root();
    let mut base = Context::default();
    let mut bht = Map::new();
    if let Some(segment) = root.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                bht.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    carry(&root, &["BHT"], None, &mut base.unmapped);
    if let Some(node) = root.child("1000A") {
        base.parties.sender = Some(parties::read(&node)?);
    }
    if let Some(node) = root.child("1000B") {
        base.parties.receiver = Some(parties::read(&node)?);
    }
    let mut messages = Vec::new();
    let mut provider = base.clone();
    let mut subscriber = base.clone();
    for node in root.children() {
        match node.id() {
            "2000A" => {
                provider = billing(&node, &base)?;
                subscriber = provider.clone();
            }
            "2000B" => {
                subscriber = provider.clone();
                carry(&node, &["SBR"], None, &mut subscriber.unmapped);
                let sbr = node.first("SBR").ok_or_else(|| {
                    X12Error::new(
                        node.segments()[0].pos().in_loop("2000B"),
                        ErrorKind::MissingSegment("segment SBR".into()),
                    )
                })?;
                for n in [1, 4, 5, 6, 7, 8, 9] {
                    if let Some(value) = sbr.opt(n) {
                        subscriber
                            .sbr
                            .insert(format!("SBR{n:02}"), Value::String(value.to_owned()));
                    }
                }
                for child in node.children() {
                    match child.id() {
                        "2010BA" => {
                            let mut party = parties::read(&child)?;
                            party.group_number = sbr.opt(3).map(str::to_owned);
                            party.relationship_to_subscriber =
                                sbr.opt(2).and_then(Relationship::from_x12_code);
                            subscriber.parties.subscriber = Some(party);
                        }
                        "2010BB" => subscriber.parties.payer = Some(parties::read(&child)?),
                        "2300" => messages.push(claim(&child, &subscriber, &bht, ids)?),
                        _ => carry_all(&child, None, &mut subscriber.unmapped),
                    }
                }
            }
            "2000C" => {
                let mut patient = subscriber.clone();
                carry(&node, &["PAT"], None, &mut patient.unmapped);
                let relationship = node
                    .first("PAT")
                    .and_then(|pat| pat.opt(1))
                    .and_then(Relationship::from_x12_code);
                for child in node.children() {
                    match child.id() {
                        "2010CA" => {
                            let mut party = parties::read(&child)?;
                            party.relationship_to_subscriber = relationship;
                            patient.parties.patient = Some(party);
                        }
                        "2300" => messages.push(claim(&child, &patient, &bht, ids)?),
                        _ => carry_all(&child, None, &mut patient.unmapped),
                    }
                }
            }
            _ => {}
        }
    }
    Ok(messages)
}

/// Loop 2000A: the billing provider (taxonomy from the level's `PRV`) and pay-to provider.
fn billing(node: &Node<'_, '_, '_>, base: &Context) -> Result<Context, X12Error> {
    let mut provider = base.clone();
    carry(node, &["PRV"], None, &mut provider.unmapped);
    for child in node.children() {
        match child.id() {
            "2010AA" => {
                let mut party = parties::read(&child)?;
                if let Some(prv) = node.first("PRV") {
                    party.taxonomy = prv.opt(3).map(|c| Code::new(CodeSystem::Nucc, c));
                }
                provider.parties.provider = Some(party);
            }
            "2010AB" => provider.parties.payee = Some(parties::read(&child)?),
            _ => carry_all(&child, None, &mut provider.unmapped),
        }
    }
    Ok(provider)
}

/// The `claim` message of `claim` with its parties: correlation (`claim_id` = `CLM01`, the
/// first prior authorization, the envelope numbers), the implementation convention, the
/// `BHT` and `SBR` elements and the carried segments.
pub fn finish(
    claim: Claim,
    parties: Parties,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
    unmapped: &Unmapped,
) -> Message {
    let mut message = Message::new(Body::Claim(claim.clone()));
    message.correlation.claim_id = Some(claim.patient_control_number.clone());
    message.correlation.authorization_number = claim.prior_authorization_numbers.first().cloned();
    ids.apply(&mut message.correlation);
    ids.record_version(&mut message);
    message.parties = parties;
    if !bht.is_empty() {
        message
            .extensions
            .insert(BHT.into(), Value::Object(bht.clone()));
    }
    if !context.sbr.is_empty() {
        message
            .extensions
            .insert(SBR.into(), Value::Object(context.sbr.clone()));
    }
    if let Some(value) = unmapped.to_value() {
        message.extensions.insert(UNMAPPED.into(), value);
    }
    message
}
