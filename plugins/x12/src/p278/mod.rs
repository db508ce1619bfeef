//! 278 health care services review request and response (005010X217) to and from
//! `prior_auth.request` / `prior_auth.response` messages, one per patient event (2000E).
//!
//! A request is `BHT02` `13`, a response `11`; the request's loops allow no `HCR` or `AAA`,
//! and a response must carry a decision (`HCR`) or a rejection (`AAA`). Parties: 2010A (UMO)
//! is the `payer`, 2010B (requester) the `provider` with its `role`, 2010C the `subscriber`,
//! 2010D the `patient`; 2010EA/EB/EC are in `parties.other` with their `role`, and 2010F
//! loops are each service's `providers`.
//!
//! Correlation: `trace_numbers` holds every `TRN02` of the event and its services (a
//! response echoes the request's), `authorization_number` the request's `REF*BB` or the
//! response's `HCR02`, `other["administrative_reference_number"]` the `REF*NT`, and
//! `other["member_id"]` the subscriber's id.
//!
//! What the model has no field for is kept: whole segments in `extensions["x12.unmapped"]`,
//! the rest of partly mapped segments in `extensions["x12.elements"]` ([`extra`]), where each
//! `AAA` sat in `extensions["x12.AAA"]`.

pub mod codes;
pub mod emit;
pub mod encode;
pub mod event;
pub mod extra;
pub mod hierarchy;
pub mod problems;
pub mod request;
pub mod response;
pub mod spec;
pub mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_encode;

use clearway_plugin_sdk::log;
use clearway_plugin_sdk::schemas::body::PriorAuthResponse;
use clearway_plugin_sdk::schemas::{Body, Message};
use serde_json::{Map, Value};

use self::extra::ELEMENTS;
use self::hierarchy::{AAA_PLACES, Context, Place, check, read_level};
use self::request::Facts;
use crate::decode::EnvelopeIds;
use crate::syntax::{ErrorKind, Group, Transaction, X12Error};
use crate::walker::{Node, walk};

/// The implementation convention Clearway writes.
pub const VERSION: &str = "005010X217";

/// `correlation.other` key of the `REF*NT` administrative reference number.
pub const ADMINISTRATIVE_REFERENCE: &str = "administrative_reference_number";
/// `correlation.other` key of the subscriber's member id.
pub const MEMBER_ID: &str = "member_id";

/// Whether `text` looks like an implementation convention id (safe to log).
fn version_id(text: &str) -> bool {
    (6..=12).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Logs a warning when `GS08` names another convention than `ST03` (which wins).
fn warn_version(tx: &Transaction<'_>, group: &Group<'_>) {
    let (st03, gs08) = (tx.st.el(3).trim(), group.gs.el(8).trim());
    if !gs08.is_empty() && gs08 != st03 {
        let gs08 = if version_id(gs08) {
            gs08
        } else {
            "(not a version id)"
        };
        log::warn!("278: GS08 {gs08} disagrees with ST03 {st03}; decoding by ST03");
    }
}

/// The extension value of a `BHT`, element by element.
fn bht(node: &Node<'_, '_, '_>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(segment) = node.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                out.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    out
}

/// Builds one message from a body, its context and its correlation facts.
fn message(
    body: Body,
    context: &Context,
    facts: Facts,
    (ids, bht): (&EnvelopeIds, &Map<String, Value>),
) -> Message {
    let mut message = Message::new(body);
    message.parties = context.parties.clone();
    let correlation = &mut message.correlation;
    for trace in facts.traces {
        if !correlation.trace_numbers.contains(&trace) {
            correlation.trace_numbers.push(trace);
        }
    }
    correlation.authorization_number = facts.authorization;
    if let Some(number) = facts.administrative_reference {
        correlation
            .other
            .insert(ADMINISTRATIVE_REFERENCE.into(), number);
    }
    if let Some(member) = context
        .parties
        .subscriber
        .as_ref()
        .and_then(|s| s.member_id.clone())
    {
        correlation.other.insert(MEMBER_ID.into(), member);
    }
    ids.apply(correlation);
    ids.record(&mut message, bht, &context.unmapped);
    let extensions = &mut message.extensions;
    if let Some(value) = context.extras.to_value() {
        extensions.insert(ELEMENTS.into(), value);
    }
    if !context.places.is_empty() {
        extensions.insert(AAA_PLACES.into(), Place::to_value(&context.places));
    }
    message
}

/// Decodes one 278 transaction set (request or response by `BHT02`), warning when `GS08`
/// disagrees with `ST03`.
///
/// # Errors
///
/// `BHT02` neither `13` nor `11`, loop structure and `HL` rules, required segments and
/// elements, codes, dates and numbers, each with its position.
pub fn decode(
    tx: &Transaction<'_>,
    group: &Group<'_>,
    ids: &EnvelopeIds,
) -> Result<Vec<Message>, X12Error> {
    warn_version(tx, group);
    let purpose = tx.body.first().filter(|s| s.id == "BHT");
    let response = match purpose.map(|s| s.el(2)) {
        Some("13") => false,
        Some("11") => true,
        Some(_) => {
            let bht = purpose.unwrap_or(&tx.st);
            return Err(bht.err(
                "BHT02",
                ErrorKind::InvalidCode("transaction set purpose code"),
            ));
        }
        None => {
            return Err(X12Error::new(
                tx.st.pos(),
                ErrorKind::MissingSegment("segment BHT".into()),
            ));
        }
    };
    let tree = walk(
        if response {
            &spec::RESPONSE
        } else {
            &spec::REQUEST
        },
        &tx.body,
    )?;
    check(&tree)?;
    let root = tree.root();
    let bht = bht(&root);
    let nodes: Vec<Node<'_, '_, '_>> = root.children().collect();
    let mut messages = Vec::new();
    let mut context = Context::default();
    let mut above: Vec<Context> = Vec::new();
    let mut index = 0;
    while index < nodes.len() {
        let node = &nodes[index];
        index += 1;
        // check() puts every 2000F right after its event, where the event reads it.
        let Some(depth) = ["2000A", "2000B", "2000C", "2000D", "2000E"]
            .iter()
            .position(|l| *l == node.id())
        else {
            continue;
        };
        if depth < 4 {
            above.truncate(depth);
            context = above.last().cloned().unwrap_or_default();
            read_level(node, &mut context)?;
            above.push(context.clone());
            continue;
        }
        let parent = node.segments()[0].el(2);
        let dependent = nodes
            .iter()
            .any(|n| n.id() == "2000D" && n.segments()[0].el(1) == parent);
        let mut event = above
            .get(if dependent { 3 } else { 2 })
            .cloned()
            .unwrap_or_default();
        let services: Vec<Node<'_, '_, '_>> = nodes[index..]
            .iter()
            .take_while(|n| n.id() == "2000F")
            .copied()
            .collect();
        index += services.len();
        let mut shape = None;
        let (body, facts) = if response {
            let (mut body, facts, decided) = response::read(node, &services, &mut event)?;
            body.rejections = event.rejections.clone();
            shape = (!decided).then_some(response::NO_HCR);
            (Body::PriorAuthResponse(body), facts)
        } else {
            let (body, facts) = request::read(node, &services, &mut event)?;
            (Body::PriorAuthRequest(body), facts)
        };
        let mut message = message(body, &event, facts, (ids, &bht));
        if let Some(shape) = shape {
            message
                .extensions
                .insert(response::EVENT.into(), Value::String(shape.into()));
        }
        messages.push(message);
    }
    if messages.is_empty() {
        if !response || context.rejections.is_empty() {
            return Err(X12Error::new(
                tx.st.pos(),
                ErrorKind::MissingSegment("loop 2000E".into()),
            ));
        }
        let body = PriorAuthResponse {
            rejections: context.rejections.clone(),
            ..response::rejected()
        };
        let mut message = message(
            Body::PriorAuthResponse(body),
            &context,
            Facts::default(),
            (ids, &bht),
        );
        message.extensions.insert(
            response::EVENT.into(),
            Value::String(response::ABSENT.into()),
        );
        messages.push(message);
    }
    Ok(messages)
}
