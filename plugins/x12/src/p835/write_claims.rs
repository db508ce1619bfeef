//! Claim payments (loop 2100) and service payments (loop 2110) to 835 segments.

use clearway_plugin_sdk::schemas::body::QualifiedAmount;
use clearway_plugin_sdk::schemas::body::remittance::{
    ClaimPayment, InpatientAdjudication, OutpatientAdjudication, ServicePayment,
};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Date, Identifier, Money};

use super::adjust::{write_cas, write_procedure, write_remark};
use super::encode::carried;
use crate::parties;
use crate::syntax::Writer;
use crate::values::{Unmapped, write_date};

/// An optional value as element text.
fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The code of an optional remark at `index`.
fn remark_at(remarks: &[Code], index: usize) -> String {
    remarks
        .get(index)
        .map(|r| r.code.clone())
        .unwrap_or_default()
}

/// `CLP08`: the facility digits of a bill type, else the place of service code.
fn facility(code: &Code) -> String {
    match code.system {
        CodeSystem::NubcBillType if code.code.len() == 4 => code.code[1..3].to_owned(),
        _ => code.code.clone(),
    }
}

/// Writes `MIA`.
fn write_mia(w: &mut Writer, mia: &InpatientAdjudication) {
    let other = |n: usize| {
        let qualifier = format!("MIA{n:02}");
        mia.other_amounts
            .iter()
            .find(|a| a.qualifier == qualifier)
            .map(|a| a.amount.to_string())
            .unwrap_or_default()
    };
    let mut elements = vec![
        text(mia.covered_days),
        text(mia.pps_operating_outlier_amount),
        text(mia.lifetime_psychiatric_days),
        text(mia.drg_amount),
        remark_at(&mia.remarks, 0),
        text(mia.disproportionate_share_amount),
        text(mia.msp_pass_through_amount),
        text(mia.pps_capital_amount),
    ];
    elements.extend((9..=19).map(other));
    elements.extend((1..=4).map(|i| remark_at(&mia.remarks, i)));
    elements.push(other(24));
    w.seg("MIA", &elements);
}

/// Writes `MOA`.
fn write_moa(w: &mut Writer, moa: &OutpatientAdjudication) {
    let mut elements = vec![text(moa.reimbursement_rate), text(moa.hcpcs_payable_amount)];
    elements.extend((0..5).map(|i| remark_at(&moa.remarks, i)));
    elements.push(text(moa.esrd_payment_amount));
    elements.push(text(moa.non_payable_professional_component));
    w.seg("MOA", &elements);
}

/// Writes one `REF` per identifier.
fn write_refs(w: &mut Writer, identifiers: &[Identifier]) {
    for id in identifiers {
        w.seg(
            "REF",
            &[
                id.qualifier.as_deref().unwrap_or_default(),
                id.value.as_str(),
            ],
        );
    }
}

/// Writes one `AMT` per amount.
fn write_amounts(w: &mut Writer, amounts: &[QualifiedAmount]) {
    for amount in amounts {
        w.seg(
            "AMT",
            &[amount.qualifier.clone(), amount.amount.to_string()],
        );
    }
}

/// Writes a `DTM` with a date.
fn dtm(w: &mut Writer, qualifier: &str, date: &Date) {
    w.seg("DTM", &[qualifier, write_date(date).as_str()]);
}

/// Writes loop 2100 for claim payment `position` (1-based) and its 2110 loops.
pub fn write_claim(w: &mut Writer, claim: &ClaimPayment, position: u32, unmapped: &Unmapped) {
    let frequency = claim.frequency.map(|f| f.x12_code());
    w.seg(
        "CLP",
        &[
            claim.patient_control_number.clone(),
            claim.status.x12_code().to_owned(),
            claim.charge.to_string(),
            claim.paid.to_string(),
            text(claim.patient_responsibility),
            claim.claim_filing_indicator.clone().unwrap_or_default(),
            claim.payer_claim_control_number.clone().unwrap_or_default(),
            claim
                .facility_code
                .as_ref()
                .map(facility)
                .unwrap_or_default(),
            text(frequency),
            String::new(),
            claim
                .drg
                .as_ref()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            text(claim.drg_weight),
            text(claim.discharge_fraction),
        ],
    );
    write_cas(w, &claim.adjustments);
    if let Some(patient) = &claim.patient {
        parties::write_nm1(w, "QC", patient);
    }
    if let Some(insured) = &claim.insured {
        parties::write_nm1(w, "IL", insured);
    }
    for party in &claim.other_parties {
        let role = party.role.as_ref().map_or("", |r| r.code.as_str());
        parties::write_nm1(w, role, party);
    }
    if let Some(mia) = &claim.inpatient {
        write_mia(w, mia);
    }
    if let Some(moa) = &claim.outpatient {
        write_moa(w, moa);
    }
    write_refs(w, &claim.identifiers);
    if let Some(period) = &claim.statement_period {
        if let Some(start) = &period.start {
            dtm(w, "232", start);
        }
        if let Some(end) = &period.end {
            dtm(w, "233", end);
        }
    }
    if let Some(date) = &claim.coverage_expiration {
        dtm(w, "036", date);
    }
    if let Some(date) = &claim.received_date {
        dtm(w, "050", date);
    }
    let at = ("2100", Some(position), None);
    carried(w, unmapped, at, Some("DTM"));
    carried(w, unmapped, at, Some("PER"));
    write_amounts(w, &claim.other_amounts);
    carried(w, unmapped, at, Some("QTY"));
    for (index, line) in claim.service_lines.iter().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        write_line(w, line, (position, number), unmapped);
    }
}

/// Writes loop 2110.
fn write_line(
    w: &mut Writer,
    line: &ServicePayment,
    (claim, number): (u32, u32),
    unmapped: &Unmapped,
) {
    let procedure = line
        .procedure
        .as_ref()
        .map(|p| write_procedure(w, p, &line.modifiers))
        .unwrap_or_default();
    let submitted = line
        .submitted_procedure
        .as_ref()
        .map(|p| write_procedure(w, p, &line.submitted_modifiers))
        .unwrap_or_default();
    let amount = |m: Money| m.to_string();
    w.seg(
        "SVC",
        &[
            procedure,
            amount(line.charge),
            amount(line.paid),
            line.revenue_code
                .as_ref()
                .map(|c| c.code.clone())
                .unwrap_or_default(),
            text(line.units_paid),
            submitted,
            text(line.units_submitted),
        ],
    );
    if let Some(period) = &line.service_period {
        match (&period.start, &period.end) {
            (Some(start), Some(end)) if start == end => dtm(w, "472", start),
            (start, end) => {
                if let Some(start) = start {
                    dtm(w, "150", start);
                }
                if let Some(end) = end {
                    dtm(w, "151", end);
                }
            }
        }
    }
    let at = ("2110", Some(claim), Some(number));
    carried(w, unmapped, at, Some("DTM"));
    write_cas(w, &line.adjustments);
    if let Some(number) = &line.line_item_control_number {
        w.seg("REF", &["6R", number.as_str()]);
    }
    write_refs(w, &line.identifiers);
    if let Some(allowed) = line.allowed_amount {
        w.seg("AMT", &["B6".to_owned(), allowed.to_string()]);
    }
    write_amounts(w, &line.other_amounts);
    carried(w, unmapped, at, Some("QTY"));
    for remark in &line.remarks {
        write_remark(w, remark);
    }
}
