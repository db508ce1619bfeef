//! Hostile test guest: `decode` panics.
//!
//! On the input `ok` it behaves (one empty `eligibility.request`); on any other
//! input it panics with the message `guest-panic: deliberate panic`, which the
//! guest writes to stderr before trapping, so a host that captures guest stderr
//! can show it.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

/// The panic message, for tests to look for.
pub const PANIC_MESSAGE: &str = "guest-panic: deliberate panic";

/// The panicking connector.
pub struct Panic;

impl Connector for Panic {
    fn describe() -> Description {
        Description::new("guest-panic", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-panic")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        if input == b"ok" {
            return Ok(vec![Message::new(Body::EligibilityRequest(
                EligibilityRequest::default(),
            ))]);
        }
        panic!("{PANIC_MESSAGE}");
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-panic encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Panic);
