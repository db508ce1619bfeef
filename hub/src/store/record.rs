//! What the store keeps about each inbound payload and each normalized message.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use clearway_schemas::Kind;
use serde::{Deserialize, Serialize};

/// Whether a record is a raw inbound payload, a normalized message decoded from one, or an
/// outside payload the hub sends as it is (an acknowledgment of an inbound payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// Bytes as a transport received them.
    Inbound,
    /// One normalized message decoded from an inbound payload.
    Message,
    /// An acknowledgment the endpoint's connector made for an inbound payload (its
    /// `parent`), delivered as it is, without encoding.
    Ack,
}

/// The statuses a coordinator sees (ARCHITECTURE.md, "Life of a message").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An inbound payload is stored and waits to be decoded.
    Received,
    /// Decoded: an inbound payload gave its messages, or a message was just made.
    Decoded,
    /// The connector could not decode the inbound payload.
    DecodeFailed,
    /// No route matched the message; it is kept, not dropped.
    Unrouted,
    /// Waiting in one or more destination queues.
    Queued,
    /// Every destination took it.
    Delivered,
    /// A delivery failed and will be tried again.
    Retrying,
    /// A delivery failed for good; a person must look.
    Dead,
    /// Someone asked for it to be processed again.
    Replayed,
}

impl Status {
    /// Every status, in life order.
    pub const ALL: [Status; 9] = [
        Status::Received,
        Status::Decoded,
        Status::DecodeFailed,
        Status::Unrouted,
        Status::Queued,
        Status::Delivered,
        Status::Retrying,
        Status::Dead,
        Status::Replayed,
    ];

    /// The status's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Decoded => "decoded",
            Status::DecodeFailed => "decode_failed",
            Status::Unrouted => "unrouted",
            Status::Queued => "queued",
            Status::Delivered => "delivered",
            Status::Retrying => "retrying",
            Status::Dead => "dead",
            Status::Replayed => "replayed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of [`Status::ALL`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown status `{0}` (expected one of: received, decoded, decode_failed, unrouted, queued, delivered, retrying, dead, replayed)"
)]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// A recorded failure: a stable code, a message without PHI, and structured details
/// (connector problems with their positions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Stable machine code, e.g. `decode_failed.invalid`, `timeout`, `delivery.http_status`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// Structured details (e.g. the connector's problems with locations).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

impl ErrorInfo {
    /// An error with no details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo {
            code: code.into(),
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }
}

/// One change of status, kept forever in the record's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// When, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// Who: `transport:<endpoint>`, `connector:<name>`, `router`, `delivery:<endpoint>`, `api`, `recovery`.
    pub actor: String,
    /// The destination endpoint this change is about, for delivery steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The error, for failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// A short note (e.g. "delivered to outbox/01J...json").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The state of one message at one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting in the destination's queue.
    Queued,
    /// The transport took it.
    Delivered,
    /// Failed, waiting for its next attempt.
    Retrying,
    /// Failed for good.
    Dead,
}

/// One message's delivery to one destination endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (RFC 3339), while retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// When it was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    /// The last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<ErrorInfo>,
}

impl Delivery {
    /// A delivery not tried yet.
    pub fn queued() -> Delivery {
        Delivery {
            state: DeliveryState::Queued,
            attempts: 0,
            next_attempt_at: None,
            delivered_at: None,
            last_error: None,
        }
    }
}

/// A stored record: an inbound payload or a normalized message, with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// ULID; its time part is when the hub made the record.
    pub id: String,
    /// Inbound payload or normalized message.
    pub record_type: RecordType,
    /// The inbound endpoint the bytes came through.
    pub endpoint: String,
    /// The message kind (messages only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The current status.
    pub status: Status,
    /// When the record was made.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// For a message: the inbound payload it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For an inbound payload: the messages decoded from it (every decode, replays included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    /// For a message: correlation keys as (name, value) pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlation: Vec<(String, String)>,
    /// For an inbound payload: its media type and file name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// File name, for file transports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Size of the raw payload in bytes (inbound records).
    #[serde(default)]
    pub size: u64,
    /// Per destination endpoint, the delivery state.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deliveries: BTreeMap<String, Delivery>,
    /// Every status change, oldest first.
    pub history: Vec<StatusChange>,
}

impl Record {
    /// Append a status change and make it current.
    pub fn push(&mut self, change: StatusChange) {
        self.status = change.status;
        self.updated_at = change.at.clone();
        self.history.push(change);
    }

    /// The status implied by the per-destination deliveries (for messages with deliveries).
    pub fn aggregate_delivery_status(&self) -> Option<Status> {
        if self.deliveries.is_empty() {
            return None;
        }
        let states: Vec<DeliveryState> = self.deliveries.values().map(|d| d.state).collect();
        Some(if states.contains(&DeliveryState::Dead) {
            Status::Dead
        } else if states.contains(&DeliveryState::Retrying) {
            Status::Retrying
        } else if states.contains(&DeliveryState::Queued) {
            Status::Queued
        } else {
            Status::Delivered
        })
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds for a Unix time in milliseconds.
pub fn rfc3339_ms(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    rfc3339_ms(now_ms())
}

/// Parse RFC 3339 (or a plain `YYYY-MM-DD`, meaning midnight UTC) to Unix milliseconds.
pub fn parse_time_ms(s: &str) -> Option<u64> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt).ok()?;
    u64::try_from(d.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000).ok()
}
