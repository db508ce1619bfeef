//! What `clearway check` and `serve` ask of the connectors a `test-clearinghouse` endpoint
//! uses.

use std::collections::BTreeSet;

use clearway_schemas::Kind;

use crate::config::{Config, Transport};
use crate::runtime::Description;

/// The request kinds the test clearinghouse answers, with the kind of the answer.
const ANSWERS: [(Kind, Kind); 4] = [
    (Kind::Claim, Kind::ClaimAck),
    (Kind::EligibilityRequest, Kind::EligibilityResponse),
    (Kind::ClaimStatusRequest, Kind::ClaimStatusResponse),
    (Kind::PriorAuthRequest, Kind::PriorAuthResponse),
];

/// Which connector a [`connector_problems`] problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The endpoint's own (it reads what the endpoint receives).
    Endpoint,
    /// The `replies_to` endpoint's (it writes and reads back the answers).
    RepliesTo,
}

/// What is wrong with the connectors of `test-clearinghouse` endpoint `name` for what it
/// must do (`describe` gives a connector's description by connector name): its own
/// connector must decode `claim` and every request kind routes send it; the connector of
/// `replies_to` must encode and decode `claim.ack` and `remittance`, and the answer of every
/// request kind routed to it. Empty when all is well or `name` is no such endpoint.
pub fn connector_problems<'d>(
    config: &Config,
    name: &str,
    describe: impl Fn(&str) -> Option<&'d Description>,
) -> Vec<(Side, String)> {
    let Some(endpoint) = config.endpoints.get(name) else {
        return Vec::new();
    };
    let Transport::TestClearinghouse(tc) = &endpoint.transport else {
        return Vec::new();
    };
    let mut asked: BTreeSet<Kind> = BTreeSet::from([Kind::Claim]);
    for route in config
        .routes
        .iter()
        .filter(|r| r.to.iter().any(|t| t == name))
    {
        for kind in route.kinds.iter().flatten() {
            if ANSWERS.iter().any(|(k, _)| k == kind) {
                asked.insert(*kind);
            }
        }
    }
    let mut problems = Vec::new();
    if let Some(reader) = describe(&endpoint.connector) {
        for kind in &asked {
            if !reader.decodes.iter().any(|d| d == kind.as_str()) {
                problems.push((
                    Side::Endpoint,
                    format!(
                        "test-clearinghouse endpoint `{name}`: its connector `{}` does not decode `{kind}`, so it cannot read what it is sent",
                        endpoint.connector
                    ),
                ));
            }
        }
    }
    let Some(replies) = config.endpoints.get(&tc.replies_to) else {
        return problems;
    };
    if let Some(writer) = describe(&replies.connector) {
        let mut answered: BTreeSet<Kind> = BTreeSet::from([Kind::ClaimAck, Kind::Remittance]);
        answered.extend(
            ANSWERS
                .iter()
                .filter(|(k, _)| asked.contains(k))
                .map(|(_, a)| *a),
        );
        for kind in &answered {
            for (what, list) in [("decode", &writer.decodes), ("encode", &writer.encodes)] {
                if !list.iter().any(|d| d == kind.as_str()) {
                    problems.push((
                        Side::RepliesTo,
                        format!(
                            "test-clearinghouse endpoint `{name}`: connector `{}` of its `replies_to` endpoint `{}` does not {what} `{kind}`",
                            replies.connector, tc.replies_to
                        ),
                    ));
                }
            }
        }
    }
    problems
}
