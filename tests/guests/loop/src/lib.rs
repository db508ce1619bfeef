//! Hostile test guest: `decode` never returns.
//!
//! On the input `ok` it behaves (one empty `eligibility.request`), so a test can
//! show the host's instance pool still works after stopping the loop; on any
//! other input it spins forever, and only the host's deadline (epoch
//! interruption or fuel) can stop it.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

/// The looping connector.
pub struct Loop;

impl Connector for Loop {
    fn describe() -> Description {
        Description::new("guest-loop", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-loop")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        if input == b"ok" {
            return Ok(vec![Message::new(Body::EligibilityRequest(
                EligibilityRequest::default(),
            ))]);
        }
        let mut spins: u64 = 0;
        loop {
            // `black_box` keeps the optimizer from proving the loop useless.
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-loop encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Loop);
