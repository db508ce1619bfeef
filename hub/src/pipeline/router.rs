//! Routing: which destination endpoints a decoded message goes to.

use clearway_schemas::Kind;
use serde_json::Value;

use crate::config::RouteConfig;

/// The routes of a config, ready to match.
#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<RouteConfig>,
}

impl Router {
    /// A router over `routes`, tried in order.
    pub fn new(routes: Vec<RouteConfig>) -> Router {
        Router { routes }
    }

    /// Every destination for a message of `kind` (whose JSON is `json`) that came
    /// in through `from`, in route order, without duplicates. Empty means unrouted.
    pub fn destinations(&self, from: &str, kind: Kind, json: &Value) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for route in &self.routes {
            if route.from != from {
                continue;
            }
            if let Some(kinds) = &route.kinds
                && !kinds.contains(&kind)
            {
                continue;
            }
            if !route
                .matches
                .iter()
                .all(|(path, want)| field_equals(json, path, want))
            {
                continue;
            }
            for to in &route.to {
                if !out.contains(to) {
                    out.push(to.clone());
                }
            }
        }
        out
    }
}

/// Whether the value at dotted `path` (object keys and array indexes, e.g.
/// `parties.payer.identifiers.0.value`) equals `want` as text.
pub fn field_equals(json: &Value, path: &str, want: &str) -> bool {
    let mut cur = json;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(map) => match map.get(seg) {
                Some(v) => v,
                None => return false,
            },
            Value::Array(items) => match seg.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match cur {
        Value::String(s) => s == want,
        Value::Number(n) => n.to_string() == want,
        Value::Bool(b) => b.to_string() == want,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Pos;
    use std::collections::BTreeMap;

    fn route(
        from: &str,
        kinds: Option<Vec<Kind>>,
        matches: &[(&str, &str)],
        to: &[&str],
    ) -> RouteConfig {
        RouteConfig {
            name: None,
            from: from.into(),
            kinds,
            matches: matches
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            to: to.iter().map(|s| s.to_string()).collect(),
            request_reply: false,
            reply_timeout_ms: 20_000,
            at: Pos { line: 1, column: 1 },
        }
    }

    #[test]
    fn kinds_matches_and_order() {
        let r = Router::new(vec![
            route("in", Some(vec![Kind::Claim]), &[], &["a"]),
            route(
                "in",
                None,
                &[("parties.payer.identifiers.0.value", "P1")],
                &["b", "a"],
            ),
            route("other", None, &[], &["c"]),
        ]);
        let json = serde_json::json!({"parties": {"payer": {"identifiers": [{"value": "P1"}]}}});
        assert_eq!(r.destinations("in", Kind::Claim, &json), vec!["a", "b"]);
        assert_eq!(
            r.destinations("in", Kind::Remittance, &json),
            vec!["b", "a"]
        );
        let other_payer =
            serde_json::json!({"parties": {"payer": {"identifiers": [{"value": "P2"}]}}});
        assert!(
            r.destinations("in", Kind::Remittance, &other_payer)
                .is_empty()
        );
        assert!(r.destinations("nowhere", Kind::Claim, &json).is_empty());
    }

    #[test]
    fn field_paths() {
        let json = serde_json::json!({"a": {"b": [1, {"c": true}], "s": "x"}});
        assert!(field_equals(&json, "a.b.0", "1"));
        assert!(field_equals(&json, "a.b.1.c", "true"));
        assert!(field_equals(&json, "a.s", "x"));
        assert!(!field_equals(&json, "a.s.x", "x"));
        assert!(!field_equals(&json, "a.b.9", "1"));
        assert!(!field_equals(&json, "a", "x"));
    }
}
