//! [`Node`]: a place in the parsed FHIR JSON that knows its FHIRPath (for problems) and its
//! JSON pointer (for the exact text of numbers).

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::{Date, Money, Quantity};
use clearway_plugin_sdk::wire::push_token;
use serde_json::Value;

use crate::parse::Numbers;

/// Problem code for a decimal that cannot be read exactly.
pub const DECIMAL: &str = "fhir.decimal";

/// A JSON value inside a FHIR document, with where it is.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The value.
    pub value: &'a Value,
    /// FHIRPath-style location, e.g. `Bundle.entry[2].resource.item[0].net`.
    path: String,
    /// JSON pointer, e.g. `/entry/2/resource/item/0/net`.
    pointer: String,
    /// Exact number texts of the whole document.
    numbers: &'a Numbers,
}

impl<'a> Node<'a> {
    /// The document root, named `root` in FHIRPaths (the resource type, or `Bundle`).
    pub fn root(value: &'a Value, root: &str, numbers: &'a Numbers) -> Node<'a> {
        Node {
            value,
            path: root.to_owned(),
            pointer: String::new(),
            numbers,
        }
    }

    /// The FHIRPath of this node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The FHIRPath of a child element (present or not).
    pub fn child_path(&self, key: &str) -> String {
        // Built by hand: `format!` costs several times more, and every member read makes
        // one (about a tenth of a large decode in WebAssembly went to formatting).
        let mut path = String::with_capacity(self.path.len() + 1 + key.len());
        path.push_str(&self.path);
        path.push('.');
        path.push_str(key);
        path
    }

    /// The member `key` when present and not null.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let value = self.value.get(key).filter(|v| !v.is_null())?;
        let mut pointer = self.pointer.clone();
        push_token(&mut pointer, key);
        Some(Node {
            value,
            path: self.child_path(key),
            pointer,
            numbers: self.numbers,
        })
    }

    /// The elements of the array `key` (a single object counts as one element); empty when
    /// absent.
    pub fn items(&self, key: &str) -> Vec<Node<'a>> {
        let Some(child) = self.get(key) else {
            return Vec::new();
        };
        match child.value {
            Value::Array(values) => values
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_null())
                .map(|(index, value)| {
                    let mut path = String::with_capacity(child.path.len() + 6);
                    path.push_str(&child.path);
                    path.push('[');
                    push_index(&mut path, index);
                    path.push(']');
                    let mut pointer = String::with_capacity(child.pointer.len() + 5);
                    pointer.push_str(&child.pointer);
                    pointer.push('/');
                    push_index(&mut pointer, index);
                    Node {
                        value,
                        path,
                        pointer,
                        numbers: self.numbers,
                    }
                })
                .collect(),
            _ => vec![child],
        }
    }

    /// The first element of the array `key`.
    pub fn first(&self, key: &str) -> Option<Node<'a>> {
        self.items(key).into_iter().next()
    }

    /// The string member `key`.
    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.value.get(key).and_then(Value::as_str)
    }

    /// The string member `key`, owned.
    pub fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_owned)
    }

    /// The boolean member `key`.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.value.get(key).and_then(Value::as_bool)
    }

    /// The non-negative integer member `key` (FHIR `positiveInt`, `unsignedInt`).
    pub fn uint(&self, key: &str) -> Option<u32> {
        self.value
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// The exact text of the number member `key`.
    pub fn number_text(&self, key: &str) -> Option<&'a str> {
        let mut pointer = self.pointer.clone();
        push_token(&mut pointer, key);
        self.numbers.get(&pointer)
    }

    /// The decimal member `key` as [`Money`], read from its exact text.
    pub fn money(&self, key: &str, problems: &mut Vec<Problem>) -> Option<Money> {
        let text = self.number_text(key)?;
        match text.parse() {
            Ok(money) => Some(money),
            Err(_) => {
                problems.push(decimal_problem(self.child_path(key)));
                None
            }
        }
    }

    /// The decimal member `key` as a [`Quantity`], read from its exact text.
    pub fn quantity(&self, key: &str, problems: &mut Vec<Problem>) -> Option<Quantity> {
        let text = self.number_text(key)?;
        match text.parse() {
            Ok(quantity) => Some(quantity),
            Err(_) => {
                problems.push(decimal_problem(self.child_path(key)));
                None
            }
        }
    }

    /// The `value` of the `Money` element `key`.
    pub fn money_element(&self, key: &str, problems: &mut Vec<Problem>) -> Option<Money> {
        self.get(key)?.money("value", problems)
    }

    /// The calendar date of the `date`/`dateTime` member `key` (`2024-03-15`, or the date
    /// part of `2024-03-15T10:00:00Z`). Partial dates (`2024`, `2024-03`) give `None`.
    pub fn date(&self, key: &str) -> Option<Date> {
        date_of(self.str(key)?)
    }
}

/// Appends the decimal digits of `index` (the SDK's `push_decimal`).
pub fn push_index(out: &mut String, index: usize) {
    clearway_plugin_sdk::text::push_decimal(out, index as u64);
}

/// The date part of a FHIR `date`, `dateTime` or `instant`, when it names a whole day.
pub fn date_of(text: &str) -> Option<Date> {
    text.get(..10)?.parse().ok()
}

/// The problem for a number the model cannot hold exactly.
fn decimal_problem(path: String) -> Problem {
    Problem::error(
        DECIMAL,
        "decimal must be written as plain digits with an optional sign and fraction (no exponent)",
    )
    .at_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn paths_pointers_and_exact_money() {
        let parsed = parse(br#"{"item": [{"net": {"value": 10.50}}, {"net": {"value": 1e2}}]}"#)
            .expect("valid JSON");
        let root = Node::root(&parsed.value, "Claim", &parsed.numbers);
        let items = root.items("item");
        assert_eq!(items[1].path(), "Claim.item[1]");
        let mut problems = Vec::new();
        let money = items[0].money_element("net", &mut problems).expect("money");
        assert_eq!(money.to_string(), "10.50");
        assert!(items[1].money_element("net", &mut problems).is_none());
        assert_eq!(
            problems[0].location.path.as_deref(),
            Some("Claim.item[1].net.value")
        );
    }

    #[test]
    fn indexes_are_written_in_decimal() {
        for index in [0, 7, 10, 99, 1234, usize::MAX] {
            let mut out = String::from("x");
            push_index(&mut out, index);
            assert_eq!(out, format!("x{index}"));
        }
    }

    #[test]
    fn dates_take_the_day_of_date_times() {
        assert_eq!(
            date_of("2024-03-15T10:00:00Z").map(|d| d.to_string()),
            Some("2024-03-15".into())
        );
        assert_eq!(date_of("2024-03"), None);
        assert_eq!(date_of("2024"), None);
    }
}
