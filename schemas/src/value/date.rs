//! Calendar dates, times of day and instants as validated ISO 8601 / RFC 3339 strings.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Pattern for [`Date`].
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// Pattern for [`Time`].
pub const TIME_PATTERN: &str = r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$";
/// Pattern for [`DateTime`].
pub const DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

/// Why a string is not an acceptable date or time. The offending text is never included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not shaped like `YYYY-MM-DD`.
    #[error("expected an ISO 8601 calendar date YYYY-MM-DD")]
    DateSyntax,
    /// The month is not 01 to 12.
    #[error("month must be 01 to 12")]
    Month,
    /// The day does not exist in that month (leap years counted).
    #[error("day does not exist in that month")]
    Day,
    /// Not shaped like `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, or out of range.
    #[error("expected a time of day HH:MM or HH:MM:SS (00:00 to 23:59:60)")]
    Time,
    /// Not an RFC 3339 date-time with a `T` separator and a `Z` or `+HH:MM` offset.
    #[error("expected an RFC 3339 date-time such as 2024-01-31T13:45:00Z")]
    DateTimeSyntax,
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days in `month` (1-based) of `year`.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `s` is one or more ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a short run of ASCII digits (no sign, no spaces).
fn digits(s: &str) -> Option<u32> {
    if all_digits(s) { s.parse().ok() } else { None }
}

/// Checks `YYYY-MM-DD` and returns (year, month, day).
fn check_date(s: &str) -> Result<(u32, u32, u32), DateError> {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(DateError::DateSyntax);
    }
    let (Some(year), Some(month), Some(day)) =
        (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10]))
    else {
        return Err(DateError::DateSyntax);
    };
    if !(1..=12).contains(&month) {
        return Err(DateError::Month);
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(DateError::Day);
    }
    Ok((year, month, day))
}

/// Checks `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`; `require_seconds` for RFC 3339.
fn check_time(s: &str, require_seconds: bool) -> Result<(), DateError> {
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let ok_len = if require_seconds {
        parts.len() == 3
    } else {
        (2..=3).contains(&parts.len())
    };
    let two = |p: &str, max: u32| p.len() == 2 && digits(p).is_some_and(|v| v <= max);
    let valid = ok_len
        && two(parts[0], 23)
        && two(parts[1], 59)
        && parts.get(2).is_none_or(|p| two(p, 60))
        && fraction.is_none_or(|f| parts.len() == 3 && all_digits(f));
    if valid { Ok(()) } else { Err(DateError::Time) }
}

/// Checks an RFC 3339 date-time.
fn check_date_time(s: &str) -> Result<(), DateError> {
    if !s.is_ascii() {
        return Err(DateError::DateTimeSyntax);
    }
    let (date, rest) = s.split_once('T').ok_or(DateError::DateTimeSyntax)?;
    check_date(date)?;
    let (time, offset_ok) = if let Some(time) = rest.strip_suffix('Z') {
        (time, true)
    } else if rest.len() > 6 {
        let (time, offset) = rest.split_at(rest.len() - 6);
        let ob = offset.as_bytes();
        let ok = (ob[0] == b'+' || ob[0] == b'-')
            && ob[3] == b':'
            && digits(&offset[1..3]).is_some_and(|h| h <= 23)
            && digits(&offset[4..6]).is_some_and(|m| m <= 59);
        (time, ok)
    } else {
        return Err(DateError::DateTimeSyntax);
    };
    if !offset_ok {
        return Err(DateError::DateTimeSyntax);
    }
    check_time(time, true).map_err(|_| DateError::DateTimeSyntax)
}

macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, $check:expr, $expecting:literal, $schema:tt) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The text, as validated.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = DateError;

            fn from_str(s: &str) -> Result<Self, DateError> {
                let check: fn(&str) -> Result<(), DateError> = $check;
                check(s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                /// Visitor accepting only strings that pass the check.
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, _: i64) -> Result<$name, E> {
                        Err(E::custom(concat!("expected ", $expecting, ", not a number")))
                    }
                    fn visit_u64<E: de::Error>(self, _: u64) -> Result<$name, E> {
                        Err(E::custom(concat!("expected ", $expecting, ", not a number")))
                    }
                    fn visit_f64<E: de::Error>(self, _: f64) -> Result<$name, E> {
                        Err(E::custom(concat!("expected ", $expecting, ", not a number")))
                    }
                    fn visit_bool<E: de::Error>(self, _: bool) -> Result<$name, E> {
                        Err(E::custom(concat!("expected ", $expecting, ", not a boolean")))
                    }
                }
                // JSON: dispatch on the token so that our errors (which never echo the
                // value) are used; binary formats carry the string directly.
                if deserializer.is_human_readable() {
                    deserializer.deserialize_any(V)
                } else {
                    deserializer.deserialize_str(V)
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
                json_schema!($schema)
            }
        }
    };
}

checked_string!(
    /// A calendar date, ISO 8601 `YYYY-MM-DD`, with a real month and day (leap years counted).
    ///
    /// X12: `D8` dates (`CCYYMMDD`) rewritten with dashes. FHIR: `date`.
    Date,
    |s| check_date(s).map(|_| ()),
    "an ISO 8601 date string YYYY-MM-DD",
    {
        "type": "string",
        "format": "date",
        "pattern": DATE_PATTERN,
        "description": "Calendar date, ISO 8601 YYYY-MM-DD.",
        "examples": ["2024-03-15"],
    }
);

checked_string!(
    /// A time of day without zone, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (24-hour clock).
    ///
    /// X12: `TM` times (`HHMM`, `HHMMSS`) rewritten with colons. FHIR: `time`.
    Time,
    |s| check_time(s, false),
    "a time of day string HH:MM or HH:MM:SS",
    {
        "type": "string",
        "pattern": TIME_PATTERN,
        "description": "Time of day, 24-hour HH:MM or HH:MM:SS.",
        "examples": ["14:30"],
    }
);

checked_string!(
    /// An instant, RFC 3339 (`2024-03-15T14:30:00Z`, `2024-03-15T14:30:00-05:00`).
    ///
    /// X12: a date with a time (`ISA09`/`ISA10`, `GS04`/`GS05`). FHIR: `dateTime`/`instant`.
    DateTime,
    check_date_time,
    "an RFC 3339 date-time string",
    {
        "type": "string",
        "format": "date-time",
        "pattern": DATE_TIME_PATTERN,
        "description": "Instant, RFC 3339 with a Z or +HH:MM offset.",
        "examples": ["2024-03-15T14:30:00Z"],
    }
);

impl Date {
    /// Builds a date from its parts, checking that it exists.
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Result<Date, DateError> {
        if year > 9999 {
            return Err(DateError::DateSyntax);
        }
        format!("{year:04}-{month:02}-{day:02}").parse()
    }

    /// The year.
    pub fn year(&self) -> u32 {
        self.parts().0
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u32 {
        self.parts().1
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u32 {
        self.parts().2
    }

    /// (year, month, day); the text was validated on construction.
    fn parts(&self) -> (u32, u32, u32) {
        check_date(&self.0).unwrap_or((0, 0, 0))
    }
}

impl DateTime {
    /// The calendar date part (in the instant's own offset).
    pub fn date(&self) -> Date {
        Date(self.0[..10].to_owned())
    }
}

/// A span of dates; either end may be open. A single date is `start == end`.
///
/// X12: `DTP` with `RD8` (`CCYYMMDD-CCYYMMDD`) or `D8`. FHIR: `Period` / `servicedDate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day, inclusive. X12: `RD8` first date or the `D8` date. FHIR: `Period.start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    /// Last day, inclusive. X12: `RD8` second date or the `D8` date. FHIR: `Period.end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
}

impl Period {
    /// A period of one day.
    pub fn day(date: Date) -> Period {
        Period {
            start: Some(date.clone()),
            end: Some(date),
        }
    }

    /// A period between two dates, inclusive.
    pub fn between(start: Date, end: Date) -> Period {
        Period {
            start: Some(start),
            end: Some(end),
        }
    }

    /// Whether this is exactly one day.
    pub fn is_single_day(&self) -> bool {
        self.start.is_some() && self.start == self.end
    }
}
