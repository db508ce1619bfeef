//! The `fhir-r4` connector: FHIR R4 (4.0.1) JSON, the EHR side of Clearway.
//!
//! - `decode` ([`decode::decode`]): a `Claim` (`use = claim` gives `claim`,
//!   `preauthorization` gives `prior_auth.request`), `CoverageEligibilityRequest`
//!   (`eligibility.request`) or `Coverage` (`coverage`), alone or in a Bundle, with
//!   `Patient`, `Coverage`, `Organization`, `Practitioner` and `PractitionerRole` references
//!   resolved when contained or in the Bundle. Problems are located by FHIRPath.
//! - `encode` ([`encode::encode`]): `eligibility.response` to `CoverageEligibilityResponse`,
//!   `claim.ack` and `claim.status.response` to `ClaimResponse`, `prior_auth.response` to
//!   `ClaimResponse` with `preAuthRef`, `remittance` to a Bundle of `PaymentReconciliation`
//!   and `ExplanationOfBenefit`s; `application/fhir+json`, one payload per message.
//!
//! FHIR versions: the resource types come from fhir-sdk, which has R4B (4.3.0) but not R4.
//! For the resources used here R4 and R4B have the same elements ([`typed`]), so R4B types
//! check R4 structure on the way in; on the way out only R4 elements are written, and the
//! tests validate the output with two R4 validators (fhir.resources 6.4.0, fhirclient
//! 4.4.0). fhir-sdk holds decimals as `f64`, so amounts are read from the exact JSON text
//! ([`parse::Numbers`]) and written from the model's decimal strings ([`write`]).
//!
//! What the model has no field for is carried in `Message.extensions` under
//! `fhir.<Resource>.<path>` (for example `fhir.Claim.created`, `fhir.Claim.supportingInfo`).

#![warn(missing_docs)]

pub mod codes;
pub mod decode;
pub mod encode;
pub mod node;
pub mod parse;
pub mod parties;
pub mod resolve;
pub mod typed;
pub mod version;
pub mod write;

#[cfg(test)]
mod tests;

use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

/// The connector's name in `describe`.
pub const NAME: &str = "fhir-r4";

/// The media type of FHIR JSON.
pub const CONTENT_TYPE: &str = "application/fhir+json";

/// The `fhir-r4` connector.
pub struct FhirR4;

impl Connector for FhirR4 {
    fn describe() -> Description {
        Description::new(NAME, env!("CARGO_PKG_VERSION"))
            .decodes([
                Kind::Claim,
                Kind::PriorAuthRequest,
                Kind::EligibilityRequest,
                Kind::Coverage,
            ])
            .encodes([
                Kind::EligibilityResponse,
                Kind::ClaimAck,
                Kind::ClaimStatusResponse,
                Kind::PriorAuthResponse,
                Kind::Remittance,
            ])
            .format(CONTENT_TYPE)
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        decode::decode(input)
    }

    fn encode(
        messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        encode::encode(&messages)
    }
}

clearway_plugin_sdk::export_connector!(FhirR4);
