//! 270 eligibility inquiry and 271 eligibility response (005010X279A1) to
//! `eligibility.request` / `eligibility.response` messages: one per subscriber (2000C) or
//! dependent (2000D) asked or answered about. A 271 that rejects the inquiry above the
//! subscriber level (an `AAA` at 2000A/2100A/2100B) gives one message with those rejections.
//!
//! Parties: 2100A is the `payer`, 2100B the `provider`, 2100C the `subscriber` and 2100D the
//! `patient`. Correlation: `trace_numbers` holds every `TRN02` of the level (the 271 echoes
//! the 270's trace, which links the two).
//!
//! Segments the model has no field for are carried in `x12.unmapped` under their loop; those
//! of a 271 `EB` loop also record its position in the name loop (from 1) as `line`.
//! [`encode`] writes the messages back as a 270 or 271.

pub mod benefits;
pub mod checks;
pub mod encode;
pub mod person;
pub mod plan;
pub mod request;
pub mod response;
pub mod spec;
pub mod write;

use clearway_plugin_sdk::schemas::body::coverage::Coverage;
use clearway_plugin_sdk::schemas::body::{Rejection, RejectionLevel, Trace};
use clearway_plugin_sdk::schemas::{Body, Message, Parties, Period, Relationship};
use serde_json::{Map, Value};

use crate::decode::EnvelopeIds;
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{Unmapped, flag, period, read_trace};
use crate::walker::{Node, walk};

/// What is known above the level being read.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Parties so far.
    pub parties: Parties,
    /// Rejections so far.
    pub rejections: Vec<Rejection>,
    /// Segments the model has no field for.
    pub unmapped: Unmapped,
    /// The subscriber's coverage facts, which a dependent level starts from.
    pub coverage: Option<Coverage>,
}

/// Reads an `AAA` at `level`.
///
/// # Errors
///
/// `AAA03` (reject reason code) empty.
pub fn rejection(aaa: &Segment<'_>, level: RejectionLevel) -> Result<Rejection, X12Error> {
    Ok(Rejection {
        level,
        valid_request: flag(aaa.el(1)),
        reason_code: aaa.req(3, "reject reason code")?.to_owned(),
        follow_up_action: aaa.opt(4).map(str::to_owned),
    })
}

/// Reads an upper level (2000A or 2000B) into `context`.
fn upper(node: &Node<'_, '_, '_>, context: &mut Context) -> Result<(), X12Error> {
    let (level, name) = if node.id() == "2000A" {
        (RejectionLevel::InformationSource, "2100A")
    } else {
        (RejectionLevel::InformationReceiver, "2100B")
    };
    for aaa in node.all("AAA") {
        context.rejections.push(rejection(aaa, level)?);
    }
    if let Some(child) = node.child(name) {
        let party = parties::read(&child)?;
        if name == "2100A" {
            context.parties.payer = Some(party);
        } else {
            context.parties.provider = Some(party);
        }
        for aaa in child.all("AAA") {
            context
                .rejections
                .push(rejection(aaa, level).map_err(|e| e.in_loop(name))?);
        }
    }
    Ok(())
}

/// A subscriber or dependent level, read so far: its traces, its name loop, and whether it
/// is the dependent level.
pub struct Person<'t, 's, 'a> {
    /// Traces of the level. X12: `TRN`.
    pub traces: Vec<Trace>,
    /// The name loop (2100C/D), when present.
    pub name: Option<Node<'t, 's, 'a>>,
    /// Whether this is 2000D.
    pub dependent: bool,
}

/// Reads the common part of a 2000C/D level into `context`: traces, the person, `AAA`s.
fn person<'t, 's, 'a>(
    node: &Node<'t, 's, 'a>,
    context: &mut Context,
) -> Result<Person<'t, 's, 'a>, X12Error> {
    let dependent = node.id() == "2000D";
    let traces = node
        .all("TRN")
        .map(|t| read_trace(t, "trace number").map_err(|e| e.in_loop(node.id())))
        .collect::<Result<Vec<_>, _>>()?;
    let name = node.children().next();
    if let Some(name) = &name {
        let mut party = parties::read(name)?;
        if let Some(ins) = name.first("INS") {
            party.relationship_to_subscriber = Relationship::from_x12_code(ins.el(2));
        }
        let level = if dependent {
            RejectionLevel::Dependent
        } else {
            RejectionLevel::Subscriber
        };
        for aaa in name.all("AAA") {
            context
                .rejections
                .push(rejection(aaa, level).map_err(|e| e.in_loop(name.id()))?);
        }
        if dependent {
            context.parties.patient = Some(party);
        } else {
            context.parties.subscriber = Some(party);
        }
    }
    Ok(Person {
        traces,
        name,
        dependent,
    })
}

/// The coverage facts of a name loop (2100C/D: `REF*18`/`6P`/`1L`, `DTP*346`/`347`/`356`/
/// `357`), on top of the subscriber's for a dependent, and the date of service
/// (`DTP*291`/`472`). Other `DTP`s and `MPI` are carried as unmapped.
///
/// # Errors
///
/// A bad date, with its position.
pub fn coverage(
    name: &Node<'_, '_, '_>,
    context: &mut Context,
) -> Result<(Option<Coverage>, Option<Period>), X12Error> {
    let dependent = name.id() == "2100D";
    let mut coverage = if dependent {
        context.coverage.clone().unwrap_or_default()
    } else {
        Coverage::default()
    };
    let mut date_of_service = None;
    for segment in name.segments().iter().skip(1) {
        let text = |n: usize| segment.opt(n).map(str::to_owned);
        let dates = || period(segment, 2).map_err(|e| e.in_loop(name.id()));
        match (segment.id, segment.el(1)) {
            ("REF", "18") => (coverage.plan_id, coverage.plan_name) = (text(2), text(3)),
            ("REF", "6P") => (coverage.group_number, coverage.group_name) = (text(2), text(3)),
            ("REF", "1L") => coverage.group_number = coverage.group_number.take().or(text(2)),
            ("DTP", "346" | "356") => {
                let dates = dates()?;
                let span = coverage.period.get_or_insert_with(Period::default);
                span.start = dates.start;
                if dates.end != span.start {
                    span.end = dates.end;
                }
            }
            ("DTP", "347" | "357") => {
                coverage.period.get_or_insert_with(Period::default).end = dates()?.end;
            }
            ("DTP", "291" | "472") => date_of_service = Some(dates()?),
            ("DTP" | "MPI", _) => context.unmapped.push(name.id(), None, segment),
            _ => {}
        }
    }
    let member = if dependent {
        context.parties.patient.as_ref()
    } else {
        context.parties.subscriber.as_ref()
    };
    coverage.relationship = member.and_then(|p| p.relationship_to_subscriber);
    coverage.subscriber_id = context
        .parties
        .subscriber
        .as_ref()
        .and_then(|s| s.member_id.clone());
    if !dependent {
        context.coverage = Some(coverage.clone());
    }
    Ok((
        (coverage != Coverage::default()).then_some(coverage),
        date_of_service,
    ))
}

/// Builds a message from a body and the context, with the common extensions.
fn message(
    body: Body,
    context: &Context,
    traces: &[Trace],
    (ids, bht): (&EnvelopeIds, &Map<String, Value>),
) -> Message {
    let mut message = Message::new(body);
    message.parties = context.parties.clone();
    message.correlation.trace_numbers = traces.iter().map(|t| t.reference.clone()).collect();
    ids.apply(&mut message.correlation);
    ids.record(&mut message, bht, &context.unmapped);
    message
}

/// Decodes one 270 (`response` false) or 271 (`response` true) transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(
    tx: &Transaction<'_>,
    ids: &EnvelopeIds,
    response: bool,
) -> Result<Vec<Message>, X12Error> {
    let tree = walk(
        if response {
            &spec::RESPONSE
        } else {
            &spec::INQUIRY
        },
        &tx.body,
    )?;
    let root = tree.root();
    let mut bht = Map::new();
    if let Some(segment) = root.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                bht.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    let mut source = Context::default();
    let mut receiver = Context::default();
    let mut subscriber = Context::default();
    let mut messages = Vec::new();
    for node in root.children() {
        match node.id() {
            "2000A" => {
                source = Context::default();
                upper(&node, &mut source)?;
                receiver = source.clone();
                subscriber = source.clone();
            }
            "2000B" => {
                receiver = source.clone();
                upper(&node, &mut receiver)?;
                subscriber = receiver.clone();
            }
            _ => {
                let mut context = if node.id() == "2000D" {
                    subscriber.clone()
                } else {
                    receiver.clone()
                };
                let person = person(&node, &mut context)?;
                let has_children = node.segments()[0].el(4) == "1";
                let asks = person.name.is_some_and(|n| n.children().next().is_some());
                let body = if response {
                    Body::EligibilityResponse(response::read(&person, &mut context)?)
                } else {
                    Body::EligibilityRequest(request::read(&person, &mut context)?)
                };
                if !person.dependent {
                    subscriber = context.clone();
                }
                if person.dependent || !has_children || asks {
                    messages.push(message(body, &context, &person.traces, (ids, &bht)));
                }
            }
        }
    }
    if messages.is_empty() {
        let body = if response {
            Body::EligibilityResponse(response::rejected(&receiver))
        } else {
            return Err(X12Error::new(
                tx.st.pos(),
                ErrorKind::MissingSegment("loop 2000C".into()),
            ));
        };
        messages.push(message(body, &receiver, &[], (ids, &bht)));
    }
    Ok(messages)
}
