//! The `json` connector: for practice systems that already speak Clearway's
//! normalized model over HTTP.
//!
//! - `decode` takes one normalized message (a JSON object) or a JSON array of
//!   them, UTF-8 with an optional byte order mark. Each message is checked
//!   against the committed JSON Schema of its kind
//!   (`schemas/json/<kind>.schema.json`, embedded at build time) and every
//!   violation is reported with its JSON pointer, without quoting values.
//!   A message that already has an `id` is accepted (the hub reassigns it).
//! - `encode` writes each message as a pretty-printed `application/json`
//!   document, or all of them as one array when the config key `batch` is
//!   `true`.
//! - `acknowledge` returns nothing: JSON has no acknowledgments.
//!
//! The logic lives in plain functions ([`decode::decode`],
//! [`encode::encode`]) that are tested natively; [`Json`] wires them to the
//! component contract. Build the component with
//! `cargo build -p clearway-json --target wasm32-wasip2 --profile guest`.

pub mod config;
pub mod decode;
pub mod encode;
pub mod parse;
pub mod schemas;
mod violations;

#[cfg(test)]
mod tests;

use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

use crate::config::Config;

/// The connector's name in `describe`.
pub const NAME: &str = "json";

/// The `json` connector.
pub struct Json;

impl Connector for Json {
    fn describe() -> Description {
        let mut description = Description::new(NAME, env!("CARGO_PKG_VERSION"))
            .decodes(Kind::ALL)
            .encodes(Kind::ALL)
            .format(encode::CONTENT_TYPE);
        description.config_keys = Config::keys();
        description
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        decode::decode(input)
    }

    fn encode(
        messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        encode::encode(&messages, Config::from_host()?)
    }
}

clearway_plugin_sdk::export_connector!(Json);
