//! [`Json`]: the FHIR JSON the encoders build, written with decimals exactly as the model
//! holds them (`"125.50"` becomes the JSON number `125.50`, never an `f64`) and members in
//! the order they were added.

use clearway_plugin_sdk::schemas::{Code, Date, Money, Period, Quantity};

/// A JSON value under construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// A string.
    Str(String),
    /// A number, as its exact text (from a model decimal or an integer).
    Num(String),
    /// A boolean.
    Bool(bool),
    /// An array.
    Arr(Vec<Json>),
    /// An object, members in order.
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    /// An empty object.
    pub fn obj() -> Json {
        Json::Obj(Vec::new())
    }

    /// A string.
    pub fn str(text: impl Into<String>) -> Json {
        Json::Str(text.into())
    }

    /// An unsigned integer.
    pub fn uint(n: impl Into<u64>) -> Json {
        Json::Num(n.into().to_string())
    }

    /// Adds a member (objects only; other values are returned unchanged).
    #[must_use]
    pub fn with(mut self, key: &'static str, value: Json) -> Json {
        if let Json::Obj(members) = &mut self {
            members.push((key, value));
        }
        self
    }

    /// Adds a member when `value` is `Some`, and an array member only when not empty.
    #[must_use]
    pub fn with_opt(self, key: &'static str, value: Option<Json>) -> Json {
        match value {
            Some(Json::Arr(items)) if items.is_empty() => self,
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// Adds an array member when `items` is not empty.
    #[must_use]
    pub fn with_list(self, key: &'static str, items: Vec<Json>) -> Json {
        if items.is_empty() {
            self
        } else {
            self.with(key, Json::Arr(items))
        }
    }

    /// The text, indented by two spaces, with a final newline.
    pub fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    /// Writes the value at indentation `depth`.
    fn write(&self, out: &mut String, depth: usize) {
        match self {
            Json::Str(text) => push_quoted(out, text),
            Json::Num(text) => out.push_str(text),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(members) if members.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    out.push_str(if index == 0 { "\n" } else { ",\n" });
                    indent(out, depth + 1);
                    item.write(out, depth + 1);
                }
                out.push('\n');
                indent(out, depth);
                out.push(']');
            }
            Json::Obj(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    out.push_str(if index == 0 { "\n" } else { ",\n" });
                    indent(out, depth + 1);
                    push_quoted(out, key);
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                out.push('\n');
                indent(out, depth);
                out.push('}');
            }
        }
    }
}

/// Two spaces per level.
fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Appends `text` as a JSON string literal, escaped as serde_json escapes: most texts need
/// no escape and are copied between quotes (without serde_json's extra `String`).
fn push_quoted(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\"")));
    }
}

/// A FHIR `Money` in US dollars.
pub fn money(amount: Money) -> Json {
    Json::obj()
        .with("value", Json::Num(amount.to_string()))
        .with("currency", Json::str("USD"))
}

/// A FHIR decimal from a model quantity.
pub fn decimal(quantity: Quantity) -> Json {
    Json::Num(quantity.to_string())
}

/// A FHIR `date`.
pub fn date(date: &Date) -> Json {
    Json::str(date.as_str())
}

/// A FHIR `Period`.
pub fn period(period: &Period) -> Json {
    Json::obj()
        .with_opt("start", period.start.as_ref().map(date))
        .with_opt("end", period.end.as_ref().map(date))
}

/// A FHIR `Coding` from a model code (system URI from [`clearway_plugin_sdk::schemas::CodeSystem::fhir_uri`]).
pub fn coding(code: &Code) -> Json {
    Json::obj()
        .with("system", Json::str(code.system.fhir_uri()))
        .with("code", Json::str(code.code.as_str()))
        .with_opt("display", code.display.as_ref().map(Json::str))
}

/// A `CodeableConcept` with one coding.
pub fn concept(code: &Code) -> Json {
    Json::obj().with("coding", Json::Arr(vec![coding(code)]))
}

/// A `CodeableConcept` with one coding of `system`.
pub fn concept_of(system: &str, code: &str) -> Json {
    Json::obj().with(
        "coding",
        Json::Arr(vec![
            Json::obj()
                .with("system", Json::str(system))
                .with("code", Json::str(code)),
        ]),
    )
}

/// A `CodeableConcept` with only text.
pub fn text_concept(text: &str) -> Json {
    Json::obj().with("text", Json::str(text))
}

/// An `Identifier` with an optional system.
pub fn identifier(system: Option<&str>, value: &str) -> Json {
    Json::obj()
        .with_opt("system", system.map(Json::str))
        .with("value", Json::str(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly_and_strings_escaped() {
        let amount: Money = "125.50".parse().expect("decimal");
        let json = Json::obj()
            .with("total", money(amount))
            .with("note", Json::str("a \"quoted\"\nline"))
            .with_list("empty", Vec::new())
            .with_opt("none", None);
        let text = json.to_pretty();
        assert!(text.contains("\"value\": 125.50"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back["note"], "a \"quoted\"\nline");
        assert!(back.get("empty").is_none() && back.get("none").is_none());
    }
}
