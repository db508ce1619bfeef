//! Tests of the problem texts against small schemas.

use clearway_plugin_sdk::Problem;
use serde_json::{Value, json};

use super::push_problems;
use super::text::join_or;

fn problems(schema: Value, instance: Value) -> Vec<Problem> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema");
    let mut out = Vec::new();
    for error in validator.iter_errors(&instance) {
        push_problems(&error, "/7", &mut out);
    }
    out
}

fn one(schema: Value, instance: Value) -> (String, String, String) {
    let mut all = problems(schema, instance);
    assert_eq!(all.len(), 1, "{all:?}");
    let problem = all.remove(0);
    (
        problem.code,
        problem.location.path.unwrap_or_default(),
        problem.message,
    )
}

#[test]
fn type_required_and_unknown() {
    let schema = json!({
        "type": "object", "additionalProperties": false, "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"type": ["string", "null"]}}
    });
    let all = problems(schema, json!({"b": 5, "zz": 1}));
    let texts: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|p| {
            (
                p.code.as_str(),
                p.location.path.as_deref().unwrap_or(""),
                p.message.as_str(),
            )
        })
        .collect();
    assert!(
        texts.contains(&(
            "json.schema.required",
            "/7",
            "missing required property `a`"
        )),
        "{texts:?}"
    );
    assert!(
        texts.contains(&("json.schema.type", "/7/b", "`b` must be a string or null")),
        "{texts:?}"
    );
    assert!(
        texts.contains(&(
            "json.schema.additional_property",
            "/7/zz",
            "unknown property `zz`"
        )),
        "{texts:?}"
    );
    assert_eq!(all.len(), 3);
}

#[test]
fn nullable_object_reports_the_inner_problem() {
    let schema = json!({
        "type": "object",
        "properties": {"p": {"anyOf": [
            {"type": "object", "properties": {"n": {"type": "string"}}},
            {"type": "null"}
        ]}}
    });
    assert_eq!(
        one(schema.clone(), json!({"p": {"n": 1}})),
        (
            "json.schema.type".into(),
            "/7/p/n".into(),
            "`n` must be a string".into()
        )
    );
    assert_eq!(
        one(schema, json!({"p": "SECRETNAME123"})),
        (
            "json.schema.type".into(),
            "/7/p".into(),
            "`p` must be an object or null".into()
        )
    );
}

#[test]
fn const_alternatives_list_the_values() {
    let schema = json!({"type": "object", "properties": {"g": {"oneOf": [
        {"const": "male", "type": "string"}, {"const": "female", "type": "string"}
    ]}}});
    let (code, path, message) = one(schema, json!({"g": "SECRETNAME123"}));
    assert_eq!((code.as_str(), path.as_str()), ("json.schema.enum", "/7/g"));
    assert_eq!(message, "`g` must be one of `male`, `female`");
}

#[test]
fn enum_or_pattern() {
    let schema = json!({"properties": {"s": {"anyOf": [
        {"enum": ["cpt", "hcpcs"], "type": "string"},
        {"pattern": "^[a-z]+:\\S+$", "type": "string"}
    ]}}});
    let (code, _, message) = one(schema, json!({"s": "SECRET NAME"}));
    assert_eq!(code, "json.schema.enum");
    assert_eq!(
        message,
        "`s` must be one of `cpt`, `hcpcs` or a string matching `^[a-z]+:\\S+$`"
    );
}

#[test]
fn array_items_and_formats() {
    let schema = json!({"properties": {"lines": {"type": "array", "items": {
        "type": "object", "properties": {"d": {"type": "string", "format": "date"}}
    }}}});
    let (code, path, message) = one(schema, json!({"lines": [{}, {"d": "2023-02-30"}]}));
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("json.schema.format", "/7/lines/1/d")
    );
    assert_eq!(message, "`d` must be a valid date (YYYY-MM-DD)");
    let schema = json!({"properties": {"lines": {"type": "array", "items": {"type": "integer"}}}});
    let (_, path, message) = one(schema, json!({"lines": [1, "x"]}));
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("/7/lines/1", "`lines[1]` must be an integer")
    );
    let schema = json!({"properties": {"d": {"anyOf": [
        {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        {"type": "null"}
    ]}}});
    let (code, path, message) = one(schema, json!({"d": "SECRETNAME123"}));
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("json.schema.format", "/7/d")
    );
    assert_eq!(message, "`d` must be a valid date (YYYY-MM-DD) or null");
}

#[test]
fn limits_and_long_value_lists() {
    let schema = json!({"properties": {
        "n": {"type": "string", "minLength": 3},
        "e": {"enum": (0..20).map(|i| format!("v{i}")).collect::<Vec<_>>()}
    }});
    let all = problems(schema, json!({"n": "SE", "e": "SECRETNAME123"}));
    let messages: Vec<&str> = all.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.contains(&"`n` must be at least 3 characters long"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"`e` must be one of the 20 allowed values"),
        "{messages:?}"
    );
}

#[test]
fn odd_keys_are_not_named() {
    let schema = json!({"properties": {"a": {}}, "additionalProperties": false});
    let (code, path, message) = one(schema, json!({"SECRET NAME/1": 1}));
    assert_eq!(code, "json.schema.additional_property", "{path} {message}");
    assert_eq!(path, "/7/SECRET NAME~11");
    assert_eq!(message, "unknown property");
    // Without `properties`, `jsonschema` reports the object, not the key.
    let schema = json!({"properties": {"o": {"additionalProperties": false}}});
    let (code, path, message) = one(schema, json!({"o": {"SECRETNAME123": 1}}));
    assert_eq!(code, "json.schema.additional_property");
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("/7/o", "`o` must be an empty object")
    );
    assert_eq!(join_or(&["a".into(), "b".into(), "c".into()]), "a, b or c");
}
