//! Writing one 277CA transaction set body: `BHT`, then per status level its `HL`, `NM1`
//! (2100A-D), and status loop (2200A-D: `TRN`, `DTP`, `STC`, `REF`, `QTY`, `AMT`), then the
//! claim's service lines (2220D). Elements the TR3 marks "not used" at a level are never
//! written (`TRN03`/`TRN04`, `STC05`-`STC09`, `STC02` in 2200C, `STC12` outside 2200D,
//! `STC04` and `SVC03` on lines, `NM106`/`NM107` in 2100B, ...).

use clearway_plugin_sdk::schemas::body::ack::{AckLevel, ClaimAckStatus};
use clearway_plugin_sdk::schemas::body::status::{LineStatus, StatusCode, StatusInfo};
use clearway_plugin_sdk::schemas::{Message, Party};

use crate::p835::adjust::write_procedure;
use crate::parties::write_nm1;
use crate::syntax::Writer;
use crate::values::{Unmapped, write_date, write_period};

/// Depth of a level in the hierarchy (information source 0 ... claim 3).
pub fn depth(level: AckLevel) -> u8 {
    match level {
        AckLevel::InformationSource => 0,
        AckLevel::InformationReceiver => 1,
        AckLevel::BillingProvider => 2,
        AckLevel::Claim => 3,
    }
}

/// The name loop, `NM101` and default `TRN01` of a level.
pub fn loops(level: AckLevel) -> (&'static str, &'static str, &'static str, &'static str) {
    match level {
        AckLevel::InformationSource => ("2100A", "2200A", "PR", "1"),
        AckLevel::InformationReceiver => ("2100B", "2200B", "41", "2"),
        AckLevel::BillingProvider => ("2100C", "2200C", "85", "1"),
        AckLevel::Claim => ("2100D", "2200D", "QC", "2"),
    }
}

/// The party of a level when it is not carried: sender, receiver, provider or patient.
pub fn party(message: &Message, level: AckLevel) -> Option<&Party> {
    let p = &message.parties;
    match level {
        AckLevel::InformationSource => p.sender.as_ref(),
        AckLevel::InformationReceiver => p.receiver.as_ref(),
        AckLevel::BillingProvider => p.provider.as_ref(),
        AckLevel::Claim => p.patient.as_ref(),
    }
}

/// What the writer needs besides the body: the message (parties), its carried segments and
/// the `HL02` parent of every level (`0` for none).
pub struct Context<'m> {
    /// The message.
    pub message: &'m Message,
    /// Its carried segments.
    pub unmapped: Unmapped,
    /// `HL02` of each level, in order (`0`: no parent).
    pub parents: Vec<u32>,
}

/// A status code composite.
fn code(w: &mut Writer, status: &StatusCode) -> String {
    let text = |c: &Option<clearway_plugin_sdk::schemas::Code>| {
        c.as_ref().map(|c| c.code.clone()).unwrap_or_default()
    };
    let (detail, entity) = (text(&status.status), text(&status.entity));
    w.comp(&[
        status.category.code.as_str(),
        detail.as_str(),
        entity.as_str(),
    ])
}

/// Writes one `STC` with the elements its level uses (`line`: a 2220D status).
fn write_stc(w: &mut Writer, level: AckLevel, line: bool, status: &StatusInfo, charge: String) {
    let mut elements = vec![code(w, &status.code)];
    let date = status.effective_date.as_ref().map(write_date);
    elements.push(if level == AckLevel::BillingProvider && !line {
        String::new()
    } else {
        date.unwrap_or_default()
    });
    elements.push(status.action.clone().unwrap_or_default());
    elements.push(if line { String::new() } else { charge });
    elements.extend(std::iter::repeat_n(String::new(), 5));
    for n in 0..2 {
        let additional = status.additional.get(n).map(|c| code(w, c));
        elements.push(additional.unwrap_or_default());
    }
    if level == AckLevel::Claim && !line {
        elements.push(status.message.clone().unwrap_or_default());
    }
    w.seg("STC", &elements);
}

/// Which carried segments to write.
#[derive(Clone, Copy)]
enum Only<'i> {
    /// All of them.
    All,
    /// Those with this segment id.
    Id(&'i str),
    /// Those with another segment id.
    Not(&'i str),
}

/// Writes the carried segments of loop `loop_id` under `HL` `hl` (service line `line`).
fn carried(
    w: &mut Writer,
    unmapped: &Unmapped,
    (loop_id, hl, line): (&str, u32, Option<u32>),
    only: Only<'_>,
) {
    for text in unmapped.of_at(loop_id, Some(hl), line) {
        let id = text.split('*').next().unwrap_or_default();
        let wanted = match only {
            Only::All => true,
            Only::Id(wanted) => id == wanted,
            Only::Not(unwanted) => id != unwanted,
        };
        if wanted {
            w.raw(text);
        }
    }
}

/// Writes `QTY` and `AMT` totals of a 2200B/C loop with the level's qualifiers.
fn write_totals(w: &mut Writer, status: &ClaimAckStatus, (accepted, rejected): (&str, &str)) {
    if let Some(q) = &status.accepted_quantity {
        w.seg("QTY", &[accepted, q.to_string().as_str()]);
    }
    if let Some(q) = &status.rejected_quantity {
        w.seg("QTY", &[rejected, q.to_string().as_str()]);
    }
    for (qualifier, amount) in [
        ("YU", &status.accepted_amount),
        ("YY", &status.rejected_amount),
    ] {
        if let Some(amount) = amount {
            w.seg("AMT", &[qualifier, amount.to_string().as_str()]);
        }
    }
}

/// Writes one 2220D service line (position `n` of its claim, under `HL` `hl`).
fn write_line(w: &mut Writer, line: &LineStatus, unmapped: &Unmapped, (hl, n): (u32, u32)) {
    let (svc01, svc04) = match (&line.procedure, &line.revenue_code) {
        (Some(procedure), revenue) => {
            let procedure = clearway_plugin_sdk::schemas::Code {
                display: None,
                ..procedure.clone()
            };
            let revenue = revenue.as_ref().map(|r| r.code.clone()).unwrap_or_default();
            (write_procedure(w, &procedure, &line.modifiers), revenue)
        }
        (None, Some(revenue)) => (write_procedure(w, revenue, &line.modifiers), String::new()),
        (None, None) => (String::new(), String::new()),
    };
    let money = |m: &Option<clearway_plugin_sdk::schemas::Money>| {
        m.map(|m| m.to_string()).unwrap_or_default()
    };
    let units = line.units.map(|u| u.to_string()).unwrap_or_default();
    let charge = money(&line.charge);
    let empty = String::new();
    w.seg(
        "SVC",
        &[&svc01, &charge, &empty, &svc04, &empty, &empty, &units],
    );
    for status in &line.statuses {
        write_stc(w, AckLevel::Claim, true, status, String::new());
    }
    if let Some(number) = &line.line_item_control_number {
        w.seg("REF", &["FJ", number.as_str()]);
    }
    if let Some(period) = &line.service_period {
        let (format, value) = write_period(period);
        w.seg("DTP", &["472", format.as_str(), value.as_str()]);
    }
    carried(w, unmapped, ("2220D", hl, Some(n)), Only::All);
}

/// The `NM1` of a level: the carried one of its `HL`, else the message's party for the
/// level with the elements the loop does not use cleared.
fn write_name(w: &mut Writer, cx: &Context<'_>, status: &ClaimAckStatus, hl: u32) {
    let (name_loop, _, role, _) = loops(status.level);
    if let Some(text) = cx.unmapped.of_at(name_loop, Some(hl), None).next() {
        w.raw(text);
        return;
    }
    let Some(party) = party(cx.message, status.level) else {
        return;
    };
    let mut written = party.clone();
    if status.level == AckLevel::InformationSource {
        written.first_name = None;
        written.middle_name = None;
    }
    if matches!(
        status.level,
        AckLevel::InformationSource | AckLevel::InformationReceiver
    ) {
        written.prefix = None;
        written.suffix = None;
    }
    write_nm1(w, role, &written);
}

/// Writes one level: `HL`, `NM1`, its status loop and (claims) its service lines.
pub fn write_level(w: &mut Writer, cx: &Context<'_>, statuses: &[ClaimAckStatus], index: usize) {
    let status = &statuses[index];
    let hl = u32::try_from(index + 1).unwrap_or(u32::MAX);
    let parent = cx.parents[index];
    let has_child = statuses
        .get(index + 1)
        .is_some_and(|next| depth(next.level) > depth(status.level));
    let child = match status.level {
        AckLevel::Claim => "",
        _ if has_child => "1",
        _ => "0",
    };
    let parent = if parent == 0 {
        String::new()
    } else {
        parent.to_string()
    };
    let hl_text = hl.to_string();
    w.seg(
        "HL",
        &[hl_text.as_str(), &parent, status.level.x12_code(), child],
    );
    write_name(w, cx, status, hl);
    let (_, status_loop, _, trn01) = loops(status.level);
    let reference = status
        .trace
        .as_ref()
        .map(|t| t.reference.clone())
        .or_else(|| status.patient_control_number.clone());
    let Some(reference) = reference else {
        return;
    };
    let trace_type = status.trace.as_ref().and_then(|t| t.trace_type.clone());
    w.seg("TRN", &[trace_type.as_deref().unwrap_or(trn01), &reference]);
    let money = |m: &Option<clearway_plugin_sdk::schemas::Money>| {
        m.map(|m| m.to_string()).unwrap_or_default()
    };
    for (n, stc) in status.statuses.iter().enumerate() {
        let charge = stc
            .charge
            .or(if n == 0 { status.total_charge } else { None });
        write_stc(w, status.level, false, stc, money(&charge));
    }
    let unmapped = &cx.unmapped;
    match status.level {
        AckLevel::InformationSource => {
            for (qualifier, date) in [
                ("050", &status.received_date),
                ("009", &status.process_date),
            ] {
                if let Some(date) = date {
                    w.seg("DTP", &[qualifier, "D8", write_date(date).as_str()]);
                }
            }
        }
        AckLevel::InformationReceiver => write_totals(w, status, ("90", "AA")),
        AckLevel::BillingProvider => {
            carried(w, unmapped, (status_loop, hl, None), Only::Id("REF"));
            write_totals(w, status, ("QA", "QC"));
            carried(w, unmapped, (status_loop, hl, None), Only::Not("REF"));
            return;
        }
        AckLevel::Claim => {
            let refs = [
                ("1K", status.payer_claim_control_number.clone()),
                ("D9", status.clearinghouse_trace_number.clone()),
                ("BLT", status.bill_type.as_ref().map(bill_type)),
            ];
            for (qualifier, value) in refs {
                if let Some(value) = value {
                    w.seg("REF", &[qualifier, value.as_str()]);
                }
            }
            if let Some(period) = &status.service_period {
                let (format, value) = write_period(period);
                w.seg("DTP", &["472", format.as_str(), value.as_str()]);
            }
        }
    }
    carried(w, unmapped, (status_loop, hl, None), Only::All);
    for (n, line) in status.lines.iter().enumerate() {
        let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
        write_line(w, line, unmapped, (hl, n));
    }
}

/// `REF02` of a bill type: the NUBC code without the leading zero the decoder adds.
fn bill_type(code: &clearway_plugin_sdk::schemas::Code) -> String {
    match code.code.strip_prefix('0') {
        Some(rest) if code.code.len() == 4 => rest.to_owned(),
        _ => code.code.clone(),
    }
}
