//! [`Correlation`]: the keys that tie the messages of one business event together.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Keys that link a message to others of the same business event (a claim, its 999, its
/// 277CA, its 835 payment). Every field is optional; the hub indexes [`Correlation::keys`].
///
/// For acknowledgments and responses, the control and trace numbers are those of the message
/// being answered, so that the answer carries the same keys as the original.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// Patient control number / provider's claim id. X12: `CLM01`, `CLP01`, 277 `TRN02`
    /// (2200D). FHIR: `Claim.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_id: Option<String>,
    /// The payer's internal claim number (ICN/DCN). X12: `CLP07`, `REF*1K`, `REF*F8`.
    /// FHIR: `ClaimResponse.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Trace numbers. X12: `TRN02` (270/271, 276/277, 278, 835 check/EFT trace).
    /// FHIR: `identifier` of the request/response.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace_numbers: Vec<String>,
    /// Interchange control number. X12: `ISA13`, `TA101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interchange_control_number: Option<String>,
    /// Functional group control number. X12: `GS06`, `AK102`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_control_number: Option<String>,
    /// Transaction set control number. X12: `ST02`, `AK202`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_control_number: Option<String>,
    /// Prior authorization / certification number. X12: `REF*G1`, `HCR02`.
    /// FHIR: `Claim.insurance.preAuthRef`, `ClaimResponse.preAuthRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_number: Option<String>,
    /// Hub id (ULID) of the message this one answers, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_message_id: Option<String>,
    /// Any other correlation key, by name (e.g. `"medical_record_number"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, String>,
}

impl Correlation {
    /// Every (key name, value) pair, for indexing: `("claim_id", "PCN123")`,
    /// `("trace_number", "X")` once per trace number, then the `other` entries by their names.
    pub fn keys(&self) -> Vec<(&str, &str)> {
        let singles = [
            ("claim_id", &self.claim_id),
            (
                "payer_claim_control_number",
                &self.payer_claim_control_number,
            ),
            (
                "interchange_control_number",
                &self.interchange_control_number,
            ),
            ("group_control_number", &self.group_control_number),
            (
                "transaction_control_number",
                &self.transaction_control_number,
            ),
            ("authorization_number", &self.authorization_number),
            ("original_message_id", &self.original_message_id),
        ];
        let mut keys: Vec<(&str, &str)> = singles
            .into_iter()
            .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
            .collect();
        keys.extend(
            self.trace_numbers
                .iter()
                .map(|t| ("trace_number", t.as_str())),
        );
        keys.extend(self.other.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        keys
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self == &Correlation::default()
    }
}
