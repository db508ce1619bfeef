//! `[[routes]]`: which messages go from one inbound endpoint to which
//! outbound endpoints.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;
use toml::de::DeValue;

use super::endpoints::is_inbound;
use super::fields::{Fields, with_article};
use super::kind::{kind_names, parse_kind};
use super::model::RouteConfig;
use super::problem::Report;

const ROUTE_KEYS: &[&str] = &[
    "name",
    "from",
    "kinds",
    "match",
    "to",
    "request_reply",
    "reply_timeout_ms",
];

/// How long a request/reply route waits for the reply by default (CAQH CORE's
/// limit for a real-time 271).
pub const DEFAULT_REPLY_TIMEOUT_MS: u64 = 20_000;

/// Reads every `[[routes]]` entry; `transports` maps each endpoint name to
/// its transport (when that is known).
pub(crate) fn parse(
    report: &mut Report<'_>,
    root: &Fields<'_, '_>,
    transports: &BTreeMap<String, Option<&'static str>>,
) -> Vec<RouteConfig> {
    let mut routes = Vec::new();
    let Some(array) = root.array(report, "routes") else {
        return routes;
    };
    let mut names = BTreeSet::new();
    for (index, value) in array.get_ref().iter().enumerate() {
        let place = format!("[[routes]] #{}", index + 1);
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
        let fields = Fields::new(report, table, value.span(), place, ROUTE_KEYS);

        let name = fields.str(report, "name");
        if let Some(name) = &name {
            if name.get_ref().is_empty() {
                fields.invalid(report, "name", &name.span(), "must not be empty");
            } else if !names.insert(name.get_ref().to_string()) {
                fields.invalid(
                    report,
                    "name",
                    &name.span(),
                    "repeats the name of an earlier route",
                );
            }
        }

        let from = fields.required_str(report, "from");
        if let Some(from) = &from {
            check_endpoint(report, &fields, "from", from, transports, true);
        }

        let kinds = parse_kinds(report, &fields);
        let matches = parse_matches(report, &fields);

        let to = fields.str_array(report, "to");
        if fields.get("to").is_none() {
            fields.missing(report, "to");
        }
        if let Some(to) = &to {
            if is_empty_array(&fields, "to") {
                fields.invalid(report, "to", &to.span(), "must name at least one endpoint");
            }
            let mut seen = BTreeSet::new();
            for target in to.get_ref() {
                if !seen.insert(*target.get_ref()) {
                    report.at(
                        &target.span(),
                        format!(
                            "`to` in {} names endpoint `{}` more than once",
                            fields.place(),
                            target.get_ref()
                        ),
                    );
                } else {
                    check_endpoint(report, &fields, "to", target, transports, false);
                }
            }
        }

        let request_reply = fields.bool(report, "request_reply", false);
        let reply_timeout_ms = fields.uint(
            report,
            "reply_timeout_ms",
            1,
            600_000,
            DEFAULT_REPLY_TIMEOUT_MS,
        );
        if !request_reply && let Some(v) = fields.get("reply_timeout_ms") {
            fields.invalid(
                report,
                "reply_timeout_ms",
                &v.span(),
                "applies only with `request_reply = true`",
            );
        }

        if let (Some(from), Some(to)) = (from, to) {
            routes.push(RouteConfig {
                name: name.map(|name| name.get_ref().to_string()),
                from: from.get_ref().to_string(),
                kinds,
                matches,
                to: to
                    .get_ref()
                    .iter()
                    .map(|t| t.get_ref().to_string())
                    .collect(),
                request_reply,
                reply_timeout_ms,
                at: report.pos(&fields.span()),
            });
        }
    }
    routes
}

/// Checks that `name` is a defined endpoint going the right way.
fn check_endpoint(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    name: &Spanned<&str>,
    transports: &BTreeMap<String, Option<&'static str>>,
    inbound: bool,
) {
    let endpoint = name.get_ref();
    match transports.get(*endpoint) {
        None => report.at(
            &name.span(),
            format!(
                "`{key}` in {} names endpoint `{endpoint}`, which is not defined (no [endpoints.{endpoint}] table)",
                fields.place()
            ),
        ),
        Some(Some(transport)) if is_inbound(transport) != inbound => {
            let rule = if inbound {
                "`from` must be an inbound endpoint (http, dir)"
            } else {
                "`to` must name outbound endpoints (dir-out, http-out, fhir-out, test-clearinghouse)"
            };
            let direction = if inbound { "outbound" } else { "inbound" };
            report.at(
                &name.span(),
                format!(
                    "`{key}` in {} names endpoint `{endpoint}`, which is {direction} (transport `{transport}`); {rule}",
                    fields.place()
                ),
            );
        }
        // Defined and going the right way, or its transport has its own problem.
        Some(_) => {}
    }
}

/// Whether `key` is present and an empty array.
fn is_empty_array(fields: &Fields<'_, '_>, key: &str) -> bool {
    fields
        .get(key)
        .is_some_and(|value| matches!(value.get_ref(), DeValue::Array(array) if array.is_empty()))
}

/// The optional `kinds` list: non-empty, known kinds, no repeats.
fn parse_kinds(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> Option<Vec<super::Kind>> {
    let kinds = fields.str_array(report, "kinds")?;
    if is_empty_array(fields, "kinds") {
        fields.invalid(
            report,
            "kinds",
            &kinds.span(),
            "must name at least one kind (leave `kinds` out to take every kind)",
        );
    }
    let mut parsed = Vec::new();
    for kind in kinds.get_ref() {
        match parse_kind(kind.get_ref()) {
            Some(k) if parsed.contains(&k) => report.at(
                &kind.span(),
                format!(
                    "`kinds` in {} names kind `{}` more than once",
                    fields.place(),
                    kind.get_ref()
                ),
            ),
            Some(k) => parsed.push(k),
            None => report.at(
                &kind.span(),
                format!(
                    "unknown message kind `{}` in {} (expected one of: {})",
                    kind.get_ref(),
                    fields.place(),
                    kind_names()
                ),
            ),
        }
    }
    Some(parsed)
}

/// The optional `match` table: dotted JSON paths to exact string values.
/// Bare dotted keys (`a.b = "x"`, which TOML reads as nested tables) and
/// quoted ones (`"a.b" = "x"`) mean the same path.
fn parse_matches(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> BTreeMap<String, String> {
    let mut matches = BTreeMap::new();
    if let Some(table) = fields.map(report, "match") {
        let place = table.place().to_string();
        for (key, value) in table.entries() {
            flatten_match(report, &place, key.get_ref(), key, value, &mut matches);
        }
    }
    matches
}

/// Adds `path = value` to `matches`, descending into nested tables.
fn flatten_match(
    report: &mut Report<'_>,
    place: &str,
    path: &str,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    matches: &mut BTreeMap<String, String>,
) {
    if key.get_ref().split('.').any(str::is_empty) {
        report.at(
            &key.span(),
            format!("`{path}` in {place} is not a dotted path: segments separated by single dots, none empty"),
        );
    }
    match value.get_ref() {
        DeValue::String(text) => {
            matches.insert(path.to_string(), text.to_string());
        }
        DeValue::Table(nested) => {
            for (inner_key, inner_value) in nested.iter() {
                let inner_path = format!("{path}.{}", inner_key.get_ref());
                flatten_match(report, place, &inner_path, inner_key, inner_value, matches);
            }
        }
        other => report.at(
            &value.span(),
            format!(
                "`{path}` in {place} must be matched against a string, not {} (quote numbers: \"12345\")",
                with_article(other.type_str())
            ),
        ),
    }
}
