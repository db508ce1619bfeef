//! The words of problem messages: how a value is named and what a schema
//! expects of it, built from the schema only, never from the input.

use jsonschema::error::TypeKind;
use jsonschema::paths::{Location, LocationSegment};
use serde_json::Value;

/// At most this many allowed values are listed in a message; longer lists
/// are summarized by their count.
const MAX_LISTED_VALUES: usize = 12;

/// How a message names the value at a path: `` `charge` ``, `` `lines[2]` ``,
/// `item 2`, or `the message` for the root.
pub(super) fn subject(path: &Location) -> String {
    let segments: Vec<LocationSegment<'_>> = path.iter().collect();
    match segments.as_slice() {
        [] => "the message".to_owned(),
        [.., LocationSegment::Property(key)] if is_plain(key) => format!("`{key}`"),
        [
            ..,
            LocationSegment::Property(key),
            LocationSegment::Index(index),
        ] if is_plain(key) => {
            format!("`{key}[{index}]`")
        }
        [.., LocationSegment::Index(index)] => format!("item {index}"),
        [..] => "this property".to_owned(),
    }
}

/// Whether a key looks like a field name, so naming it cannot leak a value.
pub(super) fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub(super) fn type_text(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(single) => vec![type_name(&single.to_string())],
        TypeKind::Multiple(set) => {
            let mut names: Vec<String> = set.iter().map(|t| type_name(&t.to_string())).collect();
            // "a string or null" reads better than "null or a string".
            names.sort_by_key(|name| name == "null");
            names
        }
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

pub(super) fn format_text(format: &str) -> String {
    match format {
        "date" => "a valid date (YYYY-MM-DD)".to_owned(),
        "date-time" => "a valid date and time (RFC 3339)".to_owned(),
        "time" => "a valid time (RFC 3339)".to_owned(),
        other => format!("a valid {other}"),
    }
}

/// Allowed values from the schema: `one of: `a`, `b``, or their count.
pub(super) fn values_text(values: &[Value]) -> String {
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
pub(super) fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        other => format!("`{other}`"),
    }
}

/// `a`, `a or b`, `a, b or c`.
pub(super) fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
