//! Hostile test guest: `decode` allocates memory until something stops it.
//!
//! On the input `ok` it behaves (one empty `eligibility.request`); on any other
//! input it keeps allocating 1 MiB blocks and writing to every page of each, up
//! to 4 GiB (more than a 32-bit WebAssembly memory can hold). The host's memory
//! cap must make the allocation fail, which traps the guest.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};

/// Size of each block: 1 MiB.
const BLOCK: usize = 1 << 20;
/// Number of blocks to try: 4096, i.e. 4 GiB.
const BLOCKS: usize = 4096;
/// WebAssembly page size; writing one byte per page makes every page resident.
const PAGE: usize = 64 * 1024;

/// The greedy connector.
pub struct Greedy;

impl Connector for Greedy {
    fn describe() -> Description {
        Description::new("guest-greedy", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-greedy")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        if input == b"ok" {
            return Ok(vec![Message::new(Body::EligibilityRequest(
                EligibilityRequest::default(),
            ))]);
        }
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        for _ in 0..BLOCKS {
            let mut block = vec![0_u8; BLOCK];
            for page in (0..BLOCK).step_by(PAGE) {
                block[page] = 1;
            }
            hoard.push(std::hint::black_box(block));
        }
        let held: usize = hoard.iter().map(Vec::len).sum();
        Err(ConnectorError::Internal(format!(
            "guest-greedy: allocated {} MiB without being stopped",
            held / BLOCK
        )))
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-greedy encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Greedy);
