//! 837P professional claims (005010X222A1): decode to and encode from `claim` messages.

pub mod decode;
pub mod encode;
pub mod header;
pub mod lines;
pub mod spec;

/// The code system URI used for ICD-9-CM diagnoses (`BK`/`BF` qualifiers); the model has
/// no short name for ICD-9.
pub const ICD9: &str = "http://hl7.org/fhir/sid/icd-9-cm";

/// The implementation convention reference Clearway writes in `ST03` and `GS08` by default
/// (a message decoded from another release of the guide keeps its own).
pub const VERSION: &str = "005010X222A1";
