//! Normalized messages as they cross the component boundary: one JSON text
//! per message.
//!
//! The export glue uses these functions; they are public so a connector's
//! native tests can exercise exactly the conversion the host will see, and so
//! connectors can turn a `serde_json` error into a [`Problem`] that does not
//! quote the input.

use clearway_schemas::Message;
use serde_path_to_error::Segment;

use crate::{ConnectorError, Problem};

/// Problem code for a message the host sent that is not a normalized message.
pub const INVALID_MESSAGE: &str = "sdk.message.invalid";

/// Serializes each message to compact JSON text, in order.
///
/// # Errors
///
/// [`ConnectorError::Internal`] naming the index of a message that cannot be
/// serialized (a bug in the connector or the model, not in the input).
pub fn messages_to_wire(messages: &[Message]) -> Result<Vec<String>, ConnectorError> {
    messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            serde_json::to_string(message).map_err(|_| {
                ConnectorError::Internal(format!(
                    "normalized message {index} could not be serialized to JSON"
                ))
            })
        })
        .collect()
}

/// Parses each JSON text into a [`Message`], in order.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] with one problem (code [`INVALID_MESSAGE`]) per
/// text that does not parse, located at `/{index}{pointer}`, e.g.
/// `/3/body/total_charge`. The messages never quote values from the text.
pub fn messages_from_wire(texts: &[String]) -> Result<Vec<Message>, ConnectorError> {
    let mut messages = Vec::with_capacity(texts.len());
    let mut problems = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        // The fast path: plain serde_json. Only a text that fails is parsed again with
        // path tracking, to say where the problem is (path tracking costs ~3x).
        if let Ok(message) = serde_json::from_str::<Message>(text) {
            messages.push(message);
            continue;
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed = serde_path_to_error::deserialize::<_, Message>(&mut deserializer)
            .map_err(|error| (json_pointer(error.path()), error.into_inner()))
            .and_then(|message| {
                deserializer
                    .end()
                    .map(|()| message)
                    .map_err(|error| (String::new(), error))
            });
        match parsed {
            Ok(message) => messages.push(message),
            Err((pointer, error)) => problems.push(
                Problem::error(
                    INVALID_MESSAGE,
                    format!(
                        "message {index} is not a valid normalized message: {}",
                        describe_serde_error(&error)
                    ),
                )
                .at_path(format!("/{index}{pointer}")),
            ),
        }
    }
    if problems.is_empty() {
        Ok(messages)
    } else {
        Err(ConnectorError::Invalid(problems))
    }
}

/// Turns a `serde_path_to_error` path into a JSON pointer (RFC 6901), e.g.
/// `/body/service_lines/2/charge`; the empty string for the root.
pub fn json_pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } => push_token(&mut pointer, key),
            Segment::Enum { variant } => push_token(&mut pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for character in token.chars() {
        match character {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

/// A description of a `serde_json` error that names the rule but never the
/// offending value.
///
/// Serde's own messages quote values (`invalid type: string "DOE", expected
/// u32`); this keeps only the parts that come from the type being
/// deserialized (`expected u32`, `missing field `claim_type``) or from the
/// JSON grammar (`expected value`), and falls back to a generic text for
/// errors raised by custom deserializers, whose text is unknown.
pub fn describe_serde_error(error: &serde_json::Error) -> String {
    let full = error.to_string();
    // serde_json appends " at line L column C"; the position is reported
    // separately by callers that want it.
    let message = match full.rsplit_once(" at line ") {
        Some((message, _)) if error.line() != 0 => message,
        _ => full.as_str(),
    };
    if !error.is_data() {
        // Syntax and end-of-input messages are fixed texts of the grammar.
        return message.to_owned();
    }
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, expected)| expected);
    if message.starts_with("missing field `") || message.starts_with("duplicate field `") {
        message.to_owned()
    } else if let Some(rest) = message.strip_prefix("unknown field `") {
        // The field name is the input's key, which the location names anyway;
        // keep it when it is a plain key and drop it otherwise.
        match rest.split_once("`, ") {
            Some((key, _)) if is_plain_key(key) => format!("unknown field `{key}`"),
            _ => "unknown field".to_owned(),
        }
    } else if message.starts_with("invalid type: ") {
        with_expected("wrong type", expected)
    } else if message.starts_with("invalid value: ") {
        with_expected("invalid value", expected)
    } else if message.starts_with("unknown variant ") {
        with_expected("unknown variant", expected)
    } else if message.starts_with("invalid length ") {
        with_expected("wrong number of elements", expected)
    } else {
        "value not accepted for this field".to_owned()
    }
}

fn with_expected(what: &str, expected: Option<&str>) -> String {
    match expected {
        Some(expected) => format!("{what}, expected {expected}"),
        None => what.to_owned(),
    }
}

/// Whether a key looks like a field name (so naming it cannot leak a value).
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        count: u32,
        mode: Mode,
        items: Vec<u8>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Slow,
    }

    fn describe(text: &str) -> (String, String) {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let error = serde_path_to_error::deserialize::<_, Sample>(&mut deserializer)
            .expect_err("sample must not parse");
        (
            json_pointer(error.path()),
            describe_serde_error(error.inner()),
        )
    }

    #[test]
    fn wrong_type_keeps_expectation_and_drops_value() {
        let (pointer, message) = describe(r#"{"count":"SECRETNAME123","mode":"fast","items":[]}"#);
        assert_eq!(pointer, "/count");
        assert_eq!(message, "wrong type, expected u32");
    }

    #[test]
    fn unknown_variant_drops_value() {
        let (pointer, message) = describe(r#"{"count":1,"mode":"SECRETNAME123","items":[]}"#);
        assert_eq!(pointer, "/mode");
        assert!(!message.contains("SECRETNAME123"), "{message}");
        assert!(
            message.starts_with("unknown variant, expected"),
            "{message}"
        );
    }

    #[test]
    fn nested_index_and_missing_field() {
        let (pointer, message) = describe(r#"{"count":1,"mode":"slow","items":[1,"x"]}"#);
        assert_eq!(pointer, "/items/1");
        assert_eq!(message, "wrong type, expected u8");
        let (_, message) = describe(r#"{"count":1,"items":[]}"#);
        assert_eq!(message, "missing field `mode`");
    }

    #[test]
    fn unknown_field_names_plain_keys_only() {
        let (_, message) = describe(r#"{"count":1,"mode":"fast","items":[],"extra":1}"#);
        assert_eq!(message, "unknown field `extra`");
        let (_, message) = describe(r#"{"count":1,"mode":"fast","items":[],"SECRET NAME 123":1}"#);
        assert_eq!(message, "unknown field");
    }

    #[test]
    fn syntax_errors_keep_grammar_text_without_position() {
        let (_, message) = describe(r#"{"count": }"#);
        assert_eq!(message, "expected value");
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let mut pointer = String::new();
        push_token(&mut pointer, "a/b~c");
        assert_eq!(pointer, "/a~1b~0c");
    }

    #[test]
    fn bad_wire_texts_are_all_reported_with_index() {
        let texts = vec![
            "[]".to_owned(),
            "{not json".to_owned(),
            r#"{"kind":"SECRETNAME123","body":{}}"#.to_owned(),
        ];
        let error = messages_from_wire(&texts).expect_err("none of these is a message");
        let ConnectorError::Invalid(problems) = error else {
            panic!("expected Invalid, got {error:?}");
        };
        assert_eq!(problems.len(), 3);
        for (index, problem) in problems.iter().enumerate() {
            assert_eq!(problem.code, INVALID_MESSAGE);
            let path = problem.location.path.as_deref().unwrap_or_default();
            assert!(path.starts_with(&format!("/{index}")), "{path}");
            assert!(problem.message.starts_with(&format!("message {index} ")));
            assert!(!problem.message.contains("SECRETNAME123"), "{problem}");
        }
    }

    #[test]
    fn committed_examples_round_trip_through_the_wire() {
        for kind in clearway_schemas::Kind::ALL {
            let path = format!(
                "{}/../schemas/examples/{}.json",
                env!("CARGO_MANIFEST_DIR"),
                kind.as_str()
            );
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let messages = messages_from_wire(&[text]).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(messages[0].kind(), kind);
            let texts = messages_to_wire(&messages).expect("serializes");
            assert_eq!(messages_from_wire(&texts).expect("parses again"), messages);
        }
    }

    #[test]
    fn problems_inside_a_body_are_located() {
        let texts = vec![
            r#"{"schema_version":"0.1.0","kind":"eligibility.request","body":{}}"#.to_owned(),
            r#"{"schema_version":"0.1.0","kind":"eligibility.request","body":{"traces":"SECRETNAME123"}}"#
                .to_owned(),
        ];
        let error = messages_from_wire(&texts).expect_err("second is wrong");
        let [problem] = error.problems() else {
            panic!("expected one problem: {error:?}");
        };
        assert_eq!(problem.location.path.as_deref(), Some("/1/body/traces"));
        assert!(!problem.message.contains("SECRETNAME123"), "{problem}");
        assert!(problem.message.contains("wrong type"), "{problem}");
    }

    #[test]
    fn trailing_text_after_a_message_is_rejected() {
        let text = r#"{"schema_version":"0.1.0","kind":"eligibility.request","body":{}} x"#;
        assert!(messages_from_wire(&[text[..text.len() - 2].to_owned()]).is_ok());
        let error = messages_from_wire(&[text.to_owned()]).expect_err("trailing text");
        assert_eq!(error.problems()[0].location.path.as_deref(), Some("/0"));
        assert!(
            error.problems()[0].message.ends_with("trailing characters"),
            "{error}"
        );
    }

    #[test]
    fn empty_lists_round_trip() {
        assert_eq!(messages_to_wire(&[]).expect("empty"), Vec::<String>::new());
        assert!(messages_from_wire(&[]).expect("empty").is_empty());
    }
}
