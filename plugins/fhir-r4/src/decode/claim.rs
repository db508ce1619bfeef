//! `Claim` (`use = claim`) to a `claim` message; the parts shared with prior authorization
//! requests (parties, diagnoses, supporting information) live here too.

use std::collections::BTreeMap;

use clearway_plugin_sdk::schemas::body::claim::{
    BenefitsAssignment, ClaimProcedure, ClaimType, RelatedCause, RelatedCauses,
};
use clearway_plugin_sdk::schemas::body::claim_detail::ProcedureRole;
use clearway_plugin_sdk::schemas::body::{Diagnosis, DiagnosisRole, Note, PresentOnAdmission};
use clearway_plugin_sdk::schemas::{
    Body, Claim, CodeSystem, Correlation, Money, Parties, Period, Relationship,
};
use clearway_plugin_sdk::{Message, Problem};
use serde_json::Value;

use super::{RULE, coverage, extras, lines, prior_auth};
use crate::codes::{self, CARE_TEAM_ROLE, CLAIM_TYPE, DIAGNOSIS_TYPE, INFO_CATEGORY, ON_ADMISSION};
use crate::node::Node;
use crate::parties::PartyReader;
use crate::resolve::Resolver;

/// Claim elements fully mapped into the model (everything else is carried).
const MAPPED: &[&str] = &[
    "use",
    "patient",
    "provider",
    "insurer",
    "enterer",
    "facility",
    "billablePeriod",
    "diagnosis",
    "procedure",
    "item",
    "total",
    "careTeam",
    "payee",
    "accident",
    "subType",
];

/// Decodes a Claim: `claim`, or `prior_auth.request` for `use = preauthorization`.
///
/// # Errors
///
/// The reason a `predetermination` is unsupported. Problems go to `problems`.
pub fn decode(
    claim: &Node<'_>,
    resolver: &Resolver<'_>,
    problems: &mut Vec<Problem>,
) -> Result<Message, String> {
    match claim.str("use") {
        Some("claim") => {}
        Some("preauthorization") => return Ok(prior_auth::decode(claim, resolver, problems)),
        _ => {
            return Err(format!(
                "{}: predetermination claims are not supported (no normalized kind holds them)",
                claim.child_path("use")
            ));
        }
    }
    let mut extensions = BTreeMap::new();
    let header = Header::read(claim, resolver, problems, &mut extensions);
    let service_lines = lines::service_lines(claim, &header.care_team, problems, &mut extensions);
    let total_charge = claim
        .money_element("total", problems)
        .unwrap_or_else(|| service_lines.iter().map(|line| line.charge).sum());
    let mut body = Claim {
        claim_type: claim_type(claim, &mut extensions),
        patient_control_number: header.control_number(claim, problems),
        total_charge,
        place_of_service: service_lines
            .iter()
            .find_map(|l| l.place_of_service.clone()),
        bill_type: claim
            .get("subType")
            .and_then(|s| codes::code(&s))
            .filter(|c| c.system == CodeSystem::NubcBillType),
        diagnoses: header.diagnoses.clone(),
        procedures: procedures(claim, &mut extensions),
        prior_authorization_numbers: header.pre_auth_refs.clone(),
        referral_number: claim
            .get("referral")
            .and_then(|r| r.get("identifier"))
            .and_then(|i| i.string("value")),
        payer_claim_control_number: claim
            .items("related")
            .iter()
            .find_map(|r| r.get("claim")?.get("identifier")?.string("value")),
        medical_record_number: header.medical_record_number(),
        benefits_assignment: claim.get("payee").and_then(|payee| {
            match codes::code_in(&payee.get("type")?, codes::PAYEE_TYPE)? {
                "provider" => Some(BenefitsAssignment::Yes),
                "subscriber" => Some(BenefitsAssignment::No),
                _ => None,
            }
        }),
        related_causes: related_causes(claim),
        notes: header.notes.clone(),
        patient_amount_paid: header.patient_paid,
        other_subscribers: header.other_subscribers.clone(),
        service_lines,
        ..Claim::default()
    };
    body.dates.service_period = period(claim.get("billablePeriod").as_ref());
    body.dates.accident = claim.get("accident").and_then(|a| a.date("date"));
    body.dates.onset = header.onset.clone();
    if let Some(admission) = &header.admission {
        body.dates.admission = admission.start.clone();
        body.dates.discharge = admission.end.clone();
    }
    extras::carry_unmapped(&mut extensions, claim, claim, MAPPED);
    extras::carry_contained(&mut extensions, claim);
    let correlation = Correlation {
        claim_id: Some(body.patient_control_number.clone()),
        authorization_number: body.prior_authorization_numbers.first().cloned(),
        ..Correlation::default()
    };
    let mut message = Message::new(Body::Claim(body));
    message.correlation = correlation;
    message.parties = header.parties;
    message.extensions = extensions;
    Ok(message)
}

/// What a Claim's header says, shared by claims and prior authorization requests.
pub struct Header {
    /// Patient, subscriber, payer, provider, ...
    pub parties: Parties,
    /// `careTeam` by sequence: (sequence, party, role code).
    pub care_team: Vec<(u32, clearway_plugin_sdk::schemas::Party, Option<String>)>,
    /// Diagnoses in claim order.
    pub diagnoses: Vec<Diagnosis>,
    /// `preAuthRef`s of the focal insurance.
    pub pre_auth_refs: Vec<String>,
    /// Other payers.
    pub other_subscribers: Vec<clearway_plugin_sdk::schemas::body::claim::OtherSubscriber>,
    /// `supportingInfo` notes (`info` with a string value).
    pub notes: Vec<Note>,
    /// `supportingInfo` `onset` date.
    pub onset: Option<clearway_plugin_sdk::schemas::Date>,
    /// `supportingInfo` `hospitalized` period.
    pub admission: Option<Period>,
    /// `supportingInfo` `patientpaid` amount.
    pub patient_paid: Option<Money>,
}

impl Header {
    /// Reads the header of a Claim.
    pub fn read(
        claim: &Node<'_>,
        resolver: &Resolver<'_>,
        problems: &mut Vec<Problem>,
        extensions: &mut BTreeMap<String, Value>,
    ) -> Header {
        let reader = PartyReader {
            resolver,
            from: claim.clone(),
        };
        let insurances = claim.items("insurance");
        if insurances.is_empty() {
            problems.push(
                Problem::error(RULE, "a Claim needs at least one `insurance` (R4: 1..*)")
                    .at_path(claim.child_path("insurance")),
            );
        }
        let focal = insurances
            .iter()
            .find(|i| i.bool("focal") == Some(true))
            .or(insurances.first());
        let mut parties = Parties::default();
        let patient = claim
            .get("patient")
            .map(|p| reader.party(&p, problems))
            .unwrap_or_default();
        let coverage = focal
            .and_then(|i| i.get("coverage"))
            .and_then(|c| reader.target(&c, problems));
        match &coverage {
            Some(coverage) => {
                let (subscriber, beneficiary) =
                    coverage::members(coverage, &reader, patient, problems);
                parties.subscriber = Some(subscriber);
                parties.patient = beneficiary;
                parties.payer = coverage
                    .first("payor")
                    .map(|payor| reader.party(&payor, problems));
            }
            None => parties.patient = Some(patient),
        }
        if let Some(insurer) = claim.get("insurer") {
            parties.payer = Some(reader.party(&insurer, problems));
        }
        if let Some(payer) = &mut parties.payer {
            crate::parties::promote_payer_id(payer);
        }
        parties.provider = claim.get("provider").map(|p| reader.party(&p, problems));
        parties.sender = claim.get("enterer").map(|e| reader.party(&e, problems));
        parties.service_facility = claim.get("facility").map(|f| reader.party(&f, problems));
        parties.payee = claim
            .get("payee")
            .and_then(|p| p.get("party"))
            .map(|p| reader.party(&p, problems));
        let mut care_team = Vec::new();
        for member in claim.items("careTeam") {
            let Some(provider) = member.get("provider") else {
                continue;
            };
            let mut party = reader.party(&provider, problems);
            if let Some(taxonomy) = member
                .get("qualification")
                .and_then(|q| codes::code(&q))
                .filter(|c| c.system == CodeSystem::Nucc)
            {
                party.taxonomy = Some(taxonomy);
            }
            let role = member
                .get("role")
                .and_then(|r| codes::code_in(&r, CARE_TEAM_ROLE).map(str::to_owned));
            if role.as_deref() == Some("primary") && parties.rendering_provider.is_none() {
                parties.rendering_provider = Some(party.clone());
            } else {
                let mut other = party.clone();
                other.role = role.as_deref().map(|code| {
                    clearway_plugin_sdk::schemas::Code::new(
                        CodeSystem::from_fhir_uri(CARE_TEAM_ROLE),
                        code,
                    )
                });
                parties.other.push(other);
            }
            care_team.push((member.uint("sequence").unwrap_or_default(), party, role));
        }
        let other_subscribers = insurances
            .iter()
            .filter(|i| focal.is_none_or(|f| f.path() != i.path()))
            .map(|insurance| coverage::other_subscriber(insurance, &reader, problems))
            .collect();
        let mut header = Header {
            parties,
            care_team,
            diagnoses: diagnoses(claim, extensions),
            pre_auth_refs: focal
                .map(|f| {
                    f.items("preAuthRef")
                        .iter()
                        .filter_map(|r| r.value.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            other_subscribers,
            notes: Vec::new(),
            onset: None,
            admission: None,
            patient_paid: None,
        };
        header.supporting_info(claim, problems);
        header
    }

    /// Reads the `supportingInfo` the model has fields for (the element is carried whole).
    fn supporting_info(&mut self, claim: &Node<'_>, problems: &mut Vec<Problem>) {
        for info in claim.items("supportingInfo") {
            let Some(category) = info.get("category") else {
                continue;
            };
            let code =
                codes::code_in(&category, INFO_CATEGORY).or_else(|| codes::any_code(&category));
            match code {
                Some("info") => {
                    if let Some(text) = info.string("valueString") {
                        self.notes.push(Note { code: None, text });
                    }
                }
                Some("onset") => self.onset = info.date("timingDate"),
                Some("hospitalized") => self.admission = period(info.get("timingPeriod").as_ref()),
                Some("patientpaid") => {
                    self.patient_paid = info
                        .get("valueQuantity")
                        .and_then(|q| q.money("value", problems));
                }
                _ => {}
            }
        }
    }

    /// The patient control number: the first `identifier`'s value, else the resource id.
    pub fn control_number(&self, claim: &Node<'_>, problems: &mut Vec<Problem>) -> String {
        claim
            .first("identifier")
            .and_then(|i| i.string("value"))
            .or_else(|| claim.string("id"))
            .unwrap_or_else(|| {
                problems.push(
                    Problem::error(
                        RULE,
                        "a Claim needs an `identifier` (or an `id`): it is the patient control number",
                    )
                    .at_path(claim.child_path("identifier")),
                );
                String::new()
            })
    }

    /// The patient's medical record number (identifier type `MR`).
    fn medical_record_number(&self) -> Option<String> {
        self.parties
            .effective_patient()?
            .identifiers
            .iter()
            .find(|i| i.qualifier.as_deref() == Some("MR"))
            .map(|i| i.value.clone())
    }
}

/// Relationship of the beneficiary from a Coverage's `relationship`.
pub fn relationship(code: &str) -> Option<Relationship> {
    Some(match code {
        "self" => Relationship::Self_,
        "spouse" => Relationship::Spouse,
        "child" => Relationship::Child,
        "common" => Relationship::LifePartner,
        "other" | "parent" | "injured" => Relationship::Other,
        _ => return None,
    })
}

/// A FHIR `Period` as the model's period (whole days).
pub fn period(node: Option<&Node<'_>>) -> Option<Period> {
    let node = node?;
    let period = Period {
        start: node.date("start"),
        end: node.date("end"),
    };
    (period != Period::default()).then_some(period)
}

/// `Claim.type` to the claim type; vision, pharmacy and other types are professional and
/// keep their FHIR type in the extensions.
fn claim_type(claim: &Node<'_>, extensions: &mut BTreeMap<String, Value>) -> ClaimType {
    let code = claim
        .get("type")
        .and_then(|t| codes::code_in(&t, CLAIM_TYPE).or_else(|| codes::any_code(&t)));
    match code {
        Some("institutional") => ClaimType::Institutional,
        Some("oral") => ClaimType::Dental,
        Some("professional") => ClaimType::Professional,
        _ => {
            if let Some(kind) = claim.get("type") {
                extras::carry(extensions, claim, &kind);
            }
            ClaimType::Professional
        }
    }
}

/// `Claim.diagnosis` with a coded diagnosis; others (a reference to a Condition, a code
/// without system) are carried.
pub fn diagnoses(claim: &Node<'_>, extensions: &mut BTreeMap<String, Value>) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    for diagnosis in claim.items("diagnosis") {
        let code = diagnosis
            .get("diagnosisCodeableConcept")
            .and_then(|c| codes::code(&c));
        let Some(code) = code else {
            extras::carry(extensions, claim, &diagnosis);
            continue;
        };
        let role = diagnosis
            .first("type")
            .and_then(|t| codes::code_in(&t, DIAGNOSIS_TYPE).or_else(|| codes::any_code(&t)))
            .map_or(DiagnosisRole::Other, |code| match code {
                "principal" => DiagnosisRole::Principal,
                "admitting" => DiagnosisRole::Admitting,
                "patientreasonforvisit" => DiagnosisRole::PatientReason,
                "externalcauseofinjury" => DiagnosisRole::ExternalCause,
                _ => DiagnosisRole::Other,
            });
        let present_on_admission = diagnosis
            .get("onAdmission")
            .and_then(|o| codes::code_in(&o, ON_ADMISSION).or_else(|| codes::any_code(&o)))
            .and_then(|code| match code {
                "y" => Some(PresentOnAdmission::Yes),
                "n" => Some(PresentOnAdmission::No),
                "u" => Some(PresentOnAdmission::Unknown),
                "w" => Some(PresentOnAdmission::ClinicallyUndetermined),
                _ => None,
            });
        found.push(Diagnosis {
            sequence: diagnosis.uint("sequence").unwrap_or_default(),
            code,
            role,
            present_on_admission,
        });
    }
    found
}

/// `Claim.procedure` with a coded procedure; others are carried.
fn procedures(claim: &Node<'_>, extensions: &mut BTreeMap<String, Value>) -> Vec<ClaimProcedure> {
    let mut found = Vec::new();
    for procedure in claim.items("procedure") {
        let Some(code) = procedure
            .get("procedureCodeableConcept")
            .and_then(|c| codes::code(&c))
        else {
            extras::carry(extensions, claim, &procedure);
            continue;
        };
        let primary = procedure
            .items("type")
            .iter()
            .any(|t| codes::any_code(t) == Some("primary"));
        found.push(ClaimProcedure {
            sequence: procedure.uint("sequence").unwrap_or_default(),
            code,
            role: if primary {
                ProcedureRole::Principal
            } else {
                ProcedureRole::Other
            },
            date: procedure.date("date"),
        });
    }
    found
}

/// `Claim.accident` as related causes (v3 ActCode `MVA` auto, `WPA` workplace).
fn related_causes(claim: &Node<'_>) -> Option<RelatedCauses> {
    let accident = claim.get("accident")?;
    let cause = match accident.get("type").and_then(|t| codes::any_code(&t)) {
        Some("MVA") => RelatedCause::AutoAccident,
        Some("WPA") => RelatedCause::Employment,
        _ => RelatedCause::OtherAccident,
    };
    Some(RelatedCauses {
        causes: vec![cause],
        auto_accident_state: accident
            .get("locationAddress")
            .and_then(|a| a.string("state")),
        auto_accident_country: None,
    })
}
