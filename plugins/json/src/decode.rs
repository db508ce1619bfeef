//! `decode`: one normalized message (a JSON object) or an array of them, each
//! checked against the JSON Schema of its kind, then typed.

use std::str::FromStr;

use clearway_plugin_sdk::wire::{describe_serde_error, json_pointer};
use clearway_plugin_sdk::{ConnectorError, Kind, Message, Problem};
use serde::Deserialize;
use serde::de::DeserializeSeed;
use serde_json::Value;

use crate::{parse, schemas, violations};

/// Problem code for input that is not a message or an array of messages.
pub const SHAPE: &str = "json.shape";
/// Problem code for a missing or unknown `kind`.
pub const KIND: &str = "json.kind";
/// Problem code for a message that passes its schema but not the typed model.
pub const MODEL: &str = "json.model";
/// Problem code of the last problem when [`MAX_PROBLEMS`] were reported.
pub const TOO_MANY: &str = "json.too_many_problems";

/// At most this many problems are reported for one input; one more problem
/// ([`TOO_MANY`]) then says how many were left out.
pub const MAX_PROBLEMS: usize = 1000;

/// Decodes the input bytes into normalized messages.
///
/// # Errors
///
/// [`ConnectorError::Malformed`] when the input is not UTF-8 JSON (see
/// [`parse::parse`]); [`ConnectorError::Invalid`] with every problem of every
/// message (up to [`MAX_PROBLEMS`]) when any message breaks its kind's schema
/// or the model, located by JSON pointer (`/2/body/...` in an array);
/// [`ConnectorError::Internal`] when an embedded schema does not compile.
pub fn decode(input: &[u8]) -> Result<Vec<Message>, ConnectorError> {
    let value = parse::parse(input)?;
    let items: Vec<(String, &Value)> = match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (format!("/{index}"), item))
            .collect(),
        Value::Object(_) => vec![(String::new(), &value)],
        _ => {
            return Err(ConnectorError::invalid(
                Problem::error(
                    SHAPE,
                    "the input must be a normalized message (a JSON object) or an array of them",
                )
                .at_path(""),
            ));
        }
    };
    let mut messages = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (prefix, item) in items {
        match decode_one(item, &prefix)? {
            Ok(message) => messages.push(message),
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(messages)
    } else {
        Err(ConnectorError::Invalid(cap(problems)))
    }
}

/// One message at `prefix`: `Ok(Ok(message))`, `Ok(Err(problems))`, or
/// `Err(_)` for an internal failure.
fn decode_one(item: &Value, prefix: &str) -> Result<Result<Message, Vec<Problem>>, ConnectorError> {
    let Value::Object(object) = item else {
        return Ok(Err(vec![
            Problem::error(SHAPE, "a normalized message must be a JSON object").at_path(prefix),
        ]));
    };
    let kind_path = format!("{prefix}/kind");
    let kind = match object.get("kind") {
        None => {
            return Ok(Err(vec![
                Problem::error(
                    KIND,
                    format!("missing required property `kind`; {}", kinds_text()),
                )
                .at_path(kind_path),
            ]));
        }
        Some(Value::String(name)) => Kind::from_str(name).ok(),
        Some(_) => None,
    };
    let Some(kind) = kind else {
        return Ok(Err(vec![
            Problem::error(
                KIND,
                format!("`kind` is not a known message kind; {}", kinds_text()),
            )
            .at_path(kind_path),
        ]));
    };
    // Fast path: the schemas are generated from the typed model and every
    // constraint they state (patterns of money and dates, unsigned integers,
    // closed objects) is enforced by the model's own deserializers, so a message
    // the model accepts is schema-valid (`tests::typed_acceptance_implies_schema_validity`
    // checks this over mutated examples). Building a validator costs milliseconds
    // in a fresh instance, so it is only paid to list every violation of a bad message.
    if let Ok(message) = Message::deserialize(item) {
        return Ok(Ok(message));
    }
    let validator = schemas::validator(kind).map_err(ConnectorError::Internal)?;
    let mut problems = Vec::new();
    for error in validator.iter_errors(item) {
        violations::push_problems(&error, prefix, &mut problems);
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Message::deserialize(item).map_err(|error| vec![model_problem(item, kind, prefix, &error)]))
}

/// Describes why a schema-valid message does not fit the typed model (a rule
/// the schema cannot express, such as a calendar date that does not exist).
/// The body is retried on its own so the problem can point inside it.
fn model_problem(item: &Value, kind: Kind, prefix: &str, error: &serde_json::Error) -> Problem {
    let inner = item.get("body").and_then(|body| {
        let mut track = serde_path_to_error::Track::new();
        let deserializer = serde_path_to_error::Deserializer::new(body, &mut track);
        match kind.deserialize(deserializer) {
            Ok(_) => None,
            Err(error) => Some((format!("/body{}", json_pointer(&track.path())), error)),
        }
    });
    let (pointer, error) = match &inner {
        Some((pointer, error)) => (pointer.as_str(), error),
        None => ("", error),
    };
    Problem::error(
        MODEL,
        format!(
            "not a valid `{kind}` message: {}",
            describe_serde_error(error)
        ),
    )
    .at_path(format!("{prefix}{pointer}"))
}

/// `expected one of coverage, eligibility.request, ...`.
fn kinds_text() -> String {
    let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
    format!("expected one of {}", names.join(", "))
}

/// Keeps the first [`MAX_PROBLEMS`] problems and says how many were left out.
fn cap(mut problems: Vec<Problem>) -> Vec<Problem> {
    if problems.len() > MAX_PROBLEMS {
        let left_out = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem::error(
            TOO_MANY,
            format!("{left_out} more problems were found and not listed"),
        ));
    }
    problems
}
