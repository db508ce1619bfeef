//! `encode`: normalized messages to FHIR R4 JSON, one `application/fhir+json` payload per
//! message.
//!
//! | kind | resource |
//! |---|---|
//! | `eligibility.response` | `CoverageEligibilityResponse` |
//! | `claim.ack` | `ClaimResponse` (a `collection` Bundle of them for several claims) |
//! | `claim.status.response` | `ClaimResponse` |
//! | `prior_auth.response` | `ClaimResponse` (`use = preauthorization`, `preAuthRef`) |
//! | `remittance` | `collection` Bundle: `PaymentReconciliation` + one `ExplanationOfBenefit` per claim |
//!
//! Only elements that exist in R4 4.0.1 with the same shape are written (see
//! [`crate::typed`] on R4 and R4B). FHIR requires a `created` date-time the model does not
//! always hold: it is the acknowledgment's or remittance's own date when there is one, else
//! the time in the message's ULID `id` (when the hub recorded it).

mod claim_response;
pub mod common;
mod eligibility;
mod remittance;

use clearway_plugin_sdk::schemas::Body;
use clearway_plugin_sdk::{ConnectorError, Message, Payload, Problem};

use crate::CONTENT_TYPE;
use crate::write::Json;

/// Problem code for a kind this connector does not write.
pub const KIND: &str = "fhir.encode.kind";

/// Encodes each message into one payload.
///
/// # Errors
///
/// `Unsupported` when a message's kind has no FHIR resource here; `Invalid` with a problem
/// per message that lacks what FHIR requires (located at `/{index}/...`).
pub fn encode(messages: &[Message]) -> Result<Vec<Payload>, ConnectorError> {
    let mut payloads = Vec::with_capacity(messages.len());
    let mut problems = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        match resources(message, index) {
            Ok(Some(resources)) => {
                let (name, json) = package(resources);
                let carried = u32::try_from(index)
                    .map_err(|_| ConnectorError::Internal("too many messages".to_owned()))?;
                payloads.push(
                    Payload::new(json.to_pretty().into_bytes(), CONTENT_TYPE)
                        .with_filename_hint(format!("{name}-{index}.json"))
                        .carrying([carried]),
                );
            }
            Ok(None) => {
                return Err(ConnectorError::Unsupported(format!(
                    "message {index}: kind {} has no FHIR resource in this connector; it encodes \
                     eligibility.response, claim.ack, claim.status.response, prior_auth.response \
                     and remittance",
                    message.kind()
                )));
            }
            Err(problem) => problems.push(*problem),
        }
    }
    if problems.is_empty() {
        Ok(payloads)
    } else {
        Err(ConnectorError::Invalid(problems))
    }
}

/// The resources of one message, `None` for a kind that is not encoded.
fn resources(message: &Message, index: usize) -> Result<Option<Vec<Json>>, Box<Problem>> {
    Ok(Some(match &message.body {
        Body::EligibilityResponse(body) => vec![eligibility::encode(message, body, index)?],
        Body::ClaimAck(body) => claim_response::ack(message, body, index)?,
        Body::ClaimStatusResponse(body) => vec![claim_response::status(message, body, index)?],
        Body::PriorAuthResponse(body) => vec![claim_response::prior_auth(message, body, index)?],
        Body::Remittance(body) => remittance::encode(message, body, index)?,
        _ => return Ok(None),
    }))
}

/// One resource as itself, several as a `collection` Bundle; with the name for the file hint.
fn package(mut resources: Vec<Json>) -> (&'static str, Json) {
    if resources.len() == 1 {
        let resource = resources.remove(0);
        let name = match &resource {
            Json::Obj(members) => members
                .iter()
                .find(|(key, _)| *key == "resourceType")
                .and_then(|(_, value)| match value {
                    Json::Str(name) => RESOURCE_NAMES.iter().find(|n| *n == name).copied(),
                    _ => None,
                })
                .unwrap_or("Resource"),
            _ => "Resource",
        };
        return (name, resource);
    }
    let entries = resources
        .into_iter()
        .map(|resource| Json::obj().with("resource", resource))
        .collect();
    (
        "Bundle",
        Json::obj()
            .with("resourceType", Json::str("Bundle"))
            .with("type", Json::str("collection"))
            .with("entry", Json::Arr(entries)),
    )
}

/// Resource type names the encoders write.
const RESOURCE_NAMES: &[&str] = &[
    "ClaimResponse",
    "CoverageEligibilityResponse",
    "ExplanationOfBenefit",
    "PaymentReconciliation",
];
