//! The `x12` connector: X12 5010 HIPAA transactions to and from Clearway's normalized
//! messages.
//!
//! - [`syntax`]: delimiters from the `ISA`, segments, the checked envelope, the writer.
//! - [`walker`]: the generic loop walker (HL hierarchy, NM1 entity codes to loop ids).
//! - [`decode::decode`] / [`encode::encode`]: plain functions, tested natively; [`X12`]
//!   wires them to the component contract.
//!
//! Build the component with
//! `cargo build -p clearway-x12 --target wasm32-wasip2 --profile guest`.

pub mod syntax;
pub mod walker;

#[cfg(test)]
mod tests;
