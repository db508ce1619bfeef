//! 837P professional claims (005010X222A1): decode to and encode from `claim` messages; and
//! what the 837I ([`crate::p837i`]) and 837D ([`crate::p837d`]) share with it: the `HL`
//! hierarchy both ways ([`hierarchy`], [`levels`]), the common claim segments ([`common`]), the
//! `CLM` and service line frame ([`shared`]) and the encode checks ([`check`]).

pub mod check;
pub mod common;
pub mod decode;
pub mod encode;
pub mod header;
pub mod hierarchy;
pub mod interchange;
pub mod levels;
pub mod lines;
pub mod shared;
pub mod spec;
#[cfg(test)]
pub mod test_support;

/// The code system URI used for ICD-9-CM diagnoses (`BK`/`BF` qualifiers); the model has
/// no short name for ICD-9.
pub const ICD9: &str = "http://hl7.org/fhir/sid/icd-9-cm";

/// The implementation convention reference Clearway writes in `ST03` and `GS08` by default
/// (a message decoded from another release of the guide keeps its own).
pub const VERSION: &str = "005010X222A1";

/// The 837P as an interchange: its checks and layout.
pub const INTERCHANGE: interchange::Variant = interchange::Variant {
    version: VERSION,
    problems: header::problems,
    layout: &encode::LAYOUT,
    file: "837p",
};
