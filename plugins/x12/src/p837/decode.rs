//! 837P (005010X222A1) to `claim` messages: one per `CLM`.

use clearway_plugin_sdk::schemas::body::claim::{
    Assignment, BenefitsAssignment, ClaimType, RelatedCause, RelatedCauses, ReleaseOfInformation,
};
use clearway_plugin_sdk::schemas::body::{
    ClaimFrequency, Diagnosis, DiagnosisRole, Note, QualifiedAmount,
};
use clearway_plugin_sdk::schemas::{Body, Claim, Code, CodeSystem, Message, Parties, Relationship};
use serde_json::{Map, Value};

use super::lines::service_line;
use super::spec::ROOT;
use crate::decode::EnvelopeIds;
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{UNMAPPED, Unmapped, money, period};
use crate::walker::{Node, walk};

/// Extension key of the `BHT` elements.
pub const BHT: &str = "x12.BHT";
/// Extension key of the subscriber's `SBR` elements (other than `SBR02`/`SBR03`).
pub const SBR: &str = "x12.SBR";

/// The hierarchy above a claim, as read so far.
#[derive(Debug, Clone, Default)]
struct Context {
    parties: Parties,
    sbr: Map<String, Value>,
    unmapped: Unmapped,
}

/// Records every segment of `node` except the trigger and the ids in `mapped`.
pub(super) fn carry(
    node: &Node<'_, '_, '_>,
    mapped: &[&str],
    line: Option<u32>,
    out: &mut Unmapped,
) {
    for segment in node.segments().iter().skip(1) {
        if !mapped.contains(&segment.id) {
            out.push(node.id(), line, segment);
        }
    }
}

/// Records a whole loop (trigger and children) as unmapped.
pub(super) fn carry_all(node: &Node<'_, '_, '_>, line: Option<u32>, out: &mut Unmapped) {
    for segment in node.segments() {
        out.push(node.id(), line, segment);
    }
    for child in node.children() {
        carry_all(&child, line, out);
    }
}

/// Adds a loop's error context.
fn in_loop(node: &Node<'_, '_, '_>) -> impl Fn(X12Error) -> X12Error {
    let id = node.id();
    move |e| e.in_loop(id)
}

/// Decodes one 837P transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Vec<Message>, X12Error> {
    let tree = walk(&ROOT, &tx.body)?;
    let root = tree.root();
    let mut base = Context::default();
    let mut bht = Map::new();
    if let Some(segment) = root.first("BHT") {
        for n in 1..=6 {
            if let Some(value) = segment.opt(n) {
                bht.insert(format!("BHT{n:02}"), Value::String(value.to_owned()));
            }
        }
    }
    carry(&root, &["BHT"], None, &mut base.unmapped);
    if let Some(node) = root.child("1000A") {
        base.parties.sender = Some(parties::read(&node)?);
    }
    if let Some(node) = root.child("1000B") {
        base.parties.receiver = Some(parties::read(&node)?);
    }
    let mut messages = Vec::new();
    let mut provider = base.clone();
    let mut subscriber = base.clone();
    for node in root.children() {
        match node.id() {
            "2000A" => {
                provider = base.clone();
                carry(&node, &["PRV"], None, &mut provider.unmapped);
                for child in node.children() {
                    match child.id() {
                        "2010AA" => {
                            let mut party = parties::read(&child)?;
                            if let Some(prv) = node.first("PRV") {
                                party.taxonomy = prv.opt(3).map(|c| Code::new(CodeSystem::Nucc, c));
                            }
                            provider.parties.provider = Some(party);
                        }
                        "2010AB" => provider.parties.payee = Some(parties::read(&child)?),
                        _ => carry_all(&child, None, &mut provider.unmapped),
                    }
                }
                subscriber = provider.clone();
            }
            "2000B" => {
                subscriber = provider.clone();
                carry(&node, &["SBR"], None, &mut subscriber.unmapped);
                let sbr = node.first("SBR").ok_or_else(|| {
                    X12Error::new(
                        node.segments()[0].pos().in_loop("2000B"),
                        ErrorKind::MissingSegment("segment SBR".into()),
                    )
                })?;
                for n in [1, 4, 5, 6, 7, 8, 9] {
                    if let Some(value) = sbr.opt(n) {
                        subscriber
                            .sbr
                            .insert(format!("SBR{n:02}"), Value::String(value.to_owned()));
                    }
                }
                for child in node.children() {
                    match child.id() {
                        "2010BA" => {
                            let mut party = parties::read(&child)?;
                            party.group_number = sbr.opt(3).map(str::to_owned);
                            party.relationship_to_subscriber =
                                sbr.opt(2).and_then(Relationship::from_x12_code);
                            subscriber.parties.subscriber = Some(party);
                        }
                        "2010BB" => subscriber.parties.payer = Some(parties::read(&child)?),
                        "2300" => messages.push(claim(&child, &subscriber, &bht, ids)?),
                        _ => carry_all(&child, None, &mut subscriber.unmapped),
                    }
                }
            }
            "2000C" => {
                let mut patient = subscriber.clone();
                carry(&node, &["PAT"], None, &mut patient.unmapped);
                let relationship = node
                    .first("PAT")
                    .and_then(|pat| pat.opt(1))
                    .and_then(Relationship::from_x12_code);
                for child in node.children() {
                    match child.id() {
                        "2010CA" => {
                            let mut party = parties::read(&child)?;
                            party.relationship_to_subscriber = relationship;
                            patient.parties.patient = Some(party);
                        }
                        "2300" => messages.push(claim(&child, &patient, &bht, ids)?),
                        _ => carry_all(&child, None, &mut patient.unmapped),
                    }
                }
            }
            _ => {}
        }
    }
    Ok(messages)
}

/// Diagnosis role and code system of an `HI` qualifier.
fn diagnosis_kind(qualifier: &str) -> Option<(DiagnosisRole, CodeSystem)> {
    let icd9 = || CodeSystem::Other(super::ICD9.to_owned());
    Some(match qualifier {
        "ABK" => (DiagnosisRole::Principal, CodeSystem::Icd10Cm),
        "ABF" => (DiagnosisRole::Other, CodeSystem::Icd10Cm),
        "ABJ" => (DiagnosisRole::Admitting, CodeSystem::Icd10Cm),
        "APR" => (DiagnosisRole::PatientReason, CodeSystem::Icd10Cm),
        "ABN" => (DiagnosisRole::ExternalCause, CodeSystem::Icd10Cm),
        "BK" => (DiagnosisRole::Principal, icd9()),
        "BF" => (DiagnosisRole::Other, icd9()),
        "BJ" => (DiagnosisRole::Admitting, icd9()),
        "PR" => (DiagnosisRole::PatientReason, icd9()),
        _ => return None,
    })
}

/// ICD-10-CM as written in the model: a dot after the third character.
fn icd10_dotted(code: &str) -> String {
    if code.len() > 3 && !code.contains('.') && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

/// Reads the diagnoses of one `HI` segment; `false` when it is not a diagnosis `HI`.
fn diagnoses(hi: &Segment<'_>, out: &mut Vec<Diagnosis>) -> Result<bool, X12Error> {
    if diagnosis_kind(hi.comp(1, 1)).is_none() {
        return Ok(false);
    }
    for n in 1..=12 {
        let Some(_) = hi.opt(n) else { continue };
        let qualifier = hi.comp(n, 1);
        let (role, system) = diagnosis_kind(qualifier).ok_or_else(|| {
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
        let code = match system {
            CodeSystem::Icd10Cm => icd10_dotted(code),
            _ => code.to_owned(),
        };
        out.push(Diagnosis {
            sequence: u32::try_from(out.len() + 1).unwrap_or(u32::MAX),
            code: Code::new(system, code),
            role,
            present_on_admission: None,
        });
    }
    Ok(true)
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

/// Reads `CLM` into a new claim.
fn clm(segment: &Segment<'_>) -> Result<Claim, X12Error> {
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
    if code(5, 2) != "B" {
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
    let located = in_loop(node);
    let trigger = node.segments()[0];
    let mut claim = clm(trigger).map_err(&located)?;
    let mut unmapped = context.unmapped.clone();
    let mut parties = context.parties.clone();
    for segment in node.segments().iter().skip(1) {
        let mapped = match (segment.id, segment.el(1)) {
            ("DTP", _) => claim_date(&mut claim, segment).map_err(&located)?,
            ("HI", _) => diagnoses(segment, &mut claim.diagnoses).map_err(&located)?,
            ("REF", "G1") => {
                claim
                    .prior_authorization_numbers
                    .push(segment.el(2).to_owned());
                true
            }
            ("REF", "9F") => {
                claim.referral_number = segment.opt(2).map(str::to_owned);
                true
            }
            ("REF", "F8") => {
                claim.payer_claim_control_number = segment.opt(2).map(str::to_owned);
                true
            }
            ("REF", "EA") => {
                claim.medical_record_number = segment.opt(2).map(str::to_owned);
                true
            }
            ("AMT", "F5") => {
                claim.patient_amount_paid = Some(money(segment, 2).map_err(&located)?);
                true
            }
            ("AMT", qualifier) => {
                claim.other_amounts.push(QualifiedAmount {
                    qualifier: qualifier.to_owned(),
                    amount: money(segment, 2).map_err(&located)?,
                });
                true
            }
            ("NTE", _) => {
                claim.notes.push(Note {
                    code: segment.opt(1).map(str::to_owned),
                    text: segment.el(2).to_owned(),
                });
                true
            }
            _ => false,
        };
        if !mapped {
            unmapped.push("2300", None, segment);
        }
    }
    for child in node.children() {
        match child.id() {
            "2310A" => parties.referring_provider = Some(parties::read(&child)?),
            "2310B" => parties.rendering_provider = Some(parties::read(&child)?),
            "2310C" => parties.service_facility = Some(parties::read(&child)?),
            "2400" => {
                let line = service_line(&child, &mut unmapped)?;
                claim.service_lines.push(line);
            }
            _ => carry_all(&child, None, &mut unmapped),
        }
    }
    let mut message = Message::new(Body::Claim(claim.clone()));
    message.correlation.claim_id = Some(claim.patient_control_number.clone());
    message.correlation.authorization_number = claim.prior_authorization_numbers.first().cloned();
    ids.apply(&mut message.correlation);
    ids.record_version(&mut message);
    message.parties = parties;
    if !bht.is_empty() {
        message
            .extensions
            .insert(BHT.into(), Value::Object(bht.clone()));
    }
    if !context.sbr.is_empty() {
        message
            .extensions
            .insert(SBR.into(), Value::Object(context.sbr.clone()));
    }
    if let Some(value) = unmapped.to_value() {
        message.extensions.insert(UNMAPPED.into(), value);
    }
    Ok(message)
}
