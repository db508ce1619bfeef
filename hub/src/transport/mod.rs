//! Transports move bytes; they never parse formats.
//!
//! Inbound: `http` (in the API, `POST /v1/inbound/{endpoint}`) and `dir` (a poller,
//! [`dir_in`]). Outbound: `dir-out` ([`dir_out`]), `http-out` ([`http_out`]) and
//! `fhir-out` ([`fhir_out`], which reads a FHIR payload's resource type and id to address it).
//! `test-clearinghouse` ([`test_clearinghouse`]) is the exception: a test payer inside the
//! hub, it has its endpoint's connector read what it receives and answers through an
//! inbound endpoint.

pub mod dir_in;
pub mod dir_out;
pub mod fhir_out;
pub mod http_out;
pub mod test_clearinghouse;

use std::sync::Arc;

use crate::config::Transport;
use crate::pipeline::Hub;
use crate::runtime::Payload;
use crate::store::ErrorInfo;

/// A failed delivery: what to record, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct DeliveryError {
    /// Recorded in the message's history.
    pub info: ErrorInfo,
    /// Whether the delivery should be retried with backoff.
    pub retryable: bool,
}

impl DeliveryError {
    /// A failure that may pass (network down, disk full, receiver busy).
    pub fn transient(code: &str, message: impl Into<String>) -> Self {
        DeliveryError {
            info: ErrorInfo::new(code, message),
            retryable: true,
        }
    }

    /// A failure that will not pass by itself (the receiver rejected the payload).
    pub fn permanent(code: &str, message: impl Into<String>) -> Self {
        DeliveryError {
            info: ErrorInfo::new(code, message),
            retryable: false,
        }
    }
}

/// Deliver one payload through an outbound transport. `first_id` is the id of the
/// first message the payload carries (it names files). Returns a note for the history.
pub async fn deliver(
    hub: &Arc<Hub>,
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
