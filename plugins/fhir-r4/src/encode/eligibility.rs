//! `eligibility.response` to `CoverageEligibilityResponse`: benefits by category, network,
//! unit, term, allowed/used money.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::YesNoUnknown;
use clearway_plugin_sdk::schemas::body::benefit::{
    Benefit, BenefitInfo, CoverageLevel, Network, TimePeriod,
};
use clearway_plugin_sdk::schemas::body::eligibility::EligibilityStatus;
use clearway_plugin_sdk::schemas::{Code, CodeSystem, EligibilityResponse, Message};

use super::common::{self, X12_REJECT_REASON, identifier_reference, party_reference};
use crate::codes::{BENEFIT_NETWORK, BENEFIT_TERM, BENEFIT_TYPE, BENEFIT_UNIT};
use crate::write::{self, Json, concept, concept_of, identifier};

/// Encodes an eligibility response message (`index`: its position in the `encode` input).
///
/// # Errors
///
/// A problem when FHIR's required `created` cannot be dated.
pub fn encode(
    message: &Message,
    body: &EligibilityResponse,
    index: usize,
) -> Result<Json, Box<Problem>> {
    let created = common::created(message, None, index)?;
    let parties = &message.parties;
    let status = body.effective_status();
    let outcome = if body.rejections.is_empty() {
        "complete"
    } else {
        "error"
    };
    let mut resource = Json::obj()
        .with("resourceType", Json::str("CoverageEligibilityResponse"))
        .with_list(
            "identifier",
            body.traces
                .iter()
                .map(|t| identifier(None, &t.reference))
                .collect(),
        )
        .with("status", Json::str("active"))
        .with("purpose", Json::Arr(vec![Json::str("benefits")]))
        .with(
            "patient",
            party_reference(parties.effective_patient(), "patient not identified"),
        );
    if let Some(period) = &body.date_of_service {
        resource = match (&period.start, period.is_single_day()) {
            (Some(start), true) => resource.with("servicedDate", write::date(start)),
            _ => resource.with("servicedPeriod", write::period(period)),
        };
    }
    resource = resource
        .with("created", Json::str(created))
        .with_opt(
            "requestor",
            parties
                .provider
                .as_ref()
                .map(|p| party_reference(Some(p), "provider")),
        )
        .with(
            "request",
            identifier_reference(
                message
                    .correlation
                    .trace_numbers
                    .first()
                    .map(String::as_str),
                "eligibility request not identified",
            ),
        )
        .with("outcome", Json::str(outcome))
        .with(
            "insurer",
            party_reference(parties.payer.as_ref(), "payer not identified"),
        );
    let coverage = body.coverage.as_ref();
    let mut insurance = Json::obj().with(
        "coverage",
        identifier_reference(
            coverage.and_then(|c| c.subscriber_id.as_deref()),
            "coverage not identified",
        ),
    );
    if status != EligibilityStatus::Unknown {
        insurance = insurance.with("inforce", Json::Bool(status == EligibilityStatus::Active));
    }
    insurance = insurance
        .with_opt(
            "benefitPeriod",
            coverage.and_then(|c| c.period.as_ref()).map(write::period),
        )
        .with_list("item", body.benefits.iter().filter_map(item).collect());
    resource = resource.with("insurance", Json::Arr(vec![insurance]));
    let errors: Vec<Json> = body
        .rejections
        .iter()
        .map(|r| Json::obj().with("code", concept_of(X12_REJECT_REASON, &r.reason_code)))
        .collect();
    Ok(resource.with_list("error", errors))
}

/// One benefit statement as an `insurance.item`, or `None` for statements that only say
/// whether coverage is active (they set `inforce`).
fn item(benefit: &Benefit) -> Option<Json> {
    if (benefit.info.is_active() || benefit.info.is_inactive())
        && benefit.amount.is_none()
        && benefit.service_types.is_empty()
        && benefit.procedure.is_none()
    {
        return None;
    }
    // R4 invariant ces-1: a category or a billing code, not both.
    let mut item = match &benefit.procedure {
        Some(procedure) => Json::obj().with("productOrService", concept(procedure)),
        None => {
            let category = benefit
                .service_types
                .first()
                .cloned()
                .unwrap_or_else(|| Code::new(CodeSystem::X12ServiceType, "30"));
            Json::obj().with("category", concept(&category))
        }
    };
    item = item
        .with_list(
            "modifier",
            benefit
                .modifiers
                .iter()
                .map(|m| concept(&Code::new(CodeSystem::Modifier, m.as_str())))
                .collect(),
        )
        .with_opt(
            "excluded",
            matches!(
                benefit.info,
                BenefitInfo::NonCovered | BenefitInfo::Exclusions
            )
            .then_some(Json::Bool(true)),
        )
        .with_opt("name", benefit.plan_description.as_deref().map(Json::str))
        .with_opt(
            "description",
            (!benefit.messages.is_empty()).then(|| Json::str(benefit.messages.join(" "))),
        )
        .with_opt(
            "network",
            network(benefit.network).map(|n| concept_of(BENEFIT_NETWORK, n)),
        )
        .with_opt(
            "unit",
            unit(benefit.coverage_level).map(|u| concept_of(BENEFIT_UNIT, u)),
        )
        .with_opt(
            "term",
            term(benefit.time_period).map(|t| concept_of(BENEFIT_TERM, t)),
        )
        .with_list("benefit", amounts(benefit))
        .with_opt(
            "authorizationRequired",
            match benefit.authorization_required {
                Some(YesNoUnknown::Yes) => Some(Json::Bool(true)),
                Some(YesNoUnknown::No) => Some(Json::Bool(false)),
                _ => None,
            },
        );
    Some(item)
}

/// The `benefit` entries: the amount, percent or quantity, allowed or (year to date) used.
fn amounts(benefit: &Benefit) -> Vec<Json> {
    let kind = match benefit.info {
        BenefitInfo::CoInsurance => "copay-percent",
        BenefitInfo::CoPayment => "copay",
        BenefitInfo::Deductible => "deductible",
        BenefitInfo::Limitations if benefit.quantity.is_some() => "visit",
        _ => "benefit",
    };
    let used = benefit.time_period == Some(TimePeriod::YearToDate);
    let (money_key, string_key, uint_key) = if used {
        ("usedMoney", "usedString", "usedUnsignedInt")
    } else {
        ("allowedMoney", "allowedString", "allowedUnsignedInt")
    };
    let value = if let Some(amount) = benefit.amount {
        Some((money_key, write::money(amount)))
    } else if let Some(percent) = benefit.percent {
        Some((string_key, Json::str(percent.to_string())))
    } else {
        benefit.quantity.as_ref().map(|q| {
            let text = q.value.to_string();
            if text.bytes().all(|b| b.is_ascii_digit()) {
                (uint_key, Json::Num(text))
            } else {
                (string_key, Json::str(text))
            }
        })
    };
    value
        .map(|(key, value)| {
            vec![
                Json::obj()
                    .with("type", concept_of(BENEFIT_TYPE, kind))
                    .with(key, value),
            ]
        })
        .unwrap_or_default()
}

/// `benefit-network` code.
fn network(network: Option<Network>) -> Option<&'static str> {
    match network? {
        Network::InNetwork => Some("in"),
        Network::OutOfNetwork => Some("out"),
        Network::Both | Network::Unknown => None,
    }
}

/// `benefit-unit` code.
fn unit(level: Option<CoverageLevel>) -> Option<&'static str> {
    match level? {
        CoverageLevel::Individual | CoverageLevel::EmployeeOnly => Some("individual"),
        CoverageLevel::Family => Some("family"),
        _ => None,
    }
}

/// `benefit-term` code.
fn term(period: Option<TimePeriod>) -> Option<&'static str> {
    match period? {
        TimePeriod::CalendarYear | TimePeriod::ServiceYear | TimePeriod::Years => Some("annual"),
        TimePeriod::Day => Some("day"),
        TimePeriod::Lifetime | TimePeriod::LifetimeRemaining => Some("lifetime"),
        _ => None,
    }
}
