//! The claim status tracking loop (2200D/E) of a 276 or 277 with its service lines
//! (2210D/E, the 277's 2220D/E) and status segments (`STC`).

use clearway_plugin_sdk::schemas::body::status::{LineStatus, StatusCode, StatusInfo};
use clearway_plugin_sdk::schemas::{Body, Code, Date, Message};

use crate::p270::person::dtp_value;
use crate::p270::write;
use crate::syntax::Writer;
use crate::values::{Unmapped, write_date};

/// `REF01` of a claim status tracking loop (2200D/E) in TR3 order.
const REF_ORDER: &[&str] = &["1K", "BLT", "LU", "6P", "EJ", "XZ", "VV", "D9"];

/// Writes an `STC`; a line status (`line`) carries only its codes and effective date.
fn write_stc(w: &mut Writer, status: &StatusInfo, line: bool) {
    let composite = |w: &mut Writer, c: &StatusCode| {
        let code = |c: &Option<Code>| c.as_ref().map(|c| c.code.clone()).unwrap_or_default();
        w.comp(&[c.category.code.as_str(), &code(&c.status), &code(&c.entity)])
    };
    let date = |d: &Option<Date>| {
        if line {
            String::new()
        } else {
            d.as_ref().map(write_date).unwrap_or_default()
        }
    };
    let text = |v: Option<String>| {
        if line {
            String::new()
        } else {
            v.unwrap_or_default()
        }
    };
    let mut elements = vec![
        composite(w, &status.code),
        status
            .effective_date
            .as_ref()
            .map(write_date)
            .unwrap_or_default(),
        String::new(),
        text(status.charge.map(|a| a.to_string())),
        text(status.paid.map(|a| a.to_string())),
        date(&status.adjudication_date),
        String::new(),
        date(&status.payment_date),
        text(status.check_number.clone()),
    ];
    for extra in status.additional.iter().take(2) {
        elements.push(composite(w, extra));
    }
    w.seg("STC", &elements);
}

/// Writes a service line (2210D/E, the 277's 2220D/E) with its carried segments.
fn write_line(w: &mut Writer, line: &LineStatus, response: bool, carried: &[&str]) {
    let (code, revenue) = match (&line.procedure, &line.revenue_code) {
        (Some(procedure), revenue) => (procedure, revenue.as_ref().map(|r| r.code.clone())),
        (None, Some(revenue)) => (revenue, None),
        (None, None) => return,
    };
    let svc01 = write::procedure(w, code, &line.modifiers);
    let amount = |v: Option<String>| v.unwrap_or_default();
    w.seg(
        "SVC",
        &[
            svc01,
            amount(line.charge.map(|a| a.to_string())),
            amount(line.paid.filter(|_| response).map(|a| a.to_string())),
            revenue.unwrap_or_default(),
            String::new(),
            String::new(),
            amount(line.units.map(|u| u.to_string())),
        ],
    );
    if response {
        for status in &line.statuses {
            write_stc(w, status, true);
        }
    }
    if let Some(number) = &line.line_item_control_number {
        w.seg("REF", &["FJ", number.as_str()]);
    }
    for text in carried.iter().filter(|t| t.starts_with("REF*")) {
        w.raw(text);
    }
    if let Some((format, value)) = line.service_period.as_ref().and_then(dtp_value) {
        w.seg("DTP", &["472", format.as_str(), value.as_str()]);
    }
    for text in carried.iter().filter(|t| !t.starts_with("REF*")) {
        w.raw(text);
    }
}

/// The rank of a `REF` text in [`REF_ORDER`]; unknown qualifiers go last.
fn ref_rank(text: &str) -> usize {
    let qualifier = text.split('*').nth(1).unwrap_or_default();
    REF_ORDER
        .iter()
        .position(|q| *q == qualifier)
        .unwrap_or(REF_ORDER.len())
}

/// Writes a claim status tracking loop (2200D/E) and its lines.
pub fn write_claim(
    w: &mut Writer,
    (message, unmapped): (&Message, &Unmapped),
    loop_id: (&str, &str),
    response: bool,
) {
    let (trace, pcn, icn, bill_type, charge, period, lines) = match &message.body {
        Body::ClaimStatusRequest(r) => {
            let charge = r.total_charge.map(|a| a.to_string());
            let b = &r.bill_type;
            (
                &r.trace,
                &r.patient_control_number,
                &r.payer_claim_control_number,
                b,
                charge,
                &r.service_period,
                &r.lines,
            )
        }
        Body::ClaimStatusResponse(r) => {
            let b = &r.bill_type;
            (
                &r.trace,
                &r.patient_control_number,
                &r.payer_claim_control_number,
                b,
                None,
                &r.service_period,
                &r.lines,
            )
        }
        _ => return,
    };
    if let Some(trace) = trace {
        write::write_trn(w, trace, if response { "2" } else { "1" }, false);
    }
    if let Body::ClaimStatusResponse(r) = &message.body {
        for status in &r.statuses {
            write_stc(w, status, false);
        }
    }
    let carried: Vec<&str> = unmapped.of(loop_id.0, None).collect();
    let mut refs: Vec<(String, String, Option<&str>)> = Vec::new();
    let mapped = |q: &str, v: &str| (format!("REF*{q}"), v.to_owned(), None);
    if let Some(icn) = icn {
        refs.push(mapped("1K", icn));
    }
    if let Some(bill) = bill_type {
        let code = bill.code.strip_prefix('0').filter(|_| bill.code.len() == 4);
        refs.push(mapped("BLT", code.unwrap_or(&bill.code)));
    }
    if let Some(pcn) = pcn {
        refs.push(mapped("EJ", pcn));
    }
    let carried_refs = carried.iter().filter(|t| t.starts_with("REF*"));
    refs.extend(carried_refs.map(|t| ((*t).to_owned(), String::new(), Some(*t))));
    refs.sort_by_key(|(head, _, _)| ref_rank(head));
    for (head, value, raw) in &refs {
        match raw {
            Some(text) => w.raw(text),
            None => w.seg("REF", &[&head[4..], value.as_str()]),
        }
    }
    if let Some(charge) = charge {
        w.seg("AMT", &["T3", charge.as_str()]);
    }
    for text in carried.iter().filter(|t| t.starts_with("AMT*")) {
        w.raw(text);
    }
    if let Some((format, value)) = period.as_ref().and_then(dtp_value) {
        w.seg("DTP", &["472", format.as_str(), value.as_str()]);
    }
    for text in carried
        .iter()
        .filter(|t| !t.starts_with("REF*") && !t.starts_with("AMT*"))
    {
        w.raw(text);
    }
    for (n, line) in lines.iter().enumerate() {
        let position = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let carried: Vec<&str> = unmapped.of(loop_id.1, Some(position)).collect();
        write_line(w, line, response, &carried);
    }
}
