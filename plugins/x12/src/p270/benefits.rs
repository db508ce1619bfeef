//! The inquiry loops of a 270 (2110C/D `EQ`) and the benefit loops of a 271 (2110C/D `EB`
//! with their 2120C/D related entities).

use clearway_plugin_sdk::schemas::EligibilityRequest;
use clearway_plugin_sdk::schemas::body::Rejection;
use clearway_plugin_sdk::schemas::body::benefit::Benefit;

use super::person::dtp_value;
use super::write::{self, Element};
use crate::parties;
use crate::syntax::Writer;
use crate::values::Unmapped;

/// `NM108` qualifiers of a 2120C/D related entity, in order of preference.
const RELATED_IDS: &[&str] = &[
    "XX", "PI", "XV", "MI", "FI", "SV", "24", "34", "46", "FA", "II", "NI", "PP",
];

/// The TR3 position of a carried segment inside a 270 `EQ` loop: `AMT`, `III`, `REF`, `DTP`.
fn inquiry_rank(text: &str) -> usize {
    let id = text.split('*').next().unwrap_or_default();
    ["AMT", "III", "REF", "DTP"]
        .iter()
        .position(|s| *s == id)
        .unwrap_or(4)
}

/// Writes the `EQ` loops of a 270 level: one `EQ` with every service type (`30`, health
/// benefit plan coverage, when the request names neither a service type nor a procedure),
/// then one per procedure. The place of service (`III*ZZ`) goes in the first loop, the
/// carried segments of the level's `EQ` loops in the last.
pub fn write_inquiries(w: &mut Writer, request: &EligibilityRequest, carried: &[&str]) {
    let mut service_types: Vec<String> = request
        .service_types
        .iter()
        .map(|c| c.code.clone())
        .collect();
    if service_types.is_empty() && request.procedures.is_empty() {
        service_types.push("30".into());
    }
    let mut loops: Vec<Vec<Element>> = Vec::new();
    if !service_types.is_empty() {
        loops.push(vec![Element::Repeated(service_types)]);
    }
    for code in &request.procedures {
        let composite = write::procedure(w, code, &[]);
        loops.push(vec![
            Element::Simple(String::new()),
            Element::Composite(composite),
        ]);
    }
    let mut carried: Vec<&str> = carried.to_vec();
    carried.sort_by_key(|t| inquiry_rank(t));
    let last = loops.len() - 1;
    for (n, elements) in loops.into_iter().enumerate() {
        write::write_repeating(w, "EQ", elements);
        let mine: &[&str] = if n == last { &carried } else { &[] };
        for text in mine.iter().filter(|t| inquiry_rank(t) == 0) {
            w.raw(text);
        }
        if n == 0
            && let Some(place) = &request.place_of_service
        {
            w.seg("III", &["ZZ", place.code.as_str()]);
        }
        for text in mine.iter().filter(|t| inquiry_rank(t) > 0) {
            w.raw(text);
        }
    }
}

/// Writes the `EB` segment of a benefit.
fn write_eb(w: &mut Writer, benefit: &Benefit) {
    let text = |v: Option<String>| Element::Simple(v.unwrap_or_default());
    let procedure = benefit
        .procedure
        .as_ref()
        .map(|p| write::procedure(w, p, &benefit.modifiers))
        .unwrap_or_default();
    write::write_repeating(
        w,
        "EB",
        vec![
            text(Some(benefit.info.x12_code().to_owned())),
            text(benefit.coverage_level.map(|c| c.x12_code().to_owned())),
            Element::Repeated(
                benefit
                    .service_types
                    .iter()
                    .map(|c| c.code.clone())
                    .collect(),
            ),
            text(benefit.insurance_type.clone()),
            text(benefit.plan_description.clone()),
            text(benefit.time_period.map(|t| t.x12_code().to_owned())),
            text(benefit.amount.map(|a| a.to_string())),
            text(benefit.percent.map(|p| p.to_string())),
            text(benefit.quantity.as_ref().map(|q| q.qualifier.clone())),
            text(benefit.quantity.as_ref().map(|q| q.value.to_string())),
            text(
                benefit
                    .authorization_required
                    .map(|a| a.x12_code().to_owned()),
            ),
            text(benefit.network.map(|n| n.x12_code().to_owned())),
            Element::Composite(procedure),
        ],
    );
}

/// Writes the related entities of a benefit (loop 2120C/D inside `LS`/`LE`).
fn write_related(w: &mut Writer, benefit: &Benefit) {
    if benefit.related_entities.is_empty() {
        return;
    }
    w.seg("LS", &["2120"]);
    for party in &benefit.related_entities {
        let role = party.role.as_ref().map_or("", |r| r.code.as_str());
        write::write_nm1(w, role, party, RELATED_IDS, false);
        if let Some(address) = &party.address {
            parties::write_address(w, address);
        }
        for contact in party.contacts.iter().take(3) {
            parties::write_contact(w, "IC", contact);
        }
        if let Some(taxonomy) = &party.taxonomy {
            w.seg("PRV", &["PE", "PXC", taxonomy.code.as_str()]);
        }
    }
    w.seg("LE", &["2120"]);
}

/// Writes the `EB` loops of a 271 level (`loop_id` 2110C or 2110D) in TR3 order: `EB`,
/// `HSD`, `REF`, `DTP`, `AAA`, `MSG`, `III`, then the related entities. The level's inquiry
/// rejections go in the last loop; carried segments go in the loop they came from (their
/// `line`), those without a position in the last loop.
pub fn write_benefits(
    w: &mut Writer,
    benefits: &[Benefit],
    rejections: &[&Rejection],
    unmapped: &Unmapped,
    loop_id: &str,
) {
    let last = benefits.len().saturating_sub(1);
    for (n, benefit) in benefits.iter().enumerate() {
        let position = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let mut carried: Vec<&str> = unmapped.of(loop_id, Some(position)).collect();
        if n == last {
            carried.extend(unmapped.of(loop_id, None));
        }
        write_eb(w, benefit);
        let is_hsd = |t: &&&str| t.starts_with("HSD*");
        for text in carried.iter().filter(is_hsd) {
            w.raw(text);
        }
        for identifier in &benefit.identifiers {
            let qualifier = identifier.qualifier.as_deref().unwrap_or_default();
            w.seg("REF", &[qualifier, identifier.value.as_str()]);
        }
        for date in &benefit.dates {
            let Some((format, value)) = dtp_value(&date.period) else {
                continue;
            };
            w.seg(
                "DTP",
                &[date.qualifier.as_str(), format.as_str(), value.as_str()],
            );
        }
        if n == last {
            for rejection in rejections {
                write::write_aaa(w, rejection);
            }
        }
        for message in &benefit.messages {
            w.seg("MSG", &[message.as_str()]);
        }
        for text in carried.iter().filter(|t| !is_hsd(t)) {
            w.raw(text);
        }
        write_related(w, benefit);
    }
}
