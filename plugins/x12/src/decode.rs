//! Decode: an interchange to normalized messages, dispatched by transaction set.

use clearway_plugin_sdk::schemas::{Correlation, Message};
use clearway_plugin_sdk::{ConnectorError, log};
use serde_json::{Map, Value};

use crate::syntax::{Group, Interchange, Transaction, X12Error, parse};
use crate::values::{UNMAPPED, Unmapped};
use crate::{ack, p270, p276, p277ca, p835, p837};

/// The control numbers of the envelope around a transaction set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeIds {
    /// `ISA13`.
    pub interchange: String,
    /// `GS06`.
    pub group: String,
    /// `ST02`.
    pub transaction: String,
    /// The implementation convention: `ST03`, else `GS08`.
    pub version: String,
}

/// Extension key of the implementation convention a transaction set came with (`ST03`, else
/// `GS08`); an encode writes it back when it is one Clearway writes.
pub const IMPLEMENTATION: &str = "x12.implementation";

impl EnvelopeIds {
    /// The ids of `tx` in `group` of `interchange`.
    pub fn of(
        interchange: &Interchange<'_>,
        group: &Group<'_>,
        tx: &Transaction<'_>,
    ) -> EnvelopeIds {
        EnvelopeIds {
            interchange: interchange.isa.el(13).trim().to_owned(),
            group: group.gs.el(6).trim().to_owned(),
            transaction: tx.st.el(2).trim().to_owned(),
            version: tx.version(group).trim().to_owned(),
        }
    }

    /// Records the implementation convention in `message`'s extensions.
    pub fn record_version(&self, message: &mut Message) {
        if !self.version.is_empty() {
            message.extensions.insert(
                IMPLEMENTATION.into(),
                serde_json::Value::String(self.version.clone()),
            );
        }
    }

    /// Records what a 27x or 278 message keeps of its envelope: the implementation convention,
    /// the `BHT` elements (`x12.BHT`, when any) and the carried segments (`x12.unmapped`,
    /// when any).
    pub fn record(&self, message: &mut Message, bht: &Map<String, Value>, unmapped: &Unmapped) {
        self.record_version(message);
        if !bht.is_empty() {
            message
                .extensions
                .insert(p837::decode::BHT.into(), Value::Object(bht.clone()));
        }
        if let Some(value) = unmapped.to_value() {
            message.extensions.insert(UNMAPPED.into(), value);
        }
    }

    /// Sets the envelope control numbers of `correlation`.
    pub fn apply(&self, correlation: &mut Correlation) {
        correlation.interchange_control_number = Some(self.interchange.clone());
        correlation.group_control_number = Some(self.group.clone());
        correlation.transaction_control_number = Some(self.transaction.clone());
    }
}

/// Extension key of the harmless envelope defects a decode accepted (positions and rules,
/// never values), e.g. a `SE02` that differs from `ST02`.
pub const WARNINGS: &str = "x12.warnings";

/// What a transaction set is, from `ST01` and its implementation convention.
fn describe(id: &str, version: &str) -> String {
    let name = match (id, version.get(..10).unwrap_or(version)) {
        ("837", "005010X223") => "837I institutional claim",
        ("837", "005010X224") => "837D dental claim",
        ("837", _) => "837 claim",
        ("270", _) => "270 eligibility inquiry",
        ("271", _) => "271 eligibility response",
        ("276", _) => "276 claim status request",
        ("277", "005010X214") => "277CA claim acknowledgment",
        ("277", _) => "277 claim status response",
        ("278", _) => "278 services review",
        ("834", _) => "834 benefit enrollment",
        _ => "transaction set",
    };
    format!("{name} (ST01 {id}, implementation convention {version}) is not supported yet")
}

/// Either error type of the decoders.
#[derive(Debug)]
pub enum DecodeError {
    /// A positioned X12 error.
    X12(X12Error),
    /// A transaction or version the connector does not handle.
    Unsupported(String),
}

impl From<X12Error> for DecodeError {
    fn from(error: X12Error) -> DecodeError {
        DecodeError::X12(error)
    }
}

impl From<DecodeError> for ConnectorError {
    fn from(error: DecodeError) -> ConnectorError {
        match error {
            DecodeError::X12(error) => error.into(),
            DecodeError::Unsupported(what) => ConnectorError::Unsupported(what),
        }
    }
}

/// Decodes one interchange: every `TA1`, then every transaction set in order.
///
/// # Errors
///
/// [`DecodeError::X12`] for broken syntax, envelope or TR3 rules;
/// [`DecodeError::Unsupported`] naming the first transaction set that is not handled.
pub fn decode_interchange(input: &[u8]) -> Result<Vec<Message>, DecodeError> {
    let interchange = parse(input)?;
    let mut messages = Vec::new();
    for ta1 in &interchange.ta1s {
        messages.push(ack::decode_ta1(&interchange, ta1)?);
    }
    for group in &interchange.groups {
        for tx in &group.transactions {
            let ids = EnvelopeIds::of(&interchange, group, tx);
            let version = tx.version(group);
            let id = tx.st.el(1);
            match (id, version.get(..10).unwrap_or(version)) {
                ("837", "005010X222") => messages.extend(p837::decode::decode(tx, &ids)?),
                ("837", "005010X223") => messages.extend(crate::p837i::decode::decode(tx, &ids)?),
                ("837", "005010X224") => messages.extend(crate::p837d::decode::decode(tx, &ids)?),
                ("837", _) if crate::p837d::v4010::is_dental(tx, version) => {
                    messages.extend(crate::p837d::v4010::decode(tx, &ids)?)
                }
                ("835", "005010X221") => messages.push(p835::decode::decode(tx, &ids)?),
                ("277", "005010X214") => messages.push(p277ca::decode(tx, &ids)?),
                ("270", "005010X279") => messages.extend(p270::decode(tx, &ids, false)?),
                ("271", "005010X279") => messages.extend(p270::decode(tx, &ids, true)?),
                ("276", "005010X212") => messages.extend(p276::decode(tx, &ids, false)?),
                ("277", "005010X212") => messages.extend(p276::decode(tx, &ids, true)?),
                ("278", "005010X217") => messages.extend(crate::p278::decode(tx, group, &ids)?),
                ("999", "005010X231") => {
                    messages.push(ack::decode_999(&interchange, group, tx, &ids)?)
                }
                _ => {
                    return Err(DecodeError::Unsupported(describe(id, version)));
                }
            }
        }
    }
    if !interchange.warnings.is_empty() {
        let warnings: Vec<serde_json::Value> = interchange
            .warnings
            .iter()
            .map(|w| serde_json::Value::String(format!("accepted: {w}")))
            .collect();
        for warning in &warnings {
            log::warn!("{}", warning.as_str().unwrap_or_default());
        }
        for message in &mut messages {
            let entry = message
                .extensions
                .entry(WARNINGS.to_owned())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(list) = entry {
                list.extend(warnings.iter().cloned());
            }
        }
    }
    log::debug!("decoded {} messages", messages.len());
    Ok(messages)
}

/// [`decode_interchange`] with the SDK's error type.
///
/// # Errors
///
/// As [`decode_interchange`], converted.
pub fn decode(input: &[u8]) -> Result<Vec<Message>, ConnectorError> {
    decode_interchange(input).map_err(ConnectorError::from)
}
