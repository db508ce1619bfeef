//! How the console writes times, dates, money and links, and reads its query
//! strings.

use clearway_schemas::value::Money;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;

/// The practice's clock: instants are shown in its time zone, named on every page.
/// Date-only values (service dates, payment dates) are shown as they are, never
/// converted.
#[derive(Clone)]
pub struct Clock {
    tz: TimeZone,
    name: String,
}

impl Clock {
    /// The clock of IANA zone `name` (checked by `clearway check`); UTC if unknown.
    pub fn new(name: &str) -> Clock {
        match TimeZone::get(name) {
            Ok(tz) => Clock {
                tz,
                name: name.to_owned(),
            },
            Err(_) => Clock {
                tz: TimeZone::UTC,
                name: "UTC".into(),
            },
        }
    }

    /// The zone's name.
    pub fn zone_name(&self) -> &str {
        &self.name
    }

    fn zoned(&self, ms: u64) -> Option<jiff::Zoned> {
        Timestamp::from_millisecond(i64::try_from(ms).ok()?)
            .ok()
            .map(|t| t.to_zoned(self.tz.clone()))
    }

    /// `2026-12-03 09:41` in the practice's zone.
    pub fn time(&self, ms: u64) -> String {
        self.zoned(ms)
            .map_or_else(String::new, |z| z.strftime("%Y-%m-%d %H:%M").to_string())
    }

    /// `2026-12-03T09:41:07-06:00`, for `<time datetime>`.
    pub fn iso(&self, ms: u64) -> String {
        self.zoned(ms).map_or_else(String::new, |z| {
            z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
        })
    }

    /// The calendar date of an instant in the practice's zone, `YYYY-MM-DD`.
    pub fn date(&self, ms: u64) -> String {
        self.zoned(ms)
            .map_or_else(String::new, |z| z.strftime("%Y-%m-%d").to_string())
    }

    /// The month of an instant in the practice's zone, `YYYY-MM`.
    pub fn month(&self, ms: u64) -> String {
        self.zoned(ms)
            .map_or_else(String::new, |z| z.strftime("%Y-%m").to_string())
    }

    /// The Unix ms at which calendar day `date` (`YYYY-MM-DD`) starts in the
    /// practice's zone; `None` for a text that is not a date.
    pub fn day_start_ms(&self, date: &str) -> Option<u64> {
        let d: jiff::civil::Date = date.parse().ok()?;
        let z = d.to_zoned(self.tz.clone()).ok()?;
        u64::try_from(z.timestamp().as_millisecond()).ok()
    }

    /// The start of the day after `date`, in Unix ms.
    pub fn day_end_ms(&self, date: &str) -> Option<u64> {
        let d: jiff::civil::Date = date.parse().ok()?;
        let next = d.tomorrow().ok()?;
        let z = next.to_zoned(self.tz.clone()).ok()?;
        u64::try_from(z.timestamp().as_millisecond()).ok()
    }

    /// Whole days from `ms` to now.
    pub fn days_since(&self, ms: u64) -> u64 {
        crate::store::record::now_ms().saturating_sub(ms) / crate::ledger::DAY_MS
    }

    /// Today's date in the practice's zone.
    pub fn today(&self) -> String {
        self.date(crate::store::record::now_ms())
    }
}

/// `$1,234.50` (negative: `-$12.00`).
pub fn money(d: Decimal) -> String {
    let rounded = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let neg = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}.{frac}", if neg { "-" } else { "" })
}

/// [`money`] of an optional amount, or an empty string.
pub fn money_opt(m: Option<Money>) -> String {
    m.map(|m| money(m.0)).unwrap_or_default()
}

/// A percentage such as `93.4%`, or an em dash for none.
pub fn percent(p: Option<Decimal>) -> String {
    p.map_or_else(|| "—".into(), |p| format!("{p}%"))
}

/// Percent-encode a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A query string from pairs (values encoded), with a leading `?` unless empty.
pub fn query(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&enc(v));
    }
    out
}

/// The pairs of a query string or form body.
pub fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

/// A query's parameters, checked against the names a page takes.
#[derive(Debug)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parse `raw` (the URL's query, or a form body); any name outside `allowed`
    /// is an error naming it and the allowed names.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, String> {
        let pairs = pairs(raw.unwrap_or("").as_bytes());
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "unknown parameter `{k}` (this page takes: {})",
                allowed.join(", ")
            ));
        }
        Ok(Params { pairs })
    }

    /// The first non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// The pairs (for rebuilding links).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The query string of these pairs without `drop` names.
    pub fn without(&self, drop: &[&str]) -> String {
        let kept: Vec<(&str, String)> = self
            .pairs
            .iter()
            .filter(|(k, v)| !drop.contains(&k.as_str()) && !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        query(&kept)
    }

    /// A page size from `limit` (1..=500, default `default`).
    pub fn limit(&self, default: usize) -> Result<usize, String> {
        match self.get("limit") {
            None => Ok(default),
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or_else(|| "`limit` must be a whole number from 1 to 500".to_owned()),
        }
    }

    /// A `YYYY-MM-DD` value of `name`, checked.
    pub fn date(&self, name: &str) -> Result<Option<&str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(d) if d.parse::<jiff::civil::Date>().is_ok() && d.len() == 10 => Ok(Some(d)),
            Some(_) => Err(format!("`{name}` must be a date written YYYY-MM-DD")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_cents() {
        assert_eq!(money("1234.5".parse().unwrap()), "$1,234.50");
        assert_eq!(money("0".parse().unwrap()), "$0.00");
        assert_eq!(money("-12".parse().unwrap()), "-$12.00");
        assert_eq!(money("1000000.005".parse().unwrap()), "$1,000,000.01");
        assert_eq!(money("999.994".parse().unwrap()), "$999.99");
    }

    #[test]
    fn times_are_in_the_zone_and_days_start_there() {
        let c = Clock::new("America/Chicago");
        // 2026-01-15T05:30:00Z is 23:30 the day before in Chicago (UTC-6).
        let ms = 1_768_455_000_000;
        assert_eq!(c.time(ms), "2026-01-14 23:30");
        assert_eq!(c.date(ms), "2026-01-14");
        assert_eq!(c.month(ms), "2026-01");
        assert_eq!(c.day_start_ms("2026-01-15"), Some(1_768_456_800_000));
        assert_eq!(c.day_end_ms("2026-01-14"), Some(1_768_456_800_000));
        assert_eq!(Clock::new("Nowhere/Else").zone_name(), "UTC");
    }

    #[test]
    fn params_refuse_unknown_names_and_check_values() {
        let p = Params::parse(
            Some("state=paid&state=denied&from=2026-01-01&x="),
            &["state", "from", "x"],
        )
        .unwrap();
        assert_eq!(p.all("state"), vec!["paid", "denied"]);
        assert_eq!(p.date("from").unwrap(), Some("2026-01-01"));
        assert_eq!(p.get("x"), None);
        assert!(
            Params::parse(Some("bogus=1"), &["state"])
                .unwrap_err()
                .contains("`bogus`")
        );
        let bad = Params::parse(Some("from=01/02/2026"), &["from"]).unwrap();
        assert!(bad.date("from").is_err());
        assert_eq!(p.without(&["state"]), "?from=2026-01-01");
    }
}
