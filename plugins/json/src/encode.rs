//! `encode`: normalized messages to pretty-printed JSON documents.

use clearway_plugin_sdk::{ConnectorError, Message, Payload};

use crate::config::Config;

/// The media type of every payload.
pub const CONTENT_TYPE: &str = "application/json";

/// Encodes messages: one payload per message, or with `config.batch` one
/// payload holding a JSON array of all of them. Each document is pretty
/// printed UTF-8 with a trailing newline.
///
/// File name hints are `<kind>-<id>.json` (`<kind>-<index>.json` for a
/// message without an id, or whose id is not a plain token), and
/// `batch-<first id or 0>.json` for a batch. No messages give no payloads.
///
/// # Errors
///
/// [`ConnectorError::Internal`] when a message cannot be serialized or there
/// are more than `u32::MAX` of them.
pub fn encode(messages: &[Message], config: Config) -> Result<Vec<Payload>, ConnectorError> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    if config.batch {
        let count = index(messages.len())?;
        let hint = format!("batch-{}.json", name_part(&messages[0], 0));
        let data = document(messages)?;
        return Ok(vec![
            Payload::new(data, CONTENT_TYPE)
                .with_filename_hint(hint)
                .carrying(0..count),
        ]);
    }
    messages
        .iter()
        .enumerate()
        .map(|(position, message)| {
            let carries = index(position)?;
            let hint = format!("{}-{}.json", message.kind(), name_part(message, position));
            Ok(Payload::new(document(message)?, CONTENT_TYPE)
                .with_filename_hint(hint)
                .carrying([carries]))
        })
        .collect()
}

/// Pretty JSON with a trailing newline.
fn document<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ConnectorError> {
    let mut data = serde_json::to_vec_pretty(value).map_err(|_| {
        ConnectorError::Internal("a message could not be serialized to JSON".to_owned())
    })?;
    data.push(b'\n');
    Ok(data)
}

/// The message's id when it is a plain token (a ULID is), else its index.
fn name_part(message: &Message, position: usize) -> String {
    match &message.id {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            id.clone()
        }
        _ => position.to_string(),
    }
}

fn index(position: usize) -> Result<u32, ConnectorError> {
    u32::try_from(position)
        .map_err(|_| ConnectorError::Internal("more messages than one call can carry".to_owned()))
}
