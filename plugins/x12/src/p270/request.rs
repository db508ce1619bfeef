//! The inquiry of a 270 subscriber or dependent level (2100C/D and its 2110C/D `EQ` loops).

use clearway_plugin_sdk::schemas::body::EligibilityRequest;
use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use super::{Context, Person, coverage};
use crate::p835::adjust::read_procedure;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::period;
use crate::walker::Node;

/// ICD-10-CM as written in the model: a dot after the third character.
fn icd10_dotted(code: &str) -> String {
    if code.len() > 3 && !code.contains('.') && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

/// Reads the diagnoses of an `HI`.
fn diagnoses(hi: &Segment<'_>, out: &mut Vec<Code>) -> Result<(), X12Error> {
    for n in 1..=8 {
        if hi.opt(n).is_none() {
            continue;
        }
        let code = hi.comp(n, 2);
        if code.is_empty() {
            return Err(hi.err(
                format!("HI{n:02}-2"),
                ErrorKind::MissingElement("diagnosis code"),
            ));
        }
        let system = match hi.comp(n, 1) {
            "ABK" | "ABF" => CodeSystem::Icd10Cm,
            "BK" | "BF" => CodeSystem::Other(crate::p837::ICD9.to_owned()),
            _ => {
                return Err(hi.err(
                    format!("HI{n:02}-1"),
                    ErrorKind::InvalidCode("diagnosis type code"),
                ));
            }
        };
        let code = if system == CodeSystem::Icd10Cm {
            icd10_dotted(code)
        } else {
            code.to_owned()
        };
        out.push(Code::new(system, code));
    }
    Ok(())
}

/// Reads one `EQ` loop into `request`.
fn inquiry(
    node: &Node<'_, '_, '_>,
    request: &mut EligibilityRequest,
    context: &mut Context,
) -> Result<(), X12Error> {
    let eq = node.segments()[0];
    if eq.opt(1).is_none() && eq.opt(2).is_none() {
        return Err(eq.err("EQ01", ErrorKind::MissingElement("service type code")));
    }
    request.service_types.extend(
        eq.reps(1)
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|c| Code::new(CodeSystem::X12ServiceType, c)),
    );
    if eq.opt(2).is_some() {
        let (procedure, _) = read_procedure(eq, 2)?;
        request.procedures.push(procedure);
    }
    for segment in node.segments().iter().skip(1) {
        match (segment.id, segment.el(1)) {
            ("III", "ZZ") => {
                request.place_of_service = segment
                    .opt(2)
                    .map(|c| Code::new(CodeSystem::PlaceOfService, c));
            }
            ("DTP", "291") => request.date_of_service = Some(period(segment, 2)?),
            _ => context.unmapped.push(node.id(), None, segment),
        }
    }
    Ok(())
}

/// Reads the inquiry of `person`.
///
/// # Errors
///
/// Bad `HI`, `DTP` or `EQ`, with their position.
pub fn read(
    person: &Person<'_, '_, '_>,
    context: &mut Context,
) -> Result<EligibilityRequest, X12Error> {
    let mut request = EligibilityRequest {
        traces: person.traces.clone(),
        ..EligibilityRequest::default()
    };
    let Some(name) = &person.name else {
        return Ok(request);
    };
    (request.coverage, request.date_of_service) = coverage(name, context)?;
    for hi in name.all("HI") {
        diagnoses(hi, &mut request.diagnoses).map_err(|e| e.in_loop(name.id()))?;
    }
    for child in name.children() {
        inquiry(&child, &mut request, context).map_err(|e| e.in_loop(child.id()))?;
    }
    Ok(request)
}
