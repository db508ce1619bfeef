//! `anyOf` / `oneOf` failures: say what the alternatives expected, or report
//! the problems of the one alternative that got further.

use clearway_plugin_sdk::Problem;
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as K;
use jsonschema::paths::Location;
use serde_json::Value;

use super::push_problems;
use super::text::{format_text, join_or, type_text, values_text};

/// `anyOf` / `oneOf` with no matching branch. Branches that failed only on the
/// value's own shape (type, constant, enum, pattern) say what was expected;
/// when exactly one branch got further (e.g. the object half of "object or
/// null"), its problems are the real ones and are reported instead.
pub(super) fn push_alternatives(
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
                Problem::error(
                    format!("json.schema.{}", expected.rule(rule)),
                    expected.message(name),
                )
                .at_path(at),
            );
        }
        _ => out.push(
            Problem::error(
                format!("json.schema.{rule}"),
                format!(
                    "{name} matches none of the {} allowed shapes",
                    branches.len()
                ),
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
    /// Allowed values (from `const` and `enum` branches).
    values: Vec<Value>,
    /// Other expectations, each with its rule: `format`, `pattern` or `type`.
    others: Vec<(&'static str, String)>,
}

impl Expected {
    /// Takes one branch's expectation: its allowed values if it has any, else
    /// its format, else its pattern, else its type.
    fn add_branch(&mut self, branch: &[ValidationError<'static>]) {
        let values: Vec<&Value> = branch
            .iter()
            .flat_map(|error| match error.kind() {
                K::Constant { expected_value } => vec![expected_value.as_ref()],
                K::Enum { options } => options
                    .as_array()
                    .map(|o| o.iter().collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect();
        if !values.is_empty() {
            self.values.extend(values.into_iter().cloned());
            return;
        }
        let find = |wanted: &'static str| {
            branch.iter().find_map(|error| match error.kind() {
                K::Format { format } if wanted == "format" => Some((wanted, format_text(format))),
                K::Pattern { pattern } if wanted == "pattern" => {
                    Some((wanted, format!("a string matching `{pattern}`")))
                }
                K::Type { kind } if wanted == "type" => Some((wanted, type_text(kind))),
                _ => None,
            })
        };
        let expectation = find("format")
            .or_else(|| find("pattern"))
            .or_else(|| find("type"));
        if let Some(expectation) = expectation
            && !self.others.contains(&expectation)
        {
            self.others.push(expectation);
        }
    }

    /// The problem's rule: `enum` when values are allowed, `type` when only
    /// types are, else the first format or pattern rule.
    fn rule<'a>(&self, fallback: &'a str) -> &'a str {
        if !self.values.is_empty() {
            "enum"
        } else if let Some((rule, _)) = self.others.iter().find(|(rule, _)| *rule != "type") {
            rule
        } else if self.others.is_empty() {
            fallback
        } else {
            "type"
        }
    }

    fn message(&self, name: &str) -> String {
        let mut alternatives = Vec::new();
        if !self.values.is_empty() {
            alternatives.push(values_text(&self.values));
        }
        alternatives.extend(self.others.iter().map(|(_, text)| text.clone()));
        if alternatives.is_empty() {
            format!("{name} has none of the allowed shapes")
        } else {
            format!("{name} must be {}", join_or(&alternatives))
        }
    }
}
