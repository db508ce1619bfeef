//! Transports move bytes; they never parse formats.
//!
//! Inbound: `http` (in the API, `POST /v1/inbound/{endpoint}`) and `dir` (a poller,
//! [`dir_in`]). Outbound: `dir-out` ([`dir_out`]), `http-out` ([`http_out`]) and
//! `fhir-out` ([`fhir_out`], which reads a FHIR payload's resource type and id to address it).
//! `test-clearinghouse` ([`test_clearinghouse`]) is the exception: a test payer inside the
//! hub, it has its endpoint's connector read what it receives and answers through an
//! inbound endpoint.
//!
//! Each transport has a folder: `mod.rs` (the logic), `config.rs` (its settings and
//! how its keys of an `[endpoints.NAME]` table are read and checked; `config` reads the
//! whole file and hands each endpoint table to its transport) and `tests.rs`.
//!
//! Transports do not know the pipeline. What they need from the hub is in [`ports`]:
//! [`Intake`] (where inbound payloads go, with the seen marks of `dir`), [`Outbound`]
//! (the shared HTTP client) and [`Lookup`] (connectors and stored messages, for the
//! test clearinghouse); the pipeline implements them for its hub (`pipeline/ports.rs`).
//! The types both sides share ([`IngestOutcome`], [`DeliveryError`], ...) live here.

pub mod dir_in;
pub mod dir_out;
mod error;
pub mod fhir_out;
pub mod http_out;
pub mod ports;
pub mod test_clearinghouse;

pub use error::{DeliveryError, call_error_info, problem_json};
pub use ports::{IngestOutcome, Intake, IntakeError, Lookup, MessageOutcome, Outbound, Seen};

use crate::config::Transport;
use crate::runtime::Payload;

/// Deliver one payload through an outbound transport. `first_id` is the id of the
/// first message the payload carries (it names files). Returns a note for the history.
pub async fn deliver<H: Outbound + Lookup + Intake>(
    hub: &H,
    dest: &str,
    transport: &Transport,
    payload: &Payload,
    first_id: &str,
) -> Result<String, DeliveryError> {
    match transport {
        Transport::DirOut(d) => dir_out::write(d, payload, first_id).await,
        Transport::HttpOut(h) => http_out::send(hub.http(), dest, h, payload).await,
        Transport::FhirOut(f) => fhir_out::send(hub.http(), dest, f, payload).await,
        Transport::TestClearinghouse(t) => test_clearinghouse::deliver(hub, dest, t, payload).await,
        other => Err(DeliveryError::permanent(
            "delivery.not_outbound",
            format!("transport `{}` cannot deliver", other.kind_name()),
        )),
    }
}
