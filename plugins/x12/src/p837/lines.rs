//! 837P service lines (loop 2400 with 2410 drug and 2420A rendering provider), both ways.

use clearway_plugin_sdk::schemas::body::claim::{DrugInfo, ServiceLine};
use clearway_plugin_sdk::schemas::body::{DrugUnit, UnitType};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Period};

use super::hierarchy::carry;
use super::shared::{LineReader, procedure_composite, read_line, read_modifiers, write_line_notes};
use crate::parties::{self, Details};
use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{
    Unmapped, flag, money, numbered, opt_quantity, procedure_code, write_period, yes_no,
};
use crate::walker::Node;

/// Reads `SV1` into `line`.
fn sv1(segment: &Segment<'_>, line: &mut ServiceLine) -> Result<(), X12Error> {
    if segment.comp(1, 1) != "HC" {
        return Err(segment.err(
            "SV101-1",
            ErrorKind::InvalidCode("product or service id qualifier"),
        ));
    }
    let code = segment.comp(1, 2);
    if code.is_empty() {
        return Err(segment.err("SV101-2", ErrorKind::MissingElement("procedure code")));
    }
    line.procedure = Some(procedure_code(code));
    read_modifiers(segment, 1, line);
    line.charge = money(segment, 2)?;
    line.unit_type = match segment.opt(3) {
        Some(code) => Some(UnitType::from_x12_code(code).ok_or_else(|| {
            segment.err(
                "SV103",
                ErrorKind::InvalidCode("unit or basis for measurement code"),
            )
        })?),
        None => None,
    };
    line.units = opt_quantity(segment, 4)?;
    line.place_of_service = segment
        .opt(5)
        .map(|c| Code::new(CodeSystem::PlaceOfService, c));
    if segment.opt(7).is_some() {
        for (m, pointer) in segment.comps(7).iter().enumerate() {
            line.diagnosis_pointers.push(
                pointer.parse().map_err(|_| {
                    segment.err(format!("SV107-{}", m + 1), ErrorKind::InvalidNumber)
                })?,
            );
        }
    }
    line.emergency = flag(segment.el(9));
    line.epsdt = flag(segment.el(11));
    line.family_planning = flag(segment.el(12));
    Ok(())
}

/// Reads one loop 2400.
///
/// # Errors
///
/// Bad `LX01`, `SV1` composite, amounts, quantities, pointers or dates.
pub fn service_line(
    node: &Node<'_, '_, '_>,
    unmapped: &mut Unmapped,
) -> Result<ServiceLine, X12Error> {
    let reader = LineReader {
        segment: &|segment, line| match segment.id {
            "SV1" => sv1(segment, line).map(|()| true),
            _ => Ok(false),
        },
        child: &|child, line, number, unmapped| {
            match child.id() {
                "2410" => line.drug = Some(drug(child, number, unmapped)?),
                "2420A" => line.rendering_provider = Some(parties::read(child)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
        prior_authorization: true,
    };
    read_line(node, unmapped, &reader)
}

/// Reads loop 2410 (drug identification) of service line `line`.
///
/// # Errors
///
/// A qualifier other than `N4`, a missing code, `CTP`, quantity or unit.
pub fn drug(
    node: &Node<'_, '_, '_>,
    line: u32,
    unmapped: &mut Unmapped,
) -> Result<DrugInfo, X12Error> {
    let located = |e: X12Error| e.in_loop("2410");
    let lin = node.segments()[0];
    if lin.el(2) != "N4" {
        return Err(located(lin.err(
            "LIN02",
            ErrorKind::InvalidCode("product or service id qualifier"),
        )));
    }
    let ndc = Code::new(
        CodeSystem::Ndc,
        lin.req(3, "national drug code").map_err(located)?,
    );
    let ctp = node.first("CTP").ok_or_else(|| {
        located(X12Error::new(
            lin.pos(),
            ErrorKind::MissingSegment("segment CTP".into()),
        ))
    })?;
    let quantity = opt_quantity(ctp, 4).map_err(located)?.ok_or_else(|| {
        located(ctp.err(
            "CTP04",
            ErrorKind::MissingElement("national drug unit count"),
        ))
    })?;
    let unit = DrugUnit::from_x12_code(ctp.comp(5, 1)).ok_or_else(|| {
        located(ctp.err(
            "CTP05-1",
            ErrorKind::InvalidCode("unit or basis for measurement code"),
        ))
    })?;
    let prescription_number = node
        .all("REF")
        .find(|r| matches!(r.el(1), "XZ" | "VY"))
        .and_then(|r| r.opt(2))
        .map(str::to_owned);
    let mut rest = Unmapped::default();
    carry(node, &["CTP", "REF"], Some(line), &mut rest);
    for segment in node.all("REF").filter(|r| !matches!(r.el(1), "XZ" | "VY")) {
        rest.push("2410", Some(line), segment);
    }
    unmapped.entries.extend(rest.entries);
    Ok(DrugInfo {
        ndc,
        quantity,
        unit,
        prescription_number,
    })
}

/// Writes one loop 2400 and its mapped children, then the line's carried segments. A line
/// without its own service period takes `claim_period` (`DTP*472` is required per line).
pub fn write_line(
    w: &mut Writer,
    line: &ServiceLine,
    claim_period: Option<&Period>,
    unmapped: &Unmapped,
) {
    let n = Some(line.line_number);
    w.seg("LX", &[numbered("", line.line_number.into())]);
    let procedure = procedure_composite(w, line, "HC");
    let pointers: Vec<String> = line.diagnosis_pointers.iter().map(u32::to_string).collect();
    let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
    let pointers = w.comp(&pointers);
    w.seg(
        "SV1",
        &[
            procedure,
            line.charge.to_string(),
            // SV103/SV104 are required: units (`UN`) and a quantity of 1 unless the line says.
            line.unit_type.map_or("UN", |u| u.x12_code()).to_owned(),
            line.units.map_or_else(|| "1".to_owned(), |u| u.to_string()),
            line.place_of_service
                .as_ref()
                .map(|p| p.code.clone())
                .unwrap_or_default(),
            String::new(),
            pointers,
            String::new(),
            yes_no(line.emergency).to_owned(),
            String::new(),
            yes_no(line.epsdt).to_owned(),
            yes_no(line.family_planning).to_owned(),
        ],
    );
    let carried = |w: &mut Writer, loop_id: &str| {
        for text in unmapped.of(loop_id, n) {
            w.raw(text);
        }
    };
    if let Some(period) = line.service_period.as_ref().or(claim_period) {
        let (format, value) = write_period(period);
        w.seg("DTP", &["472", format.as_str(), value.as_str()]);
    }
    for number in &line.prior_authorization_numbers {
        w.seg("REF", &["G1", number.as_str()]);
    }
    if let Some(number) = &line.line_item_control_number {
        w.seg("REF", &["6R", number.as_str()]);
    }
    for amount in &line.other_amounts {
        w.seg(
            "AMT",
            &[amount.qualifier.clone(), amount.amount.to_string()],
        );
    }
    // `ADD` (additional information) when the note has no code.
    write_line_notes(w, line, "ADD");
    carried(w, "2400");
    if let Some(drug) = &line.drug {
        write_drug(w, drug);
        carried(w, "2410");
    }
    if let Some(rendering) = &line.rendering_provider {
        parties::write(
            w,
            "82",
            rendering,
            Details {
                taxonomy: Some("PE"),
                ..super::encode::NM1
            },
        );
        carried(w, "2420A");
    }
    for loop_id in [
        "2420B", "2420C", "2420D", "2420E", "2420F", "2420G", "2420H", "2430", "2440",
    ] {
        carried(w, loop_id);
    }
}

/// Writes loop 2410 (`LIN`, `CTP`, `REF*XZ`) without its carried segments.
pub fn write_drug(w: &mut Writer, drug: &DrugInfo) {
    w.seg("LIN", &["", "N4", drug.ndc.code.as_str()]);
    let unit = w.comp(&[drug.unit.x12_code()]);
    w.seg(
        "CTP",
        &[
            "",
            "",
            "",
            drug.quantity.to_string().as_str(),
            unit.as_str(),
        ],
    );
    if let Some(number) = &drug.prescription_number {
        w.seg("REF", &["XZ", number.as_str()]);
    }
}
