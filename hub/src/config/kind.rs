//! Message kinds a route can filter on: the schemas crate's [`Kind`].

pub use clearway_schemas::Kind;

/// Reads a kind as written in `kinds = [...]`.
pub(crate) fn parse_kind(name: &str) -> Option<Kind> {
    name.parse::<Kind>().ok()
}

/// Every kind's name, for "expected one of" messages.
pub(crate) fn kind_names() -> String {
    Kind::ALL.map(Kind::as_str).join(", ")
}
