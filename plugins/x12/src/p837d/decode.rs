//! 837D (005010X224A2, other releases as received) to `claim` messages: one per `CLM`, with
//! `claim_type` dental.

use clearway_plugin_sdk::schemas::body::claim::{
    ClaimType, DentalInfo, Orthodontics, ToothStatus, ToothStatusCode,
};
use clearway_plugin_sdk::schemas::{Claim, Code, CodeSystem, Message, Party};
use serde_json::{Map, Value};

use super::lines;
use super::spec::ROOT;
use crate::decode::EnvelopeIds;
use crate::p837::common::diagnoses;
use crate::p837::decode::clm;
use crate::p837::hierarchy::Context;
use crate::p837::shared::{self, ClaimLoop, provider_role};
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{opt_quantity, period};
use crate::walker::Node;

/// The other providers of loops 2310D (assistant surgeon) and 2310E (supervising) by loop
/// id: `NM101` (their role code, system `x12-entity-identifier`, in `parties.other`).
pub const OTHER_PROVIDERS: [(&str, &str); 2] = [("2310D", "DD"), ("2310E", "DQ")];

/// Decodes one 837D transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Vec<Message>, X12Error> {
    crate::p837::hierarchy::decode(tx, ids, &ROOT, claim)
}

/// Reads the dental `CLM`: as the 837P's (`CLM05` place of service with `B`, `CLM06`-`CLM12`,
/// `CLM20`) plus `CLM19` `PB` (predetermination of benefits). `strict` false accepts the
/// empty `CLM05-2` of the 4010 guide.
pub fn dental_clm(segment: &Segment<'_>, strict: bool) -> Result<Claim, X12Error> {
    let mut claim = clm(segment, strict)?;
    claim.claim_type = ClaimType::Dental;
    match segment.el(19) {
        "" => {}
        "PB" => {
            claim
                .dental
                .get_or_insert_with(DentalInfo::default)
                .predetermination = true;
        }
        _ => {
            return Err(segment.err(
                "CLM19",
                ErrorKind::InvalidCode("claim submission reason code"),
            ));
        }
    }
    Ok(claim)
}

/// Claim-level `DTP`: accident (`439`), appliance placement (`452`), service date (`472`),
/// repricer received (`050`); `false` for others (carried).
fn claim_date(claim: &mut Claim, dtp: &Segment<'_>) -> Result<bool, X12Error> {
    let day = |dtp: &Segment<'_>| -> Result<_, X12Error> { Ok(period(dtp, 2)?.start) };
    match dtp.el(1) {
        "439" => claim.dates.accident = day(dtp)?,
        "452" => {
            claim
                .dental
                .get_or_insert_with(DentalInfo::default)
                .appliance_placement = day(dtp)?;
        }
        "472" => claim.dates.service_period = Some(period(dtp, 2)?),
        "050" => claim.dates.repricer_received = day(dtp)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `DN1` (orthodontic months; `DN104` `Y`, or `DN103` in 4010, says orthodontic purpose) and
/// `DN2` (a tooth's status).
fn orthodontic(claim: &mut Claim, segment: &Segment<'_>) -> Result<(), X12Error> {
    let dental = claim.dental.get_or_insert_with(DentalInfo::default);
    if segment.id == "DN2" {
        let tooth = segment.req(1, "tooth number")?;
        if !super::lines::valid_tooth(tooth) {
            return Err(segment.err("DN201", ErrorKind::InvalidCode("tooth number")));
        }
        let status = ToothStatusCode::from_x12_code(segment.el(2))
            .ok_or_else(|| segment.err("DN202", ErrorKind::InvalidCode("tooth status code")))?;
        dental.tooth_status.push(ToothStatus {
            tooth: tooth.to_owned(),
            status,
        });
        return Ok(());
    }
    let purpose = |n: usize| match segment.el(n) {
        "Y" => Ok(true),
        "" | "N" => Ok(false),
        _ => Err(segment.err(
            segment.elref(n),
            ErrorKind::InvalidCode("yes/no condition or response code"),
        )),
    };
    dental.orthodontics = Some(Orthodontics {
        total_months: opt_quantity(segment, 1)?,
        remaining_months: opt_quantity(segment, 2)?,
        orthodontic_purpose: purpose(3)? || purpose(4)?,
    });
    Ok(())
}

/// A provider of loops 2310A (`P3` primary care provider keeps its role) and 2310D-E.
fn provider(node: &Node<'_, '_, '_>, role: Option<&str>) -> Result<Party, X12Error> {
    let mut party = parties::read(node)?;
    let code = role.or_else(|| node.trigger().map(|nm1| nm1.el(1)).filter(|c| *c == "P3"));
    party.role = code.map(|c| Code::new(CodeSystem::X12EntityIdentifier, c));
    Ok(party)
}

/// One 5010 `claim` message from loop 2300.
fn claim(
    node: &Node<'_, '_, '_>,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
) -> Result<Message, X12Error> {
    read_claim(node, context, bht, ids, true)
}

/// One 4010 `claim` message from loop 2300.
pub fn claim_4010(
    node: &Node<'_, '_, '_>,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
) -> Result<Message, X12Error> {
    read_claim(node, context, bht, ids, false)
}

/// One `claim` message from loop 2300 under its hierarchy (`strict`: 5010 rules).
fn read_claim(
    node: &Node<'_, '_, '_>,
    context: &Context,
    bht: &Map<String, Value>,
    ids: &EnvelopeIds,
    strict: bool,
) -> Result<Message, X12Error> {
    let reader = ClaimLoop {
        clm: &|segment| dental_clm(segment, strict),
        segment: &|claim, segment| match segment.id {
            "DTP" => claim_date(claim, segment),
            "DN1" | "DN2" => orthodontic(claim, segment).map(|()| true),
            "HI" => diagnoses(segment, &mut claim.diagnoses),
            _ => Ok(false),
        },
        after: &|_, _| Ok(()),
        child: &|child, claim, found, unmapped| {
            match (child.id(), provider_role(&OTHER_PROVIDERS, child.id())) {
                (_, Some(role)) => found.other.push(provider(child, Some(role))?),
                ("2310A", _) => found.referring_provider = Some(provider(child, None)?),
                ("2310B", _) => found.rendering_provider = Some(parties::read(child)?),
                ("2310C", _) => found.service_facility = Some(parties::read(child)?),
                ("2400", _) => claim.service_lines.push(lines::read(child, unmapped)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
    };
    shared::read_claim(node, (context, bht, ids), &reader)
}
