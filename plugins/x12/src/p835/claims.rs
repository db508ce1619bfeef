//! 835 claim payments (loop 2100) and service payments (loop 2110) to the model.

use clearway_plugin_sdk::schemas::body::remittance::{
    ClaimPayment, ClaimPaymentStatus, InpatientAdjudication, OutpatientAdjudication, ServicePayment,
};
use clearway_plugin_sdk::schemas::body::{ClaimFrequency, QualifiedAmount};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Identifier, Period};

use super::adjust::{read_cas, read_procedure, read_remark};
use crate::parties;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{Unmapped, date, money, opt_money, opt_number, opt_quantity};
use crate::walker::Node;

/// Whether a claim payment is institutional, which decides how `CLP08` is read: the bill
/// type's facility digits (institutional) or a place of service (professional).
///
/// Institutional when its 2000 loop has a `TS2`, or it has an `MIA`, a DRG (`CLP11`), a
/// Medicare Part A filing indicator (`CLP06` `MA`), or a revenue-coded service line.
fn institutional(node: &Node<'_, '_, '_>, clp: &Segment<'_>, ts2: bool) -> bool {
    ts2 || node.first("MIA").is_some()
        || clp.opt(11).is_some()
        || clp.el(6) == "MA"
        || node.children().any(|svc| {
            svc.trigger()
                .is_some_and(|s| s.comp(1, 1) == "NU" || s.opt(4).is_some())
        })
}

/// Reads `CLP` into a new claim payment.
fn clp(segment: &Segment<'_>, institutional: bool) -> Result<ClaimPayment, X12Error> {
    let status = ClaimPaymentStatus::from_x12_code(segment.req(2, "claim status code")?)
        .ok_or_else(|| segment.err("CLP02", ErrorKind::InvalidCode("claim status code")))?;
    let frequency =
        match segment.opt(9) {
            Some(code) => Some(ClaimFrequency::from_x12_code(code).ok_or_else(|| {
                segment.err("CLP09", ErrorKind::InvalidCode("claim frequency code"))
            })?),
            None => None,
        };
    let facility_code = segment
        .opt(8)
        .map(|code| match (institutional, segment.opt(9)) {
            (true, Some(frequency)) => {
                Code::new(CodeSystem::NubcBillType, format!("0{code}{frequency}"))
            }
            _ => Code::new(CodeSystem::PlaceOfService, code),
        });
    let some = |n: usize| segment.opt(n).map(str::to_owned);
    Ok(ClaimPayment {
        header_number: None,
        patient_control_number: segment.req(1, "patient control number")?.to_owned(),
        status,
        charge: money(segment, 3)?,
        paid: money(segment, 4)?,
        patient_responsibility: opt_money(segment, 5)?,
        claim_filing_indicator: some(6),
        payer_claim_control_number: some(7),
        facility_code,
        frequency,
        drg: segment.opt(11).map(|c| Code::new(CodeSystem::MsDrg, c)),
        drg_weight: opt_quantity(segment, 12)?,
        discharge_fraction: opt_number(segment, 13)?,
        adjustments: Vec::new(),
        patient: None,
        insured: None,
        other_parties: Vec::new(),
        inpatient: None,
        outpatient: None,
        identifiers: Vec::new(),
        statement_period: None,
        received_date: None,
        coverage_expiration: None,
        other_amounts: Vec::new(),
        service_lines: Vec::new(),
    })
}

/// A remark code (RARC) from element `n`, when present.
fn remark(segment: &Segment<'_>, n: usize) -> Option<Code> {
    segment.opt(n).map(|c| Code::new(CodeSystem::Rarc, c))
}

/// Reads `MIA`.
fn mia(segment: &Segment<'_>) -> Result<InpatientAdjudication, X12Error> {
    let mut other_amounts = Vec::new();
    for n in (9..=19).chain([24]) {
        if let Some(amount) = opt_money(segment, n)? {
            other_amounts.push(QualifiedAmount {
                qualifier: segment.elref(n),
                amount,
            });
        }
    }
    Ok(InpatientAdjudication {
        covered_days: opt_quantity(segment, 1)?,
        pps_operating_outlier_amount: opt_money(segment, 2)?,
        lifetime_psychiatric_days: opt_quantity(segment, 3)?,
        drg_amount: opt_money(segment, 4)?,
        remarks: [5, 20, 21, 22, 23]
            .into_iter()
            .filter_map(|n| remark(segment, n))
            .collect(),
        disproportionate_share_amount: opt_money(segment, 6)?,
        msp_pass_through_amount: opt_money(segment, 7)?,
        pps_capital_amount: opt_money(segment, 8)?,
        other_amounts,
    })
}

/// Reads `MOA`.
fn moa(segment: &Segment<'_>) -> Result<OutpatientAdjudication, X12Error> {
    Ok(OutpatientAdjudication {
        reimbursement_rate: opt_number(segment, 1)?,
        hcpcs_payable_amount: opt_money(segment, 2)?,
        remarks: (3..=7).filter_map(|n| remark(segment, n)).collect(),
        esrd_payment_amount: opt_money(segment, 8)?,
        non_payable_professional_component: opt_money(segment, 9)?,
    })
}

/// A qualified `AMT`.
fn amount(segment: &Segment<'_>) -> Result<QualifiedAmount, X12Error> {
    Ok(QualifiedAmount {
        qualifier: segment.req(1, "amount qualifier code")?.to_owned(),
        amount: money(segment, 2)?,
    })
}

/// A qualified `REF`.
fn reference(segment: &Segment<'_>) -> Result<Identifier, X12Error> {
    Ok(Identifier::qualified(
        segment.req(1, "reference identification qualifier")?,
        segment.req(2, "reference identification")?,
    ))
}

/// Reads one loop 2100 (claim payment `position`, 1-based) and its 2110 loops; segments the
/// model lacks go to `unmapped`.
///
/// # Errors
///
/// Bad `CLP`, `CAS`, `NM1`, `MIA`/`MOA`, `DTM`, `AMT`, `SVC` or `LQ`, with their position.
pub fn claim_payment(
    node: &Node<'_, '_, '_>,
    header_number: Option<u32>,
    ts2: bool,
    position: u32,
    unmapped: &mut Unmapped,
) -> Result<ClaimPayment, X12Error> {
    let located = |e: X12Error| e.in_loop("2100");
    let trigger = node.segments()[0];
    let mut claim = clp(trigger, institutional(node, trigger, ts2)).map_err(located)?;
    claim.header_number = header_number;
    for segment in node.segments().iter().skip(1) {
        let mapped = match (segment.id, segment.el(1)) {
            ("CAS", _) => read_cas(segment, &mut claim.adjustments).map(|()| true),
            ("NM1", role) => parties::from_nm1(segment, "2100").map(|mut party| {
                match role {
                    "QC" if claim.patient.is_none() => claim.patient = Some(party),
                    "IL" if claim.insured.is_none() => claim.insured = Some(party),
                    _ => {
                        party.role = Some(Code::new(CodeSystem::X12EntityIdentifier, role));
                        claim.other_parties.push(party);
                    }
                }
                true
            }),
            ("MIA", _) => mia(segment)
                .map(|m| claim.inpatient = Some(m))
                .map(|()| true),
            ("MOA", _) => moa(segment)
                .map(|m| claim.outpatient = Some(m))
                .map(|()| true),
            ("REF", _) => reference(segment)
                .map(|r| claim.identifiers.push(r))
                .map(|()| true),
            ("DTM", "232") => date(segment, 2).map(|d| {
                claim
                    .statement_period
                    .get_or_insert_with(Period::default)
                    .start = Some(d);
                true
            }),
            ("DTM", "233") => date(segment, 2).map(|d| {
                claim
                    .statement_period
                    .get_or_insert_with(Period::default)
                    .end = Some(d);
                true
            }),
            ("DTM", "050") => date(segment, 2).map(|d| {
                claim.received_date = Some(d);
                true
            }),
            ("DTM", "036") => date(segment, 2).map(|d| {
                claim.coverage_expiration = Some(d);
                true
            }),
            ("AMT", _) => amount(segment)
                .map(|a| claim.other_amounts.push(a))
                .map(|()| true),
            _ => Ok(false),
        }
        .map_err(located)?;
        if !mapped {
            unmapped.push_at("2100", Some(position), None, segment);
        }
    }
    for (index, child) in node.children().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let payment =
            service_payment(&child, position, line, unmapped).map_err(|e| e.in_loop("2110"))?;
        claim.service_lines.push(payment);
    }
    Ok(claim)
}

/// Reads one loop 2110.
fn service_payment(
    node: &Node<'_, '_, '_>,
    claim: u32,
    line: u32,
    unmapped: &mut Unmapped,
) -> Result<ServicePayment, X12Error> {
    let svc = node.segments()[0];
    let (procedure, modifiers) = read_procedure(svc, 1)?;
    let mut payment = ServicePayment {
        procedure: Some(procedure),
        modifiers,
        revenue_code: svc.opt(4).map(|c| Code::new(CodeSystem::NubcRevenue, c)),
        charge: money(svc, 2)?,
        paid: money(svc, 3)?,
        units_paid: opt_quantity(svc, 5)?,
        units_submitted: opt_quantity(svc, 7)?,
        ..ServicePayment::default()
    };
    if svc.opt(6).is_some() {
        let (submitted, modifiers) = read_procedure(svc, 6)?;
        payment.submitted_procedure = Some(submitted);
        payment.submitted_modifiers = modifiers;
    }
    for segment in node.segments().iter().skip(1) {
        let mapped = match (segment.id, segment.el(1)) {
            ("DTM", "472") => {
                payment.service_period = Some(Period::day(date(segment, 2)?));
                true
            }
            ("DTM", "150") => {
                payment
                    .service_period
                    .get_or_insert_with(Period::default)
                    .start = Some(date(segment, 2)?);
                true
            }
            ("DTM", "151") => {
                payment
                    .service_period
                    .get_or_insert_with(Period::default)
                    .end = Some(date(segment, 2)?);
                true
            }
            ("CAS", _) => {
                read_cas(segment, &mut payment.adjustments)?;
                true
            }
            ("REF", "6R") => {
                payment.line_item_control_number = Some(reference(segment)?.value);
                true
            }
            ("REF", _) => {
                payment.identifiers.push(reference(segment)?);
                true
            }
            ("AMT", "B6") => {
                payment.allowed_amount = Some(money(segment, 2)?);
                true
            }
            ("AMT", _) => {
                payment.other_amounts.push(amount(segment)?);
                true
            }
            ("LQ", _) => {
                payment.remarks.push(read_remark(segment)?);
                true
            }
            _ => false,
        };
        if !mapped {
            unmapped.push_at("2110", Some(claim), Some(line), segment);
        }
    }
    Ok(payment)
}
