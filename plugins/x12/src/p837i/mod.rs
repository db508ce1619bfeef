//! 837I institutional claims (005010X223A2; A1 and A3 read as received): decode to and
//! encode from `claim` messages with `claim_type` institutional. The levels above the claim,
//! the common claim segments and the drug loop are the 837P's ([`crate::p837`]); this module
//! holds the institutional loop 2300 (`CLM05` type of bill, `DTP*096`/`434`/`435`, `CL1`,
//! the `HI` codes, providers 2310A-F) and the `SV2` service lines.

pub mod check;
pub mod decode;
pub mod encode;
pub mod hi;
pub mod lines;
pub mod spec;

#[cfg(test)]
mod tests;

/// The implementation convention Clearway writes in `ST03` and `GS08` by default (a message
/// decoded from another release of the guide keeps its own).
pub const VERSION: &str = "005010X223A2";

/// The 837I as an interchange: its checks and layout.
pub const INTERCHANGE: crate::p837::interchange::Variant = crate::p837::interchange::Variant {
    version: VERSION,
    problems: check::problems,
    layout: &encode::LAYOUT,
    file: "837i",
};
