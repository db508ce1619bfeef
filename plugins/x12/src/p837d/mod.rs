//! 837D dental claims (005010X224A2; other 5010 releases read as received, and the 4010
//! dental guide 004010X097A1 read by [`v4010`]): decode to and encode from `claim` messages
//! with `claim_type` dental. The levels above the claim and the common claim segments are the
//! 837P's ([`crate::p837`]); this module holds the dental loop 2300 (`CLM19` predetermination,
//! `DTP*452`, `DN1`/`DN2`, providers 2310A-E) and the `SV3`/`TOO` service lines.

pub mod check;
pub mod decode;
pub mod encode;
pub mod lines;
pub mod spec;
pub mod v4010;

#[cfg(test)]
mod tests;

/// The implementation convention Clearway writes in `ST03` and `GS08` by default (a message
/// decoded from another 5010 release of the guide keeps its own).
pub const VERSION: &str = "005010X224A2";

/// The 837D as an interchange: its checks and layout.
pub const INTERCHANGE: crate::p837::interchange::Variant = crate::p837::interchange::Variant {
    version: VERSION,
    problems: check::problems,
    layout: &encode::LAYOUT,
    file: "837d",
};
