//! The patient event (2000E) and services (2000F) of a 278 response: `HCR` decisions, `AAA`
//! rejections, certified periods and quantities.
//!
//! A response whose event carries no `HCR` (rejected with `AAA`, or decided per service
//! only) still needs the model's `action`: it is the services' common action, `modified`
//! when they differ, else `contact_payer`; `extensions["x12.2000E"]` says `no_HCR` (or
//! `absent` when there is no patient event level at all) so an encode writes no `HCR`.

use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationAction, PriorAuthResponse, ServiceDecision,
};
use clearway_plugin_sdk::schemas::body::{Note, RejectionLevel};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use super::codes;
use super::event::{read_dtp, read_hsd, read_parties, read_sv, read_trn, read_um, sv_for};
use super::extra::At;
use super::hierarchy::Context;
use super::request::{Facts, carry, required_um};
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::flag;
use crate::walker::Node;

/// Extension key of how the patient event level was written when it carried no decision.
pub const EVENT: &str = "x12.2000E";
/// [`EVENT`] value: the event level has no `HCR`.
pub const NO_HCR: &str = "no_HCR";
/// [`EVENT`] value: there is no event level (rejected above it).
pub const ABSENT: &str = "absent";

/// What an `HCR` says.
struct Hcr {
    action: CertificationAction,
    authorization: Option<String>,
    reasons: Vec<Code>,
    second_opinion: Option<bool>,
}

/// Reads an `HCR`: `HCR01` in the X217 list, `HCR04` `Y`/`N`.
fn read_hcr(hcr: &Segment<'_>) -> Result<Hcr, X12Error> {
    let action = codes::action(hcr.req(1, "action code")?)
        .ok_or_else(|| hcr.err("HCR01", ErrorKind::InvalidCode("action code")))?;
    let second_opinion = hcr
        .opt(4)
        .map(|c| {
            flag(c).ok_or_else(|| {
                hcr.err(
                    "HCR04",
                    ErrorKind::InvalidCode("yes/no condition or response code"),
                )
            })
        })
        .transpose()?;
    Ok(Hcr {
        action,
        authorization: hcr.opt(2).map(str::to_owned),
        reasons: hcr
            .opt(3)
            .map(|c| Code::new(CodeSystem::X12ReviewDecisionReason, c))
            .into_iter()
            .collect(),
        second_opinion,
    })
}

/// The event's action when it has no `HCR`.
fn derived_action(services: &[ServiceDecision]) -> CertificationAction {
    match services.first() {
        Some(first) if services.iter().all(|s| s.action == first.action) => first.action,
        Some(_) => CertificationAction::Modified,
        None => CertificationAction::ContactPayer,
    }
}

/// A response with no decision, for a request rejected above the patient event.
pub fn rejected() -> PriorAuthResponse {
    PriorAuthResponse {
        trace: None,
        request_category: None,
        certification_type: None,
        service_type: None,
        place_of_service: None,
        action: CertificationAction::ContactPayer,
        authorization_number: None,
        reasons: Vec::new(),
        second_surgical_opinion_required: None,
        effective_period: None,
        quantity: None,
        unit_type: None,
        services: Vec::new(),
        rejections: Vec::new(),
        notes: Vec::new(),
    }
}

/// Reads the patient event of a response; whether it had an `HCR` is the last value.
///
/// # Errors
///
/// Missing or bad required elements, codes, dates and numbers, with their position.
pub fn read(
    event: &Node<'_, '_, '_>,
    services: &[Node<'_, '_, '_>],
    context: &mut Context,
) -> Result<(PriorAuthResponse, Facts, bool), X12Error> {
    let at = At::loop_("2000E");
    let within = |e: X12Error| e.in_loop("2000E");
    let first_um = required_um(event)?;
    let um = read_um(first_um).map_err(within)?;
    let mut response = PriorAuthResponse {
        request_category: um.category,
        certification_type: um.certification,
        service_type: um.service_type,
        place_of_service: um.location,
        ..rejected()
    };
    let mut facts = Facts::default();
    let (mut decided, mut hsd_read) = (false, false);
    context.reject_all(event, RejectionLevel::Service, at)?;
    for segment in event.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("TRN", _) => {
                let trace = read_trn(segment).map_err(within)?;
                facts.traces.push(trace.reference.clone());
                if response.trace.is_none() {
                    response.trace = Some(trace);
                } else {
                    carry(context, at, segment);
                }
            }
            ("AAA", _) => {}
            ("UM", _) if std::ptr::eq(*segment, first_um) => {
                context
                    .extras
                    .keep(at, segment, |n, m| matches!(n, 1..=3) || (n == 4 && m <= 2))
            }
            ("HCR", _) if !decided => {
                decided = true;
                let hcr = read_hcr(segment).map_err(within)?;
                response.action = hcr.action;
                response.authorization_number = hcr.authorization;
                response.reasons = hcr.reasons;
                response.second_surgical_opinion_required = hcr.second_opinion;
            }
            ("REF", "NT") if facts.administrative_reference.is_none() => {
                let number = segment.req(2, "administrative reference number");
                facts.administrative_reference = Some(number.map_err(within)?.to_owned());
            }
            ("DTP", "AAH") if response.effective_period.is_none() => {
                response.effective_period = Some(read_dtp(segment).map_err(within)?);
            }
            ("DTP", _) => {
                read_dtp(segment).map_err(within)?;
                carry(context, at, segment);
            }
            ("HSD", _) if !hsd_read => {
                hsd_read = true;
                (response.quantity, response.unit_type) =
                    read_hsd(segment, at, &mut context.extras).map_err(within)?;
            }
            ("MSG", _) if segment.elements.len() == 1 => {
                let text = segment.req(1, "free-form message text").map_err(within)?;
                response.notes.push(Note {
                    code: None,
                    text: text.to_owned(),
                });
            }
            _ => carry(context, at, segment),
        }
    }
    context.parties.other = read_parties(event, None, context)?;
    for (index, node) in services.iter().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let decision = decision(node, line, &response, context, &mut facts)
            .map_err(|e| e.in_loop(node.id()))?;
        response.services.push(decision);
    }
    if !decided {
        response.action = derived_action(&response.services);
    }
    facts.authorization = response.authorization_number.clone().or_else(|| {
        response
            .services
            .iter()
            .find_map(|s| s.authorization_number.clone())
    });
    Ok((response, facts, decided))
}

/// Reads one 2000F of a response.
fn decision(
    node: &Node<'_, '_, '_>,
    line: u32,
    response: &PriorAuthResponse,
    context: &mut Context,
    facts: &mut Facts,
) -> Result<ServiceDecision, X12Error> {
    let at = At {
        loop_id: "2000F",
        line: Some(line),
        party: None,
    };
    let hcr = read_hcr(node.first("HCR").ok_or_else(|| {
        X12Error::new(
            node.segments()[0].pos(),
            ErrorKind::MissingSegment("segment HCR".into()),
        )
    })?)?;
    let mut decision = ServiceDecision {
        line_number: line,
        procedure: None,
        action: hcr.action,
        authorization_number: hcr.authorization,
        reasons: hcr.reasons,
        quantity: None,
        unit_type: None,
        effective_period: None,
        service_type: None,
        providers: Vec::new(),
    };
    context.reject_all(node, RejectionLevel::Service, at)?;
    let (mut hcr_read, mut sv_read, mut hsd_read, mut um_read) = (false, false, false, false);
    for segment in node.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("TRN", _) => {
                facts.traces.push(read_trn(segment)?.reference);
                carry(context, at, segment);
            }
            ("AAA", _) => {}
            ("UM", _) if !um_read => {
                um_read = true;
                let um = read_um(segment)?;
                decision.service_type = um.service_type;
                let same_category = um.category == response.request_category;
                let same_type = um.certification == response.certification_type;
                context.extras.keep(at, segment, |n, _| {
                    n == 3 || (n == 1 && same_category) || (n == 2 && same_type)
                });
            }
            ("HCR", _) if !hcr_read => {
                hcr_read = true;
                context.extras.keep(at, segment, |n, _| n <= 3);
            }
            ("DTP", "472") if decision.effective_period.is_none() => {
                decision.effective_period = Some(read_dtp(segment)?);
            }
            ("DTP", _) => {
                read_dtp(segment)?;
                carry(context, at, segment);
            }
            ("SV1" | "SV2" | "SV3", _) if !sv_read => {
                sv_read = true;
                let sv = read_sv(segment, at, false, &mut context.extras)?;
                if sv_for(false, sv.procedure.as_ref()) != segment.id {
                    context.extras.mark(at, segment.id);
                }
                decision.procedure = sv.procedure;
            }
            ("HSD", _) if !hsd_read => {
                hsd_read = true;
                (decision.quantity, decision.unit_type) =
                    read_hsd(segment, at, &mut context.extras)?;
            }
            _ => carry(context, at, segment),
        }
    }
    decision.providers = read_parties(node, Some(line), context)?;
    Ok(decision)
}
