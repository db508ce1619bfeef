//! The hub as the transports see it: the traits of `transport::ports`, implemented
//! for `Arc<Hub>` (ingest takes the `Arc`, and the test clearinghouse keeps a clone
//! for its delayed 835).

use std::sync::Arc;

use super::{Hub, HubError};
use crate::runtime::Plugin;
use crate::store::{Record, StoreError};
use crate::transport::{IngestOutcome, Intake, IntakeError, Lookup, Outbound, Seen};

impl Intake for Arc<Hub> {
    async fn ingest(
        &self,
        endpoint: &str,
        bytes: Vec<u8>,
        content_type: Option<String>,
        filename: Option<String>,
        seen_key: Option<Vec<u8>>,
    ) -> Result<IngestOutcome, IntakeError> {
        Hub::ingest(self, endpoint, bytes, content_type, filename, seen_key)
            .await
            .map_err(intake_error)
    }

    fn seen(&self, key: &[u8]) -> Result<Option<Seen>, IntakeError> {
        let Some(inbound_id) = self.store.seen(key).map_err(failed)? else {
            return Ok(None);
        };
        let status = self
            .store
            .get(&inbound_id)
            .map_err(failed)?
            .map(|r| r.status);
        Ok(Some(Seen { inbound_id, status }))
    }

    fn forget_seen(&self, key: &[u8]) -> Result<(), IntakeError> {
        self.store.forget_seen(key).map_err(failed)
    }
}

/// The hub takes no new work now (recovering, backpressure, an unhealthy store), or
/// taking this payload in failed.
fn intake_error(e: HubError) -> IntakeError {
    let held = matches!(
        e,
        HubError::NotReady | HubError::Refused(_) | HubError::Store(StoreError::Unhealthy { .. })
    );
    if held {
        IntakeError::Held(Box::new(e))
    } else {
        IntakeError::Failed(Box::new(e))
    }
}

fn failed(e: StoreError) -> IntakeError {
    IntakeError::Failed(Box::new(e))
}

impl Outbound for Arc<Hub> {
    fn http(&self) -> &reqwest::Client {
        Hub::http(self)
    }
}

impl Lookup for Arc<Hub> {
    fn connector(&self, endpoint: &str) -> Option<Arc<Plugin>> {
        self.connector_of(endpoint).cloned()
    }

    fn normalized(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.store.normalized(id)
    }

    fn timeline(&self, key: &str) -> Result<Vec<Record>, StoreError> {
        self.store.timeline(key)
    }
}
