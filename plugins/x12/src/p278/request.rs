//! The patient event (2000E) and services (2000F) of a 278 request.

use clearway_plugin_sdk::schemas::body::Note;
use clearway_plugin_sdk::schemas::body::prior_auth::{PriorAuthRequest, RequestedService};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use super::event::{read_dtp, read_hi, read_hsd, read_parties, read_sv, read_trn, read_um, sv_for};
use super::extra::At;
use super::hierarchy::Context;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::walker::Node;

/// The correlation keys an event carries besides its body.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Every `TRN02` of the event and its services.
    pub traces: Vec<String>,
    /// `REF*NT` of the event.
    pub administrative_reference: Option<String>,
    /// The authorization number: `REF*BB` of a request, `HCR02` of a response.
    pub authorization: Option<String>,
}

/// Carries `segment` of `at` whole.
pub fn carry(context: &mut Context, at: At<'_>, segment: &Segment<'_>) {
    context
        .unmapped
        .push_at(at.loop_id, at.party, at.line, segment);
}

/// The `UM` of a level, required.
///
/// # Errors
///
/// No `UM` in `node`.
pub fn required_um<'s, 'a>(node: &Node<'_, 's, 'a>) -> Result<&'s Segment<'a>, X12Error> {
    node.first("UM").ok_or_else(|| {
        X12Error::new(
            node.segments()[0].pos().in_loop(node.id()),
            ErrorKind::MissingSegment("segment UM".into()),
        )
    })
}

/// Reads the patient event of a request into the request body; its parties go to
/// `context.parties.other`.
///
/// # Errors
///
/// Missing or bad required elements, codes, dates and numbers, with their position.
pub fn read(
    event: &Node<'_, '_, '_>,
    services: &[Node<'_, '_, '_>],
    context: &mut Context,
) -> Result<(PriorAuthRequest, Facts), X12Error> {
    let at = At::loop_("2000E");
    let first_um = required_um(event)?;
    let um = read_um(first_um).map_err(|e| e.in_loop("2000E"))?;
    let (Some(category), Some(certification)) = (um.category, um.certification) else {
        return Err(X12Error::new(
            event.segments()[0].pos().in_loop("2000E"),
            ErrorKind::MissingSegment("segment UM".into()),
        ));
    };
    let mut request = PriorAuthRequest {
        trace: None,
        request_category: category,
        certification_type: certification,
        service_type: um.service_type,
        place_of_service: um.location,
        level_of_service: um.level,
        previous_authorization_number: None,
        service_period: None,
        admission_type: None,
        quantity: None,
        unit_type: None,
        diagnoses: Vec::new(),
        services: Vec::new(),
        notes: Vec::new(),
    };
    let mut facts = Facts::default();
    let (mut hsd_read, mut hi_read, mut cl1_read) = (false, false, false);
    for segment in event.segments().iter().skip(1) {
        let within = |e: X12Error| e.in_loop("2000E");
        match (segment.id, segment.el(1)) {
            ("TRN", _) => {
                let trace = read_trn(segment).map_err(within)?;
                facts.traces.push(trace.reference.clone());
                if request.trace.is_none() {
                    request.trace = Some(trace);
                } else {
                    carry(context, at, segment);
                }
            }
            ("UM", _) if std::ptr::eq(*segment, first_um) => {
                context.extras.keep(at, segment, |n, m| {
                    matches!(n, 1..=3 | 6) || (n == 4 && m <= 2)
                })
            }
            ("REF", "BB") if request.previous_authorization_number.is_none() => {
                let number = segment.req(2, "previous review authorization number");
                request.previous_authorization_number = Some(number.map_err(within)?.to_owned());
            }
            ("REF", "NT") if facts.administrative_reference.is_none() => {
                let number = segment.req(2, "administrative reference number");
                facts.administrative_reference = Some(number.map_err(within)?.to_owned());
            }
            ("DTP", "AAH") if request.service_period.is_none() => {
                request.service_period = Some(read_dtp(segment).map_err(within)?);
            }
            ("DTP", _) => {
                read_dtp(segment).map_err(within)?;
                carry(context, at, segment);
            }
            ("HI", _) if !hi_read => {
                hi_read = true;
                read_hi(segment, at, &mut context.extras, &mut request.diagnoses)
                    .map_err(within)?;
            }
            ("HSD", _) if !hsd_read => {
                hsd_read = true;
                (request.quantity, request.unit_type) =
                    read_hsd(segment, at, &mut context.extras).map_err(within)?;
            }
            ("CL1", _) if !cl1_read => {
                cl1_read = true;
                request.admission_type = segment
                    .opt(1)
                    .map(|c| Code::new(CodeSystem::NubcAdmissionType, c));
                context.extras.keep(at, segment, |n, _| n == 1);
            }
            ("MSG", _) if segment.elements.len() == 1 => {
                let text = segment.req(1, "free-form message text").map_err(within)?;
                request.notes.push(Note {
                    code: None,
                    text: text.to_owned(),
                });
            }
            _ => carry(context, at, segment),
        }
    }
    facts.authorization = request.previous_authorization_number.clone();
    context.parties.other = read_parties(event, None, context)?;
    for (index, node) in services.iter().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let service =
            service(node, line, &request, context, &mut facts).map_err(|e| e.in_loop(node.id()))?;
        request.services.push(service);
    }
    Ok((request, facts))
}

/// Reads one 2000F of a request. The service's `UM01`/`UM02` are kept only where they differ
/// from the event's; an `HSD` next to `SV1`/`SV2`/`SV3` is carried whole (the service's
/// quantity is the `SVn` one).
fn service(
    node: &Node<'_, '_, '_>,
    line: u32,
    request: &PriorAuthRequest,
    context: &mut Context,
    facts: &mut Facts,
) -> Result<RequestedService, X12Error> {
    let at = At {
        loop_id: "2000F",
        line: Some(line),
        party: None,
    };
    let mut service = RequestedService {
        line_number: line,
        ..RequestedService::default()
    };
    let has_sv = node
        .segments()
        .iter()
        .any(|s| matches!(s.id, "SV1" | "SV2" | "SV3"));
    let (mut sv_read, mut hsd_read, mut um_read) = (false, false, false);
    for segment in node.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("TRN", _) => {
                facts.traces.push(read_trn(segment)?.reference);
                carry(context, at, segment);
            }
            ("UM", _) if !um_read => {
                um_read = true;
                let um = read_um(segment)?;
                service.service_type = um.service_type;
                service.place_of_service = um.location;
                let same_category = um.category == Some(request.request_category);
                let same_type = um.certification == Some(request.certification_type);
                context.extras.keep(at, segment, |n, m| {
                    n == 3
                        || (n == 4 && m <= 2)
                        || (n == 1 && same_category)
                        || (n == 2 && same_type)
                });
            }
            ("DTP", "472") if service.service_period.is_none() => {
                service.service_period = Some(read_dtp(segment)?);
            }
            ("DTP", _) => {
                read_dtp(segment)?;
                carry(context, at, segment);
            }
            ("SV1" | "SV2" | "SV3", _) if !sv_read => {
                sv_read = true;
                let sv = read_sv(segment, at, true, &mut context.extras)?;
                if sv_for(sv.revenue_code.is_some(), sv.procedure.as_ref()) != segment.id {
                    context.extras.mark(at, segment.id);
                }
                service.procedure = sv.procedure;
                service.modifiers = sv.modifiers;
                service.revenue_code = sv.revenue_code;
                service.charge = sv.charge;
                service.unit_type = sv.unit;
                service.quantity = sv.quantity;
                service.diagnosis_pointers = sv.pointers;
            }
            ("HSD", _) if !has_sv && !hsd_read => {
                hsd_read = true;
                (service.quantity, service.unit_type) = read_hsd(segment, at, &mut context.extras)?;
            }
            _ => carry(context, at, segment),
        }
    }
    service.providers = read_parties(node, Some(line), context)?;
    Ok(service)
}
