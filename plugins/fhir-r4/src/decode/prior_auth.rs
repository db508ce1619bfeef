//! `Claim` with `use = preauthorization` to a `prior_auth.request` message.
//!
//! FHIR has no element for the X12 review category and certification type (Da Vinci PAS
//! puts them in extensions): they are `health_services_review` and `initial`, or `revised`
//! when the Claim is `related` to an earlier authorization.

use std::collections::BTreeMap;

use clearway_plugin_sdk::schemas::body::Trace;
use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationType, RequestCategory, RequestedService,
};
use clearway_plugin_sdk::schemas::{Body, CodeSystem, Correlation, Period, PriorAuthRequest};
use clearway_plugin_sdk::{Message, Problem};

use super::claim::{Header, period};
use super::extras;
use crate::codes::{self, PRIORITY};
use crate::node::Node;
use crate::resolve::Resolver;

/// Claim elements fully mapped into a prior authorization request.
const MAPPED: &[&str] = &[
    "use",
    "patient",
    "provider",
    "insurer",
    "enterer",
    "facility",
    "billablePeriod",
    "diagnosis",
    "item",
    "careTeam",
    "payee",
];

/// Decodes a preauthorization Claim.
pub fn decode(claim: &Node<'_>, resolver: &Resolver<'_>, problems: &mut Vec<Problem>) -> Message {
    let mut extensions = BTreeMap::new();
    let header = Header::read(claim, resolver, problems, &mut extensions);
    let identifier = claim.first("identifier");
    let trace = identifier.as_ref().and_then(|i| {
        Some(Trace {
            reference: i.string("value")?,
            ..Trace::default()
        })
    });
    let previous = claim
        .items("related")
        .iter()
        .find_map(|r| r.get("claim")?.get("identifier")?.string("value"));
    let services: Vec<RequestedService> = claim
        .items("item")
        .iter()
        .map(|item| {
            extras::carry(&mut extensions, claim, item);
            RequestedService {
                line_number: item.uint("sequence").unwrap_or_default(),
                procedure: item.get("productOrService").and_then(|p| codes::code(&p)),
                modifiers: item
                    .items("modifier")
                    .iter()
                    .filter_map(|m| codes::any_code(m).map(str::to_owned))
                    .collect(),
                revenue_code: item.get("revenue").and_then(|r| codes::code(&r)),
                service_type: item
                    .get("category")
                    .and_then(|c| codes::code(&c))
                    .filter(|c| c.system == CodeSystem::X12ServiceType),
                charge: item.money_element("net", problems),
                quantity: item
                    .get("quantity")
                    .and_then(|q| q.quantity("value", problems)),
                service_period: item
                    .date("servicedDate")
                    .map(Period::day)
                    .or_else(|| period(item.get("servicedPeriod").as_ref())),
                place_of_service: item
                    .get("locationCodeableConcept")
                    .and_then(|l| codes::code(&l))
                    .filter(|c| c.system == CodeSystem::PlaceOfService),
                diagnosis_pointers: item
                    .items("diagnosisSequence")
                    .iter()
                    .filter_map(|d| d.value.as_u64().and_then(|n| u32::try_from(n).ok()))
                    .collect(),
                ..RequestedService::default()
            }
        })
        .collect();
    let body = PriorAuthRequest {
        trace,
        request_category: RequestCategory::HealthServicesReview,
        certification_type: if previous.is_some() {
            CertificationType::Revised
        } else {
            CertificationType::Initial
        },
        service_type: services.iter().find_map(|s| s.service_type.clone()),
        place_of_service: services.iter().find_map(|s| s.place_of_service.clone()),
        level_of_service: claim
            .get("priority")
            .and_then(|p| codes::code_in(&p, PRIORITY).or_else(|| codes::any_code(&p)))
            .and_then(|code| match code {
                "stat" => Some("U".to_owned()),
                "normal" => Some("E".to_owned()),
                _ => None,
            }),
        previous_authorization_number: previous,
        service_period: period(claim.get("billablePeriod").as_ref()),
        admission_type: None,
        quantity: None,
        unit_type: None,
        diagnoses: header.diagnoses.clone(),
        services,
        notes: header.notes.clone(),
    };
    extras::carry_unmapped(&mut extensions, claim, claim, MAPPED);
    extras::carry_contained(&mut extensions, claim);
    let correlation = Correlation {
        trace_numbers: body.trace.iter().map(|t| t.reference.clone()).collect(),
        authorization_number: header.pre_auth_refs.first().cloned(),
        ..Correlation::default()
    };
    let mut message = Message::new(Body::PriorAuthRequest(body));
    message.parties = header.parties;
    message.correlation = correlation;
    message.extensions = extensions;
    message
}
