//! The committed JSON Schemas, one per message kind, embedded at build time
//! and compiled into validators once, on first use.

use std::sync::OnceLock;

use clearway_plugin_sdk::Kind;
use jsonschema::Validator;
use serde_json::Value;

/// Kind name and schema text of every kind, from `schemas/json/<kind>.schema.json`.
pub const SCHEMAS: [(&str, &str); 10] = [
    (
        "coverage",
        include_str!("../../../schemas/json/coverage.schema.json"),
    ),
    (
        "eligibility.request",
        include_str!("../../../schemas/json/eligibility.request.schema.json"),
    ),
    (
        "eligibility.response",
        include_str!("../../../schemas/json/eligibility.response.schema.json"),
    ),
    (
        "claim",
        include_str!("../../../schemas/json/claim.schema.json"),
    ),
    (
        "claim.ack",
        include_str!("../../../schemas/json/claim.ack.schema.json"),
    ),
    (
        "claim.status.request",
        include_str!("../../../schemas/json/claim.status.request.schema.json"),
    ),
    (
        "claim.status.response",
        include_str!("../../../schemas/json/claim.status.response.schema.json"),
    ),
    (
        "prior_auth.request",
        include_str!("../../../schemas/json/prior_auth.request.schema.json"),
    ),
    (
        "prior_auth.response",
        include_str!("../../../schemas/json/prior_auth.response.schema.json"),
    ),
    (
        "remittance",
        include_str!("../../../schemas/json/remittance.schema.json"),
    ),
];

/// One lazily built validator per entry of [`SCHEMAS`].
static VALIDATORS: [OnceLock<Result<Validator, String>>; SCHEMAS.len()] =
    [const { OnceLock::new() }; SCHEMAS.len()];

/// The schema text for a kind.
pub fn schema_text(kind: Kind) -> Option<&'static str> {
    SCHEMAS
        .iter()
        .find(|(name, _)| *name == kind.as_str())
        .map(|(_, text)| *text)
}

/// The compiled validator for a kind, built on first use and kept for the life
/// of the instance.
///
/// # Errors
///
/// A description (naming the kind, without schema or input content) when the
/// kind has no embedded schema or the schema does not compile: a build
/// defect, reported by callers as an internal error.
pub fn validator(kind: Kind) -> Result<&'static Validator, String> {
    let index = SCHEMAS
        .iter()
        .position(|(name, _)| *name == kind.as_str())
        .ok_or_else(|| format!("no JSON Schema is embedded for kind `{kind}`"))?;
    VALIDATORS[index]
        .get_or_init(|| {
            compile(SCHEMAS[index].1).map_err(|rule| {
                format!("the embedded JSON Schema for kind `{kind}` does not compile: {rule}")
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn compile(text: &str) -> Result<Validator, String> {
    let schema: Value =
        serde_json::from_str(text).map_err(|error| format!("not JSON ({error})"))?;
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|error| format!("{} at {}", error.kind().keyword(), error.schema_path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_schema() {
        for kind in Kind::ALL {
            let count = SCHEMAS
                .iter()
                .filter(|(name, _)| *name == kind.as_str())
                .count();
            assert_eq!(count, 1, "kind {kind}");
        }
        assert_eq!(SCHEMAS.len(), Kind::ALL.len());
    }

    #[test]
    fn every_schema_compiles_and_pins_its_kind() {
        for kind in Kind::ALL {
            let validator = validator(kind).expect("compiles");
            let text = schema_text(kind).expect("embedded");
            let schema: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(
                schema["properties"]["kind"]["const"],
                kind.as_str(),
                "kind {kind}"
            );
            // A message of another kind is rejected by this kind's schema.
            let other = Kind::ALL
                .into_iter()
                .find(|k| *k != kind)
                .expect("another kind");
            let wrong = serde_json::json!({
                "schema_version": "0.1.0", "kind": other.as_str(), "body": {}
            });
            assert!(!validator.is_valid(&wrong), "kind {kind}");
        }
    }
}
