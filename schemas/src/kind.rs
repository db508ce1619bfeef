//! [`Kind`]: the kinds of normalized message.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every message kind. Serialized as `"claim"`, `"eligibility.request"`, ...
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Kind {
    /// Insurance coverage of one member (X12 834 member, FHIR `Coverage`).
    #[serde(rename = "coverage")]
    Coverage,
    /// Eligibility and benefit inquiry (X12 270, FHIR `CoverageEligibilityRequest`).
    #[serde(rename = "eligibility.request")]
    EligibilityRequest,
    /// Eligibility and benefit response (X12 271, FHIR `CoverageEligibilityResponse`).
    #[serde(rename = "eligibility.response")]
    EligibilityResponse,
    /// A claim: professional, institutional or dental (X12 837P/I/D, FHIR `Claim`).
    #[serde(rename = "claim")]
    Claim,
    /// Acknowledgment of submitted claims (X12 TA1, 999, 277CA).
    #[serde(rename = "claim.ack")]
    ClaimAck,
    /// Claim status inquiry (X12 276).
    #[serde(rename = "claim.status.request")]
    ClaimStatusRequest,
    /// Claim status response (X12 277).
    #[serde(rename = "claim.status.response")]
    ClaimStatusResponse,
    /// Prior authorization (services review) request (X12 278 request, FHIR `Claim` with `use = preauthorization`).
    #[serde(rename = "prior_auth.request")]
    PriorAuthRequest,
    /// Prior authorization response (X12 278 response, FHIR `ClaimResponse`).
    #[serde(rename = "prior_auth.response")]
    PriorAuthResponse,
    /// Remittance advice: claim payments and adjustments (X12 835, FHIR `ExplanationOfBenefit`).
    #[serde(rename = "remittance")]
    Remittance,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 10] = [
        Kind::Coverage,
        Kind::EligibilityRequest,
        Kind::EligibilityResponse,
        Kind::Claim,
        Kind::ClaimAck,
        Kind::ClaimStatusRequest,
        Kind::ClaimStatusResponse,
        Kind::PriorAuthRequest,
        Kind::PriorAuthResponse,
        Kind::Remittance,
    ];

    /// The serialized name, e.g. `"eligibility.request"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Coverage => "coverage",
            Kind::EligibilityRequest => "eligibility.request",
            Kind::EligibilityResponse => "eligibility.response",
            Kind::Claim => "claim",
            Kind::ClaimAck => "claim.ack",
            Kind::ClaimStatusRequest => "claim.status.request",
            Kind::ClaimStatusResponse => "claim.status.response",
            Kind::PriorAuthRequest => "prior_auth.request",
            Kind::PriorAuthResponse => "prior_auth.response",
            Kind::Remittance => "remittance",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no message kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown message kind: expected one of coverage, eligibility.request, eligibility.response, \
     claim, claim.ack, claim.status.request, claim.status.response, prior_auth.request, \
     prior_auth.response, remittance"
)]
pub struct UnknownKind;

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Kind, UnknownKind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownKind)
    }
}
