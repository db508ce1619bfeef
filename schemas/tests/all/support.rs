//! Helpers shared by the tests: the crate's folders and the committed examples.

use std::path::PathBuf;

use clearway_schemas::Kind;
use serde_json::Value;

/// `schemas/json/`, where the schemas are committed.
pub fn json_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("json")
}

/// `schemas/examples/`, where one example message per kind lives.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The example file of `kind`: `schemas/examples/<kind>.json`.
pub fn example_path(kind: Kind) -> PathBuf {
    examples_dir().join(format!("{}.json", kind.as_str()))
}

/// The example text of `kind`.
pub fn example_text(kind: Kind) -> String {
    let path = example_path(kind);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The example of `kind` as a JSON value.
pub fn example_value(kind: Kind) -> Value {
    serde_json::from_str(&example_text(kind))
        .unwrap_or_else(|e| panic!("{}.json is not JSON: {e}", kind.as_str()))
}

/// The generated schema in file `file`.
pub fn schema(file: &str) -> Value {
    clearway_schemas::json_schemas()
        .into_iter()
        .find(|(name, _)| name == file)
        .map(|(_, schema)| schema)
        .unwrap_or_else(|| panic!("no generated schema named {file}"))
}

/// A validator for `schema`, checking formats (`date`, `date-time`) too.
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

/// Every validation error of `instance` against `validator`, one per line.
pub fn errors(validator: &jsonschema::Validator, instance: &Value) -> String {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}
