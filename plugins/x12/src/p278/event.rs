//! Segments both directions read the same way: `UM`, `HSD`, `HI`, `DTP`, `SV1`/`SV2`/`SV3`
//! and the 2010E/2010F party loops.

use clearway_plugin_sdk::schemas::body::prior_auth::{CertificationType, RequestCategory};
use clearway_plugin_sdk::schemas::body::{Diagnosis, RejectionLevel, Trace, UnitType};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Money, Party, Period, Quantity};

use super::codes;
use super::extra::{At, Extras};
use super::hierarchy::Context;
use crate::p835::adjust::read_procedure;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{opt_money, opt_number, opt_quantity, parse_date, period};
use crate::walker::Node;

/// What a `UM` says.
#[derive(Debug, Clone, Default)]
pub struct Um {
    /// `UM01`.
    pub category: Option<RequestCategory>,
    /// `UM02`.
    pub certification: Option<CertificationType>,
    /// `UM03`.
    pub service_type: Option<Code>,
    /// `UM04`.
    pub location: Option<Code>,
    /// `UM06`, checked against the X217 list.
    pub level: Option<String>,
}

/// Reads and checks a `UM`: `UM01` and `UM02` required and in the X217 lists, `UM04` with
/// qualifier `A` or `B`, `UM06` in `03`/`E`/`U`.
///
/// # Errors
///
/// A missing or unknown code, naming the element.
pub fn read_um(um: &Segment<'_>) -> Result<Um, X12Error> {
    let bad = |n: usize, what: &'static str| um.err(um.elref(n), ErrorKind::InvalidCode(what));
    let category = codes::request_category(um.req(1, "request category code")?)
        .ok_or_else(|| bad(1, "request category code"))?;
    let certification = codes::certification_type(um.req(2, "certification type code")?)
        .ok_or_else(|| bad(2, "certification type code"))?;
    let location =
        match (um.comp(4, 1), um.comp(4, 2)) {
            ("", "") => None,
            ("", _) => {
                return Err(um.err("UM04-1", ErrorKind::MissingElement("facility type code")));
            }
            (code, qualifier) => Some(codes::location(code, qualifier).ok_or_else(|| {
                um.err("UM04-2", ErrorKind::InvalidCode("facility code qualifier"))
            })?),
        };
    let level = um.opt(6).map(str::to_owned);
    if level
        .as_deref()
        .is_some_and(|l| !codes::LEVELS_OF_SERVICE.contains(&l))
    {
        return Err(bad(6, "level of service code"));
    }
    Ok(Um {
        category: Some(category),
        certification: Some(certification),
        service_type: um.opt(3).map(|c| Code::new(CodeSystem::X12ServiceType, c)),
        location,
        level,
    })
}

/// Reads an `HSD`: `HSD01` as the unit and `HSD02` as the quantity; `HSD03`-`HSD08` are kept
/// in `extras`.
///
/// # Errors
///
/// An unknown `HSD01` or a bad `HSD02`.
pub fn read_hsd(
    hsd: &Segment<'_>,
    at: At<'_>,
    extras: &mut Extras,
) -> Result<(Option<Quantity>, Option<UnitType>), X12Error> {
    let unit = hsd
        .opt(1)
        .map(|code| {
            codes::hsd_unit(code)
                .ok_or_else(|| hsd.err("HSD01", ErrorKind::InvalidCode("quantity qualifier")))
        })
        .transpose()?;
    let quantity = opt_quantity(hsd, 2)?;
    extras.keep(at, hsd, |n, _| n <= 2);
    Ok((quantity, unit))
}

/// Checks a `DTP` (format and dates) and returns its period.
///
/// # Errors
///
/// An unknown format qualifier or a bad date.
pub fn read_dtp(dtp: &Segment<'_>) -> Result<Period, X12Error> {
    dtp.req(1, "date time qualifier")?;
    period(dtp, 2)
}

/// ICD-10-CM as written in the model: a dot after the third character.
fn icd10_dotted(code: &str) -> String {
    if code.len() > 3 && !code.contains('.') && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

/// Reads the diagnoses of an `HI`; each composite's date (`HIxx-3`/`-4`, checked) and
/// anything past it are kept in `extras`.
///
/// # Errors
///
/// An unknown qualifier, a missing code or a bad date.
pub fn read_hi(
    hi: &Segment<'_>,
    at: At<'_>,
    extras: &mut Extras,
    out: &mut Vec<Diagnosis>,
) -> Result<(), X12Error> {
    for n in 1..=12 {
        if hi.opt(n).is_none() {
            continue;
        }
        let (role, system) = codes::diagnosis_kind(hi.comp(n, 1)).ok_or_else(|| {
            hi.err(
                format!("HI{n:02}-1"),
                ErrorKind::InvalidCode("diagnosis type code"),
            )
        })?;
        let code = hi.comp(n, 2);
        if code.is_empty() {
            return Err(hi.err(
                format!("HI{n:02}-2"),
                ErrorKind::MissingElement("diagnosis code"),
            ));
        }
        match (hi.comp(n, 3), hi.comp(n, 4)) {
            ("", "") => {}
            ("D8", date) if parse_date(date).is_some() => {}
            ("D8", _) => return Err(hi.err(format!("HI{n:02}-4"), ErrorKind::InvalidDate)),
            _ => {
                return Err(hi.err(
                    format!("HI{n:02}-3"),
                    ErrorKind::InvalidCode("date time period format qualifier"),
                ));
            }
        }
        let code = if system == CodeSystem::Icd10Cm {
            icd10_dotted(code)
        } else {
            code.to_owned()
        };
        out.push(Diagnosis {
            sequence: u32::try_from(out.len() + 1).unwrap_or(u32::MAX),
            code: Code::new(system, code),
            role,
            present_on_admission: None,
        });
    }
    extras.keep(at, hi, |_, m| m <= 2);
    Ok(())
}

/// What an `SV1`, `SV2` or `SV3` says.
#[derive(Debug, Clone, Default)]
pub struct Sv {
    /// `SV101`, `SV202`, `SV301` (code, qualifier and description).
    pub procedure: Option<Code>,
    /// Procedure modifiers.
    pub modifiers: Vec<String>,
    /// `SV201`.
    pub revenue_code: Option<Code>,
    /// `SV102`, `SV203`, `SV302`.
    pub charge: Option<Money>,
    /// `SV103`, `SV204`.
    pub unit: Option<UnitType>,
    /// `SV104`, `SV205`, `SV306`.
    pub quantity: Option<Quantity>,
    /// `SV107`.
    pub pointers: Vec<u32>,
}

/// Position of the procedure composite, charge, unit and quantity elements of an `SVn`.
pub fn sv_layout(id: &str) -> (usize, usize, Option<usize>, usize) {
    match id {
        "SV2" => (2, 3, Some(4), 5),
        "SV3" => (1, 2, None, 6),
        _ => (1, 2, Some(3), 4),
    }
}

/// The units an `SVn` allows in its unit element.
pub fn sv_units(id: &str) -> &'static [UnitType] {
    match id {
        "SV2" => &[UnitType::Days, UnitType::Units],
        "SV1" => &[UnitType::Minutes, UnitType::Units],
        _ => &[],
    }
}

/// Reads an `SV1`/`SV2`/`SV3`. With `full`, every element the model has a field for is
/// read; otherwise only the procedure (a response's restatement). The rest is kept in
/// `extras`.
///
/// # Errors
///
/// A bad procedure composite, amount, unit, quantity or diagnosis pointer.
pub fn read_sv(
    sv: &Segment<'_>,
    at: At<'_>,
    full: bool,
    extras: &mut Extras,
) -> Result<Sv, X12Error> {
    let (proc_n, charge_n, unit_n, quantity_n) = sv_layout(sv.id);
    let mut out = Sv::default();
    if sv.opt(proc_n).is_some() {
        let (procedure, modifiers) = read_procedure(sv, proc_n)?;
        out.procedure = Some(procedure);
        if full {
            out.modifiers = modifiers;
        }
    } else if sv.id != "SV2" {
        return Err(sv.err(
            sv.elref(proc_n),
            ErrorKind::MissingElement("procedure code"),
        ));
    } else if sv.opt(1).is_none() {
        return Err(sv.err(
            "SV201",
            ErrorKind::MissingElement("service line revenue code"),
        ));
    }
    if full {
        if sv.id == "SV2" {
            out.revenue_code = sv.opt(1).map(|c| Code::new(CodeSystem::NubcRevenue, c));
        }
        out.charge = opt_money(sv, charge_n)?;
        out.quantity = opt_number(sv, quantity_n)?;
        if let Some(n) = unit_n {
            out.unit = sv
                .opt(n)
                .map(|code| {
                    UnitType::from_x12_code(code)
                        .filter(|u| sv_units(sv.id).contains(u))
                        .ok_or_else(|| {
                            sv.err(
                                sv.elref(n),
                                ErrorKind::InvalidCode("unit or basis for measurement code"),
                            )
                        })
                })
                .transpose()?;
        }
        if sv.id == "SV1" {
            for code in sv.comps(7).into_iter().filter(|c| !c.is_empty()) {
                out.pointers.push(
                    code.parse()
                        .map_err(|_| sv.err("SV107", ErrorKind::InvalidNumber))?,
                );
            }
        }
    }
    let kept = |n: usize, m: usize| {
        let procedure = n == proc_n && (matches!(m, 1 | 2 | 7) || (full && m <= 6));
        let other = full
            && (n == charge_n
                || Some(n) == unit_n
                || n == quantity_n
                || (sv.id == "SV2" && n == 1)
                || (sv.id == "SV1" && n == 7 && m <= 4));
        procedure || other
    };
    extras.keep(at, sv, kept);
    Ok(out)
}

/// Reads the party loops of `node` (2010E under a patient event, 2010F under a service) with
/// their roles; `DTP`s of 2010EC are carried. `AAA`s are rejections at the service level.
///
/// # Errors
///
/// A bad party loop or `AAA`.
pub fn read_parties(
    node: &Node<'_, '_, '_>,
    line: Option<u32>,
    context: &mut Context,
) -> Result<Vec<Party>, X12Error> {
    let mut out = Vec::new();
    for child in node.children() {
        for dtp in child.all("DTP") {
            read_dtp(dtp).map_err(|e| e.in_loop(child.id()))?;
        }
        let at = At {
            loop_id: child.id(),
            line,
            party: Some(u32::try_from(out.len() + 1).unwrap_or(u32::MAX)),
        };
        out.push(context.party(&child, at, (true, RejectionLevel::Service), &["DTP"])?);
    }
    Ok(out)
}

/// Reads a `TRN` (`TRN02` required).
///
/// # Errors
///
/// `TRN02` empty.
pub fn read_trn(trn: &Segment<'_>) -> Result<Trace, X12Error> {
    Ok(Trace {
        trace_type: trn.opt(1).map(str::to_owned),
        reference: trn.req(2, "trace number")?.to_owned(),
        originator: trn.opt(3).map(str::to_owned),
        supplemental: trn.opt(4).map(str::to_owned),
    })
}

/// The service segment the model alone leads to: `SV2` with a revenue code, `SV3` for a
/// dental (CDT) procedure, else `SV1`.
pub fn sv_for(revenue: bool, procedure: Option<&Code>) -> &'static str {
    if revenue {
        "SV2"
    } else if procedure.is_some_and(|p| p.system == CodeSystem::Cdt) {
        "SV3"
    } else {
        "SV1"
    }
}
