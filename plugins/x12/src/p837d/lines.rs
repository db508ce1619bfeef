//! 837D service lines both ways: loop 2400 (`LX`, `SV3` CDT procedure, charge, place of
//! service, oral cavity, prosthesis, units, diagnosis pointers; `TOO` teeth and surfaces;
//! `DTP*472`; `REF*G1`/`6R`; `AMT`; `NTE`) and the rendering provider of 2420A; the other
//! line loops and dates are carried.

use clearway_plugin_sdk::schemas::body::claim::{ServiceLine, Tooth};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use crate::p837::common::{provider_loop, write_carried, write_loops, write_ordered};
use crate::p837::encode::NM1;
use crate::p837::shared::{
    LineReader, amounts, line_dates, procedure_composite, qualified, read_line, read_modifiers,
    write_line_notes,
};
use crate::parties::{self, Details};
use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{Unmapped, money, opt_quantity};
use crate::walker::Node;

/// Oral cavity designation codes (`SV304`): entire cavity, arches, quadrants, sextants, other.
pub const ORAL_CAVITY: &[&str] = &[
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20", "30", "40",
];

/// Tooth surface codes (`TOO03`): buccal, distal, facial, incisal, lingual, mesial, occlusal.
pub const SURFACES: &[&str] = &["B", "D", "F", "I", "L", "M", "O"];

/// Prosthesis, crown or inlay codes (`SV305`): initial placement, replacement.
pub const PROSTHESIS: &[&str] = &["I", "R"];

/// `REF01` qualifiers of loop 2400 in TR3 order.
const REF_ORDER: &[&str] = &["G3", "9B", "9D", "G1", "9F", "6R"];

/// `DTP01` qualifiers of loop 2400 in TR3 order: service, prior placement, appliance
/// placement, replacement, treatment start, treatment completion.
const DTP_ORDER: &[&str] = &["472", "441", "452", "446", "196", "198"];

/// Whether `tooth` is an ADA universal tooth designation (`JP`): permanent `1`-`32`,
/// primary `A`-`T`, supernumerary `51`-`82` and `AS`-`TS`.
pub fn valid_tooth(tooth: &str) -> bool {
    if let Ok(number) = tooth.parse::<u8>() {
        return !tooth.starts_with('0')
            && ((1..=32).contains(&number) || (51..=82).contains(&number));
    }
    let primary = |c: char| ('A'..='T').contains(&c);
    let mut chars = tooth.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(c), None, None) => primary(c),
        (Some(c), Some('S'), None) => primary(c),
        _ => false,
    }
}

/// Reads `SV3` into `line`.
fn sv3(segment: &Segment<'_>, line: &mut ServiceLine) -> Result<(), X12Error> {
    if segment.comp(1, 1) != "AD" {
        return Err(segment.err(
            "SV301-1",
            ErrorKind::InvalidCode("product or service id qualifier"),
        ));
    }
    let code = segment.comp(1, 2);
    if code.is_empty() {
        return Err(segment.err("SV301-2", ErrorKind::MissingElement("procedure code")));
    }
    line.procedure = Some(Code::new(CodeSystem::Cdt, code));
    read_modifiers(segment, 1, line);
    line.charge = money(segment, 2)?;
    line.place_of_service = segment
        .opt(3)
        .map(|c| Code::new(CodeSystem::PlaceOfService, c));
    if segment.opt(4).is_some() {
        for (m, area) in segment.comps(4).into_iter().enumerate() {
            if !ORAL_CAVITY.contains(&area) {
                return Err(segment.err(
                    format!("SV304-{}", m + 1),
                    ErrorKind::InvalidCode("oral cavity designation code"),
                ));
            }
            line.oral_cavity_areas.push(area.to_owned());
        }
    }
    if let Some(code) = segment.opt(5) {
        if !PROSTHESIS.contains(&code) {
            return Err(segment.err(
                "SV305",
                ErrorKind::InvalidCode("prosthesis, crown or inlay code"),
            ));
        }
        line.prosthesis = Some(code.to_owned());
    }
    line.units = opt_quantity(segment, 6)?;
    if segment.opt(11).is_some() {
        for (m, pointer) in segment.comps(11).into_iter().enumerate() {
            line.diagnosis_pointers.push(
                pointer.parse().map_err(|_| {
                    segment.err(format!("SV311-{}", m + 1), ErrorKind::InvalidNumber)
                })?,
            );
        }
    }
    Ok(())
}

/// Reads a `TOO` (qualifier `JP`, a universal tooth number, up to five surfaces).
fn too(segment: &Segment<'_>) -> Result<Tooth, X12Error> {
    if segment.el(1) != "JP" {
        return Err(segment.err("TOO01", ErrorKind::InvalidCode("code list qualifier code")));
    }
    let number = segment.req(2, "tooth number")?;
    if !valid_tooth(number) {
        return Err(segment.err("TOO02", ErrorKind::InvalidCode("tooth number")));
    }
    let mut surfaces = Vec::new();
    if segment.opt(3).is_some() {
        for (m, surface) in segment.comps(3).into_iter().enumerate() {
            if m >= 5 || !SURFACES.contains(&surface) {
                return Err(segment.err(
                    format!("TOO03-{}", m + 1),
                    ErrorKind::InvalidCode("tooth surface code"),
                ));
            }
            surfaces.push(surface.to_owned());
        }
    }
    Ok(Tooth {
        number: number.to_owned(),
        surfaces,
    })
}

/// Reads one loop 2400.
///
/// # Errors
///
/// A bad `LX01`, `SV3`, `TOO`, date or amount.
pub fn read(node: &Node<'_, '_, '_>, unmapped: &mut Unmapped) -> Result<ServiceLine, X12Error> {
    let reader = LineReader {
        segment: &|segment, line| match segment.id {
            "SV3" => sv3(segment, line).map(|()| true),
            "TOO" => too(segment).map(|t| line.teeth.push(t)).map(|()| true),
            _ => Ok(false),
        },
        child: &|child, line, _, _| {
            if child.id() != "2420A" {
                return Ok(false);
            }
            line.rendering_provider = Some(parties::read(child)?);
            Ok(true)
        },
        prior_authorization: true,
    };
    read_line(node, unmapped, &reader)
}

/// Writes one loop 2400 in TR3 order; `pointer` turns a diagnosis sequence into its position
/// in the written `HI` (the line's pointers are written only when all resolve).
pub fn write(
    w: &mut Writer,
    line: &ServiceLine,
    unmapped: &Unmapped,
    pointer: &dyn Fn(u32) -> Option<u32>,
) {
    let n = Some(line.line_number);
    w.seg("LX", &[line.line_number.to_string()]);
    let procedure = procedure_composite(w, line, "AD");
    let areas: Vec<&str> = line.oral_cavity_areas.iter().map(String::as_str).collect();
    let areas = w.comp(&areas);
    let pointers: Option<Vec<String>> = line
        .diagnosis_pointers
        .iter()
        .map(|p| pointer(*p).map(|p| p.to_string()))
        .collect();
    let pointers = pointers.unwrap_or_default();
    let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
    let pointers = w.comp(&pointers);
    let opt = |v: Option<String>| v.unwrap_or_default();
    w.seg(
        "SV3",
        &[
            procedure,
            line.charge.to_string(),
            opt(line.place_of_service.as_ref().map(|p| p.code.clone())),
            areas,
            opt(line.prosthesis.clone()),
            opt(line.units.map(|u| u.to_string())),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            pointers,
        ],
    );
    for tooth in &line.teeth {
        let surfaces: Vec<&str> = tooth.surfaces.iter().map(String::as_str).collect();
        let surfaces = w.comp(&surfaces);
        w.seg("TOO", &["JP", tooth.number.as_str(), surfaces.as_str()]);
    }
    write_ordered(
        w,
        "DTP",
        DTP_ORDER,
        &line_dates(line),
        (unmapped, "2400", n),
    );
    write_carried(w, unmapped, "2400", n, &["QTY", "CN1"]);
    let mut refs = qualified("G1", line.prior_authorization_numbers.iter().cloned());
    refs.extend(qualified("6R", line.line_item_control_number.clone()));
    write_ordered(w, "REF", REF_ORDER, &refs, (unmapped, "2400", n));
    write_ordered(
        w,
        "AMT",
        &["T"],
        &amounts(&line.other_amounts),
        (unmapped, "2400", n),
    );
    write_carried(w, unmapped, "2400", n, &["K3"]);
    // `TPO` (third party organization notes), the one code here.
    write_line_notes(w, line, "TPO");
    write_carried(w, unmapped, "2400", n, &["NTE", "HCP"]);
    if let Some(rendering) = &line.rendering_provider {
        let party = provider_loop(rendering, &["0B", "1G", "G2", "LU"], false, false);
        let details = Details {
            taxonomy: Some("PE"),
            ..NM1
        };
        parties::write(w, "82", &party, details);
    }
    write_loops(
        w,
        unmapped,
        &["2420A", "2420B", "2420C", "2420D", "2430"],
        n,
    );
}
