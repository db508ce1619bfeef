//! `[alerts]`: rules over endpoints' traffic and queues, fired to a webhook.

use std::collections::{BTreeMap, BTreeSet};

use toml::de::DeValue;

use super::fields::{Fields, with_article};
use super::model::{AlertCondition, AlertRule, AlertsConfig};
use super::problem::Report;

const KEYS: &[&str] = &["webhook", "interval_seconds", "rules"];
const RULE_KEYS: &[&str] = &[
    "name",
    "endpoint",
    "error_rate_percent",
    "window_minutes",
    "min_messages",
    "no_traffic_minutes",
    "queue_depth",
    "oldest_minutes",
];
/// The keys of which a rule has exactly one.
const CONDITIONS: &[&str] = &[
    "error_rate_percent",
    "no_traffic_minutes",
    "queue_depth",
    "oldest_minutes",
];

/// Reads `[alerts]`; `transports` maps endpoint names to their transport.
pub(crate) fn parse(
    report: &mut Report<'_>,
    root: &Fields<'_, '_>,
    transports: &BTreeMap<String, Option<&'static str>>,
) -> AlertsConfig {
    let mut cfg = AlertsConfig::default();
    let Some(fields) = root.table(report, "alerts", KEYS) else {
        return cfg;
    };
    cfg.interval_seconds = fields.uint(report, "interval_seconds", 1, 3600, 10);
    if let Some(w) = fields.required_str(report, "webhook") {
        match transports.get(*w.get_ref()) {
            Some(Some("http-out")) | Some(None) => cfg.webhook = Some(w.get_ref().to_string()),
            Some(Some(other)) => fields.invalid(
                report,
                "webhook",
                &w.span(),
                &format!(
                    "names endpoint `{}`, a `{other}` endpoint; it must be an `http-out` one",
                    w.get_ref()
                ),
            ),
            None => fields.invalid(
                report,
                "webhook",
                &w.span(),
                &format!("names endpoint `{}`, which is not defined", w.get_ref()),
            ),
        }
    }
    let Some(rules) = fields.array(report, "rules") else {
        return cfg;
    };
    let mut names = BTreeSet::new();
    for (i, value) in rules.get_ref().iter().enumerate() {
        let place = format!("[[alerts.rules]] #{}", i + 1);
        let DeValue::Table(table) = value.get_ref() else {
            report.at(
                &value.span(),
                format!(
                    "{place} must be a table, not {}",
                    with_article(value.get_ref().type_str())
                ),
            );
            continue;
        };
        let r = Fields::new(report, table, value.span(), place, RULE_KEYS);
        let name = r.required_str(report, "name");
        if let Some(n) = &name
            && !names.insert(n.get_ref().to_string())
        {
            r.invalid(
                report,
                "name",
                &n.span(),
                "repeats the name of an earlier rule",
            );
        }
        let endpoint = r.required_str(report, "endpoint");
        if let Some(e) = &endpoint
            && !transports.contains_key(*e.get_ref())
        {
            r.invalid(
                report,
                "endpoint",
                &e.span(),
                &format!("names endpoint `{}`, which is not defined", e.get_ref()),
            );
        }
        let given: Vec<&str> = CONDITIONS
            .iter()
            .copied()
            .filter(|k| r.get(k).is_some())
            .collect();
        if given.len() != 1 {
            report.at(
                &r.span(),
                format!(
                    "{} needs exactly one of {} (it has {})",
                    r.place(),
                    CONDITIONS.join(", "),
                    if given.is_empty() {
                        "none".to_string()
                    } else {
                        given.join(", ")
                    }
                ),
            );
            continue;
        }
        let condition = match given[0] {
            "error_rate_percent" => AlertCondition::ErrorRate {
                percent: r.uint(report, "error_rate_percent", 1, 100, 1) as u32,
                window_minutes: r.uint(report, "window_minutes", 1, 24 * 60, 5),
                min_messages: r.uint(report, "min_messages", 1, 1_000_000, 10),
            },
            "no_traffic_minutes" => AlertCondition::NoTraffic {
                minutes: r.uint(report, "no_traffic_minutes", 1, 7 * 24 * 60, 1),
            },
            "queue_depth" => AlertCondition::QueueDepth {
                above: r.uint(report, "queue_depth", 1, 1_000_000_000, 1),
            },
            _ => AlertCondition::OldestMessage {
                minutes: r.uint(report, "oldest_minutes", 1, 7 * 24 * 60, 1),
            },
        };
        if let (Some(name), Some(endpoint)) = (name, endpoint) {
            cfg.rules.push(AlertRule {
                name: name.get_ref().to_string(),
                endpoint: endpoint.get_ref().to_string(),
                condition,
            });
        }
    }
    cfg
}
