//! The hub's configuration (`clearway.toml`): parse, then check, then build.
//!
//! [`parse`] reads the text and checks every rule that needs no IO, and
//! reports *every* problem at once, each with file, line and column: syntax,
//! unknown keys (with the keys that are allowed), wrong types, values out of
//! range, missing keys, bad names, and references between tables (an endpoint
//! naming a missing connector, a route from an outbound endpoint, ...).
//! [`check_files`] does the checks that need the file system and the
//! environment (plugin files, folders, secret references), and [`check`]
//! runs both and returns every problem of a file together, as
//! `clearway check` prints them. Nothing here opens a socket or a store.
//!
//! `docs/configuration.md` is the reference for every key.

mod alerts;
mod connectors;
mod console;
mod document;
mod endpoints;
mod fields;
mod files;
mod glob;
mod kind;
mod model;
mod problem;
mod retention;
mod routes;
mod value;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use files::check_files;
pub use kind::Kind;
pub use model::{
    AlertCondition, AlertRule, AlertsConfig, Config, ConnectorConfig, ConsoleConfig,
    DeliveryLimits, DirIn, DirOut, Durability, EndpointConfig, FhirCollections, FhirOut,
    HttpMethod, HttpOut, HttpSettings, HubConfig, Limits, LogFormat, RetentionConfig,
    RetentionDays, RetryPolicy, RouteConfig, TestClearinghouse, TlsConfig, Transport,
};
pub use problem::{ConfigErrors, Pos, Problem};
pub use value::{ConfigValue, SecretError};

// What the transports' own parsers (`transport/*/config.rs`) read their keys with.
pub(crate) use document::resolve_path;
pub(crate) use endpoints::{is_inbound, parse_batch_size, parse_retry};
pub(crate) use fields::Fields;
pub(crate) use glob::{check_pattern, glob_matches};
pub(crate) use problem::Report;

/// Reads, parses and checks the configuration file at `path`.
///
/// Relative paths in the file are resolved against the file's folder, made
/// absolute. Does no other IO: plugin files, folders and secrets are
/// [`check_files`]'s business.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = read_text(path).map_err(|problem| ConfigErrors(vec![problem]))?;
    into_result(document::read_document(
        path,
        &absolute_folder_of(path),
        &text,
    ))
}

/// Parses and checks `text` as the contents of the file at `path` (which is
/// not read), resolving relative paths against `path`'s folder as given.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigErrors> {
    into_result(document::read_document(path, &folder_of(path), text))
}

/// Everything `clearway check` reports about the file at `path`, in file
/// order: the problems [`load`] finds and, on the configuration as far as it
/// could be built, the problems [`check_files`] finds. Empty when all is well.
pub fn check(path: &Path) -> Vec<Problem> {
    match read_text(path) {
        Ok(text) => check_all(document::read_document(
            path,
            &absolute_folder_of(path),
            &text,
        )),
        Err(problem) => vec![problem],
    }
}

/// [`check`] on `text` as the contents of the file at `path` (which is not
/// read; the files it names are), resolving relative paths as [`parse`] does.
pub fn check_text(path: &Path, text: &str) -> Vec<Problem> {
    check_all(document::read_document(path, &folder_of(path), text))
}

fn into_result((config, problems): (Option<Config>, Vec<Problem>)) -> Result<Config, ConfigErrors> {
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => Err(ConfigErrors(problems)),
    }
}

fn check_all((config, mut problems): (Option<Config>, Vec<Problem>)) -> Vec<Problem> {
    if let Some(config) = config {
        problems.extend(check_files(&config));
        problem::sort_problems(&mut problems);
    }
    problems
}

fn read_text(path: &Path) -> Result<String, Problem> {
    std::fs::read_to_string(path).map_err(|e| Problem {
        file: path.to_path_buf(),
        pos: None,
        message: format!("cannot read the configuration file: {e}"),
    })
}

/// The folder of a file path; `.` for a bare file name.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The folder of a file path, made absolute against the current directory.
fn absolute_folder_of(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    folder_of(&absolute)
}
