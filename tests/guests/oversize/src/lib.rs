//! Hostile test guest: `decode` returns far more output than any sane input
//! could produce.
//!
//! On the input `ok` it behaves (one empty `eligibility.request`); on any other
//! input it returns 64 `eligibility.request` messages, each padded with an
//! extension string just under 1 MiB, so the output is about 64 MiB. That fits
//! in a 256 MiB memory cap (the messages plus their JSON texts are about
//! 128 MiB) but must be refused by the host's output cap.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

/// How many messages the oversized output has.
pub const MESSAGES: usize = 64;
/// Length of each message's padding: 1 MiB less 1 KiB, so each JSON text stays
/// under 1 MiB and its buffer does not double past it.
pub const PADDING: usize = (1 << 20) - 1024;
/// The extension key that carries the padding.
pub const PADDING_KEY: &str = "guest.padding";

/// The oversized-output connector.
pub struct Oversize;

impl Connector for Oversize {
    fn describe() -> Description {
        Description::new("guest-oversize", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-oversize")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        let small = || Message::new(Body::EligibilityRequest(EligibilityRequest::default()));
        if input == b"ok" {
            return Ok(vec![small()]);
        }
        Ok((0..MESSAGES)
            .map(|_| {
                let mut message = small();
                message.extensions.insert(
                    PADDING_KEY.to_owned(),
                    serde_json::Value::String("x".repeat(PADDING)),
                );
                message
            })
            .collect())
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-oversize encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Oversize);
