//! Clearway's normalized message model: the contract between the hub and every connector.
//!
//! A [`Message`] is an envelope ([`Kind`], [`Correlation`], [`Parties`], extensions) around a
//! kind-specific [`Body`]. Amounts are exact decimal strings ([`Money`]), dates are ISO 8601
//! ([`Date`]), and every code carries its system ([`Code`]). [`json_schemas`] produces the JSON
//! Schemas committed under `schemas/json/`.
//!
//! This crate has no runtime: it builds for the host and for `wasm32-wasip2` connectors alike.

#![warn(missing_docs)]

pub mod body;
pub mod correlation;
pub mod kind;
pub mod message;
pub mod party;
pub mod schema;
pub mod value;

pub use body::{
    Claim, ClaimAck, ClaimStatusRequest, ClaimStatusResponse, Coverage, EligibilityRequest,
    EligibilityResponse, PriorAuthRequest, PriorAuthResponse, Remittance,
};
pub use correlation::Correlation;
pub use kind::{Kind, UnknownKind};
pub use message::{Body, BodyKind, Message};
pub use party::{Address, Contact, EntityType, Gender, Parties, Party, Relationship};
pub use schema::{json_schemas, to_pretty_json};
pub use value::{
    Code, CodeSystem, Date, DateError, DateTime, DecimalError, Identifier, Money, Percent, Period,
    Quantity, Time, UnknownCodeSystem,
};

/// The version of the normalized model this crate implements.
pub const SCHEMA_VERSION: &str = "0.1.0";
