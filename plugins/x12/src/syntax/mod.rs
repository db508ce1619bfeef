//! X12 syntax: delimiters, segments and the envelope, independent of any transaction.

pub mod envelope;
pub mod error;
pub mod scan;
pub mod segment;
pub mod tokenize;
pub mod writer;

pub use envelope::{Group, Interchange, Transaction, parse_envelope};
pub use error::{ErrorKind, Position, X12Error};
pub use segment::{Delimiters, Segment};
pub use tokenize::tokenize;
pub use writer::Writer;

/// Tokenizes `input` and builds its checked envelope.
///
/// # Errors
///
/// Any [`X12Error`] of [`tokenize`] or [`parse_envelope`].
pub fn parse(input: &[u8]) -> Result<Interchange<'_>, X12Error> {
    parse_envelope(tokenize(input)?)
}
