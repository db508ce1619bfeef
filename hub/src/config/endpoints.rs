//! `[endpoints.NAME]` tables: the transport, its settings, and the
//! connector it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeValue;

use super::fields::{Fields, NAME_RULE, is_valid_name};
use super::model::{DeliveryLimits, EndpointConfig, RetryPolicy, Transport};
use super::problem::Report;
use crate::transport::{dir_in, dir_out, fhir_out, http_out, test_clearinghouse};

/// Transports that exist.
pub(crate) const TRANSPORTS: &[&str] = &[
    "http",
    "fhir",
    "dir",
    "dir-out",
    "http-out",
    "fhir-out",
    "test-clearinghouse",
];
/// Transports the design names but this version does not have.
const RESERVED_TRANSPORTS: &[&str] = &["mllp", "sftp"];

const HTTP_KEYS: &[&str] = &["transport", "connector", "acknowledgments", "max_body_mib"];
const RETRY_KEYS: &[&str] = &["max_attempts", "initial_backoff_ms", "max_backoff_ms"];
const DELIVERY_KEYS: &[&str] = &[
    "concurrency",
    "rate_per_second",
    "breaker_failures",
    "breaker_cooldown_ms",
    "ordered",
];

/// The endpoints read from the file.
pub(crate) struct Endpoints {
    /// Endpoints without problems, by name.
    pub(crate) built: BTreeMap<String, EndpointConfig>,
    /// Every endpoint name defined, valid or not, with its transport when
    /// that is one of [`TRANSPORTS`], so that routes naming an endpoint with
    /// problems get no second, misleading problem.
    pub(crate) transports: BTreeMap<String, Option<&'static str>>,
}

/// Whether a transport (one of [`TRANSPORTS`]) brings messages in.
pub(crate) fn is_inbound(transport: &str) -> bool {
    matches!(transport, "http" | "fhir" | "dir")
}

/// Reads every `[endpoints.NAME]` table.
pub(crate) fn parse(
    report: &mut Report<'_>,
    root: &Fields<'_, '_>,
    base_dir: &Path,
    connectors: &BTreeSet<String>,
) -> Endpoints {
    let mut endpoints = Endpoints {
        built: BTreeMap::new(),
        transports: BTreeMap::new(),
    };
    let Some(section) = root.map(report, "endpoints") else {
        return endpoints;
    };
    let mut ack_targets = Vec::new();
    for (key, value) in section.entries() {
        let name = key.get_ref().to_string();
        endpoints.transports.insert(name.clone(), None);
        if !is_valid_name(&name) {
            report.at(&key.span(), format!("endpoint name `{name}` {NAME_RULE}"));
        }
        let DeValue::Table(table) = value.get_ref() else {
            section.wrong_type(report, &name, value, "a table");
            continue;
        };
        let place = format!("[endpoints.{name}]");

        // The transport decides which other keys are allowed, so read it first.
        let transport = table.get("transport");
        let known = match transport.map(|t| (t, t.get_ref())) {
            Some((t, DeValue::String(s))) => {
                match TRANSPORTS.iter().find(|known| **known == s.as_ref()) {
                    Some(known) => Some(*known),
                    None if RESERVED_TRANSPORTS.contains(&s.as_ref()) => {
                        report.at(&t.span(), format!("transport `{s}` is not available yet"));
                        None
                    }
                    None => {
                        report.at(
                            &t.span(),
                            format!(
                                "unknown transport `{s}` in {place} (expected one of: {})",
                                TRANSPORTS.join(", ")
                            ),
                        );
                        None
                    }
                }
            }
            _ => None,
        };
        endpoints.transports.insert(name.clone(), known);

        let allowed: Vec<&str> = match known {
            Some(transport) => keys_of(transport).to_vec(),
            None => all_keys(),
        };
        let fields = Fields::new(report, table, value.span(), place, &allowed);
        // Reports a missing or mistyped `transport`.
        fields.required_str(report, "transport");

        let connector = fields.required_str(report, "connector");
        if let Some(connector) = &connector
            && !connectors.contains(*connector.get_ref())
        {
            report.at(
                &connector.span(),
                format!(
                    "connector `{0}` is not defined (no [connectors.{0}] table)",
                    connector.get_ref()
                ),
            );
        }

        let acknowledgments = fields.str(report, "acknowledgments");
        if let Some(target) = &acknowledgments {
            ack_targets.push((
                format!("`acknowledgments` in {}", fields.place()),
                target.get_ref().to_string(),
                target.span(),
            ));
        }

        let max_body_mib = fields.uint(report, "max_body_mib", 1, 1024, 64) as u32;
        let settings = match known {
            Some("http") => Some(Transport::Http),
            Some("fhir") => Some(Transport::Fhir),
            Some("dir") => dir_in::config::parse(report, &fields, base_dir).map(Transport::Dir),
            Some("dir-out") => {
                dir_out::config::parse(report, &fields, base_dir).map(Transport::DirOut)
            }
            Some("http-out") => {
                http_out::config::parse(report, &fields, base_dir).map(Transport::HttpOut)
            }
            Some("fhir-out") => {
                fhir_out::config::parse(report, &fields, base_dir).map(Transport::FhirOut)
            }
            Some("test-clearinghouse") => {
                test_clearinghouse::config::parse(report, &fields).map(Transport::TestClearinghouse)
            }
            _ => None,
        };
        if let (Some(transport), Some(connector)) = (settings, connector) {
            let endpoint = EndpointConfig {
                name: name.clone(),
                connector: connector.get_ref().to_string(),
                transport,
                acknowledgments: acknowledgments.map(|a| a.get_ref().to_string()),
                max_body_mib,
                delivery: match known {
                    Some("dir-out" | "http-out" | "fhir-out" | "test-clearinghouse") => {
                        parse_delivery(report, &fields)
                    }
                    _ => DeliveryLimits::default(),
                },
                at: report.pos(&fields.span()),
            };
            endpoints.built.insert(name, endpoint);
        }
    }
    for (place, target, span) in ack_targets {
        match endpoints.transports.get(&target) {
            None => report.at(
                &span,
                format!("{place} names endpoint `{target}`, which is not defined"),
            ),
            Some(Some(transport)) if is_inbound(transport) => report.at(
                &span,
                format!(
                    "{place} names endpoint `{target}`, which is inbound (transport `{transport}`); acknowledgments go to an outbound endpoint (dir-out, http-out)"
                ),
            ),
            Some(_) => {}
        }
    }
    http_out::config::check_replies_from(report, &endpoints.built, &endpoints.transports);
    test_clearinghouse::config::check_replies_to(report, &endpoints.built, &endpoints.transports);
    endpoints
}

/// Keys allowed for a transport in [`TRANSPORTS`].
fn keys_of(transport: &str) -> &'static [&'static str] {
    match transport {
        "dir" => dir_in::config::KEYS,
        "dir-out" => dir_out::config::KEYS,
        "http-out" => http_out::config::KEYS,
        "fhir-out" => fhir_out::config::KEYS,
        "test-clearinghouse" => test_clearinghouse::config::KEYS,
        _ => HTTP_KEYS,
    }
}

/// Keys allowed for some transport, when the transport is not known.
fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for key in [
        HTTP_KEYS,
        dir_in::config::KEYS,
        dir_out::config::KEYS,
        http_out::config::KEYS,
        fhir_out::config::KEYS,
        test_clearinghouse::config::KEYS,
    ]
    .concat()
    {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The optional `retry` table of an outbound endpoint.
pub(crate) fn parse_retry(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> RetryPolicy {
    let default = RetryPolicy::default();
    let Some(retry) = fields.table(report, "retry", RETRY_KEYS) else {
        return default;
    };
    let max_attempts = retry.uint(
        report,
        "max_attempts",
        1,
        100_000,
        u64::from(default.max_attempts),
    );
    let policy = RetryPolicy {
        max_attempts: u32::try_from(max_attempts).unwrap_or(default.max_attempts),
        initial_backoff_ms: retry.uint(
            report,
            "initial_backoff_ms",
            1,
            3_600_000,
            default.initial_backoff_ms,
        ),
        max_backoff_ms: retry.uint(
            report,
            "max_backoff_ms",
            1,
            86_400_000,
            default.max_backoff_ms,
        ),
    };
    if policy.max_backoff_ms < policy.initial_backoff_ms {
        let at = retry
            .get("max_backoff_ms")
            .or_else(|| retry.get("initial_backoff_ms"))
            .map_or_else(|| retry.span(), |value| value.span());
        report.at(
            &at,
            format!(
                "`max_backoff_ms` in {} must not be less than `initial_backoff_ms`",
                retry.place()
            ),
        );
    }
    policy
}

/// The optional `delivery` table of an outbound endpoint.
fn parse_delivery(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> DeliveryLimits {
    let default = DeliveryLimits::default();
    let Some(d) = fields.table(report, "delivery", DELIVERY_KEYS) else {
        return default;
    };
    let ordered = d.bool(report, "ordered", false);
    // Ordered means one payload at a time: any other `concurrency` contradicts it
    // (a value out of range is reported once, by `uint`).
    let unset = if ordered {
        1
    } else {
        default.concurrency as u64
    };
    let concurrency = d.uint(report, "concurrency", 1, 64, unset);
    if ordered
        && concurrency != 1
        && let Some(value) = d.get("concurrency")
    {
        d.invalid(
            report,
            "concurrency",
            &value.span(),
            "must be 1 (or left out) with `ordered = true`: an ordered destination sends one payload at a time",
        );
    }
    DeliveryLimits {
        ordered,
        concurrency: if ordered {
            1
        } else {
            usize::try_from(concurrency).unwrap_or(default.concurrency)
        },
        rate_per_second: d
            .get("rate_per_second")
            .is_some()
            .then(|| d.uint(report, "rate_per_second", 1, 100_000, 1) as u32),
        breaker_failures: d.uint(
            report,
            "breaker_failures",
            0,
            100_000,
            u64::from(default.breaker_failures),
        ) as u32,
        breaker_cooldown_ms: d.uint(
            report,
            "breaker_cooldown_ms",
            100,
            3_600_000,
            default.breaker_cooldown_ms,
        ),
    }
}

/// The optional `batch_size` of an outbound endpoint.
pub(crate) fn parse_batch_size(report: &mut Report<'_>, fields: &Fields<'_, '_>) -> usize {
    let size = fields.uint(report, "batch_size", 1, 10_000, 100);
    usize::try_from(size).unwrap_or(100)
}
