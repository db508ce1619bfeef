//! Input bytes to JSON: UTF-8 (a byte order mark is tolerated), JSON syntax with line and
//! column, and the exact text of every JSON number.
//!
//! `serde_json::Value` holds decimals as `f64`, and so does fhir-sdk (`Money.value: f64`).
//! Amounts must never pass through floating point, so [`Numbers`] keeps the text of each
//! number as written, by JSON pointer; the decoders read amounts and quantities from it.

use std::collections::HashMap;

use clearway_plugin_sdk::wire::{describe_serde_error, push_token};
use clearway_plugin_sdk::{ConnectorError, Problem};
use serde_json::Value;

/// Problem code for input that is not UTF-8.
pub const ENCODING: &str = "fhir.json.encoding";
/// Problem code for a JSON syntax error.
pub const SYNTAX: &str = "fhir.json.syntax";

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A parsed input: the JSON value and the exact text of its numbers.
#[derive(Debug)]
pub struct Parsed {
    /// The document.
    pub value: Value,
    /// Number texts by JSON pointer.
    pub numbers: Numbers,
}

/// The text of every JSON number of a document, by JSON pointer (`/item/0/net/value`).
#[derive(Debug, Default)]
pub struct Numbers(HashMap<String, String>);

impl Numbers {
    /// The number at `pointer` exactly as written, if there is a number there.
    pub fn get(&self, pointer: &str) -> Option<&str> {
        self.0.get(pointer).map(String::as_str)
    }
}

/// Parses the input.
///
/// # Errors
///
/// [`ConnectorError::Malformed`] with one problem: [`ENCODING`] at the first byte that is
/// not UTF-8, or [`SYNTAX`] with the 1-based line and column where the grammar is broken.
pub fn parse(input: &[u8]) -> Result<Parsed, ConnectorError> {
    let bytes = input.strip_prefix(BOM).unwrap_or(input);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let before = &bytes[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |n| n + 1);
        ConnectorError::malformed(
            Problem::error(ENCODING, "the input is not valid UTF-8")
                .at_line_column(to_u32(line), to_u32(offset - line_start + 1)),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|error| {
        ConnectorError::malformed(
            Problem::error(
                SYNTAX,
                format!("invalid JSON: {}", describe_serde_error(&error)),
            )
            .at_line_column(to_u32(error.line().max(1)), to_u32(error.column().max(1))),
        )
    })?;
    let mut scanner = Scanner {
        text: text.as_bytes(),
        at: 0,
        tokens: Vec::new(),
        numbers: HashMap::new(),
    };
    scanner.value();
    Ok(Parsed {
        value,
        numbers: Numbers(scanner.numbers),
    })
}

/// Saturating conversion for positions.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Walks JSON text that serde_json already accepted, recording number texts by pointer.
struct Scanner<'a> {
    /// The document.
    text: &'a [u8],
    /// Current byte offset.
    at: usize,
    /// Pointer tokens of the current position.
    tokens: Vec<String>,
    /// What was found.
    numbers: HashMap<String, String>,
}

impl Scanner<'_> {
    /// Skips whitespace.
    fn space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// One value at the current position.
    fn value(&mut self) {
        self.space();
        match self.text.get(self.at) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.skip_string();
            }
            Some(b't' | b'n') => self.at += 4,
            Some(b'f') => self.at += 5,
            Some(_) => self.number(),
            None => {}
        }
    }

    /// An object: each member's value under its key.
    fn object(&mut self) {
        self.at += 1;
        loop {
            self.space();
            match self.text.get(self.at) {
                Some(b'}') | None => {
                    self.at += 1;
                    return;
                }
                Some(b',') => self.at += 1,
                Some(_) => {
                    let key = self.string();
                    self.space();
                    self.at += 1; // ':'
                    self.tokens.push(key);
                    self.value();
                    self.tokens.pop();
                }
            }
        }
    }

    /// An array: each element under its index.
    fn array(&mut self) {
        self.at += 1;
        let mut index = 0usize;
        loop {
            self.space();
            match self.text.get(self.at) {
                Some(b']') | None => {
                    self.at += 1;
                    return;
                }
                Some(b',') => self.at += 1,
                Some(_) => {
                    let mut token = String::new();
                    crate::node::push_index(&mut token, index);
                    self.tokens.push(token);
                    self.value();
                    self.tokens.pop();
                    index += 1;
                }
            }
        }
    }

    /// Skips a string token; returns its text, quotes included.
    fn skip_string(&mut self) -> &[u8] {
        let start = self.at;
        self.at += 1;
        while let Some(&byte) = self.text.get(self.at) {
            self.at += 1;
            match byte {
                b'\\' => self.at += 1,
                b'"' => break,
                _ => {}
            }
        }
        self.text.get(start..self.at).unwrap_or_default()
    }

    /// A string token, decoded (escapes resolved).
    fn string(&mut self) -> String {
        let raw = self.skip_string();
        // Most keys have no escapes: their text between the quotes is the key.
        if let Some(inner) = raw.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\""))
            && !inner.contains(&b'\\')
            && let Ok(text) = std::str::from_utf8(inner)
        {
            return text.to_owned();
        }
        std::str::from_utf8(raw)
            .ok()
            .and_then(|raw| serde_json::from_str::<String>(raw).ok())
            .unwrap_or_default()
    }

    /// A number token, recorded under the current pointer.
    fn number(&mut self) {
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        let raw = self.text.get(start..self.at).unwrap_or_default();
        let mut pointer = String::new();
        for token in &self.tokens {
            push_token(&mut pointer, token);
        }
        self.numbers
            .insert(pointer, String::from_utf8_lossy(raw).into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let parsed =
            parse(br#"{"a": [1, {"v": 125.50}], "b~/c": -0.10, "s": "9.9"}"#).expect("valid JSON");
        assert_eq!(parsed.numbers.get("/a/0"), Some("1"));
        assert_eq!(parsed.numbers.get("/a/1/v"), Some("125.50"));
        assert_eq!(parsed.numbers.get("/b~0~1c"), Some("-0.10"));
        assert_eq!(parsed.numbers.get("/s"), None);
    }

    #[test]
    fn escaped_keys_and_strings_do_not_confuse_the_walk() {
        let parsed = parse(br#"{"k\"ey": "x\"}", "n": 7e2, "t": [true, null, false, 3]}"#)
            .expect("valid JSON");
        assert_eq!(parsed.numbers.get("/n"), Some("7e2"));
        assert_eq!(parsed.numbers.get("/t/3"), Some("3"));
    }

    #[test]
    fn syntax_errors_have_line_and_column_and_no_value() {
        let error = parse(b"{\n  \"name\": \"SECRET\",\n  oops\n}").expect_err("bad JSON");
        let problem = &error.problems()[0];
        assert_eq!(problem.code, SYNTAX);
        assert_eq!(problem.location.line, Some(3));
        assert!(problem.location.column.is_some());
        assert!(!problem.message.contains("SECRET"));
    }

    #[test]
    fn bom_is_tolerated_and_bad_utf8_is_located() {
        assert!(parse(b"\xEF\xBB\xBF{}").is_ok());
        let error = parse(b"{\"a\":\n\"\xFF\"}").expect_err("not UTF-8");
        assert_eq!(error.problems()[0].code, ENCODING);
        assert_eq!(error.problems()[0].location.line, Some(2));
    }
}
