//! Writing the patient event (2000E, 2010E) and service (2000F, 2010F) levels of a 278, in
//! TR3 segment order, with the carried segments of each loop in their places.

use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationType, PriorAuthRequest, PriorAuthResponse, RequestCategory, RequestedService,
    ServiceDecision,
};
use clearway_plugin_sdk::schemas::body::{Diagnosis, Note, UnitType};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Message, Party, Period, Quantity};

use super::ADMINISTRATIVE_REFERENCE;
use super::codes;
use super::event::{sv_for, sv_layout};
use super::extra::{At, Seg};
use super::write::{Out, PROVIDER, Shape, party};
use crate::p835::adjust::procedure_qualifier;
use crate::values::{write_period, write_trace, yes_no};

/// `DTP` qualifiers of a patient event in TR3 order; `AAH` (index 4) is the mapped one.
const EVENT_DATES: &[&str] = &["439", "484", "ABG", "431", "AAH", "435", "096"];

/// The 2000F loop of service `index`.
fn service_at(index: usize) -> At<'static> {
    At {
        loop_id: "2000F",
        line: Some(u32::try_from(index + 1).unwrap_or(u32::MAX)),
        party: None,
    }
}

/// Writes a `UM`.
fn write_um(
    out: &mut Out<'_, '_>,
    at: At<'_>,
    (category, certification): (Option<RequestCategory>, Option<CertificationType>),
    (service_type, place, level): (Option<&Code>, Option<&Code>, Option<&str>),
) {
    let mut um = Seg::new("UM");
    um.opt(1, category.and_then(codes::request_category_code));
    um.opt(2, certification.and_then(codes::certification_type_code));
    um.opt(3, service_type.map(|c| c.code.clone()));
    if let Some(place) = place
        && let Some(qualifier) = codes::location_qualifier(&place.system)
    {
        um.comp(4, 1, place.code.clone()).comp(4, 2, qualifier);
    }
    um.opt(6, level);
    out.seg(&mut um, at);
}

/// Writes a `DTP` with a period.
fn write_dtp(out: &mut Out<'_, '_>, qualifier: &str, period: &Period) {
    let (format, value) = write_period(period);
    out.w
        .seg("DTP", &[qualifier, format.as_str(), value.as_str()]);
}

/// Writes the event's dates: carried ones before `AAH`, `AAH`, the rest.
fn write_event_dates(out: &mut Out<'_, '_>, at: At<'_>, aah: Option<&Period>) {
    out.carried_dates(at, EVENT_DATES, 4, true);
    if let Some(period) = aah {
        write_dtp(out, "AAH", period);
    }
    out.carried_dates(at, EVENT_DATES, 4, false);
}

/// Writes an `HI` of the diagnoses (ICD-10-CM without its dot).
fn write_hi(out: &mut Out<'_, '_>, at: At<'_>, diagnoses: &[Diagnosis]) {
    if diagnoses.is_empty() && !out.kept(at, "HI") {
        return;
    }
    let mut hi = Seg::new("HI");
    for (k, diagnosis) in diagnoses.iter().enumerate() {
        let code = &diagnosis.code;
        let qualifier =
            codes::diagnosis_qualifier(diagnosis.role, &code.system).unwrap_or_default();
        let text = if code.system == CodeSystem::Icd10Cm {
            code.code.replace('.', "")
        } else {
            code.code.clone()
        };
        hi.comp(k + 1, 1, qualifier).comp(k + 1, 2, text);
    }
    out.seg(&mut hi, at);
}

/// Writes an `HSD` of a quantity and its unit (and kept `HSD03`-`HSD08`).
fn write_hsd(
    out: &mut Out<'_, '_>,
    at: At<'_>,
    quantity: Option<Quantity>,
    unit: Option<UnitType>,
) {
    if quantity.is_none() && unit.is_none() && !out.kept(at, "HSD") {
        return;
    }
    let mut hsd = Seg::new("HSD");
    hsd.opt(1, unit.and_then(codes::hsd_code));
    hsd.opt(2, quantity.map(|q| q.to_string()));
    out.seg(&mut hsd, at);
}

/// The `SVn` of a service: the one it was read from, else what its codes lead to.
fn sv_id(out: &Out<'_, '_>, at: At<'_>, revenue: bool, procedure: Option<&Code>) -> &'static str {
    ["SV1", "SV2", "SV3"]
        .into_iter()
        .find(|id| out.kept(at, id))
        .unwrap_or_else(|| sv_for(revenue, procedure))
}

/// Puts a procedure composite (qualifier, code, modifiers, description) in element `n`.
fn put_procedure(sv: &mut Seg, n: usize, procedure: &Code, modifiers: &[String]) {
    sv.comp(n, 1, procedure_qualifier(&procedure.system))
        .comp(n, 2, procedure.code.clone());
    for (m, modifier) in modifiers.iter().take(4).enumerate() {
        sv.comp(n, 3 + m, modifier.clone());
    }
    if let Some(display) = &procedure.display {
        sv.comp(n, 7, display.clone());
    }
}

/// Writes the `SVn` of a requested service; whether one was written.
fn write_requested_sv(out: &mut Out<'_, '_>, at: At<'_>, service: &RequestedService) -> bool {
    let id = sv_id(
        out,
        at,
        service.revenue_code.is_some(),
        service.procedure.as_ref(),
    );
    let (proc_n, charge_n, unit_n, quantity_n) = sv_layout(id);
    let mut sv = Seg::new(id);
    if let Some(procedure) = &service.procedure {
        put_procedure(&mut sv, proc_n, procedure, &service.modifiers);
    }
    if id == "SV2" {
        sv.opt(1, service.revenue_code.as_ref().map(|c| c.code.clone()));
    }
    sv.opt(charge_n, service.charge.map(|c| c.to_string()));
    if let Some(n) = unit_n {
        sv.opt(n, service.unit_type.map(UnitType::x12_code));
    }
    sv.opt(quantity_n, service.quantity.map(|q| q.to_string()));
    if id == "SV1" {
        for (k, pointer) in service.diagnosis_pointers.iter().take(4).enumerate() {
            sv.comp(7, k + 1, pointer.to_string());
        }
    }
    let written = service.procedure.is_some() || service.revenue_code.is_some() || out.kept(at, id);
    if written {
        out.seg(&mut sv, at);
    }
    written
}

/// Writes the notes as `MSG`s.
fn write_notes(out: &mut Out<'_, '_>, notes: &[Note]) {
    for note in notes {
        out.w.seg("MSG", &[note.text.as_str()]);
    }
}

/// Writes the 2000E segments of a request.
pub fn write_request_event(out: &mut Out<'_, '_>, message: &Message, body: &PriorAuthRequest) {
    let at = At::loop_("2000E");
    if let Some(trace) = &body.trace {
        write_trace(out.w, trace);
    }
    out.carried(at, &["TRN"]);
    write_um(
        out,
        at,
        (Some(body.request_category), Some(body.certification_type)),
        (
            body.service_type.as_ref(),
            body.place_of_service.as_ref(),
            body.level_of_service.as_deref(),
        ),
    );
    if let Some(number) = &body.previous_authorization_number {
        out.w.seg("REF", &["BB", number.as_str()]);
    }
    if let Some(number) = message.correlation.other.get(ADMINISTRATIVE_REFERENCE) {
        out.w.seg("REF", &["NT", number.as_str()]);
    }
    out.carried(at, &["REF"]);
    write_event_dates(out, at, body.service_period.as_ref());
    write_hi(out, at, &body.diagnoses);
    out.carried(at, &["HI"]);
    write_hsd(out, at, body.quantity, body.unit_type);
    out.carried(at, &["HSD", "CRC"]);
    if body.admission_type.is_some() || out.kept(at, "CL1") {
        let mut cl1 = Seg::new("CL1");
        cl1.opt(1, body.admission_type.as_ref().map(|c| c.code.clone()));
        out.seg(&mut cl1, at);
    }
    out.carried(at, &["CL1", "CR1", "CR2", "CR5", "CR6", "PWK"]);
    write_notes(out, &body.notes);
    out.carried(at, &[]);
}

/// Writes the 2000E segments of a response; the `HCR` only when `decided`.
pub fn write_response_event(
    out: &mut Out<'_, '_>,
    message: &Message,
    body: &PriorAuthResponse,
    decided: bool,
) {
    let at = At::loop_("2000E");
    if let Some(trace) = &body.trace {
        write_trace(out.w, trace);
    }
    out.carried(at, &["TRN"]);
    out.rejections(at);
    write_um(
        out,
        at,
        (body.request_category, body.certification_type),
        (
            body.service_type.as_ref(),
            body.place_of_service.as_ref(),
            None,
        ),
    );
    if decided {
        let mut hcr = Seg::new("HCR");
        hcr.opt(1, codes::action_code(body.action));
        hcr.opt(2, body.authorization_number.clone());
        hcr.opt(3, body.reasons.first().map(|r| r.code.clone()));
        hcr.set(4, yes_no(body.second_surgical_opinion_required));
        out.seg(&mut hcr, at);
    }
    if let Some(number) = message.correlation.other.get(ADMINISTRATIVE_REFERENCE) {
        out.w.seg("REF", &["NT", number.as_str()]);
    }
    out.carried(at, &["REF"]);
    write_event_dates(out, at, body.effective_period.as_ref());
    out.carried(at, &["HI"]);
    write_hsd(out, at, body.quantity, body.unit_type);
    out.carried(
        at,
        &["HSD", "CRC", "CL1", "CR1", "CR2", "CR5", "CR6", "PWK"],
    );
    write_notes(out, &body.notes);
    out.carried(at, &[]);
}

/// Writes the 2010EA, 2010EB and 2010EC loops (`parties.other` by role).
pub fn write_event_parties(out: &mut Out<'_, '_>, message: &Message) {
    let transport = Shape {
        address: true,
        ..Shape::default()
    };
    let other_umo = Shape {
        refs: true,
        ..Shape::default()
    };
    for (loop_id, shape) in [
        ("2010EA", PROVIDER),
        ("2010EB", transport),
        ("2010EC", other_umo),
    ] {
        for (k, other) in message.parties.other.iter().enumerate() {
            let role = other
                .role
                .as_ref()
                .map(|r| r.code.as_str())
                .unwrap_or_default();
            if codes::event_party_loop(role) == Some(loop_id) {
                let at = At {
                    loop_id,
                    line: None,
                    party: Some(u32::try_from(k + 1).unwrap_or(u32::MAX)),
                };
                party(out, role, other, at, shape);
            }
        }
    }
}

/// Writes the 2010F loops of a service.
fn write_providers(out: &mut Out<'_, '_>, index: usize, providers: &[Party]) {
    for (j, provider) in providers.iter().enumerate() {
        let role = provider
            .role
            .as_ref()
            .map(|r| r.code.as_str())
            .unwrap_or_default();
        let at = At {
            loop_id: "2010F",
            line: service_at(index).line,
            party: Some(u32::try_from(j + 1).unwrap_or(u32::MAX)),
        };
        party(out, role, provider, at, PROVIDER);
    }
}

/// Writes the 2000F segments and 2010F loops of requested service `index`.
pub fn write_service_request(
    out: &mut Out<'_, '_>,
    body: &PriorAuthRequest,
    service: &RequestedService,
    index: usize,
) {
    let at = service_at(index);
    out.carried(at, &["TRN"]);
    write_um(
        out,
        at,
        (Some(body.request_category), Some(body.certification_type)),
        (
            service.service_type.as_ref(),
            service.place_of_service.as_ref(),
            None,
        ),
    );
    out.carried(at, &["REF"]);
    if let Some(period) = &service.service_period {
        write_dtp(out, "472", period);
    }
    out.carried(at, &["DTP"]);
    let sv = write_requested_sv(out, at, service);
    out.carried(at, &["TOO"]);
    if !sv {
        write_hsd(out, at, service.quantity, service.unit_type);
    }
    out.carried(at, &["HSD", "PWK", "MSG"]);
    out.carried(at, &[]);
    write_providers(out, index, &service.providers);
}

/// Writes the 2000F segments and 2010F loops of service decision `index`.
pub fn write_service_decision(
    out: &mut Out<'_, '_>,
    body: &PriorAuthResponse,
    decision: &ServiceDecision,
    index: usize,
) {
    let at = service_at(index);
    out.carried(at, &["TRN"]);
    out.rejections(at);
    write_um(
        out,
        at,
        (body.request_category, body.certification_type),
        (decision.service_type.as_ref(), None, None),
    );
    let mut hcr = Seg::new("HCR");
    hcr.opt(1, codes::action_code(decision.action));
    hcr.opt(2, decision.authorization_number.clone());
    hcr.opt(3, decision.reasons.first().map(|r| r.code.clone()));
    out.seg(&mut hcr, at);
    out.carried(at, &["REF"]);
    if let Some(period) = &decision.effective_period {
        write_dtp(out, "472", period);
    }
    out.carried(at, &["DTP"]);
    let id = sv_id(out, at, false, decision.procedure.as_ref());
    if decision.procedure.is_some() || out.kept(at, id) {
        let mut sv = Seg::new(id);
        if let Some(procedure) = &decision.procedure {
            put_procedure(&mut sv, sv_layout(id).0, procedure, &[]);
        }
        out.seg(&mut sv, at);
    }
    out.carried(at, &["TOO"]);
    write_hsd(out, at, decision.quantity, decision.unit_type);
    out.carried(at, &["HSD", "PWK", "MSG"]);
    out.carried(at, &[]);
    write_providers(out, index, &decision.providers);
}
