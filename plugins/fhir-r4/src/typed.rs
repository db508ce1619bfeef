//! Structural validation with fhir-sdk's generated resource types. This is the only module
//! that instantiates their serde code (heavy to compile): keep it small and stable, so that
//! edits elsewhere in the crate do not recompile it.
//!
//! fhir-sdk 0.16 offers FHIR STU3, R4B (4.3.0) and R5, not R4 (4.0.1). For the resources this
//! connector reads and writes, R4 and R4B were compared element by element (element names,
//! choice types `[x]`, repetition) against the R4 models of fhir.resources 6.4.0: they are
//! identical, so R4B deserialization checks R4 structure for them:
//! required elements present and of the right type. It does *not* check codes (fhir-sdk
//! accepts any code, even in required bindings), cardinality `1..*` (a list may be empty),
//! unknown elements (accepted silently) or invariants; the decoders add the checks they rely on. Decimals are `f64` in these types, so amounts are never read from them
//! ([`crate::parse::Numbers`]).
//!
//! `contained` resources are not checked here with their parent (fhir-sdk deserializes them
//! through an internally tagged enum, which loses the path of a problem, and R4B's list of
//! resource types differs from R4's); the decoders check the contained resources they use
//! on their own.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::wire::describe_serde_error;
use fhir_sdk::r4b::resources as r4b;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

/// Problem code for a resource that breaks the FHIR structure.
pub const STRUCTURE: &str = "fhir.structure";

/// The resource types this module checks.
pub const CHECKED: &[&str] = &[
    "Claim",
    "ClaimResponse",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "ExplanationOfBenefit",
    "Organization",
    "Patient",
    "PaymentReconciliation",
    "Practitioner",
    "PractitionerRole",
];

/// The structural problem of a resource of type `resource_type` at FHIRPath `base` (empty
/// when it is well formed), or `None` when this module does not check that type.
///
/// serde stops at the first problem, so at most one is reported per resource.
pub fn check(resource_type: &str, resource: &Value, base: &str) -> Option<Vec<Problem>> {
    let value = without_contained(resource);
    let value = value.as_ref().unwrap_or(resource);
    let result = match resource_type {
        "Claim" => run::<r4b::Claim>(value),
        "ClaimResponse" => run::<r4b::ClaimResponse>(value),
        "Coverage" => run::<r4b::Coverage>(value),
        "CoverageEligibilityRequest" => run::<r4b::CoverageEligibilityRequest>(value),
        "CoverageEligibilityResponse" => run::<r4b::CoverageEligibilityResponse>(value),
        "ExplanationOfBenefit" => run::<r4b::ExplanationOfBenefit>(value),
        "Organization" => run::<r4b::Organization>(value),
        "Patient" => run::<r4b::Patient>(value),
        "PaymentReconciliation" => run::<r4b::PaymentReconciliation>(value),
        "Practitioner" => run::<r4b::Practitioner>(value),
        "PractitionerRole" => run::<r4b::PractitionerRole>(value),
        _ => return None,
    };
    Some(match result {
        Ok(()) => Vec::new(),
        Err(error) => vec![problem(&error, base)],
    })
}

/// A copy of the resource without `contained`, when it has one.
fn without_contained(resource: &Value) -> Option<Value> {
    let object = resource.as_object()?;
    object.contains_key("contained").then(|| {
        Value::Object(
            object
                .iter()
                .filter(|(key, _)| *key != "contained")
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect::<Map<String, Value>>(),
        )
    })
}

/// Deserializes `value` as `T`, keeping the path of a failure.
fn run<T: DeserializeOwned>(
    value: &Value,
) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize::<_, T>(value).map(|_| ())
}

/// The problem for a failure, located by FHIRPath and worded without values.
fn problem(error: &serde_path_to_error::Error<serde_json::Error>, base: &str) -> Problem {
    let mut path = base.to_owned();
    for segment in error.path().iter() {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                path.push('.');
                path.push_str(key);
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let message = describe_serde_error(error.inner());
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        path.push('.');
        path.push_str(field);
        return Problem::error(STRUCTURE, "required element is missing").at_path(path);
    }
    Problem::error(STRUCTURE, message).at_path(path)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_missing_required_element_is_named_by_its_path() {
        let claim = json!({
            "resourceType": "Claim", "status": "active",
            "type": {"coding": [{"code": "oral"}]}, "use": "claim",
            "patient": {"reference": "Patient/1"}, "created": "2024-01-02",
            "provider": {"reference": "Organization/1"}, "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/1"}}],
            "item": [{"sequence": 1, "productOrService": {"text": "x"}}, {"sequence": 2}]
        });
        let problems = check("Claim", &claim, "Claim").expect("checked type");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].location.path.as_deref(),
            Some("Claim.item[1].productOrService")
        );
    }

    #[test]
    fn a_wrong_type_is_named_without_its_value() {
        let coverage = json!({
            "resourceType": "Coverage", "status": ["SECRET-STATUS"],
            "beneficiary": {"reference": "Patient/1"}, "payor": [{"reference": "Organization/1"}]
        });
        let problems = check("Coverage", &coverage, "Bundle.entry[0].resource").expect("checked");
        assert_eq!(
            problems[0].location.path.as_deref(),
            Some("Bundle.entry[0].resource.status")
        );
        assert!(!problems[0].message.contains("SECRET"));
        assert!(check("Encounter", &coverage, "Encounter").is_none());
    }

    #[test]
    fn contained_resources_are_left_to_the_decoders() {
        let patient = json!({"resourceType": "Patient", "contained": [{"resourceType": "Nope"}]});
        assert_eq!(check("Patient", &patient, "Patient"), Some(Vec::new()));
    }
}
