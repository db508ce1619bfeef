//! JSON Schema violations to [`Problem`]s that name the place and the rule.
//!
//! `jsonschema`'s own messages quote the offending value (`"DOE" is not of
//! type "integer"`), which may be patient data. These texts are built from
//! the error kind and the schema only: the property name, the expected type,
//! the allowed values, the pattern, the limits.

mod alternatives;
#[cfg(test)]
mod tests;
mod text;

use clearway_plugin_sdk::Problem;
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as K;

use self::alternatives::push_alternatives;
use self::text::{format_text, is_plain, subject, type_text, value_text, values_text};

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
        K::Type { kind } => out.push(problem(
            "type",
            format!("{name} must be {}", type_text(kind)),
        )),
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
                out.push(Problem::error(format!("json.schema.{rule}"), message).at_path(pointer));
            }
        }
        K::Enum { options } => {
            let values = options.as_array().map_or(&[][..], Vec::as_slice);
            out.push(problem(
                "enum",
                format!("{name} must be {}", values_text(values)),
            ));
        }
        K::Constant { expected_value } => out.push(problem(
            "const",
            format!("{name} must be {}", value_text(expected_value)),
        )),
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            let rule = if matches!(error.kind(), K::AnyOf { .. }) {
                "any_of"
            } else {
                "one_of"
            };
            push_alternatives(path, &name, rule, context, prefix, out);
        }
        K::FalseSchema
            if error
                .schema_path()
                .as_str()
                .ends_with("/additionalProperties") =>
        {
            out.push(problem(
                "additional_property",
                format!("{name} must be an empty object"),
            ));
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
        K::Pattern { pattern } => problem(
            "pattern",
            format!("{name} must match the pattern `{pattern}`"),
        ),
        K::BacktrackLimitExceeded { .. } | K::RegexEngineFailure { .. } => problem(
            "pattern",
            format!("{name} could not be checked against its pattern"),
        ),
        K::Format { format } => {
            problem("format", format!("{name} must be {}", format_text(format)))
        }
        K::MinLength { limit } => problem(
            "min_length",
            format!("{name} must be at least {limit} characters long"),
        ),
        K::MaxLength { limit } => problem(
            "max_length",
            format!("{name} must be at most {limit} characters long"),
        ),
        K::MinItems { limit } => problem(
            "min_items",
            format!("{name} must have at least {limit} items"),
        ),
        K::MaxItems { limit } => problem(
            "max_items",
            format!("{name} must have at most {limit} items"),
        ),
        K::AdditionalItems { limit } => problem(
            "max_items",
            format!("{name} must have at most {limit} items"),
        ),
        K::MinProperties { limit } => problem(
            "min_properties",
            format!("{name} must have at least {limit} properties"),
        ),
        K::MaxProperties { limit } => problem(
            "max_properties",
            format!("{name} must have at most {limit} properties"),
        ),
        K::Minimum { limit } => problem("minimum", format!("{name} must be at least {limit}")),
        K::Maximum { limit } => problem("maximum", format!("{name} must be at most {limit}")),
        K::ExclusiveMinimum { limit } => {
            problem("minimum", format!("{name} must be greater than {limit}"))
        }
        K::ExclusiveMaximum { limit } => {
            problem("maximum", format!("{name} must be less than {limit}"))
        }
        K::MultipleOf { multiple_of } => problem(
            "multiple_of",
            format!("{name} must be a multiple of {multiple_of}"),
        ),
        K::UniqueItems => problem(
            "unique_items",
            format!("{name} must not contain duplicate items"),
        ),
        K::Contains => problem(
            "contains",
            format!("{name} must contain at least one matching item"),
        ),
        K::UnevaluatedItems { .. } => problem(
            "unevaluated_items",
            format!("{name} has items that are not allowed"),
        ),
        K::PropertyNames { .. } => problem(
            "property_names",
            format!("{name} has a property name that is not allowed"),
        ),
        K::Not { .. } => problem(
            "not",
            format!("{name} has a shape that is not allowed here"),
        ),
        K::FalseSchema => problem("false_schema", format!("{name} is not allowed here")),
        K::ContentEncoding { content_encoding } => problem(
            "content",
            format!("{name} must be encoded as {content_encoding}"),
        ),
        K::FromUtf8 { .. } => problem("content", format!("{name} does not decode to UTF-8 text")),
        K::ContentMediaType { content_media_type } => problem(
            "content",
            format!("{name} must be of media type {content_media_type}"),
        ),
        K::Custom { keyword, .. } => {
            problem("custom", format!("{name} breaks the rule `{keyword}`"))
        }
        K::Referencing(_) => problem(
            "reference",
            format!("the schema for {name} could not be resolved"),
        ),
        // Handled by `push_problems`; listed so a new kind in `jsonschema` is a compile error here.
        K::Type { .. }
        | K::Required { .. }
        | K::AdditionalProperties { .. }
        | K::UnevaluatedProperties { .. }
        | K::Enum { .. }
        | K::Constant { .. }
        | K::AnyOf { .. }
        | K::OneOfNotValid { .. }
        | K::OneOfMultipleValid { .. } => {
            problem("rule", format!("{name} breaks a rule of the schema"))
        }
    }
}
