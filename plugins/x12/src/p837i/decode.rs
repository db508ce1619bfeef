//! 837I (005010X223A2, A1 and A3 as received) to `claim` messages: one per `CLM`, with
//! `claim_type` institutional.

use clearway_plugin_sdk::schemas::body::ClaimFrequency;
use clearway_plugin_sdk::schemas::body::claim::{
    Assignment, BenefitsAssignment, ClaimType, InstitutionalInfo, ReleaseOfInformation,
};
use clearway_plugin_sdk::schemas::{Claim, Code, CodeSystem, Message, Party};
use serde_json::{Map, Value};

use super::spec::ROOT;
use super::{hi, lines};
use crate::decode::EnvelopeIds;
use crate::p837::hierarchy::Context;
use crate::p837::shared::{ClaimLoop, provider_role, read_claim};
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{money, parse_date, parse_time, period};
use crate::walker::Node;

/// The other providers of loops 2310A-C by loop id: `NM101` (their role code, system
/// `x12-entity-identifier`, in `parties.other`).
pub const OTHER_PROVIDERS: [(&str, &str); 3] = [("2310A", "71"), ("2310B", "72"), ("2310C", "ZZ")];

/// Decodes one 837I transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Vec<Message>, X12Error> {
    crate::p837::hierarchy::decode(tx, ids, &ROOT, claim)
}

/// Reads the institutional `CLM`: patient control number, charge, type of bill (`CLM05-1`
/// facility type with qualifier `A`, `CLM05-3` frequency), `CLM07`-`CLM09`, `CLM20`. The
/// elements the TR3 marks "not used" (`CLM06`, `CLM10`-`CLM19`) are not read.
fn clm(segment: &Segment<'_>) -> Result<Claim, X12Error> {
    let mut claim = Claim {
        claim_type: ClaimType::Institutional,
        patient_control_number: segment.req(1, "patient control number")?.to_owned(),
        total_charge: money(segment, 2)?,
        ..Claim::default()
    };
    if segment.opt(5).is_none() {
        return Err(segment.err(
            "CLM05",
            ErrorKind::MissingElement("health care service location"),
        ));
    }
    if segment.comp(5, 2) != "A" {
        return Err(segment.err("CLM05-2", ErrorKind::InvalidCode("facility code qualifier")));
    }
    let facility = segment.comp(5, 1);
    if facility.len() != 2 || !facility.bytes().all(|b| b.is_ascii_digit()) {
        return Err(segment.err("CLM05-1", ErrorKind::InvalidCode("facility type code")));
    }
    let frequency = segment.comp(5, 3);
    if frequency.len() != 1 || !frequency.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(segment.err("CLM05-3", ErrorKind::InvalidCode("claim frequency code")));
    }
    claim.bill_type = Some(Code::new(
        CodeSystem::NubcBillType,
        format!("0{facility}{frequency}"),
    ));
    claim.frequency = ClaimFrequency::from_x12_code(frequency);
    claim.assignment = Assignment::from_x12_code(segment.el(7));
    claim.benefits_assignment = BenefitsAssignment::from_x12_code(segment.el(8));
    claim.release_of_information = ReleaseOfInformation::from_x12_code(segment.el(9));
    claim.delay_reason = segment.opt(20).map(str::to_owned);
    Ok(claim)
}

/// Claim-level `DTP`: discharge hour (`096` `TM`), statement dates (`434`), admission date
/// and hour (`435` `D8`/`DT`), repricer received (`050`); `false` for any other (carried).
fn claim_date(claim: &mut Claim, dtp: &Segment<'_>) -> Result<bool, X12Error> {
    let dates = &mut claim.dates;
    let value = dtp.el(3);
    let bad_date = || dtp.err("DTP03", ErrorKind::InvalidDate);
    match (dtp.el(1), dtp.el(2)) {
        ("096", "TM") => {
            dates.discharge_time =
                Some(parse_time(value).ok_or_else(|| dtp.err("DTP03", ErrorKind::InvalidTime))?);
        }
        ("434", "RD8" | "D8") => dates.service_period = Some(period(dtp, 2)?),
        ("435", "D8") => dates.admission = Some(parse_date(value).ok_or_else(bad_date)?),
        ("435", "DT") if value.len() == 12 => {
            dates.admission = Some(parse_date(&value[..8]).ok_or_else(bad_date)?);
            dates.admission_time = Some(
                parse_time(&value[8..]).ok_or_else(|| dtp.err("DTP03", ErrorKind::InvalidTime))?,
            );
        }
        ("435", "DT") => return Err(bad_date()),
        ("050", "D8") => dates.repricer_received = Some(parse_date(value).ok_or_else(bad_date)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `CL1`: admission type, point of origin and patient discharge status.
fn cl1(claim: &mut Claim, segment: &Segment<'_>) {
    let info = claim
        .institutional
        .get_or_insert_with(InstitutionalInfo::default);
    let code = |n: usize, system: CodeSystem| segment.opt(n).map(|c| Code::new(system, c));
    info.admission_type = code(1, CodeSystem::NubcAdmissionType);
    info.admission_source = code(2, CodeSystem::NubcPointOfOrigin);
    info.patient_status = code(3, CodeSystem::NubcPatientStatus);
}

/// A provider of loops 2310A-C with its role code.
fn other_provider(node: &Node<'_, '_, '_>, role: &str) -> Result<Party, X12Error> {
    let mut party = parties::read(node)?;
    party.role = Some(Code::new(CodeSystem::X12EntityIdentifier, role));
    Ok(party)
}

/// One `claim` message from loop 2300 under its hierarchy.
fn claim(
    node: &Node<'_, '_, '_>,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
) -> Result<Message, X12Error> {
    let reader = ClaimLoop {
        clm: &clm,
        segment: &|claim, segment| match segment.id {
            "DTP" => claim_date(claim, segment),
            "CL1" => {
                cl1(claim, segment);
                Ok(true)
            }
            "HI" => hi::read(claim, segment),
            _ => Ok(false),
        },
        after: &|claim, trigger| {
            if claim.dates.service_period.is_none() {
                return Err(X12Error::new(
                    trigger.pos().in_loop("2300"),
                    ErrorKind::MissingSegment("segment DTP (statement dates, DTP01 434)".into()),
                ));
            }
            hi::renumber(claim);
            Ok(())
        },
        child: &|child, claim, found, unmapped| {
            match (child.id(), provider_role(&OTHER_PROVIDERS, child.id())) {
                (_, Some(role)) => found.other.push(other_provider(child, role)?),
                ("2310D", _) => found.rendering_provider = Some(parties::read(child)?),
                ("2310E", _) => found.service_facility = Some(parties::read(child)?),
                ("2310F", _) => found.referring_provider = Some(parties::read(child)?),
                ("2400", _) => claim.service_lines.push(lines::read(child, unmapped)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
    };
    read_claim(node, (context, bht, ids), &reader)
}
