//! `[console]`: the coordinator console's settings.

use std::collections::BTreeMap;

use toml::de::DeValue;

use super::fields::Fields;
use super::model::ConsoleConfig;
use super::problem::Report;

/// Keys allowed in `[console]`.
const CONSOLE_KEYS: &[&str] = &[
    "time_zone",
    "timely_filing_days",
    "payer_timely_filing_days",
];

/// Reads `[console]`; every key has a default, so the table may be left out.
pub(crate) fn parse(report: &mut Report<'_>, root: &Fields<'_, '_>) -> ConsoleConfig {
    let mut console = ConsoleConfig::default();
    let Some(value) = root.get("console") else {
        return console;
    };
    let DeValue::Table(table) = value.get_ref() else {
        root.wrong_type(report, "console", value, "a table");
        return console;
    };
    let fields = Fields::new(
        report,
        table,
        value.span(),
        "[console]".to_string(),
        CONSOLE_KEYS,
    );
    if let Some(tz) = fields.str(report, "time_zone") {
        match jiff::tz::TimeZone::get(tz.get_ref()) {
            Ok(_) => console.time_zone = tz.get_ref().to_string(),
            Err(_) => fields.invalid(
                report,
                "time_zone",
                &tz.span(),
                "must be an IANA time zone name such as `America/Chicago` or `UTC`",
            ),
        }
    }
    console.timely_filing_days = fields.uint(report, "timely_filing_days", 1, 3650, 365) as u32;
    if let Some(map) = fields.map(report, "payer_timely_filing_days") {
        let mut payers = BTreeMap::new();
        for (payer, v) in map.entries() {
            match v.get_ref() {
                DeValue::Integer(i) => match i.as_str().parse::<u32>() {
                    Ok(n) if (1..=3650).contains(&n) => {
                        payers.insert(payer.get_ref().to_string(), n);
                    }
                    _ => report.at(
                        &v.span(),
                        format!(
                            "`{}` in [console] payer_timely_filing_days must be a number of days between 1 and 3650",
                            payer.get_ref()
                        ),
                    ),
                },
                _ => map.wrong_type(report, payer.get_ref(), v, "an integer (days)"),
            }
        }
        console.payer_timely_filing_days = payers;
    }
    console
}
