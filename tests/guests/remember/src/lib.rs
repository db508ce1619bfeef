//! Test guest: every call must start from a clean instance, so nothing one
//! message left in memory is there for the next (the host resets a pooled
//! memory in place between calls; see hub/src/runtime/engine.rs).
//!
//! On the input `ok` it behaves (one empty `eligibility.request`). On any other
//! input it first looks for what an earlier call left, then leaves the input
//! behind itself, in three places:
//! - a `static` (the data segment), which a fresh instance has empty;
//! - a 4 MiB block from the allocator, written with the input over and over and
//!   freed; the block is taken again with `alloc_zeroed`, which trusts memory
//!   the heap has never handed out to be zero already, so leftovers show;
//! - the memory grown past the initial size for that block.
//!
//! It returns one message whose extensions say what it found:
//! `remember.static` (the earlier inputs the static held, an array) and
//! `remember.heap-dirty-bytes` (non-zero bytes in the freshly zeroed block).

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::sync::Mutex;

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};
use serde_json::Value;

/// What earlier calls in this instance saw.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The size of the block looked at.
const BLOCK: usize = 4 * 1024 * 1024;

/// Non-zero bytes in a block just taken with `alloc_zeroed`; the block is then
/// filled with `fill` (repeated) and given back.
fn heap_leftovers(fill: &[u8]) -> usize {
    let Ok(layout) = Layout::from_size_align(BLOCK, 16) else {
        return 0;
    };
    // SAFETY: the layout has a non-zero size; the pointer is checked for null,
    // read and written only within the layout's BLOCK bytes, and freed with the
    // same layout.
    unsafe {
        let ptr = alloc_zeroed(layout);
        if ptr.is_null() {
            return 0;
        }
        let block = std::slice::from_raw_parts_mut(ptr, BLOCK);
        let dirty = block.iter().filter(|b| **b != 0).count();
        if !fill.is_empty() {
            for (i, b) in block.iter_mut().enumerate() {
                *b = fill[i % fill.len()];
            }
        }
        dealloc(ptr, layout);
        dirty
    }
}

/// The connector that remembers.
pub struct Remember;

impl Connector for Remember {
    fn describe() -> Description {
        Description::new("guest-remember", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-remember")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        let mut message = Message::new(Body::EligibilityRequest(EligibilityRequest::default()));
        if input == b"ok" {
            return Ok(vec![message]);
        }
        let text = String::from_utf8_lossy(input).into_owned();
        let mut seen = SEEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let earlier: Vec<Value> = seen.iter().cloned().map(Value::String).collect();
        seen.push(text);
        let dirty = heap_leftovers(input);
        message
            .extensions
            .insert("remember.static".to_owned(), Value::Array(earlier));
        message
            .extensions
            .insert("remember.heap-dirty-bytes".to_owned(), Value::from(dirty));
        Ok(vec![message])
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-remember encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Remember);
