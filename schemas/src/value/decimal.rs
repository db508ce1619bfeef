//! Exact decimal amounts carried as JSON strings: [`Money`], [`Quantity`] and [`Percent`].
//!
//! Amounts never pass through floating point. On the wire they are JSON strings such as
//! `"125.50"`; a JSON number is rejected, because a number may already have been rounded by
//! whoever produced it.

use std::borrow::Cow;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The pattern every decimal string matches: optional `-`, digits, optional fraction.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// Why a string is not an acceptable decimal amount. The offending text is never included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The text is not digits with an optional leading `-` and an optional `.fraction`.
    #[error(
        "expected a decimal string such as \"125.50\": digits, an optional leading '-' and an optional fraction"
    )]
    Syntax,
    /// The value has more significant digits than a 96-bit decimal can hold (28).
    #[error("decimal value out of range (more than 28 significant digits)")]
    OutOfRange,
}

/// Parses a decimal string that matches [`DECIMAL_PATTERN`] exactly.
fn parse_decimal(text: &str) -> Result<Decimal, DecimalError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(DecimalError::Syntax);
    }
    Decimal::from_str_exact(text).map_err(|_| DecimalError::OutOfRange)
}

/// Room for any text [`decimal_text`] writes: 28 fraction digits (a `u64` mantissa has at
/// most 20), `.`, a leading `0` and a sign.
const TEXT_CAPACITY: usize = 32;

/// `value` as its `Display` writes it (`-` when the sign is negative, exactly `scale`
/// fraction digits), written into the end of `buffer` without the formatting machinery:
/// amounts are much of what a remittance holds, and `fmt` (indirect calls, padding) costs
/// most in WebAssembly. `None` for a mantissa beyond 64 bits, which `Display` handles.
fn decimal_text<'b>(value: &Decimal, buffer: &'b mut [u8; TEXT_CAPACITY]) -> Option<&'b str> {
    let mut mantissa = u64::try_from(value.mantissa().unsigned_abs()).ok()?;
    let scale = value.scale() as usize;
    let mut at = buffer.len();
    let mut push = |byte: u8| {
        at -= 1;
        buffer[at] = byte;
    };
    let mut count = 0;
    while mantissa != 0 || count < scale {
        if count == scale && scale > 0 {
            push(b'.');
        }
        // The remainder is below 10.
        push(b'0' + (mantissa % 10) as u8);
        mantissa /= 10;
        count += 1;
    }
    if count == scale {
        // No whole digits: `0.05`, `0`.
        if scale > 0 {
            push(b'.');
        }
        push(b'0');
    }
    if value.is_sign_negative() {
        push(b'-');
    }
    std::str::from_utf8(&buffer[at..]).ok()
}

/// Serde visitor accepting only JSON strings that hold a decimal.
struct DecimalVisitor(&'static str);

impl DecimalVisitor {
    /// The error for a JSON number where a decimal string belongs.
    fn number_error<E: de::Error>(&self) -> E {
        E::custom(format!(
            "{} must be a JSON string such as \"125.50\", not a number (floats are not exact)",
            self.0
        ))
    }
}

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a decimal string such as \"125.50\"", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Decimal, E> {
        Err(self.number_error())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Decimal, E> {
        Err(self.number_error())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Decimal, E> {
        Err(self.number_error())
    }
}

macro_rules! decimal_newtype {
    ($(#[$meta:meta])* $name:ident, $what:literal, $description:literal, $example:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Decimal);

        impl $name {
            /// Zero, with no fraction digits.
            pub fn zero() -> Self {
                Self(Decimal::ZERO)
            }

            /// The exact decimal value.
            pub fn value(self) -> Decimal {
                self.0
            }

            /// Whether the value is zero (at any scale: `0`, `0.00`).
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
        }

        impl From<Decimal> for $name {
            fn from(value: Decimal) -> Self {
                Self(value)
            }
        }

        impl From<$name> for Decimal {
            fn from(value: $name) -> Decimal {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = DecimalError;

            fn from_str(s: &str) -> Result<Self, DecimalError> {
                parse_decimal(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut buffer = [0; TEXT_CAPACITY];
                let plain = f.width().is_none() && f.precision().is_none() && !f.sign_plus();
                match decimal_text(&self.0, &mut buffer) {
                    Some(text) if plain => f.write_str(text),
                    _ => fmt::Display::fmt(&self.0, f),
                }
            }
        }

        impl Add for $name {
            type Output = Self;

            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl Sub for $name {
            type Output = Self;

            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl Neg for $name {
            type Output = Self;

            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::zero(), Add::add)
            }
        }

        impl<'a> Sum<&'a $name> for $name {
            fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
                iter.copied().sum()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut buffer = [0; TEXT_CAPACITY];
                match decimal_text(&self.0, &mut buffer) {
                    Some(text) => serializer.serialize_str(text),
                    None => serializer.collect_str(&self.0),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let visitor = DecimalVisitor($what);
                // JSON: dispatch on the token, so a number gets our own error (which never
                // echoes the value); binary formats carry the string directly.
                if deserializer.is_human_readable() {
                    deserializer.deserialize_any(visitor).map(Self)
                } else {
                    deserializer.deserialize_str(visitor).map(Self)
                }
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> Cow<'static, str> {
                concat!("clearway_schemas::", stringify!($name)).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": DECIMAL_PATTERN,
                    "description": $description,
                    "examples": [$example],
                })
            }
        }
    };
}

decimal_newtype!(
    /// A monetary amount in US dollars, exact, serialized as a decimal string (`"125.50"`).
    ///
    /// X12: any `AMT`/`CLP03`/`SVC02`-style amount element. FHIR: `Money.value` (currency USD).
    Money,
    "an amount",
    "Amount in US dollars as a decimal string (never a JSON number), e.g. \"125.50\".",
    "125.50"
);

decimal_newtype!(
    /// A count of units (service units, days, drug quantity), exact, as a decimal string.
    ///
    /// X12: `SV104`, `SV205`, `CTP04`, `SVC05`. FHIR: `Quantity.value` / `SimpleQuantity.value`.
    Quantity,
    "a quantity",
    "Quantity as a decimal string (never a JSON number), e.g. \"1\" or \"2.5\".",
    "1"
);

decimal_newtype!(
    /// A ratio expressed as a decimal fraction, exact: `"0.20"` means 20 percent.
    ///
    /// X12: `EB08` (percent as a decimal), `MOA01`. FHIR: `decimal` ratios.
    Percent,
    "a percentage",
    "Percentage as a decimal fraction string (never a JSON number): \"0.20\" means 20 percent.",
    "0.20"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_writes_what_display_writes() {
        let mantissas: [i128; 12] = [
            0,
            1,
            5,
            10,
            12_550,
            -12_550,
            99_999,
            1_000_000_007,
            -1,
            i128::from(u64::MAX),
            -i128::from(u64::MAX),
            i128::from(u64::MAX) + 1,
        ];
        for mantissa in mantissas {
            for scale in 0..=28 {
                let value = Decimal::from_i128_with_scale(mantissa, scale);
                let mut buffer = [0; TEXT_CAPACITY];
                let fits = u64::try_from(mantissa.unsigned_abs()).is_ok();
                let text = decimal_text(&value, &mut buffer);
                assert_eq!(text.is_some(), fits, "{mantissa} scale {scale}");
                if let Some(text) = text {
                    assert_eq!(text, value.to_string(), "{mantissa} scale {scale}");
                }
                assert_eq!(Money(value).to_string(), value.to_string());
                assert_eq!(
                    serde_json::to_string(&Money(value)).unwrap(),
                    format!("\"{value}\"")
                );
            }
        }
        let negative_zero = -Decimal::new(0, 2);
        let mut buffer = [0; TEXT_CAPACITY];
        assert_eq!(
            decimal_text(&negative_zero, &mut buffer),
            Some(negative_zero.to_string().as_str())
        );
        // Width, precision and sign flags still go through Decimal's own Display.
        let amount: Money = "12.5".parse().unwrap();
        assert_eq!(
            format!("{amount:>8}|{amount:.3}|{amount:+}"),
            "    12.5|12.500|+12.5"
        );
    }
}
