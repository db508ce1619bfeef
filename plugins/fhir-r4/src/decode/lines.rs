//! `Claim.item` to service lines.

use std::collections::BTreeMap;

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::claim::{ServiceLine, Tooth};
use clearway_plugin_sdk::schemas::{CodeSystem, Money, Party, Period};
use rust_decimal::Decimal;
use serde_json::Value;

use super::{RULE, extras};
use crate::codes::{self, SURFACE, TOOTH};
use crate::node::Node;

/// Item elements fully mapped into a service line (the rest of an item is carried).
const MAPPED: &[&str] = &[
    "sequence",
    "productOrService",
    "modifier",
    "revenue",
    "net",
    "quantity",
    "locationCodeableConcept",
    "diagnosisSequence",
    "servicedDate",
    "servicedPeriod",
    "careTeamSequence",
    "bodySite",
    "subSite",
    "unitPrice",
    "factor",
];

/// The service lines of a Claim, in item order. `care_team` is (sequence, party, role).
pub fn service_lines(
    claim: &Node<'_>,
    care_team: &[(u32, Party, Option<String>)],
    problems: &mut Vec<Problem>,
    extensions: &mut BTreeMap<String, Value>,
) -> Vec<ServiceLine> {
    claim
        .items("item")
        .iter()
        .map(|item| service_line(claim, item, care_team, problems, extensions))
        .collect()
}

/// One item.
fn service_line(
    claim: &Node<'_>,
    item: &Node<'_>,
    care_team: &[(u32, Party, Option<String>)],
    problems: &mut Vec<Problem>,
    extensions: &mut BTreeMap<String, Value>,
) -> ServiceLine {
    let procedure = item.get("productOrService").and_then(|p| {
        let code = codes::code(&p);
        if code.is_none() {
            if p.items("coding").is_empty() && p.str("text").is_none() {
                problems.push(
                    Problem::error(RULE, "productOrService must have a coding or a text")
                        .at_path(p.path().to_owned()),
                );
            }
            extras::carry(extensions, claim, &p);
        }
        code
    });
    let units = item
        .get("quantity")
        .and_then(|q| q.quantity("value", problems));
    let charge = item.money_element("net", problems).or_else(|| {
        let unit_price = item.money_element("unitPrice", problems)?;
        let quantity = units.map_or(Decimal::ONE, |q| q.value());
        let factor = item
            .quantity("factor", problems)
            .map_or(Decimal::ONE, |f| f.value());
        Some(Money::from(unit_price.value() * quantity * factor))
    });
    let place_of_service = item
        .get("locationCodeableConcept")
        .and_then(|l| codes::code(&l))
        .filter(|c| c.system == CodeSystem::PlaceOfService);
    let rendering_provider = item
        .first("careTeamSequence")
        .and_then(|s| s.value.as_u64())
        .and_then(|sequence| {
            care_team.iter().find(|(s, _, role)| {
                u64::from(*s) == sequence && role.as_deref() != Some("primary")
            })
        })
        .map(|(_, party, _)| party.clone());
    extras::carry_unmapped(extensions, claim, item, MAPPED);
    ServiceLine {
        line_number: item.uint("sequence").unwrap_or_default(),
        procedure,
        modifiers: item
            .items("modifier")
            .iter()
            .filter_map(|m| codes::any_code(m).map(str::to_owned))
            .collect(),
        revenue_code: item.get("revenue").and_then(|r| codes::code(&r)),
        charge: charge.unwrap_or_else(Money::zero),
        units,
        place_of_service,
        diagnosis_pointers: item
            .items("diagnosisSequence")
            .iter()
            .filter_map(|d| d.value.as_u64().and_then(|n| u32::try_from(n).ok()))
            .collect(),
        service_period: item
            .date("servicedDate")
            .map(Period::day)
            .or_else(|| super::claim::period(item.get("servicedPeriod").as_ref())),
        rendering_provider,
        teeth: teeth(item),
        ..ServiceLine::default()
    }
}

/// Tooth (`bodySite`, ADA universal numbering) and surfaces (`subSite`) of an oral item.
fn teeth(item: &Node<'_>) -> Vec<Tooth> {
    let Some(number) = item
        .get("bodySite")
        .and_then(|b| codes::code_in(&b, TOOTH).map(str::to_owned))
    else {
        return Vec::new();
    };
    let surfaces = item
        .items("subSite")
        .iter()
        .filter_map(|s| codes::code_in(s, SURFACE).map(str::to_owned))
        .collect();
    vec![Tooth { number, surfaces }]
}
