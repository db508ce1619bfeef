//! Pieces shared by claim and service payments, both ways: `CAS` adjustments, the `SVC`
//! procedure composites and remark codes.

use clearway_plugin_sdk::schemas::body::{Adjustment, AdjustmentGroup};
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{money, opt_quantity, procedure_code};

/// Prefix of the code system URI for product/service id qualifiers the model has no code
/// system for (`ER`, `HP`, `IV`, `WK`, ...): the qualifier follows.
pub const QUALIFIER_URN: &str = "urn:x12:product-service-id-qualifier:";

/// Prefix of the code system URI for `LQ01` code list qualifiers other than `HE` (RARC).
pub const REMARK_LIST_URN: &str = "urn:x12:code-list-qualifier:";

/// Reads one `CAS` segment (group and up to six reason/amount/quantity triplets).
///
/// # Errors
///
/// An unknown group code, a triplet with an amount but no reason (or the reverse), a bad
/// amount or quantity.
pub fn read_cas(cas: &Segment<'_>, out: &mut Vec<Adjustment>) -> Result<(), X12Error> {
    let group = AdjustmentGroup::from_x12_code(cas.req(1, "claim adjustment group code")?)
        .ok_or_else(|| {
            cas.err(
                "CAS01",
                ErrorKind::InvalidCode("claim adjustment group code"),
            )
        })?;
    let before = out.len();
    for triplet in 0..6 {
        let reason = 2 + triplet * 3;
        match (cas.opt(reason), cas.opt(reason + 1)) {
            (None, None) => continue,
            (Some(code), Some(_)) => out.push(Adjustment {
                group,
                reason: Code::new(CodeSystem::Carc, code),
                amount: money(cas, reason + 1)?,
                quantity: opt_quantity(cas, reason + 2)?,
            }),
            (None, Some(_)) => {
                return Err(cas.err(
                    cas.elref(reason),
                    ErrorKind::MissingElement("claim adjustment reason code"),
                ));
            }
            (Some(_), None) => {
                return Err(cas.err(
                    cas.elref(reason + 1),
                    ErrorKind::MissingElement("monetary amount"),
                ));
            }
        }
    }
    if out.len() == before {
        return Err(cas.err(
            "CAS02",
            ErrorKind::MissingElement("claim adjustment reason code"),
        ));
    }
    Ok(())
}

/// Writes `adjustments` as `CAS` segments: consecutive adjustments of one group share a
/// segment, six triplets at most.
pub fn write_cas(w: &mut Writer, adjustments: &[Adjustment]) {
    let mut rest = adjustments;
    while let Some(first) = rest.first() {
        let run = rest
            .iter()
            .take(6)
            .take_while(|a| a.group == first.group)
            .count();
        let mut elements = vec![first.group.x12_code().to_owned()];
        for adjustment in &rest[..run] {
            elements.push(adjustment.reason.code.clone());
            elements.push(adjustment.amount.to_string());
            elements.push(
                adjustment
                    .quantity
                    .map(|q| q.to_string())
                    .unwrap_or_default(),
            );
        }
        w.seg("CAS", &elements);
        rest = &rest[run..];
    }
}

/// A procedure composite (`SVC01`, `SVC06`): the code with its system (description as the
/// code's display) and its modifiers.
///
/// # Errors
///
/// A missing qualifier or code.
pub fn read_procedure(segment: &Segment<'_>, n: usize) -> Result<(Code, Vec<String>), X12Error> {
    let qualifier = segment.comp(n, 1);
    if qualifier.is_empty() {
        return Err(segment.err(
            format!("{}-1", segment.elref(n)),
            ErrorKind::MissingElement("product or service id qualifier"),
        ));
    }
    let code = segment.comp(n, 2);
    if code.is_empty() {
        return Err(segment.err(
            format!("{}-2", segment.elref(n)),
            ErrorKind::MissingElement("procedure code"),
        ));
    }
    let mut procedure = match qualifier {
        "HC" => procedure_code(code),
        "AD" => Code::new(CodeSystem::Cdt, code),
        "N4" => Code::new(CodeSystem::Ndc, code),
        "NU" => Code::new(CodeSystem::NubcRevenue, code),
        other => Code::new(CodeSystem::Other(format!("{QUALIFIER_URN}{other}")), code),
    };
    let description = segment.comp(n, 7);
    if !description.is_empty() {
        procedure.display = Some(description.to_owned());
    }
    let modifiers = (3..=6)
        .map(|m| segment.comp(n, m))
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    Ok((procedure, modifiers))
}

/// The product/service id qualifier of a procedure code's system (`HC` CPT/HCPCS, `AD` CDT,
/// `N4` NDC, `NU` revenue; another qualifier as the decoder recorded it).
pub fn procedure_qualifier(system: &CodeSystem) -> &str {
    match system {
        CodeSystem::Cdt => "AD",
        CodeSystem::Ndc => "N4",
        CodeSystem::NubcRevenue => "NU",
        CodeSystem::Other(uri) => uri.strip_prefix(QUALIFIER_URN).unwrap_or("HC"),
        _ => "HC",
    }
}

/// A procedure composite from a code and its modifiers.
pub fn write_procedure(w: &mut Writer, procedure: &Code, modifiers: &[String]) -> String {
    let mut parts = vec![
        procedure_qualifier(&procedure.system),
        procedure.code.as_str(),
    ];
    for m in 0..4 {
        parts.push(modifiers.get(m).map_or("", String::as_str));
    }
    parts.push(procedure.display.as_deref().unwrap_or_default());
    w.comp(&parts)
}

/// A remark code from an `LQ` (`LQ01` qualifier, `LQ02` code): RARC for `HE`.
///
/// # Errors
///
/// `LQ01` or `LQ02` empty.
pub fn read_remark(lq: &Segment<'_>) -> Result<Code, X12Error> {
    let list = lq.req(1, "code list qualifier code")?;
    let code = lq.req(2, "remark code")?;
    let system = match list {
        "HE" => CodeSystem::Rarc,
        other => CodeSystem::Other(format!("{REMARK_LIST_URN}{other}")),
    };
    Ok(Code::new(system, code))
}

/// Writes a remark code as an `LQ`.
pub fn write_remark(w: &mut Writer, remark: &Code) {
    let list = match &remark.system {
        CodeSystem::Other(uri) => uri.strip_prefix(REMARK_LIST_URN).unwrap_or("HE"),
        _ => "HE",
    };
    w.seg("LQ", &[list, remark.code.as_str()]);
}
