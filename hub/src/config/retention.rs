//! `[retention]`: how long each stage of what the hub keeps is kept.

use super::fields::Fields;
use super::kind::{kind_names, parse_kind};
use super::model::{RetentionConfig, RetentionDays};
use super::problem::Report;

const KEYS: &[&str] = &[
    "raw_days",
    "normalized_days",
    "history_days",
    "interval_seconds",
    "max_records_per_second",
    "kinds",
];
const KIND_KEYS: &[&str] = &["normalized_days", "history_days"];
/// The longest retention written: 100 years.
const MAX_DAYS: u64 = 36_500;

/// Reads `[retention]`; left out, nothing is ever removed.
pub(crate) fn parse(report: &mut Report<'_>, root: &Fields<'_, '_>) -> RetentionConfig {
    let mut r = RetentionConfig::default();
    let Some(fields) = root.table(report, "retention", KEYS) else {
        return r;
    };
    let days = |report: &mut Report<'_>, f: &Fields<'_, '_>, key: &str| {
        f.get(key)
            .is_some()
            .then(|| f.uint(report, key, 1, MAX_DAYS, 1) as u32)
    };
    r.raw_days = days(report, &fields, "raw_days");
    r.default = RetentionDays {
        normalized_days: days(report, &fields, "normalized_days"),
        history_days: days(report, &fields, "history_days"),
    };
    r.interval_seconds = fields.uint(report, "interval_seconds", 1, 86_400, 60);
    // 0 (or left out): the default (`records_per_second`).
    r.max_records_per_second = fields.uint(
        report,
        "max_records_per_second",
        0,
        RetentionConfig::MAX_RATE,
        0,
    );
    check_order(report, &fields, r.raw_days, r.default);
    if let Some(kinds) = fields.map(report, "kinds") {
        for (name, value) in kinds.entries() {
            let Some(kind) = parse_kind(name.get_ref()) else {
                report.at(
                    &name.span(),
                    format!(
                        "unknown kind `{}` in {} (expected one of: {})",
                        name.get_ref(),
                        kinds.place(),
                        kind_names()
                    ),
                );
                continue;
            };
            let Some(k) = kinds.table(report, name.get_ref(), KIND_KEYS) else {
                continue;
            };
            let d = RetentionDays {
                normalized_days: days(report, &k, "normalized_days").or(r.default.normalized_days),
                history_days: days(report, &k, "history_days").or(r.default.history_days),
            };
            check_order(report, &k, None, d);
            let _ = value;
            r.kinds.insert(kind, d);
        }
    }
    r
}

/// History must outlive the payloads it describes.
fn check_order(report: &mut Report<'_>, f: &Fields<'_, '_>, raw: Option<u32>, d: RetentionDays) {
    let Some(history) = d.history_days else {
        return;
    };
    for (key, days) in [("raw_days", raw), ("normalized_days", d.normalized_days)] {
        if let Some(days) = days
            && days > history
        {
            let at = f.get("history_days").map_or_else(|| f.span(), |v| v.span());
            report.at(
                &at,
                format!(
                    "`history_days` in {} ({history}) must not be less than `{key}` ({days}): a record's history must outlive its payloads",
                    f.place()
                ),
            );
        }
    }
}
