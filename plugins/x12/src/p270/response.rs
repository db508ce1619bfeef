//! The answer of a 271 subscriber or dependent level: coverage (2100C/D) and benefits
//! (2110C/D `EB` loops with their 2120C/D related entities).

use clearway_plugin_sdk::schemas::body::benefit::{
    Benefit, BenefitDate, BenefitInfo, BenefitQuantity, CoverageLevel, Network, TimePeriod,
};
use clearway_plugin_sdk::schemas::body::{EligibilityResponse, RejectionLevel, YesNoUnknown};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Identifier};

use super::{Context, Person, coverage, rejection};
use crate::p835::adjust::read_procedure;
use crate::parties;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{opt_money, opt_number, opt_quantity, period};
use crate::walker::Node;

/// An optional coded element: `None` when empty, an error when not a code of `parse`.
fn coded<T>(
    segment: &Segment<'_>,
    n: usize,
    parse: fn(&str) -> Option<T>,
    what: &'static str,
) -> Result<Option<T>, X12Error> {
    segment
        .opt(n)
        .map(|code| {
            parse(code).ok_or_else(|| segment.err(segment.elref(n), ErrorKind::InvalidCode(what)))
        })
        .transpose()
}

/// Reads one `EB` loop, the `position`th (from 1) of its name loop: segments the model has
/// no field for are carried with that position as their `line`.
fn benefit(
    node: &Node<'_, '_, '_>,
    (dependent, position): (bool, u32),
    context: &mut Context,
) -> Result<Benefit, X12Error> {
    let eb = node.segments()[0];
    let info = BenefitInfo::from_x12_code(eb.req(1, "eligibility or benefit information code")?)
        .ok_or_else(|| {
            eb.err(
                "EB01",
                ErrorKind::InvalidCode("eligibility or benefit information code"),
            )
        })?;
    let mut benefit = Benefit::new(info);
    benefit.coverage_level = coded(eb, 2, CoverageLevel::from_x12_code, "coverage level code")?;
    benefit.service_types = eb
        .reps(3)
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(|c| Code::new(CodeSystem::X12ServiceType, c))
        .collect();
    benefit.insurance_type = eb.opt(4).map(str::to_owned);
    benefit.plan_description = eb.opt(5).map(str::to_owned);
    benefit.time_period = coded(eb, 6, TimePeriod::from_x12_code, "time period qualifier")?;
    benefit.amount = opt_money(eb, 7)?;
    benefit.percent = opt_number(eb, 8)?;
    if let Some(value) = opt_quantity(eb, 10)? {
        benefit.quantity = Some(BenefitQuantity {
            qualifier: eb.req(9, "quantity qualifier")?.to_owned(),
            value,
        });
    }
    benefit.authorization_required = coded(
        eb,
        11,
        YesNoUnknown::from_x12_code,
        "yes/no condition or response code",
    )?;
    benefit.network = coded(
        eb,
        12,
        Network::from_x12_code,
        "yes/no condition or response code",
    )?;
    if eb.opt(13).is_some() {
        let (procedure, modifiers) = read_procedure(eb, 13)?;
        benefit.procedure = Some(procedure);
        benefit.modifiers = modifiers;
    }
    let level = if dependent {
        RejectionLevel::DependentInquiry
    } else {
        RejectionLevel::SubscriberInquiry
    };
    for segment in node.segments().iter().skip(1) {
        match segment.id {
            "DTP" => benefit.dates.push(BenefitDate {
                qualifier: segment.req(1, "date time qualifier")?.to_owned(),
                period: period(segment, 2)?,
            }),
            "REF" => benefit.identifiers.push(Identifier::qualified(
                segment.req(1, "reference identification qualifier")?,
                segment.req(2, "reference identification")?,
            )),
            "MSG" => benefit.messages.push(segment.el(1).to_owned()),
            "AAA" => context.rejections.push(rejection(segment, level)?),
            "LS" | "LE" => {}
            _ => context.unmapped.push(node.id(), Some(position), segment),
        }
    }
    for child in node.children() {
        let mut party = parties::read(&child)?;
        party.role = Some(Code::new(
            CodeSystem::X12EntityIdentifier,
            child.segments()[0].el(1),
        ));
        benefit.related_entities.push(party);
    }
    Ok(benefit)
}

/// Reads the answer of `person`; the rejections of every level are included.
///
/// # Errors
///
/// Bad codes, amounts, quantities, dates, or a missing required element, with their position.
pub fn read(
    person: &Person<'_, '_, '_>,
    context: &mut Context,
) -> Result<EligibilityResponse, X12Error> {
    let mut response = EligibilityResponse {
        traces: person.traces.clone(),
        ..EligibilityResponse::default()
    };
    if let Some(name) = &person.name {
        (response.coverage, response.date_of_service) = coverage(name, context)?;
        for (n, child) in name.children().enumerate() {
            let position = u32::try_from(n + 1).unwrap_or(u32::MAX);
            let benefit = benefit(&child, (person.dependent, position), context)
                .map_err(|e| e.in_loop(child.id()))?;
            response.benefits.push(benefit);
        }
    }
    response.rejections = context.rejections.clone();
    Ok(response)
}

/// The response when the inquiry was rejected above the subscriber level.
pub fn rejected(context: &Context) -> EligibilityResponse {
    EligibilityResponse {
        rejections: context.rejections.clone(),
        ..EligibilityResponse::default()
    }
}
