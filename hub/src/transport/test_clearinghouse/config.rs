//! Settings of a `test-clearinghouse` endpoint: the inbound endpoint its answers go to,
//! the remittance delay, the procedures it denies and the percentages it pays by.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use toml::de::DeValue;

use crate::config::{
    EndpointConfig, Fields, Pos, Report, RetryPolicy, Transport, is_inbound, parse_batch_size,
    parse_retry,
};

/// Keys of a `test-clearinghouse` endpoint.
pub(crate) const KEYS: &[&str] = &[
    "transport",
    "connector",
    "replies_to",
    "remittance_delay_seconds",
    "deny_procedures",
    "allowed_percent",
    "coinsurance_percent",
    "retry",
    "delivery",
    "batch_size",
];

/// Settings of an outbound `test-clearinghouse` endpoint: a clearinghouse and payer built
/// into the hub that answers every payload it receives, deterministically from its
/// content, by ingesting its answers into `replies_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestClearinghouse {
    /// The inbound endpoint the answers are ingested into; its connector makes them
    /// (`acknowledge`, `encode`) and reads them back.
    pub replies_to: String,
    /// Where `replies_to` was written.
    pub replies_to_at: Pos,
    /// Seconds between the 277CA and the 835 (0: at once).
    pub remittance_delay_seconds: u64,
    /// Procedure codes whose service lines are denied (CARC 50), compared ignoring case.
    pub deny_procedures: Vec<String>,
    /// The allowed amount as a percentage of the charge (0 to 100).
    pub allowed_percent: Decimal,
    /// The coinsurance (PR-2) as a percentage of the allowed amount (0 to 100).
    pub coinsurance_percent: Decimal,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// Most messages handed to the connector's `encode` at once.
    pub batch_size: usize,
}

/// `deny_procedures` when not set: therapeutic exercises, a code payers often deny.
pub const DEFAULT_DENY_PROCEDURES: &[&str] = &["97110"];
/// `remittance_delay_seconds` when not set.
pub const DEFAULT_REMITTANCE_DELAY_SECONDS: u64 = 5;
/// The longest remittance delay: one day.
const MAX_REMITTANCE_DELAY_SECONDS: u64 = 86_400;
/// The longest procedure code taken in `deny_procedures` (`SVC01-2` holds 48).
const MAX_PROCEDURE_LEN: usize = 48;

/// Reads the `test-clearinghouse` keys of an endpoint table.
pub(crate) fn parse(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> Option<TestClearinghouse> {
    let replies_to = fields.required_str(report, "replies_to");
    let remittance_delay_seconds = fields.uint(
        report,
        "remittance_delay_seconds",
        0,
        MAX_REMITTANCE_DELAY_SECONDS,
        DEFAULT_REMITTANCE_DELAY_SECONDS,
    );
    let deny_procedures = parse_deny_procedures(report, fields);
    let allowed_percent = parse_percent(report, fields, "allowed_percent", Decimal::from(80));
    let coinsurance_percent =
        parse_percent(report, fields, "coinsurance_percent", Decimal::from(20));
    let retry = parse_retry(report, fields);
    let batch_size = parse_batch_size(report, fields);
    let replies_to = replies_to?;
    Some(TestClearinghouse {
        replies_to_at: report.pos(&replies_to.span()),
        replies_to: replies_to.get_ref().to_string(),
        remittance_delay_seconds,
        deny_procedures,
        allowed_percent,
        coinsurance_percent,
        retry,
        batch_size,
    })
}

/// The optional `deny_procedures` list: procedure codes (letters and digits), no repeats.
fn parse_deny_procedures(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> Vec<String> {
    let Some(codes) = fields.str_array(report, "deny_procedures") else {
        if fields.get("deny_procedures").is_some() {
            return Vec::new();
        }
        return DEFAULT_DENY_PROCEDURES
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for code in codes.get_ref() {
        let text = *code.get_ref();
        if text.is_empty()
            || text.len() > MAX_PROCEDURE_LEN
            || !text.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            report.at(
                &code.span(),
                format!(
                    "elements of `deny_procedures` in {} must be procedure codes: 1 to {MAX_PROCEDURE_LEN} letters and digits",
                    fields.place()
                ),
            );
            continue;
        }
        if !seen.insert(text.to_ascii_uppercase()) {
            report.at(
                &code.span(),
                format!(
                    "`deny_procedures` in {} names procedure `{text}` more than once",
                    fields.place()
                ),
            );
            continue;
        }
        out.push(text.to_owned());
    }
    out
}

/// An optional percentage from 0 to 100: a decimal string (`"80"`, `"72.5"`) or an integer.
/// Floats are refused: they are not exact. `default` when absent or wrong.
fn parse_percent(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    default: Decimal,
) -> Decimal {
    let Some(value) = fields.get(key) else {
        return default;
    };
    let parsed = match value.get_ref() {
        DeValue::String(text) => decimal(text),
        DeValue::Integer(int) => i128::from_str_radix(int.as_str(), int.radix())
            .ok()
            .and_then(|n| i64::try_from(n).ok())
            .map(Decimal::from),
        DeValue::Float(_) => {
            fields.invalid(
                report,
                key,
                &value.span(),
                "must be a decimal string such as \"80\", not a float (floats are not exact)",
            );
            return default;
        }
        _ => {
            fields.wrong_type(report, key, value, "a decimal string such as \"80\"");
            return default;
        }
    };
    match parsed {
        Some(p) if p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED => p,
        _ => {
            fields.invalid(
                report,
                key,
                &value.span(),
                "must be a percentage from 0 to 100, such as \"80\" or \"72.5\"",
            );
            default
        }
    }
}

/// A plain decimal: digits with an optional fraction of at most four digits.
fn decimal(text: &str) -> Option<Decimal> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fraction_ok = !text.contains('.') || (!fraction.is_empty() && fraction.len() <= 4);
    if whole.is_empty() || whole.len() > 6 || !digits(whole) || !digits(fraction) || !fraction_ok {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// Checks that the `replies_to` of every `test-clearinghouse` endpoint is a defined inbound
/// endpoint. `transports` holds every endpoint defined, with its transport when known.
pub(crate) fn check_replies_to(
    report: &mut Report<'_>,
    built: &BTreeMap<String, EndpointConfig>,
    transports: &BTreeMap<String, Option<&'static str>>,
) {
    for endpoint in built.values() {
        let Transport::TestClearinghouse(tc) = &endpoint.transport else {
            continue;
        };
        let place = format!("`replies_to` in [endpoints.{}]", endpoint.name);
        let name = &tc.replies_to;
        let problem = match transports.get(name) {
            None => format!(
                "{place} names endpoint `{name}`, which is not defined (no [endpoints.{name}] table)"
            ),
            Some(Some(transport)) if !is_inbound(transport) => format!(
                "{place} names endpoint `{name}`, which is outbound (transport `{transport}`); the test clearinghouse answers through an inbound endpoint (http, fhir, dir)"
            ),
            Some(_) => continue,
        };
        report.push(Some(tc.replies_to_at), problem);
    }
}
