//! What transports need from the rest of the hub, as traits, so that a transport
//! depends on these and not on the pipeline: the pipeline implements them for its
//! `Hub` (`pipeline/ports.rs`), and a transport's tests implement them with fakes.
//!
//! - [`Intake`]: what an inbound transport hands payloads to (`dir`), and what the
//!   test clearinghouse ingests its answers through.
//! - [`Outbound`]: what an outbound transport sends with (the shared HTTP client).
//! - [`Lookup`]: what the test clearinghouse reads: the connector bound to an
//!   endpoint, and the messages the hub stored.

use std::future::Future;
use std::sync::Arc;

use clearway_schemas::Kind;
use serde::Serialize;

use crate::runtime::Plugin;
use crate::store::{ErrorInfo, Record, Status, StoreError};

/// What happened to one decoded message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageOutcome {
    /// The message's id.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// `queued` or `unrouted`.
    pub status: Status,
    /// Where it is queued.
    pub destinations: Vec<String>,
}

/// What an ingest did: the inbound record and the messages it gave.
#[derive(Debug, Clone, Serialize)]
pub struct IngestOutcome {
    /// The inbound record's id.
    pub inbound_id: String,
    /// `decoded` or `decode_failed`.
    pub status: Status,
    /// The decoded messages.
    pub messages: Vec<MessageOutcome>,
    /// Why decoding failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// The ids of the acknowledgments made for the payload (see `acknowledgments` on
    /// inbound endpoints).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acknowledgments: Vec<String>,
}

/// Why an [`Intake`] took nothing. Its text is the underlying error's.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// No new work is taken now (the hub is recovering, queues or the disk are full,
    /// the store is unhealthy): the payload is not at fault and should wait where it
    /// is, to be offered again later.
    #[error(transparent)]
    Held(Box<dyn std::error::Error + Send + Sync>),
    /// Taking the payload in failed (the store failed, a task died, the endpoint is
    /// not an inbound one).
    #[error(transparent)]
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

/// A payload taken in before, found by its seen mark (see [`Intake::ingest`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The inbound record the payload was stored as.
    pub inbound_id: String,
    /// That record's status; `None` when the record is gone.
    pub status: Option<Status>,
}

/// Where inbound payloads go: stored durably, decoded, routed and queued.
pub trait Intake: Clone + Send + Sync + 'static {
    /// Take in one payload received by inbound endpoint `endpoint`, and make all of it
    /// durable before returning. `seen_key` (see `store::seen_key`) marks the payload
    /// as taken in, in the same transaction, until [`Intake::forget_seen`].
    fn ingest(
        &self,
        endpoint: &str,
        bytes: Vec<u8>,
        content_type: Option<String>,
        filename: Option<String>,
        seen_key: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<IngestOutcome, IntakeError>> + Send;

    /// The payload a seen mark names, if the mark is there.
    fn seen(&self, key: &[u8]) -> Result<Option<Seen>, IntakeError>;

    /// Drop a seen mark (once the file it bridges has been moved away).
    fn forget_seen(&self, key: &[u8]) -> Result<(), IntakeError>;
}

/// What outbound transports send with.
pub trait Outbound: Send + Sync {
    /// The HTTP client shared by `http-out` and `fhir-out` (it follows no redirects).
    fn http(&self) -> &reqwest::Client;
}

/// What the test clearinghouse reads from the hub.
pub trait Lookup: Send + Sync {
    /// The connector bound to endpoint `endpoint`, if both are configured.
    fn connector(&self, endpoint: &str) -> Option<Arc<Plugin>>;

    /// A stored message's normalized JSON.
    fn normalized(&self, id: &str) -> Result<Option<String>, StoreError>;

    /// The records a correlation key (claim id, control number, ...) names, oldest first.
    fn timeline(&self, key: &str) -> Result<Vec<Record>, StoreError>;
}
