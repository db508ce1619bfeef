//! 837I service lines both ways: loop 2400 (`LX`, `SV2` revenue code, procedure, charge,
//! units, non-covered charge, `DTP*472`, `REF*6R`, `AMT`, `NTE`), the drug of 2410 and the
//! rendering provider of 2420C; the other line loops are carried.

use clearway_plugin_sdk::schemas::body::UnitType;
use clearway_plugin_sdk::schemas::body::claim::ServiceLine;
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use crate::p835::adjust::QUALIFIER_URN;
use crate::p837::common::{provider_loop, write_carried, write_loops, write_ordered};
use crate::p837::encode::NM1;
use crate::p837::lines::{drug, write_drug};
use crate::p837::shared::{
    LineReader, amounts, line_dates, qualified, read_line, read_modifiers, write_line_notes,
};
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{Unmapped, money, opt_money, opt_quantity, procedure_code};
use crate::walker::Node;

/// `SV202-1` qualifiers besides `HC` (HCPCS/CPT) that the TR3 allows, kept as a
/// `urn:x12:product-service-id-qualifier:` code system.
const OTHER_QUALIFIERS: &[&str] = &["ER", "HP", "IV", "WK"];

/// Reads `SV2` into `line`.
fn sv2(segment: &Segment<'_>, line: &mut ServiceLine) -> Result<(), X12Error> {
    let revenue = segment.req(1, "service line revenue code")?;
    line.revenue_code = Some(Code::new(CodeSystem::NubcRevenue, revenue));
    if segment.opt(2).is_some() {
        let qualifier = segment.comp(2, 1);
        let code = segment.comp(2, 2);
        if code.is_empty() {
            return Err(segment.err("SV202-2", ErrorKind::MissingElement("procedure code")));
        }
        line.procedure = Some(match qualifier {
            "HC" => procedure_code(code),
            q if OTHER_QUALIFIERS.contains(&q) => {
                Code::new(CodeSystem::Other(format!("{QUALIFIER_URN}{q}")), code)
            }
            _ => {
                return Err(segment.err(
                    "SV202-1",
                    ErrorKind::InvalidCode("product or service id qualifier"),
                ));
            }
        });
        read_modifiers(segment, 2, line);
    }
    line.charge = money(segment, 3)?;
    line.unit_type = match segment.opt(4) {
        Some(code) => Some(UnitType::from_x12_code(code).ok_or_else(|| {
            segment.err(
                "SV204",
                ErrorKind::InvalidCode("unit or basis for measurement code"),
            )
        })?),
        None => None,
    };
    line.units = opt_quantity(segment, 5)?;
    line.non_covered_charge = opt_money(segment, 7)?;
    Ok(())
}

/// Reads one loop 2400.
///
/// # Errors
///
/// A bad `LX01`, `SV2`, date, amount or drug.
pub fn read(node: &Node<'_, '_, '_>, unmapped: &mut Unmapped) -> Result<ServiceLine, X12Error> {
    let reader = LineReader {
        segment: &|segment, line| match segment.id {
            "SV2" => sv2(segment, line).map(|()| true),
            _ => Ok(false),
        },
        child: &|child, line, number, unmapped| {
            match child.id() {
                "2410" => line.drug = Some(drug(child, number, unmapped)?),
                "2420C" => line.rendering_provider = Some(parties::read(child)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
        prior_authorization: false,
    };
    read_line(node, unmapped, &reader)
}

/// The `SV202` composite of a line's procedure.
fn procedure(w: &mut Writer, line: &ServiceLine) -> String {
    let Some(code) = &line.procedure else {
        return String::new();
    };
    let qualifier = match &code.system {
        CodeSystem::Other(uri) => uri.strip_prefix(QUALIFIER_URN).unwrap_or("HC"),
        _ => "HC",
    };
    let mut parts = vec![qualifier, code.code.as_str()];
    for m in 0..4 {
        parts.push(line.modifiers.get(m).map_or("", String::as_str));
    }
    parts.push(line.description.as_deref().unwrap_or_default());
    w.comp(&parts)
}

/// Writes one loop 2400 in TR3 order with its carried segments and loops.
pub fn write(w: &mut Writer, line: &ServiceLine, unmapped: &Unmapped) {
    let n = Some(line.line_number);
    w.seg("LX", &[line.line_number.to_string()]);
    let procedure = procedure(w, line);
    w.seg(
        "SV2",
        &[
            line.revenue_code
                .as_ref()
                .map(|c| c.code.clone())
                .unwrap_or_default(),
            procedure,
            line.charge.to_string(),
            // SV204/SV205 are required: units (`UN`) and a count of 1 unless the line says.
            line.unit_type.map_or("UN", |u| u.x12_code()).to_owned(),
            line.units.map_or_else(|| "1".to_owned(), |u| u.to_string()),
            String::new(),
            line.non_covered_charge
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ],
    );
    write_carried(w, unmapped, "2400", n, &["PWK"]);
    write_ordered(w, "DTP", &["472"], &line_dates(line), (unmapped, "2400", n));
    let refs = qualified("6R", line.line_item_control_number.clone());
    write_ordered(w, "REF", &["6R", "9B", "9D"], &refs, (unmapped, "2400", n));
    write_ordered(
        w,
        "AMT",
        &["GT", "N8"],
        &amounts(&line.other_amounts),
        (unmapped, "2400", n),
    );
    // `TPO` (third party organization notes), the one code here.
    write_line_notes(w, line, "TPO");
    write_carried(w, unmapped, "2400", n, &["NTE", "HCP"]);
    if let Some(drug) = &line.drug {
        write_drug(w, drug);
        write_loops(w, unmapped, &["2410"], n);
    }
    write_loops(w, unmapped, &["2420A", "2420B"], n);
    if let Some(rendering) = &line.rendering_provider {
        let party = provider_loop(rendering, &["0B", "1G", "G2", "LU"], false, false);
        parties::write(w, "82", &party, NM1);
    }
    write_loops(w, unmapped, &["2420D", "2430"], n);
}
