//! JSON Schema violations to [`Problem`]s that name the place and the rule.
//!
//! `jsonschema`'s own messages quote the offending value (`"DOE" is not of
//! type "integer"`), which may be patient data. These texts are built from
//! the error kind and the schema only: the property name, the expected type,
//! the allowed values, the pattern, the limits.

use clearway_plugin_sdk::Problem;
use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind as K};
use jsonschema::paths::{Location, LocationSegment};
use serde_json::Value;

/// At most this many allowed values are listed in a message; longer lists
/// are summarized by their count.
const MAX_LISTED_VALUES: usize = 12;

/// Appends the problems of one validation error, with every path prefixed by
/// `prefix` (the message's pointer in the input: `""` or `/3`).
pub fn push_problems(error: &ValidationError<'_>, prefix: &str, out: &mut Vec<Problem>) {
    let path = error.instance_path();
    let at = format!("{prefix}{}", path.as_str());
    let name = subject(path);
    let problem = |rule: &str, message: String| {
        Problem::error(format!("json.schema.{rule}"), message).at_path(at.clone())
    };
    match error.kind() {
        K::Type { kind } => out.push(problem("type", format!("{name} must be {}", type_text(kind)))),
        K::Required { property } => out.push(problem(
            "required",
            match property.as_str() {
                Some(property) if is_plain(property) => {
                    format!("missing required property `{property}`")
                }
                _ => "missing a required property".to_owned(),
            },
        )),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            let rule = if matches!(error.kind(), K::AdditionalProperties { .. }) {
                "additional_property"
            } else {
                "unevaluated_property"
            };
            for property in unexpected {
                let mut pointer = at.clone();
                clearway_plugin_sdk::wire::push_token(&mut pointer, property);
                let message = if is_plain(property) {
                    format!("unknown property `{property}`")
                } else {
                    "unknown property".to_owned()
                };
                out.push(
                    Problem::error(format!("json.schema.{rule}"), message).at_path(pointer),
                );
            }
        }
        K::Enum { options } => {
            let values = options.as_array().map_or(&[][..], Vec::as_slice);
            out.push(problem("enum", format!("{name} must be {}", values_text(values))));
        }
        K::Constant { expected_value } => out.push(problem(
            "const",
            format!("{name} must be {}", value_text(expected_value)),
        )),
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            let rule = if matches!(error.kind(), K::AnyOf { .. }) { "any_of" } else { "one_of" };
            push_alternatives(path, &name, rule, context, prefix, out);
        }
        K::OneOfMultipleValid { .. } => out.push(problem(
            "one_of",
            format!("{name} matches more than one of the allowed shapes"),
        )),
        other => out.push(simple(other, &name, problem)),
    }
}

/// Problems with a fixed text: one rule, one message.
fn simple(kind: &K, name: &str, problem: impl Fn(&str, String) -> Problem) -> Problem {
    match kind {
        K::Pattern { pattern } => problem("pattern", format!("{name} must match the pattern `{pattern}`")),
        K::BacktrackLimitExceeded { .. } | K::RegexEngineFailure { .. } => {
            problem("pattern", format!("{name} could not be checked against its pattern"))
        }
        K::Format { format } => problem("format", format!("{name} must be {}", format_text(format))),
        K::MinLength { limit } => problem("min_length", format!("{name} must be at least {limit} characters long")),
        K::MaxLength { limit } => problem("max_length", format!("{name} must be at most {limit} characters long")),
        K::MinItems { limit } => problem("min_items", format!("{name} must have at least {limit} items")),
        K::MaxItems { limit } => problem("max_items", format!("{name} must have at most {limit} items")),
        K::AdditionalItems { limit } => problem("max_items", format!("{name} must have at most {limit} items")),
        K::MinProperties { limit } => problem("min_properties", format!("{name} must have at least {limit} properties")),
        K::MaxProperties { limit } => problem("max_properties", format!("{name} must have at most {limit} properties")),
        K::Minimum { limit } => problem("minimum", format!("{name} must be at least {limit}")),
        K::Maximum { limit } => problem("maximum", format!("{name} must be at most {limit}")),
        K::ExclusiveMinimum { limit } => problem("minimum", format!("{name} must be greater than {limit}")),
        K::ExclusiveMaximum { limit } => problem("maximum", format!("{name} must be less than {limit}")),
        K::MultipleOf { multiple_of } => problem("multiple_of", format!("{name} must be a multiple of {multiple_of}")),
        K::UniqueItems => problem("unique_items", format!("{name} must not contain duplicate items")),
        K::Contains => problem("contains", format!("{name} must contain at least one matching item")),
        K::UnevaluatedItems { .. } => problem("unevaluated_items", format!("{name} has items that are not allowed")),
        K::PropertyNames { .. } => problem("property_names", format!("{name} has a property name that is not allowed")),
        K::Not { .. } => problem("not", format!("{name} has a shape that is not allowed here")),
        K::FalseSchema => problem("false_schema", format!("{name} is not allowed here")),
        K::ContentEncoding { content_encoding } => {
            problem("content", format!("{name} must be encoded as {content_encoding}"))
        }
        K::FromUtf8 { .. } => problem("content", format!("{name} does not decode to UTF-8 text")),
        K::ContentMediaType { content_media_type } => {
            problem("content", format!("{name} must be of media type {content_media_type}"))
        }
        K::Custom { keyword, .. } => problem("custom", format!("{name} breaks the rule `{keyword}`")),
        K::Referencing(_) => problem("reference", format!("the schema for {name} could not be resolved")),
        // Handled by `push_problems`; listed so a new kind in `jsonschema` is a compile error here.
        K::Type { .. }
        | K::Required { .. }
        | K::AdditionalProperties { .. }
        | K::UnevaluatedProperties { .. }
        | K::Enum { .. }
        | K::Constant { .. }
        | K::AnyOf { .. }
        | K::OneOfNotValid { .. }
        | K::OneOfMultipleValid { .. } => problem("rule", format!("{name} breaks a rule of the schema")),
    }
}

/// `anyOf` / `oneOf` with no matching branch. Branches that failed only on the
/// value's own shape (type, constant, enum, pattern) say what was expected;
/// when exactly one branch got further (e.g. the object half of "object or
/// null"), its problems are the real ones and are reported instead.
fn push_alternatives(
    here: &Location,
    name: &str,
    rule: &str,
    branches: &[Vec<ValidationError<'static>>],
    prefix: &str,
    out: &mut Vec<Problem>,
) {
    let (shallow, deep): (Vec<_>, Vec<_>) = branches.iter().partition(|branch| {
        branch
            .iter()
            .all(|error| error.instance_path() == here && is_shape(error.kind()))
    });
    let at = format!("{prefix}{}", here.as_str());
    match deep.as_slice() {
        [only] => {
            for error in *only {
                push_problems(error, prefix, out);
            }
        }
        [] => {
            let mut expected = Expected::default();
            for branch in &shallow {
                expected.add_branch(branch);
            }
            out.push(
                Problem::error(format!("json.schema.{}", expected.rule(rule)), expected.message(name))
                    .at_path(at),
            );
        }
        _ => out.push(
            Problem::error(
                format!("json.schema.{rule}"),
                format!("{name} matches none of the {} allowed shapes", branches.len()),
            )
            .at_path(at),
        ),
    }
}

/// Whether an error is about the value's own shape rather than its content.
fn is_shape(kind: &K) -> bool {
    matches!(
        kind,
        K::Type { .. } | K::Constant { .. } | K::Enum { .. } | K::Pattern { .. } | K::Format { .. }
    )
}

/// What the alternatives of an `anyOf` / `oneOf` expected of a value.
#[derive(Default)]
struct Expected {
    values: Vec<Value>,
    others: Vec<String>,
}

impl Expected {
    /// Takes one branch's expectation: its allowed values if it has any, else
    /// its pattern or format, else its type.
    fn add_branch(&mut self, branch: &[ValidationError<'static>]) {
        let values: Vec<&Value> = branch
            .iter()
            .flat_map(|error| match error.kind() {
                K::Constant { expected_value } => vec![expected_value.as_ref()],
                K::Enum { options } => options.as_array().map(|o| o.iter().collect()).unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect();
        if !values.is_empty() {
            self.values.extend(values.into_iter().cloned());
            return;
        }
        let text = branch.iter().find_map(|error| match error.kind() {
            K::Pattern { pattern } => Some(format!("a string matching `{pattern}`")),
            K::Format { format } => Some(format_text(format)),
            _ => None,
        });
        let text = text.or_else(|| {
            branch.iter().find_map(|error| match error.kind() {
                K::Type { kind } => Some(type_text(kind)),
                _ => None,
            })
        });
        if let Some(text) = text
            && !self.others.contains(&text)
        {
            self.others.push(text);
        }
    }

    fn rule<'a>(&self, fallback: &'a str) -> &'a str {
        if !self.values.is_empty() {
            "enum"
        } else if self.others.iter().all(|text| !text.contains("matching") && !text.starts_with("a valid")) {
            "type"
        } else {
            fallback
        }
    }

    fn message(&self, name: &str) -> String {
        let mut alternatives = Vec::new();
        if !self.values.is_empty() {
            alternatives.push(values_text(&self.values));
        }
        alternatives.extend(self.others.iter().cloned());
        if alternatives.is_empty() {
            format!("{name} has none of the allowed shapes")
        } else {
            format!("{name} must be {}", join_or(&alternatives))
        }
    }
}

/// How a message names the value at a path: `` `charge` ``, `` `lines[2]` ``,
/// `item 2`, or `the message` for the root.
fn subject(path: &Location) -> String {
    let segments: Vec<LocationSegment<'_>> = path.iter().collect();
    match segments.as_slice() {
        [] => "the message".to_owned(),
        [.., LocationSegment::Property(key)] if is_plain(key) => format!("`{key}`"),
        [.., LocationSegment::Property(key), LocationSegment::Index(index)] if is_plain(key) => {
            format!("`{key}[{index}]`")
        }
        [.., LocationSegment::Index(index)] => format!("item {index}"),
        [..] => "this property".to_owned(),
    }
}

/// Whether a key looks like a field name, so naming it cannot leak a value.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn type_text(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(single) => vec![type_name(&single.to_string())],
        TypeKind::Multiple(set) => set.iter().map(|t| type_name(&t.to_string())).collect(),
    };
    join_or(&names)
}

fn type_name(name: &str) -> String {
    match name {
        "null" => "null".to_owned(),
        "object" | "array" | "integer" => format!("an {name}"),
        other => format!("a {other}"),
    }
}

fn format_text(format: &str) -> String {
    match format {
        "date" => "a valid date (YYYY-MM-DD)".to_owned(),
        "date-time" => "a valid date and time (RFC 3339)".to_owned(),
        "time" => "a valid time (RFC 3339)".to_owned(),
        other => format!("a valid {other}"),
    }
}

/// Allowed values from the schema: `one of: `a`, `b``, or their count.
fn values_text(values: &[Value]) -> String {
    match values {
        [] => "one of the allowed values".to_owned(),
        [only] => value_text(only),
        _ if values.len() > MAX_LISTED_VALUES => {
            format!("one of the {} allowed values", values.len())
        }
        _ => format!(
            "one of {}",
            values.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A value from the schema, in backticks.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        other => format!("`{other}`"),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        (problem.code, problem.location.path.unwrap_or_default(), problem.message)
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
            .map(|p| (p.code.as_str(), p.location.path.as_deref().unwrap_or(""), p.message.as_str()))
            .collect();
        assert!(texts.contains(&("json.schema.required", "/7", "missing required property `a`")), "{texts:?}");
        assert!(texts.contains(&("json.schema.type", "/7/b", "`b` must be a string or null")), "{texts:?}");
        assert!(texts.contains(&("json.schema.additional_property", "/7/zz", "unknown property `zz`")), "{texts:?}");
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
            ("json.schema.type".into(), "/7/p/n".into(), "`n` must be a string".into())
        );
        assert_eq!(
            one(schema, json!({"p": "SECRETNAME123"})),
            ("json.schema.type".into(), "/7/p".into(), "`p` must be an object or null".into())
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
        assert_eq!(message, "`s` must be one of `cpt`, `hcpcs` or a string matching `^[a-z]+:\\S+$`");
    }

    #[test]
    fn array_items_and_formats() {
        let schema = json!({"properties": {"lines": {"type": "array", "items": {
            "type": "object", "properties": {"d": {"type": "string", "format": "date"}}
        }}}});
        let (code, path, message) = one(schema, json!({"lines": [{}, {"d": "2023-02-30"}]}));
        assert_eq!((code.as_str(), path.as_str()), ("json.schema.format", "/7/lines/1/d"));
        assert_eq!(message, "`d` must be a valid date (YYYY-MM-DD)");
        let schema = json!({"properties": {"lines": {"type": "array", "items": {"type": "integer"}}}});
        let (_, path, message) = one(schema, json!({"lines": [1, "x"]}));
        assert_eq!((path.as_str(), message.as_str()), ("/7/lines/1", "`lines[1]` must be an integer"));
    }

    #[test]
    fn limits_and_long_value_lists() {
        let schema = json!({"properties": {
            "n": {"type": "string", "minLength": 3},
            "e": {"enum": (0..20).map(|i| format!("v{i}")).collect::<Vec<_>>()}
        }});
        let all = problems(schema, json!({"n": "SE", "e": "SECRETNAME123"}));
        let messages: Vec<&str> = all.iter().map(|p| p.message.as_str()).collect();
        assert!(messages.contains(&"`n` must be at least 3 characters long"), "{messages:?}");
        assert!(messages.contains(&"`e` must be one of the 20 allowed values"), "{messages:?}");
    }

    #[test]
    fn odd_keys_are_not_named() {
        let schema = json!({"additionalProperties": false});
        let (_, path, message) = one(schema, json!({"SECRET NAME/1": 1}));
        assert_eq!(path, "/7/SECRET NAME~11");
        assert_eq!(message, "unknown property");
        assert_eq!(join_or(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
