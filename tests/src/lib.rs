//! Shared code for the end-to-end tests and the benchmarks: run the real `clearway`
//! binary with real plugins and talk to it over HTTP ([`support`]), and build the inputs,
//! time and report the connector benchmarks ([`bench`]), and put a hub under faults
//! ([`chaos`], the `chaos` program).

pub mod bench;
pub mod chaos;
pub mod support;
