//! Acknowledgments as `claim.ack`, both ways: 999 (005010X231A1) and TA1.
//!
//! - [`decode`]: a received 999 transaction set or `TA1` to one `claim.ack` message.
//! - [`encode`]: `claim.ack` messages of type `999` or `ta1` back to X12 (the 277CA is in
//!   [`crate::p277ca`]).
//! - [`envelope`]: the interchange around what Clearway writes for acknowledgments, with
//!   the interchange ids and qualifiers given (the `acknowledge` export answers with the
//!   inbound `ISA` reversed).
//!
//! A decoded message's `correlation` carries the control numbers of what is acknowledged
//! (so the hub links the ack to the original); the acknowledgment's own envelope control
//! numbers and its creation date and time are in `extensions["x12.envelope"]`.

pub mod decode;
pub mod encode;
pub mod envelope;

#[cfg(test)]
mod tests;

pub use decode::{decode_999, decode_ta1};

/// Extension key of the acknowledgment's own envelope: control numbers (`ISA13`, `GS06`,
/// `ST02`) and creation date and time (`GS04`/`GS05` of a 999, `ISA09`/`ISA10` of a TA1).
pub const ENVELOPE: &str = "x12.envelope";

/// The implementation convention Clearway writes 999s under.
pub const VERSION_999: &str = "005010X231A1";
