//! 837P (005010X222A1) to `claim` messages: one per `CLM`.

use clearway_plugin_sdk::schemas::body::ClaimFrequency;
use clearway_plugin_sdk::schemas::body::claim::{
    Assignment, BenefitsAssignment, ClaimType, RelatedCause, RelatedCauses, ReleaseOfInformation,
};
use clearway_plugin_sdk::schemas::{Claim, Code, CodeSystem, Message};
use serde_json::{Map, Value};

use super::common::diagnoses;
use super::hierarchy::Context;
use super::lines::service_line;
use super::shared::{ClaimLoop, read_claim};
use super::spec::ROOT;
use crate::decode::EnvelopeIds;
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{money, period};
use crate::walker::Node;

/// Extension key of the `BHT` elements.
pub const BHT: &str = "x12.BHT";
/// Extension key of the subscriber's `SBR` elements (other than `SBR02`/`SBR03`).
pub const SBR: &str = "x12.SBR";

/// Decodes one 837P transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Vec<Message>, X12Error> {
    super::hierarchy::decode(tx, ids, &ROOT, claim)
}

/// Claim-level `DTP` into the claim's dates; `false` for a qualifier the model lacks.
fn claim_date(claim: &mut Claim, dtp: &Segment<'_>) -> Result<bool, X12Error> {
    let dates = &mut claim.dates;
    let day = |dtp: &Segment<'_>| -> Result<_, X12Error> { Ok(period(dtp, 2)?.start) };
    match dtp.el(1) {
        "431" => dates.onset = day(dtp)?,
        "454" => dates.initial_treatment = day(dtp)?,
        "304" => dates.last_seen = day(dtp)?,
        "439" => dates.accident = day(dtp)?,
        "484" => dates.last_menstrual_period = day(dtp)?,
        "455" => dates.last_xray = day(dtp)?,
        "297" => dates.last_worked = day(dtp)?,
        "296" => dates.return_to_work = day(dtp)?,
        "435" => dates.admission = day(dtp)?,
        "096" => dates.discharge = day(dtp)?,
        "050" => dates.repricer_received = day(dtp)?,
        "314" => dates.disability = Some(period(dtp, 2)?),
        "472" => dates.service_period = Some(period(dtp, 2)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Reads a professional or dental `CLM` (`CLM05` place of service with qualifier `B`) into a
/// new professional claim; `strict` false also accepts an empty `CLM05-2` (4010 dental).
///
/// # Errors
///
/// Missing `CLM01`, `CLM02` or `CLM05`, a bad qualifier, frequency or related cause.
pub fn clm(segment: &Segment<'_>, strict: bool) -> Result<Claim, X12Error> {
    let code = |n: usize, m: usize| segment.comp(n, m);
    let mut claim = Claim {
        claim_type: ClaimType::Professional,
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
    if code(5, 2) != "B" && (strict || !code(5, 2).is_empty()) {
        return Err(segment.err("CLM05-2", ErrorKind::InvalidCode("facility code qualifier")));
    }
    claim.place_of_service = Some(Code::new(CodeSystem::PlaceOfService, code(5, 1)));
    claim.frequency =
        Some(ClaimFrequency::from_x12_code(code(5, 3)).ok_or_else(|| {
            segment.err("CLM05-3", ErrorKind::InvalidCode("claim frequency code"))
        })?);
    claim.provider_signature_on_file = crate::values::flag(segment.el(6));
    claim.assignment = Assignment::from_x12_code(segment.el(7));
    claim.benefits_assignment = BenefitsAssignment::from_x12_code(segment.el(8));
    claim.release_of_information = ReleaseOfInformation::from_x12_code(segment.el(9));
    claim.patient_signature_source = segment.opt(10).map(str::to_owned);
    if segment.opt(11).is_some() {
        let mut causes = RelatedCauses::default();
        for m in 1..=3 {
            if !code(11, m).is_empty() {
                causes
                    .causes
                    .push(RelatedCause::from_x12_code(code(11, m)).ok_or_else(|| {
                        segment.err(
                            format!("CLM11-{m}"),
                            ErrorKind::InvalidCode("related causes code"),
                        )
                    })?);
            }
        }
        causes.auto_accident_state = Some(code(11, 4))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        causes.auto_accident_country = Some(code(11, 5))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        claim.related_causes = Some(causes);
    }
    claim.special_program = segment.opt(12).map(str::to_owned);
    claim.delay_reason = segment.opt(20).map(str::to_owned);
    Ok(claim)
}

/// One `claim` message from loop 2300 under its hierarchy.
fn claim(
    node: &Node<'_, '_, '_>,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
) -> Result<Message, X12Error> {
    let reader = ClaimLoop {
        clm: &|segment| clm(segment, true),
        segment: &|claim, segment| match segment.id {
            "DTP" => claim_date(claim, segment),
            "HI" => diagnoses(segment, &mut claim.diagnoses),
            _ => Ok(false),
        },
        after: &|_, _| Ok(()),
        child: &|child, claim, found, unmapped| {
            match child.id() {
                "2310A" => found.referring_provider = Some(parties::read(child)?),
                "2310B" => found.rendering_provider = Some(parties::read(child)?),
                "2310C" => found.service_facility = Some(parties::read(child)?),
                "2400" => claim.service_lines.push(service_line(child, unmapped)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
    };
    read_claim(node, (context, bht, ids), &reader)
}
