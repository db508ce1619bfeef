//! One 837 interchange for a batch of claims of one variant (837P, 837I, 837D): check every
//! claim, then write `ISA`/`GS`, one transaction set holding all claims, `GE`/`IEA`.

use clearway_plugin_sdk::schemas::{Body, Message};
use clearway_plugin_sdk::{ConnectorError, Payload, Problem};

use super::levels::{Layout, write_hierarchy};
use crate::config::Config;
use crate::encode::{Batch, CONTENT_TYPE, creation, envelope, version_of};
use crate::numbers::ControlNumbers;

/// An 837 variant as an interchange.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The implementation convention written by default (`ST03`, `GS08`).
    pub version: &'static str,
    /// The problems of claim message `index` (`first` in the interchange).
    pub problems: fn(usize, &Message, bool) -> Vec<Problem>,
    /// The variant's loop 2300 and party fitting, written by [`write_hierarchy`] (loops
    /// 1000A/1000B take the configured sender and receiver ids when the first message names
    /// no sender or receiver).
    pub layout: &'static Layout,
    /// The file name prefix of the payload (`837i`).
    pub file: &'static str,
}

/// Writes all claims of `batch` into one interchange of `variant`.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] with every problem of every claim (JSON pointers), or a
/// delimiter inside a value; [`ConnectorError::Config`] when no creation date is known.
pub fn encode(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
    variant: &Variant,
) -> Result<Payload, ConnectorError> {
    let mut claims = Vec::with_capacity(batch.messages.len());
    let mut problems = Vec::new();
    for (n, (message, &index)) in batch.messages.iter().zip(&batch.indexes).enumerate() {
        problems.extend((variant.problems)(index as usize, message, n == 0));
        if let Body::Claim(claim) = &message.body {
            claims.push((*message, claim));
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let (date, time) = creation(batch.messages[0], config)?;
    let control = numbers.next(&batch.messages)?;
    let reference = format!("{control}");
    let text = envelope(
        config,
        control,
        (&date, &time),
        ("HC", "837", version_of(batch.messages[0], variant.version)),
        1,
        |w, _| {
            write_hierarchy(
                w,
                &claims,
                &reference,
                (&date, &time),
                (&config.sender_id, &config.receiver_id),
                variant.layout,
            );
        },
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("{}-{control:09}.x12", variant.file))
        .carrying(batch.indexes))
}
