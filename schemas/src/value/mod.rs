//! Value types shared by every message body: amounts, dates, codes and identifiers.

pub mod code;
pub mod date;
pub mod decimal;

pub use code::{Code, CodeSystem, Identifier, UnknownCodeSystem};
pub use date::{Date, DateError, DateTime, Period, Time};
pub use decimal::{DecimalError, Money, Percent, Quantity};
