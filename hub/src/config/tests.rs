//! Tests of the configuration module, by theme; shared helpers here.

mod example;
mod fhir_out;
mod files;
mod glob;
mod problems;
mod reliability;
mod routes;
mod test_clearinghouse;
mod values;

use std::path::Path;

use super::{Config, Problem, parse};

/// Where the test configurations pretend to live.
const FILE: &str = "/etc/clearway/clearway.toml";

/// A connector and one endpoint of each direction, valid, on lines 1 to 11.
const BASE: &str = r#"[connectors.json]
plugin = "json.wasm"

[endpoints.inbox]
transport = "http"
connector = "json"

[endpoints.outbox]
transport = "dir-out"
connector = "json"
path = "outbox"
"#;

/// Parses `text`, which must be valid.
fn ok(text: &str) -> Config {
    parse(Path::new(FILE), text).unwrap_or_else(|errors| panic!("unexpected problems:\n{errors}"))
}

/// Parses `text`, which must have problems, and returns them.
fn problems(text: &str) -> Vec<Problem> {
    match parse(Path::new(FILE), text) {
        Ok(_) => panic!("expected problems, the configuration parsed"),
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error without problems");
            errors.0
        }
    }
}

/// Each problem as `(line, column, message)`.
fn triples(problems: &[Problem]) -> Vec<(usize, usize, String)> {
    problems
        .iter()
        .map(|p| {
            let pos = p.pos.expect("every parse problem has a position");
            (pos.line, pos.column, p.message.clone())
        })
        .collect()
}

/// Parses `text`, which must have exactly one problem, and returns it as
/// `(line, column, message)`.
fn only(text: &str) -> (usize, usize, String) {
    let found = triples(&problems(text));
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    found.into_iter().next().expect("one problem")
}
