//! `[connectors.NAME]` tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeValue;

use super::document::resolve_path;
use super::fields::{Fields, NAME_RULE, is_valid_name};
use super::model::{ConnectorConfig, Limits};
use super::problem::Report;
use super::value::ConfigValue;

const CONNECTOR_KEYS: &[&str] = &["plugin", "sha256", "limits", "config", "grants"];
/// Host capabilities an operator can grant a connector.
pub const CAPABILITIES: &[&str] = &["control-numbers"];
const LIMIT_KEYS: &[&str] = &["memory_mib", "timeout_ms", "max_output_mib"];

/// The connectors read from the file.
pub(crate) struct Connectors {
    /// Connectors without problems, by name.
    pub(crate) built: BTreeMap<String, ConnectorConfig>,
    /// Every connector name defined, valid or not, so that endpoints naming
    /// a connector with problems get no second, misleading problem.
    pub(crate) names: BTreeSet<String>,
}

/// Reads every `[connectors.NAME]` table.
pub(crate) fn parse(report: &mut Report<'_>, root: &Fields<'_, '_>, base_dir: &Path) -> Connectors {
    let mut connectors = Connectors {
        built: BTreeMap::new(),
        names: BTreeSet::new(),
    };
    let Some(section) = root.map(report, "connectors") else {
        return connectors;
    };
    for (key, value) in section.entries() {
        let name = key.get_ref().to_string();
        connectors.names.insert(name.clone());
        if !is_valid_name(&name) {
            report.at(&key.span(), format!("connector name `{name}` {NAME_RULE}"));
        }
        let DeValue::Table(table) = value.get_ref() else {
            section.wrong_type(report, &name, value, "a table");
            continue;
        };
        let fields = Fields::new(
            report,
            table,
            value.span(),
            format!("[connectors.{name}]"),
            CONNECTOR_KEYS,
        );
        if let Some(connector) = parse_connector(report, &fields, name.clone(), base_dir) {
            connectors.built.insert(name, connector);
        }
    }
    connectors
}

/// Reads one connector table; `None` once a problem kept it from being built.
fn parse_connector(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    name: String,
    base_dir: &Path,
) -> Option<ConnectorConfig> {
    let plugin = fields.required_str(report, "plugin");
    let plugin_path = plugin
        .as_ref()
        .and_then(|plugin| resolve_path(report, fields, "plugin", plugin, base_dir));

    let sha256 = fields.str(report, "sha256");
    if let Some(sha256) = &sha256 {
        let digest = sha256.get_ref();
        if digest.len() != 64
            || !digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            fields.invalid(
                report,
                "sha256",
                &sha256.span(),
                "must be 64 lowercase hexadecimal digits (a SHA-256 digest)",
            );
        }
    }

    let limits = match fields.table(report, "limits", LIMIT_KEYS) {
        Some(limits) => {
            let default = Limits::default();
            Limits {
                memory_mib: uint32(report, &limits, "memory_mib", 4096, default.memory_mib),
                timeout_ms: uint32(report, &limits, "timeout_ms", 600_000, default.timeout_ms),
                max_output_mib: uint32(
                    report,
                    &limits,
                    "max_output_mib",
                    1024,
                    default.max_output_mib,
                ),
            }
        }
        None => Limits::default(),
    };

    let mut config = BTreeMap::new();
    let mut config_at = BTreeMap::new();
    if let Some(values) = fields.map(report, "config") {
        for (key, value) in values.entries() {
            let key_name = key.get_ref().to_string();
            if key_name.is_empty() {
                report.at(
                    &key.span(),
                    format!("keys of {} must not be empty", values.place()),
                );
            }
            let DeValue::String(text) = value.get_ref() else {
                report.at(
                    &value.span(),
                    format!(
                        "values of {} must be strings (use quotes, e.g. \"true\" or \"10\")",
                        values.place()
                    ),
                );
                continue;
            };
            match ConfigValue::from_text(text, base_dir) {
                Ok(resolved) => {
                    config_at.insert(key_name.clone(), report.pos(&value.span()));
                    config.insert(key_name, resolved);
                }
                Err(error) => report.at(
                    &value.span(),
                    format!("`{key_name}` in {}: {}", values.place(), error.message()),
                ),
            }
        }
    }

    let mut grants = Vec::new();
    if let Some(list) = fields.str_array(report, "grants") {
        for g in list.get_ref() {
            let name = *g.get_ref();
            if !CAPABILITIES.contains(&name) {
                fields.invalid(
                    report,
                    "grants",
                    &g.span(),
                    &format!(
                        "names `{name}`, which is not a capability (expected one of: {})",
                        CAPABILITIES.join(", ")
                    ),
                );
            } else if !grants.iter().any(|x: &String| x == name) {
                grants.push(name.to_owned());
            }
        }
    }

    Some(ConnectorConfig {
        grants,
        at: report.pos(&fields.span()),
        plugin_at: report.pos(&plugin.as_ref()?.span()),
        plugin: plugin_path?,
        sha256_at: sha256.as_ref().map(|s| report.pos(&s.span())),
        sha256: sha256.map(|s| s.get_ref().to_string()),
        name,
        limits,
        config,
        config_at,
    })
}

/// A `u32` setting in `1..=max`.
fn uint32(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    max: u32,
    default: u32,
) -> u32 {
    let value = fields.uint(report, key, 1, u64::from(max), u64::from(default));
    u32::try_from(value).unwrap_or(default)
}
