//! Helpers of the 837 variants' unit tests: edit a fixture, decode it to an error or its
//! first claim, encode with a fixed config, the JSON pointers of a refusal.

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::{Body, Claim, Message};

use crate::config::Config;
use crate::decode::{DecodeError, decode_interchange};
use crate::encode::encode;
use crate::syntax::X12Error;

/// `text` with `from` replaced by `to` (one segment for one, so `SE01` still holds).
pub fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture has `{from}`");
    text.replacen(from, to, 1)
}

/// The decode error of `text`.
pub fn error(text: &str) -> X12Error {
    match decode_interchange(text.as_bytes()) {
        Err(DecodeError::X12(error)) => error,
        other => panic!("expected an X12 error, got {other:?}"),
    }
}

/// The messages of `text` and the claim of the first.
pub fn first_claim(text: &str) -> (Vec<Message>, Claim) {
    let messages = decode_interchange(text.as_bytes()).expect("decodes");
    match &messages[0].body {
        Body::Claim(claim) => {
            let claim = claim.clone();
            (messages, claim)
        }
        other => panic!("not a claim: {other:?}"),
    }
}

/// Encodes with a fixed config (sender `CLEARWAY`, receiver `PARTNER`): the interchange
/// text, or the error.
pub fn encoded(messages: &[Message]) -> Result<String, ConnectorError> {
    let config = Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        _ => None,
    })
    .expect("config");
    let payloads = encode(messages, &config)?;
    Ok(String::from_utf8(payloads[0].data.clone()).expect("text"))
}

/// The JSON pointers of an `Invalid` error.
pub fn paths(result: Result<String, ConnectorError>) -> Vec<String> {
    match result {
        Err(ConnectorError::Invalid(problems)) => problems
            .iter()
            .map(|p| p.location.path.clone().unwrap_or_default())
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}
