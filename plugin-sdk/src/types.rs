//! Plain Rust mirrors of the contract's records: what a connector is, what the
//! host knows about a payload, and what `encode` hands back.

use std::borrow::Borrow;

use clearway_schemas::Kind;

/// A config key the connector reads through [`crate::host::config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigKey {
    /// The key, as the operator writes it under `[connectors.NAME.config]`.
    pub name: String,
    /// Whether the connector refuses to work without it.
    pub required: bool,
    /// Whether the value is a secret (the operator must give a reference:
    /// `env:NAME` or `file:PATH`).
    pub secret: bool,
    /// What it is for.
    pub description: String,
}

impl ConfigKey {
    /// A key the connector can work without.
    pub fn optional(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            required: false,
            secret: false,
            description: description.into(),
        }
    }

    /// A key the connector refuses to work without.
    pub fn required(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            required: true,
            ..Self::optional(name, description)
        }
    }

    /// Marks the key as a secret: the operator must give a reference.
    #[must_use]
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

/// What a connector is and what it wants; returned by
/// [`Connector::describe`](crate::Connector::describe).
///
/// ```
/// use clearway_plugin_sdk::{ConfigKey, Description, Kind};
///
/// let description = Description::new("json", "0.1.0")
///     .decodes(Kind::ALL)
///     .encodes(Kind::ALL)
///     .format("application/json")
///     .config_key(ConfigKey::optional("batch", "one payload for all messages"));
/// assert_eq!(description.decodes.len(), Kind::ALL.len());
/// assert!(!description.acknowledges);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// Short name, e.g. `json` or `x12`.
    pub name: String,
    /// The connector's own version (semver); usually `env!("CARGO_PKG_VERSION")`.
    pub version: String,
    /// Message kinds `decode` can produce.
    pub decodes: Vec<Kind>,
    /// Message kinds `encode` accepts.
    pub encodes: Vec<Kind>,
    /// Outside formats, e.g. `application/json`, `x12/005010X222A1`.
    pub formats: Vec<String>,
    /// Host capabilities it asks for beyond `log` and `config` (none exist in
    /// contract 0.1.0).
    pub capabilities: Vec<String>,
    /// Config keys it reads.
    pub config_keys: Vec<ConfigKey>,
    /// Whether `acknowledge` produces anything for this format.
    pub acknowledges: bool,
}

impl Description {
    /// A connector with a name and version that handles nothing yet.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            decodes: Vec::new(),
            encodes: Vec::new(),
            formats: Vec::new(),
            capabilities: Vec::new(),
            config_keys: Vec::new(),
            acknowledges: false,
        }
    }

    /// Adds kinds `decode` can produce.
    #[must_use]
    pub fn decodes(mut self, kinds: impl IntoIterator<Item = impl Borrow<Kind>>) -> Self {
        self.decodes
            .extend(kinds.into_iter().map(|kind| *kind.borrow()));
        self
    }

    /// Adds kinds `encode` accepts.
    #[must_use]
    pub fn encodes(mut self, kinds: impl IntoIterator<Item = impl Borrow<Kind>>) -> Self {
        self.encodes
            .extend(kinds.into_iter().map(|kind| *kind.borrow()));
        self
    }

    /// Adds an outside format.
    #[must_use]
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.formats.push(format.into());
        self
    }

    /// Adds a host capability.
    #[must_use]
    pub fn capability(mut self, capability: impl Into<String>) -> Self {
        self.capabilities.push(capability.into());
        self
    }

    /// Adds a config key.
    #[must_use]
    pub fn config_key(mut self, key: ConfigKey) -> Self {
        self.config_keys.push(key);
        self
    }

    /// Says whether `acknowledge` produces anything.
    #[must_use]
    pub fn acknowledges(mut self, acknowledges: bool) -> Self {
        self.acknowledges = acknowledges;
        self
    }
}

/// What the host knows about an inbound payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMeta {
    /// The inbound record's id (ULID) assigned by the hub.
    pub inbound_id: String,
    /// The endpoint that received the payload.
    pub endpoint: String,
    /// The payload's media type, if the transport knows it.
    pub content_type: Option<String>,
    /// The file name, for file-based transports.
    pub filename: Option<String>,
    /// When the hub received it, RFC 3339 UTC.
    pub received_at: String,
}

/// What the host knows about an outbound delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundMeta {
    /// The destination endpoint's name.
    pub endpoint: String,
}

/// One outside payload produced by `encode` or `acknowledge`.
///
/// ```
/// use clearway_plugin_sdk::Payload;
///
/// let payload = Payload::new(b"{}\n".to_vec(), "application/json")
///     .with_filename_hint("claim-0.json")
///     .carrying([0]);
/// assert_eq!(payload.carries, vec![0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The bytes to deliver.
    pub data: Vec<u8>,
    /// Their media type, e.g. `application/json` or `application/edi-x12`.
    pub content_type: String,
    /// A file name suggestion for file transports (no directories).
    pub filename_hint: Option<String>,
    /// Indexes (0-based) into the `encode` input of the messages this payload
    /// carries. Every input message must be carried by exactly one payload.
    pub carries: Vec<u32>,
}

impl Payload {
    /// A payload that carries no message yet and has no file name hint.
    pub fn new(data: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            content_type: content_type.into(),
            filename_hint: None,
            carries: Vec::new(),
        }
    }

    /// Sets the file name suggestion.
    #[must_use]
    pub fn with_filename_hint(mut self, hint: impl Into<String>) -> Self {
        self.filename_hint = Some(hint.into());
        self
    }

    /// Adds the indexes of the `encode` input messages this payload carries.
    #[must_use]
    pub fn carrying(mut self, indexes: impl IntoIterator<Item = u32>) -> Self {
        self.carries.extend(indexes);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_key_builders() {
        let key = ConfigKey::required("password", "the clearinghouse password").secret();
        assert!(key.required && key.secret);
        let key = ConfigKey::optional("batch", "batch payloads");
        assert!(!key.required && !key.secret);
    }

    #[test]
    fn description_builder_accumulates() {
        let description = Description::new("x", "1.2.3")
            .decodes(&Kind::ALL[..1])
            .encodes(Kind::ALL)
            .format("a/b")
            .format("c/d")
            .capability("http-outbound")
            .acknowledges(true);
        assert_eq!(description.decodes, vec![Kind::ALL[0]]);
        assert_eq!(description.encodes.len(), Kind::ALL.len());
        assert_eq!(description.formats, vec!["a/b", "c/d"]);
        assert_eq!(description.capabilities, vec!["http-outbound"]);
        assert!(description.acknowledges);
    }

    #[test]
    fn payload_builder() {
        let payload = Payload::new("x", "text/plain").carrying([2, 3]);
        assert_eq!(payload.data, b"x");
        assert_eq!(payload.filename_hint, None);
        assert_eq!(payload.carries, vec![2, 3]);
    }
}
