//! Reading one TOML table with positions: typed getters that record a
//! problem (and carry on) instead of stopping at the first one.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::problem::Report;

/// How problems name the document's top level.
pub(crate) const TOP_LEVEL: &str = "the top level";

/// A value in the document with its byte span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// One table of the document (a `[header]` table or an inline table) and how
/// to name it in messages.
pub(crate) struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    place: String,
}

impl<'t, 'i> Fields<'t, 'i> {
    /// Wraps `table` (whose header or braces are at `span`) and records
    /// every key not in `allowed`.
    pub(crate) fn new(
        report: &mut Report<'_>,
        table: &'t DeTable<'i>,
        span: Range<usize>,
        place: String,
        allowed: &[&str],
    ) -> Self {
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                report.at(
                    &key.span(),
                    format!(
                        "unknown key `{}` in {place} (expected one of: {})",
                        key.get_ref(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        Self { table, span, place }
    }

    /// How messages name this table, e.g. `[endpoints.inbox]`.
    pub(crate) fn place(&self) -> &str {
        &self.place
    }

    /// The place of the table under `key`: `PLACE.key`, or `[key]` under the top
    /// level (as a problem in `[hub]` names it).
    fn child_place(&self, key: &str) -> String {
        if self.place == TOP_LEVEL {
            format!("[{key}]")
        } else {
            format!("{}.{key}", self.place)
        }
    }

    /// The span of the header or of the inline table.
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The entries of the table, in key order.
    pub(crate) fn entries(
        &self,
    ) -> impl Iterator<Item = (&'t Spanned<std::borrow::Cow<'i, str>>, &'t Value<'i>)> {
        self.table.iter()
    }

    /// The raw value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.table.get(key)
    }

    /// Records a wrong type for `key`.
    pub(crate) fn wrong_type(
        &self,
        report: &mut Report<'_>,
        key: &str,
        value: &Value<'_>,
        expected: &str,
    ) {
        report.at(
            &value.span(),
            format!(
                "`{key}` in {} must be {expected}, not {}",
                self.place,
                with_article(value.get_ref().type_str())
            ),
        );
    }

    /// Records that `key` is missing, at the table's header.
    pub(crate) fn missing(&self, report: &mut Report<'_>, key: &str) {
        report.at(
            &self.span,
            format!("missing required key `{key}` in {}", self.place),
        );
    }

    /// Records a problem with the value of `key`: "`key` in PLACE MESSAGE".
    pub(crate) fn invalid(
        &self,
        report: &mut Report<'_>,
        key: &str,
        span: &Range<usize>,
        message: &str,
    ) {
        report.at(span, format!("`{key}` in {} {message}", self.place));
    }

    /// An optional string.
    pub(crate) fn str(&self, report: &mut Report<'_>, key: &str) -> Option<Spanned<&'t str>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Spanned::new(value.span(), s.as_ref())),
            _ => {
                self.wrong_type(report, key, value, "a string");
                None
            }
        }
    }

    /// A required string; a missing key is recorded at the table's header.
    pub(crate) fn required_str(
        &self,
        report: &mut Report<'_>,
        key: &str,
    ) -> Option<Spanned<&'t str>> {
        if self.get(key).is_none() {
            self.missing(report, key);
        }
        self.str(report, key)
    }

    /// An optional non-negative integer in `min..=max`, `default` when absent
    /// (and after recording a problem).
    pub(crate) fn uint(
        &self,
        report: &mut Report<'_>,
        key: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> u64 {
        let Some(value) = self.get(key) else {
            return default;
        };
        let DeValue::Integer(int) = value.get_ref() else {
            self.wrong_type(report, key, value, "an integer");
            return default;
        };
        match i128::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) if n >= i128::from(min) && n <= i128::from(max) => {
                u64::try_from(n).unwrap_or(default)
            }
            _ => {
                self.invalid(
                    report,
                    key,
                    &value.span(),
                    &format!("must be between {min} and {max}"),
                );
                default
            }
        }
    }

    /// An optional boolean, `default` when absent (and after recording a problem).
    pub(crate) fn bool(&self, report: &mut Report<'_>, key: &str, default: bool) -> bool {
        let Some(value) = self.get(key) else {
            return default;
        };
        match value.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                self.wrong_type(report, key, value, "a boolean");
                default
            }
        }
    }

    /// An optional string that must be one of `choices`; `default` when
    /// absent (and after recording a problem).
    pub(crate) fn choice<T: Copy>(
        &self,
        report: &mut Report<'_>,
        key: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(text) = self.str(report, key) else {
            return default;
        };
        match choices.iter().find(|(name, _)| *name == *text.get_ref()) {
            Some((_, choice)) => *choice,
            None => {
                let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
                self.invalid(
                    report,
                    key,
                    &text.span(),
                    &format!("must be one of: {}", names.join(", ")),
                );
                default
            }
        }
    }

    /// An optional table (inline or not), wrapped, with its own unknown keys
    /// recorded. Its place is named `PLACE.key` (`[key]` under the top level).
    pub(crate) fn table(
        &self,
        report: &mut Report<'_>,
        key: &str,
        allowed: &[&str],
    ) -> Option<Fields<'t, 'i>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(table) => Some(Fields::new(
                report,
                table,
                value.span(),
                self.child_place(key),
                allowed,
            )),
            _ => {
                self.wrong_type(report, key, value, "a table");
                None
            }
        }
    }

    /// An optional table whose keys are free (names, header names, paths);
    /// each value checked by the caller.
    pub(crate) fn map(&self, report: &mut Report<'_>, key: &str) -> Option<Fields<'t, 'i>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(table) => Some(Fields {
                table,
                span: value.span(),
                place: self.child_place(key),
            }),
            _ => {
                self.wrong_type(report, key, value, "a table");
                None
            }
        }
    }

    /// An optional array.
    pub(crate) fn array(
        &self,
        report: &mut Report<'_>,
        key: &str,
    ) -> Option<Spanned<&'t DeArray<'i>>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Array(array) => Some(Spanned::new(value.span(), array)),
            _ => {
                self.wrong_type(report, key, value, "an array");
                None
            }
        }
    }

    /// An optional array of strings; elements of another type are recorded
    /// and skipped.
    pub(crate) fn str_array(
        &self,
        report: &mut Report<'_>,
        key: &str,
    ) -> Option<Spanned<Vec<Spanned<&'t str>>>> {
        let array = self.array(report, key)?;
        let mut items = Vec::with_capacity(array.get_ref().len());
        for item in array.get_ref().iter() {
            match item.get_ref() {
                DeValue::String(s) => items.push(Spanned::new(item.span(), s.as_ref())),
                other => report.at(
                    &item.span(),
                    format!(
                        "elements of `{key}` in {} must be strings, not {}",
                        self.place,
                        with_article(other.type_str())
                    ),
                ),
            }
        }
        Some(Spanned::new(array.span(), items))
    }
}

/// "integer" -> "an integer".
pub(crate) fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// `[a-z0-9][a-z0-9_-]{0,62}`: the rule for connector and endpoint names.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes[1..]
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The message for a name that breaks [`is_valid_name`].
pub(crate) const NAME_RULE: &str = "must be 1 to 63 characters: lowercase letters, digits, `_` and `-`, starting with a letter or digit";
