//! The claims the chaos senders make, and the fingerprint both ends compute: the
//! SHA-256 of the normalized message as the schema crate serializes it, without the
//! id the hub assigns. A payload changed anywhere on its way (a torn write, a record
//! mixed up with another) has another fingerprint.

use anyhow::Context as _;
use clearway_schemas::Message;
use serde_json::Value;

use super::rng::Rng;
use super::sha256::hex_digest;

/// A claim the senders post or drop: its unique claim id and fingerprint.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The unique claim id (`correlation.claim_id` and the patient control number).
    pub claim_id: String,
    /// The JSON sent.
    pub body: Vec<u8>,
    /// [`fingerprint`] of what was sent.
    pub hash: String,
}

/// The example claim with `claim_id`, and a random note so that no two payloads are
/// alike beyond their ids.
pub fn claim(claim_id: &str, rng: &Rng) -> anyhow::Result<Claim> {
    let mut v = crate::support::example("claim");
    v["correlation"]["claim_id"] = Value::String(claim_id.to_owned());
    v["body"]["patient_control_number"] = Value::String(claim_id.to_owned());
    v["body"]["notes"][0]["text"] = Value::String(format!(
        "chaos {claim_id} {:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64()
    ));
    let body = serde_json::to_vec(&v)?;
    let message: Message = serde_json::from_value(v).context("the example claim")?;
    Ok(Claim {
        claim_id: claim_id.to_owned(),
        hash: fingerprint(message)?,
        body,
    })
}

/// What a destination got: the hub's message id, the claim id and the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The hub's message id (the payload's `id`).
    pub message_id: String,
    /// `correlation.claim_id`.
    pub claim_id: String,
    /// [`fingerprint`] of the payload.
    pub hash: String,
}

/// Read a delivered payload (the `json` connector's encoding of one message).
pub fn read_delivered(bytes: &[u8]) -> anyhow::Result<Seen> {
    let mut message: Message = serde_json::from_slice(bytes).context("not a normalized message")?;
    let message_id = message.id.take().context("no `id`")?;
    let claim_id = message
        .correlation
        .claim_id
        .clone()
        .context("no claim id")?;
    Ok(Seen {
        message_id,
        claim_id,
        hash: fingerprint(message)?,
    })
}

/// SHA-256 of the message's JSON without its hub-assigned id.
pub fn fingerprint(mut message: Message) -> anyhow::Result<String> {
    message.id = None;
    Ok(hex_digest(&serde_json::to_vec(&message)?))
}
