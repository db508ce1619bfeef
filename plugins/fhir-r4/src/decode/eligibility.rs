//! `CoverageEligibilityRequest` to an `eligibility.request` message.

use std::collections::BTreeMap;

use clearway_plugin_sdk::schemas::body::Trace;
use clearway_plugin_sdk::schemas::{Body, Correlation, EligibilityRequest, Period};
use clearway_plugin_sdk::{Message, Problem};

use super::claim::period;
use super::{coverage, extras};
use crate::codes;
use crate::node::Node;
use crate::parties::PartyReader;
use crate::resolve::Resolver;

/// Elements fully mapped into the model.
const MAPPED: &[&str] = &[
    "identifier",
    "patient",
    "servicedDate",
    "servicedPeriod",
    "enterer",
    "provider",
    "insurer",
    "facility",
];

/// Decodes a CoverageEligibilityRequest.
///
/// # Errors
///
/// Never unsupported; problems go to `problems`.
pub fn decode(
    request: &Node<'_>,
    resolver: &Resolver<'_>,
    problems: &mut Vec<Problem>,
) -> Result<Message, String> {
    let reader = PartyReader {
        resolver,
        from: request.clone(),
    };
    let mut extensions = BTreeMap::new();
    let traces: Vec<Trace> = request
        .items("identifier")
        .iter()
        .filter_map(|i| {
            Some(Trace {
                reference: i.string("value")?,
                ..Trace::default()
            })
        })
        .collect();
    let mut body = EligibilityRequest {
        traces,
        date_of_service: request
            .date("servicedDate")
            .map(Period::day)
            .or_else(|| period(request.get("servicedPeriod").as_ref())),
        ..EligibilityRequest::default()
    };
    for item in request.items("item") {
        if let Some(category) = item.get("category").and_then(|c| codes::code(&c)) {
            body.service_types.push(category);
        }
        if let Some(procedure) = item.get("productOrService").and_then(|p| codes::code(&p)) {
            body.procedures.push(procedure);
        }
        for diagnosis in item.items("diagnosis") {
            match diagnosis
                .get("diagnosisCodeableConcept")
                .and_then(|c| codes::code(&c))
            {
                Some(code) => body.diagnoses.push(code),
                None => extras::carry(&mut extensions, request, &diagnosis),
            }
        }
    }
    let patient = request
        .get("patient")
        .map(|p| reader.party(&p, problems))
        .unwrap_or_default();
    let insurance = request
        .items("insurance")
        .into_iter()
        .find(|i| i.bool("focal") != Some(false));
    let target = insurance
        .and_then(|i| i.get("coverage"))
        .and_then(|c| reader.target(&c, problems));
    let mut message_parties = clearway_plugin_sdk::schemas::Parties::default();
    match target {
        Some(found) => {
            body.coverage = Some(coverage::body(&found));
            let (subscriber, beneficiary) = coverage::members(&found, &reader, patient, problems);
            message_parties.subscriber = Some(subscriber);
            message_parties.patient = beneficiary;
            message_parties.payer = found.first("payor").map(|p| reader.party(&p, problems));
        }
        None => message_parties.patient = Some(patient),
    }
    if let Some(insurer) = request.get("insurer") {
        message_parties.payer = Some(reader.party(&insurer, problems));
    }
    if let Some(payer) = &mut message_parties.payer {
        crate::parties::promote_payer_id(payer);
    }
    message_parties.provider = request.get("provider").map(|p| reader.party(&p, problems));
    message_parties.sender = request.get("enterer").map(|e| reader.party(&e, problems));
    message_parties.service_facility = request.get("facility").map(|f| reader.party(&f, problems));
    extras::carry_unmapped(&mut extensions, request, request, MAPPED);
    extras::carry_contained(&mut extensions, request);
    let correlation = Correlation {
        trace_numbers: body.traces.iter().map(|t| t.reference.clone()).collect(),
        ..Correlation::default()
    };
    let mut message = Message::new(Body::EligibilityRequest(body));
    message.parties = message_parties;
    message.correlation = correlation;
    message.extensions = extensions;
    Ok(message)
}
