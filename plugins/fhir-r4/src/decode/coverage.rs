//! `Coverage` to a `coverage` message, and the coverage parts of claims and eligibility
//! requests (members, other payers).

use std::collections::BTreeMap;

use clearway_plugin_sdk::schemas::body::PayerSequence;
use clearway_plugin_sdk::schemas::body::claim::OtherSubscriber;
use clearway_plugin_sdk::schemas::body::coverage::CoverageStatus;
use clearway_plugin_sdk::schemas::{Body, Correlation, Coverage, Party};
use clearway_plugin_sdk::{Message, Problem};

use super::claim::{period, relationship};
use super::{RULE, extras};
use crate::codes::{self, COVERAGE_CLASS, RELATIONSHIP};
use crate::node::Node;
use crate::parties::PartyReader;
use crate::resolve::Resolver;

/// Coverage elements fully mapped into the model.
const MAPPED: &[&str] = &[
    "status",
    "type",
    "subscriber",
    "policyHolder",
    "subscriberId",
    "beneficiary",
    "dependent",
    "relationship",
    "period",
    "payor",
    "class",
    "order",
    "network",
];

/// Decodes a Coverage into a `coverage` message.
///
/// # Errors
///
/// Never unsupported; problems go to `problems`.
pub fn decode(
    coverage: &Node<'_>,
    resolver: &Resolver<'_>,
    problems: &mut Vec<Problem>,
) -> Result<Message, String> {
    let reader = PartyReader {
        resolver,
        from: coverage.clone(),
    };
    if coverage.items("payor").is_empty() {
        problems.push(
            Problem::error(RULE, "a Coverage needs at least one `payor` (R4: 1..*)")
                .at_path(coverage.child_path("payor")),
        );
    }
    let beneficiary = coverage
        .get("beneficiary")
        .map(|b| reader.party(&b, problems))
        .unwrap_or_default();
    let (subscriber, patient) = members(coverage, &reader, beneficiary, problems);
    let body = body(coverage);
    let mut message = Message::new(Body::Coverage(body));
    message.parties.subscriber = Some(subscriber);
    message.parties.patient = patient;
    message.parties.payer = coverage.first("payor").map(|p| {
        let mut payer = reader.party(&p, problems);
        crate::parties::promote_payer_id(&mut payer);
        payer
    });
    message.correlation = Correlation {
        trace_numbers: coverage
            .items("identifier")
            .iter()
            .filter_map(|i| i.string("value"))
            .collect(),
        ..Correlation::default()
    };
    let mut extensions = BTreeMap::new();
    extras::carry_unmapped(&mut extensions, coverage, coverage, MAPPED);
    extras::carry_contained(&mut extensions, coverage);
    message.extensions = extensions;
    Ok(message)
}

/// The model's coverage body of a Coverage resource.
pub fn body(coverage: &Node<'_>) -> Coverage {
    let class = |kind: &str| {
        coverage.items("class").into_iter().find(|c| {
            c.get("type")
                .and_then(|t| codes::code_in(&t, COVERAGE_CLASS))
                == Some(kind)
        })
    };
    let group = class("group");
    let plan = class("plan");
    Coverage {
        subscriber_id: coverage.string("subscriberId"),
        dependent_number: coverage.string("dependent"),
        group_number: group.as_ref().and_then(|g| g.string("value")),
        group_name: group.as_ref().and_then(|g| g.string("name")),
        plan_id: plan.as_ref().and_then(|p| p.string("value")),
        plan_name: plan.as_ref().and_then(|p| p.string("name")),
        relationship: coverage
            .get("relationship")
            .and_then(|r| codes::code_in(&r, RELATIONSHIP).or_else(|| codes::any_code(&r)))
            .and_then(relationship),
        period: period(coverage.get("period").as_ref()),
        status: match coverage.str("status") {
            Some("active") => Some(CoverageStatus::Active),
            Some("cancelled") => Some(CoverageStatus::Cancelled),
            Some("draft") => Some(CoverageStatus::Draft),
            Some("entered-in-error") => Some(CoverageStatus::EnteredInError),
            _ => None,
        },
        coverage_type: coverage.get("type").and_then(|t| codes::code(&t)),
        order: coverage.uint("order").and_then(sequence),
        network: coverage.string("network"),
        ..Coverage::default()
    }
}

/// The payer responsibility of a 1-based order.
fn sequence(order: u32) -> Option<PayerSequence> {
    let index = usize::try_from(order.checked_sub(1)?).ok()?;
    PayerSequence::ALL
        .get(index)
        .copied()
        .filter(|s| *s != PayerSequence::Unknown)
}

/// The subscriber and, when not the same person, the beneficiary (patient), given the
/// beneficiary's party: the subscriber is `Coverage.subscriber` (or `policyHolder`) unless the
/// relationship is `self` or no subscriber is named.
pub fn members(
    coverage: &Node<'_>,
    reader: &PartyReader<'_, '_>,
    mut beneficiary: Party,
    problems: &mut Vec<Problem>,
) -> (Party, Option<Party>) {
    let relationship = coverage
        .get("relationship")
        .and_then(|r| codes::code_in(&r, RELATIONSHIP).or_else(|| codes::any_code(&r)))
        .and_then(relationship);
    let subscriber_id = coverage.string("subscriberId");
    let named = coverage
        .get("subscriber")
        .or_else(|| coverage.get("policyHolder"));
    let group_number = body(coverage).group_number;
    let same = relationship == Some(clearway_plugin_sdk::schemas::Relationship::Self_);
    match named.filter(|_| !same) {
        Some(reference) => {
            let mut subscriber = reader.party(&reference, problems);
            subscriber.member_id = subscriber_id.or(subscriber.member_id);
            subscriber.group_number = group_number.or(subscriber.group_number);
            beneficiary.relationship_to_subscriber = relationship;
            (subscriber, Some(beneficiary))
        }
        None => {
            beneficiary.member_id = subscriber_id.or(beneficiary.member_id);
            beneficiary.group_number = group_number.or(beneficiary.group_number);
            (beneficiary, None)
        }
    }
}

/// A non-focal `Claim.insurance` as another payer's coverage.
pub fn other_subscriber(
    insurance: &Node<'_>,
    reader: &PartyReader<'_, '_>,
    problems: &mut Vec<Problem>,
) -> OtherSubscriber {
    let mut other = OtherSubscriber {
        payer_responsibility: insurance.uint("sequence").and_then(sequence),
        prior_authorization_number: insurance
            .first("preAuthRef")
            .and_then(|r| r.value.as_str().map(str::to_owned)),
        ..OtherSubscriber::default()
    };
    let Some(coverage) = insurance
        .get("coverage")
        .and_then(|c| reader.target(&c, problems))
    else {
        return other;
    };
    let body = body(&coverage);
    other.group_number = body.group_number;
    other.group_name = body.group_name;
    other.relationship = body.relationship;
    other.payer = coverage.first("payor").map(|p| reader.party(&p, problems));
    let mut subscriber = coverage
        .get("subscriber")
        .or_else(|| coverage.get("policyHolder"))
        .map(|s| reader.party(&s, problems))
        .unwrap_or_default();
    subscriber.member_id = body.subscriber_id.or(subscriber.member_id);
    other.subscriber = Some(subscriber);
    other
}
