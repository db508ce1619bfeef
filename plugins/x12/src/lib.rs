//! The `x12` connector: X12 5010 HIPAA transactions to and from Clearway's normalized
//! messages.
//!
//! - [`syntax`]: delimiters from the `ISA`, segments, the checked envelope, the writer.
//! - [`walker`]: the generic loop walker (HL hierarchy, NM1 entity codes to loop ids).
//! - [`decode::decode`] / [`encode::encode`] / [`acknowledge::acknowledge`]: plain
//!   functions, tested natively; [`X12`] wires them to the component contract.
//!
//! Decodes and encodes 837P (005010X222A1), 837I (005010X223A2), 837D (005010X224A2; 4010
//! X097 dental claims are decoded with a warning), 835 (005010X221A1), 270/271
//! (005010X279A1), 276/277 (005010X212), 277CA (005010X214), 278 (005010X217), 999
//! (005010X231A1) and TA1; `acknowledge` makes the TA1 and 999 for an inbound interchange.
//! Other transaction sets are reported as unsupported, naming the transaction.
//!
//! Build the component with
//! `cargo build -p clearway-x12 --target wasm32-wasip2 --profile guest`.

#![warn(missing_docs)]

pub mod ack;
pub mod acknowledge;
pub mod config;
pub mod decode;
pub mod encode;
pub mod numbers;
pub mod p270;
pub mod p276;
pub mod p277ca;
pub mod p278;
pub mod p835;
pub mod p837;
pub mod p837d;
pub mod p837i;
pub mod parties;
pub mod stc;
pub mod syntax;
pub mod values;
pub mod walker;

#[cfg(test)]
mod tests;

use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

use crate::config::Config;

/// The connector's name in `describe`.
pub const NAME: &str = "x12";

/// The kinds the connector decodes and encodes (the same both ways).
const KINDS: [Kind; 9] = [
    Kind::Claim,
    Kind::ClaimAck,
    Kind::Remittance,
    Kind::EligibilityRequest,
    Kind::EligibilityResponse,
    Kind::ClaimStatusRequest,
    Kind::ClaimStatusResponse,
    Kind::PriorAuthRequest,
    Kind::PriorAuthResponse,
];

/// The `x12` connector.
pub struct X12;

impl Connector for X12 {
    fn describe() -> Description {
        let mut description = Description::new(NAME, env!("CARGO_PKG_VERSION"))
            .decodes(KINDS)
            .encodes(KINDS)
            .format(encode::CONTENT_TYPE)
            .capability("control-numbers");
        description.config_keys = Config::keys();
        description.acknowledges = true;
        description
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        decode::decode(input)
    }

    fn encode(
        messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        encode::encode(&messages, &Config::from_host()?)
    }

    fn acknowledge(input: &[u8], meta: &InboundMeta) -> Result<Vec<Payload>, ConnectorError> {
        acknowledge::acknowledge(input, meta, &|key| clearway_plugin_sdk::host::config(key))
    }
}

clearway_plugin_sdk::export_connector!(X12);
