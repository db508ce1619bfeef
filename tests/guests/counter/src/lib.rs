//! Test guest for the `control-numbers` capability: every `decode` takes the next
//! number of the sequence named by the input and returns one
//! `eligibility.request` whose trace number is `CN-<number>`; without the
//! capability it fails with the host's explanation as a config error.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload, host,
};

/// The counting connector.
pub struct Counter;

impl Connector for Counter {
    fn describe() -> Description {
        Description::new("guest-counter", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("text/plain")
            .capability("control-numbers")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        let sequence = String::from_utf8_lossy(input).trim().to_owned();
        let n = host::next_control_number(&sequence).map_err(ConnectorError::Config)?;
        let mut message = Message::new(Body::EligibilityRequest(EligibilityRequest::default()));
        message.correlation.trace_numbers.push(format!("CN-{n}"));
        Ok(vec![message])
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-counter encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Counter);
