//! `prior_auth.request` / `prior_auth.response` messages to a 278 (005010X217) transaction
//! body: `BHT`, the HL levels 20/21/22/23/EV/SS and their loops in TR3 order.
//!
//! Call [`super::problems`] first: the writers assume the codes the model holds have X217
//! codes and that what X217 requires is there.

use clearway_plugin_sdk::schemas::body::prior_auth::{PriorAuthRequest, PriorAuthResponse};
use clearway_plugin_sdk::schemas::{Body, Message};
use clearway_plugin_sdk::{ConnectorError, Payload};
use serde_json::Value;

use super::codes;
use super::emit::{
    write_event_parties, write_request_event, write_response_event, write_service_decision,
    write_service_request,
};
use super::extra::{At, Seg};
use super::hierarchy::{AAA_PLACES, Place};
use super::response::{ABSENT, EVENT, NO_HCR};
use super::write::{Out, PROVIDER, Shape, hl, party};
use crate::config::Config;
use crate::encode::{Batch, CONTENT_TYPE, creation, envelope, version_of};
use crate::numbers::ControlNumbers;
use crate::p837::decode::BHT;
use crate::syntax::Writer;

/// Writes `BHT`: `0007`, purpose `13`/`11`, and the message's own `BHT03`-`BHT06` when it
/// carries them (else `reference` and the interchange's date and time).
fn write_bht(
    w: &mut Writer,
    message: &Message,
    purpose: &str,
    (reference, date, time): (&str, &str, &str),
) {
    let carried = |element: &str| {
        message
            .extensions
            .get(BHT)
            .and_then(|b| b.get(element))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut bht = Seg::new("BHT");
    bht.set(1, "0007").set(2, purpose);
    bht.set(3, carried("BHT03").unwrap_or_else(|| reference.to_owned()));
    match (carried("BHT04"), carried("BHT05")) {
        (Some(d), Some(t)) => bht.set(4, d).set(5, t),
        _ => bht.set(4, date).set(5, time),
    };
    bht.opt(6, carried("BHT06"));
    bht.write(w);
}

/// Where each rejection is written: where it was read, else by level (2010A, 2010B, 2010C,
/// 2010D, 2000E), moved up to the deepest level written when that loop is not.
fn places(message: &Message, body: &PriorAuthResponse, levels: &Levels) -> Vec<Place> {
    use clearway_plugin_sdk::schemas::body::RejectionLevel as L;
    let read = Place::from_value(message.extensions.get(AAA_PLACES), body.rejections.len());
    let deepest = if levels.event {
        "2000E"
    } else if levels.dependent {
        "2010D"
    } else if levels.subscriber {
        "2010C"
    } else if levels.requester {
        "2010B"
    } else {
        "2010A"
    };
    body.rejections
        .iter()
        .enumerate()
        .map(|(index, rejection)| {
            let place = read.as_ref().map(|p| p[index].clone()).unwrap_or_else(|| {
                let loop_id = match rejection.level {
                    L::InformationSource => "2010A",
                    L::InformationReceiver | L::Requester => "2010B",
                    L::Subscriber | L::SubscriberInquiry => "2010C",
                    L::Dependent | L::DependentInquiry => "2010D",
                    L::Service => "2000E",
                };
                Place::of(At::loop_(loop_id))
            });
            let exists = match &place.loop_id[..] {
                "2000A" | "2010A" => true,
                "2000B" | "2010B" => levels.requester,
                "2000C" | "2010C" => levels.subscriber,
                "2000D" | "2010D" => levels.dependent,
                "2000E" => levels.event,
                loop_id => levels.event && written(message, body, loop_id, &place),
            };
            if exists {
                place
            } else {
                Place::of(At::loop_(deepest))
            }
        })
        .collect()
}

/// Whether the service or party loop a rejection names is written (2000F, 2010E, 2010F).
fn written(message: &Message, body: &PriorAuthResponse, loop_id: &str, place: &Place) -> bool {
    let index = |n: Option<u32>| n.and_then(|n| (n as usize).checked_sub(1));
    let service = index(place.line).and_then(|l| body.services.get(l));
    match loop_id {
        "2000F" => service.is_some() && place.party.is_none(),
        "2010F" => {
            service.is_some_and(|s| index(place.party).is_some_and(|p| p < s.providers.len()))
        }
        _ => index(place.party)
            .and_then(|p| message.parties.other.get(p))
            .and_then(|p| p.role.as_ref())
            .is_some_and(|role| codes::event_party_loop(&role.code) == Some(loop_id)),
    }
}

/// Which HL levels are written.
#[derive(Debug, Clone, Copy)]
pub struct Levels {
    /// 2000B.
    pub requester: bool,
    /// 2000C.
    pub subscriber: bool,
    /// 2000D.
    pub dependent: bool,
    /// 2000E.
    pub event: bool,
    /// 2000F count.
    pub services: usize,
    /// A response (its 2010A carries the UMO's contacts).
    pub response: bool,
}

/// Writes 2000A through 2000D, returning the `HL01` the patient event hangs under.
fn write_levels(out: &mut Out<'_, '_>, message: &Message, levels: Levels) -> u32 {
    let p = &message.parties;
    hl(out.w, 1, None, "20", levels.requester);
    out.rejections(At::loop_("2000A"));
    let umo = Shape {
        names: true,
        id: true,
        contacts: levels.response,
        ..Shape::default()
    };
    party(
        out,
        "X3",
        &p.payer.clone().unwrap_or_default(),
        At::loop_("2010A"),
        umo,
    );
    let mut parent = 1;
    if levels.requester {
        hl(out.w, 2, Some(1), "21", levels.subscriber);
        let requester = p.provider.clone().unwrap_or_default();
        let role = requester
            .role
            .as_ref()
            .map(|r| r.code.clone())
            .filter(|r| codes::REQUESTER_ROLES.contains(&r.as_str()))
            .unwrap_or_else(|| "1P".to_owned());
        let shape = Shape {
            prefix: false,
            ..PROVIDER
        };
        party(out, &role, &requester, At::loop_("2010B"), shape);
        parent = 2;
    }
    if levels.subscriber {
        hl(out.w, 3, Some(2), "22", levels.dependent || levels.event);
        let member = Shape {
            names: true,
            refs: true,
            address: true,
            member: true,
            ..Shape::default()
        };
        let subscriber = p.subscriber.clone().unwrap_or_default();
        party(
            out,
            "IL",
            &subscriber,
            At::loop_("2010C"),
            Shape {
                prefix: true,
                id: true,
                ..member
            },
        );
        parent = 3;
        if levels.dependent {
            hl(out.w, 4, Some(3), "23", levels.event);
            party(
                out,
                "QC",
                &p.patient.clone().unwrap_or_default(),
                At::loop_("2010D"),
                member,
            );
            parent = 4;
        }
    }
    parent
}

/// Writes the body of one 278 request transaction set.
pub fn write_request(
    w: &mut Writer,
    message: &Message,
    body: &PriorAuthRequest,
    envelope: (&str, &str, &str),
) {
    write_bht(w, message, "13", envelope);
    let mut out = Out::new(w, message, Vec::new());
    let levels = Levels {
        requester: true,
        subscriber: true,
        dependent: message.parties.patient.is_some(),
        event: true,
        services: body.services.len(),
        response: false,
    };
    let parent = write_levels(&mut out, message, levels);
    let event = parent + 1;
    hl(out.w, event, Some(parent), "EV", levels.services > 0);
    write_request_event(&mut out, message, body);
    write_event_parties(&mut out, message);
    let mut id = event;
    for (index, service) in body.services.iter().enumerate() {
        id += 1;
        hl(out.w, id, Some(event), "SS", false);
        write_service_request(&mut out, body, service, index);
    }
}

/// Writes the body of one 278 response transaction set.
pub fn write_response(
    w: &mut Writer,
    message: &Message,
    body: &PriorAuthResponse,
    envelope: (&str, &str, &str),
) {
    write_bht(w, message, "11", envelope);
    let shape = message.extensions.get(EVENT).and_then(Value::as_str);
    let p = &message.parties;
    let event = shape != Some(ABSENT);
    let subscriber = event || p.subscriber.is_some() || p.patient.is_some();
    let levels = Levels {
        requester: subscriber || p.provider.is_some(),
        subscriber,
        dependent: p.patient.is_some(),
        event,
        services: body.services.len(),
        response: true,
    };
    let aaa = places(message, body, &levels)
        .into_iter()
        .zip(&body.rejections)
        .collect();
    let mut out = Out::new(w, message, aaa);
    let parent = write_levels(&mut out, message, levels);
    if !event {
        return;
    }
    let event_id = parent + 1;
    hl(out.w, event_id, Some(parent), "EV", levels.services > 0);
    write_response_event(&mut out, message, body, shape != Some(NO_HCR));
    write_event_parties(&mut out, message);
    let mut id = event_id;
    for (index, decision) in body.services.iter().enumerate() {
        id += 1;
        hl(out.w, id, Some(event_id), "SS", false);
        write_service_decision(&mut out, body, decision, index);
    }
}

/// Encodes a batch of `prior_auth.request` (`response` false) or `prior_auth.response`
/// messages into one 278 interchange, one transaction set each.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] listing every TR3 problem of every message (JSON pointers),
/// or a value holding a delimiter; [`ConnectorError::Config`] when no creation date is known.
pub fn encode(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
    response: bool,
) -> Result<Payload, ConnectorError> {
    let mut problems = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        match &message.body {
            Body::PriorAuthRequest(body) => {
                problems.extend(super::problems::request(index as usize, message, body));
            }
            Body::PriorAuthResponse(body) => {
                problems.extend(super::problems::response(index as usize, message, body));
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let first = batch.messages[0];
    let (date, time) = creation(first, config)?;
    let control = numbers.next(&batch.messages)?;
    let text = envelope(
        config,
        control,
        (&date, &time),
        ("HI", "278", version_of(first, super::VERSION)),
        batch.messages.len(),
        |w, index| {
            let message = batch.messages[index];
            let reference = format!("{control:09}{:04}", index + 1);
            let envelope = (reference.as_str(), date.as_str(), time.as_str());
            match &message.body {
                Body::PriorAuthRequest(body) => write_request(w, message, body, envelope),
                Body::PriorAuthResponse(body) => write_response(w, message, body, envelope),
                _ => {}
            }
        },
    )?;
    let kind = if response {
        "278-response"
    } else {
        "278-request"
    };
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("{kind}-{control:09}.x12"))
        .carrying(batch.indexes))
}
