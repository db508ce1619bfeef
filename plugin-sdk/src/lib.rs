//! Write Clearway connectors in plain Rust.
//!
//! A connector translates between one outside format (X12, FHIR, HL7 v2,
//! JSON...) and Clearway's normalized [`Message`]s. It is compiled to a
//! WebAssembly component for the world `connector` of the WIT package
//! `clearway:connector@0.1.0` (the file `wit/connector.wit` of this crate) and
//! run by the hub in a sandbox: no filesystem, environment, network or clock,
//! under a memory cap and a deadline.
//!
//! This crate hides the component plumbing. A connector author implements
//! [`Connector`] over typed messages and calls [`export_connector!`] once:
//!
//! ```
//! use clearway_plugin_sdk::{
//!     log, host, ConfigKey, Connector, ConnectorError, Description, InboundMeta, Kind,
//!     Message, OutboundMeta, Payload, Problem,
//! };
//!
//! /// Normalized messages in, normalized messages out, one JSON array per payload.
//! struct Passthrough;
//!
//! impl Connector for Passthrough {
//!     fn describe() -> Description {
//!         Description::new("passthrough", env!("CARGO_PKG_VERSION"))
//!             .decodes(Kind::ALL)
//!             .encodes(Kind::ALL)
//!             .format("application/json")
//!             .config_key(ConfigKey::optional("pretty", "`true` to indent the output"))
//!     }
//!
//!     fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
//!         let messages: Vec<Message> = serde_json::from_slice(input).map_err(|error| {
//!             // Name the place and the rule, never the value.
//!             ConnectorError::malformed(
//!                 Problem::error("passthrough.json", "not a JSON array of normalized messages")
//!                     .at_line_column(error.line() as u32, error.column() as u32),
//!             )
//!         })?;
//!         log::debug!("decoded {} messages", messages.len());
//!         Ok(messages)
//!     }
//!
//!     fn encode(messages: Vec<Message>, _meta: &OutboundMeta) -> Result<Vec<Payload>, ConnectorError> {
//!         let pretty = host::config("pretty").as_deref() == Some("true");
//!         let data = if pretty {
//!             serde_json::to_vec_pretty(&messages)
//!         } else {
//!             serde_json::to_vec(&messages)
//!         }
//!         .map_err(|_| ConnectorError::Internal("messages did not serialize".into()))?;
//!         let count = u32::try_from(messages.len())
//!             .map_err(|_| ConnectorError::Internal("too many messages".into()))?;
//!         Ok(vec![Payload::new(data, "application/json").carrying(0..count)])
//!     }
//!     // `acknowledge` defaults to "no acknowledgments".
//! }
//!
//! clearway_plugin_sdk::export_connector!(Passthrough);
//! # fn main() {
//! #     let meta = InboundMeta::default();
//! #     assert!(Passthrough::decode(b"[]", &meta).unwrap().is_empty());
//! #     assert!(Passthrough::decode(b"{", &meta).is_err());
//! # }
//! ```
//!
//! Build it as a component with
//! `cargo build --target wasm32-wasip2 --profile guest -p NAME` (the crate has
//! `crate-type = ["cdylib", "rlib"]`); the `.wasm` file in
//! `target/wasm32-wasip2/guest/` is the component the hub loads.
//!
//! The same crate also builds natively, so a connector's logic can be unit
//! tested and benchmarked with plain `cargo test`: there [`host::config`] and
//! [`host::log`] work on a per-thread stand-in (see `host::native`).
//!
//! Rules for connectors:
//! - no I/O of their own: anything from outside comes through [`host`];
//! - errors and log lines name places and rules, never values from the input
//!   (which carry patient data): see [`Problem`].

pub mod alloc;
pub mod bindings;
mod glue;
pub mod host;
pub mod mem;
mod problem;
pub mod text;
pub mod time;
mod types;
pub mod wire;

pub use clearway_schemas as schemas;
pub use clearway_schemas::{Kind, Message};
pub use problem::{ConnectorError, Location, Problem, Severity};
pub use types::{ConfigKey, Description, InboundMeta, OutboundMeta, Payload};

/// `log::info!`-style macros over [`host::log`]: each takes `format!`
/// arguments. Never log patient data.
///
/// ```
/// clearway_plugin_sdk::log::info!("decoded {} claims", 3);
/// ```
pub mod log {
    /// Logs at [`Level::Trace`](crate::host::Level::Trace) with `format!` arguments.
    #[doc(inline)]
    pub use crate::__clearway_log_trace as trace;

    /// Logs at [`Level::Debug`](crate::host::Level::Debug) with `format!` arguments.
    #[doc(inline)]
    pub use crate::__clearway_log_debug as debug;

    /// Logs at [`Level::Info`](crate::host::Level::Info) with `format!` arguments.
    #[doc(inline)]
    pub use crate::__clearway_log_info as info;

    /// Logs at [`Level::Warn`](crate::host::Level::Warn) with `format!` arguments.
    #[doc(inline)]
    pub use crate::__clearway_log_warn as warn;

    /// Logs at [`Level::Error`](crate::host::Level::Error) with `format!` arguments.
    #[doc(inline)]
    pub use crate::__clearway_log_error as error;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Items the exported macros expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::glue::{Export, assert_connector};
}

/// A Clearway connector: decodes an outside format to normalized messages and
/// encodes them back.
///
/// Every function is an associated function: a connector keeps no state
/// between calls (the host may run each call in a fresh instance). Export the
/// implementing type with [`export_connector!`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Clearway connector",
    label = "`export_connector!` needs a type implementing `clearway_plugin_sdk::Connector`",
    note = "implement `clearway_plugin_sdk::Connector` for `{Self}`"
)]
pub trait Connector {
    /// Who the connector is and what it wants. Must not fail.
    fn describe() -> Description;

    /// Outside bytes to zero or more normalized messages.
    ///
    /// # Errors
    ///
    /// [`ConnectorError::Malformed`] when the input cannot be parsed at all,
    /// [`ConnectorError::Invalid`] when it parses but breaks the format's or
    /// the kind's rules (report every problem found, not only the first),
    /// [`ConnectorError::Unsupported`] for a transaction or version the
    /// connector does not handle.
    fn decode(input: &[u8], meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError>;

    /// Normalized messages to one or more outside payloads. Every input message
    /// must be carried by exactly one payload ([`Payload::carries`]).
    ///
    /// # Errors
    ///
    /// [`ConnectorError::Invalid`] when a message cannot be expressed in the
    /// format, [`ConnectorError::Unsupported`] for a kind the connector does
    /// not encode, [`ConnectorError::Config`] for a missing or wrong config
    /// value.
    fn encode(messages: Vec<Message>, meta: &OutboundMeta) -> Result<Vec<Payload>, ConnectorError>;

    /// The acknowledgments an inbound payload calls for (TA1/999 for X12, ACK
    /// for HL7 v2). The default returns none, for formats without
    /// acknowledgments.
    ///
    /// # Errors
    ///
    /// As for [`Connector::decode`].
    fn acknowledge(input: &[u8], meta: &InboundMeta) -> Result<Vec<Payload>, ConnectorError> {
        let _ = (input, meta);
        Ok(Vec::new())
    }
}
