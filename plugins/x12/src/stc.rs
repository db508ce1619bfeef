//! `STC` (claim status) to [`StatusInfo`], and the `SVC` service line status loop around
//! it, shared by the 277CA and the 277.

use clearway_plugin_sdk::schemas::body::status::{LineStatus, StatusCode, StatusInfo};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use crate::p835::adjust::read_procedure;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{opt_date, opt_money, opt_quantity, period};
use crate::walker::Node;

/// A status code composite (`STC01`, `STC10`, `STC11`), `None` when the element is empty.
fn status_code(stc: &Segment<'_>, n: usize) -> Result<Option<StatusCode>, X12Error> {
    if stc.opt(n).is_none() {
        return Ok(None);
    }
    let category = stc.comp(n, 1);
    if category.is_empty() {
        return Err(stc.err(
            format!("{}-1", stc.elref(n)),
            ErrorKind::MissingElement("health care claim status category code"),
        ));
    }
    let code = |m: usize, system: CodeSystem| {
        Some(stc.comp(n, m))
            .filter(|c| !c.is_empty())
            .map(|c| Code::new(system, c))
    };
    Ok(Some(StatusCode {
        category: Code::new(CodeSystem::X12ClaimStatusCategory, category),
        status: code(2, CodeSystem::X12ClaimStatus),
        entity: code(3, CodeSystem::X12EntityIdentifier),
    }))
}

/// Reads one `STC`.
///
/// # Errors
///
/// `STC01` missing or without a category, a bad date or amount.
pub fn read(stc: &Segment<'_>) -> Result<StatusInfo, X12Error> {
    let code = status_code(stc, 1)?.ok_or_else(|| {
        stc.err(
            "STC01",
            ErrorKind::MissingElement("health care claim status"),
        )
    })?;
    let mut additional = Vec::new();
    for n in [10, 11] {
        additional.extend(status_code(stc, n)?);
    }
    let text = |n: usize| stc.opt(n).map(str::to_owned);
    Ok(StatusInfo {
        code,
        additional,
        effective_date: opt_date(stc, 2)?,
        action: text(3),
        charge: opt_money(stc, 4)?,
        paid: opt_money(stc, 5)?,
        adjudication_date: opt_date(stc, 6)?,
        payment_method: text(7),
        payment_date: opt_date(stc, 8)?,
        check_number: text(9),
        message: text(12),
    })
}

/// Reads a service line status loop (`SVC`, then `STC`, `REF*FJ`, `DTP*472`); `carry` takes
/// the segments the model has no field for.
///
/// # Errors
///
/// A bad `SVC` procedure, amount or quantity, `STC` or date.
pub fn read_line(
    node: &Node<'_, '_, '_>,
    mut carry: impl FnMut(&Segment<'_>),
) -> Result<LineStatus, X12Error> {
    let svc = node.segments()[0];
    let (procedure, modifiers) = read_procedure(svc, 1)?;
    let mut line = LineStatus {
        modifiers,
        charge: opt_money(svc, 2)?,
        paid: opt_money(svc, 3)?,
        units: opt_quantity(svc, 7)?,
        ..LineStatus::default()
    };
    if procedure.system == CodeSystem::NubcRevenue {
        line.revenue_code = Some(procedure);
    } else {
        line.procedure = Some(procedure);
        line.revenue_code = svc.opt(4).map(|c| Code::new(CodeSystem::NubcRevenue, c));
    }
    for segment in node.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("STC", _) => line.statuses.push(read(segment)?),
            ("REF", "FJ") => line.line_item_control_number = segment.opt(2).map(str::to_owned),
            ("DTP", "472") => line.service_period = Some(period(segment, 2)?),
            _ => carry(segment),
        }
    }
    Ok(line)
}
