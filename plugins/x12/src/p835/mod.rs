//! 835 health care claim payment/advice (005010X221A1): decode to and encode from
//! `remittance` messages, one per transaction set (`ST`/`SE`), carrying all its claim
//! payments.
//!
//! Correlation: `trace_numbers` holds `TRN02` (the check or EFT number); `claim_id` and
//! `payer_claim_control_number` hold the first claim payment's `CLP01` and `CLP07`, and
//! `correlation.other` holds `clp01.N` / `clp07.N` for every claim payment `N` (1-based), so
//! the hub indexes the remittance under every patient control number it pays.
//!
//! Balancing ([`Remittance::balance_problems`](clearway_plugin_sdk::schemas::Remittance))
//! runs after decode: an 835 that does not balance still decodes, its problems are listed in
//! `extensions["x12.balance_problems"]` and logged as a warning.

pub mod adjust;
pub mod claims;
pub mod decode;
pub mod encode;
pub mod spec;
pub mod write_claims;

/// The implementation convention reference Clearway writes in `ST03` and `GS08` by default
/// (a message decoded from another release of the guide keeps its own).
pub const VERSION: &str = "005010X221A1";

/// Extension key of the balancing problems found on decode.
pub const BALANCE_PROBLEMS: &str = "x12.balance_problems";

/// Extension key of the `PER01` contact function codes of the payer (1000A), in order.
pub const PAYER_CONTACT_FUNCTIONS: &str = "x12.1000A.PER01";

#[cfg(test)]
mod tests;
