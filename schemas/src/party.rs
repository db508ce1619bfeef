//! [`Parties`] and [`Party`]: people and organizations named by a message.
//!
//! One [`Party`] type covers X12 `NM1`/`N3`/`N4`/`PER`/`DMG`/`REF`/`PRV` loops and FHIR
//! `Patient`, `Practitioner`, `Organization` and `RelatedPerson`: a person has name parts, an
//! organization has `name`, and both have identifiers, an address and contacts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::value::{Code, Date, Identifier};

/// The parties of a message, by role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parties {
    /// Who sent the interchange or request. X12: 1000A submitter, `ISA06`/`GS02`.
    /// FHIR: `Claim.enterer` / `MessageHeader.source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Who receives it. X12: 1000B receiver, `ISA08`/`GS03`. FHIR: `MessageHeader.destination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Party>,
    /// The payer (insurer). X12: `NM1*PR` (2010BB, 2100A, 1000A of the 835).
    /// FHIR: `Claim.insurer`, `Coverage.payor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Party>,
    /// The billing provider. X12: `NM1*85` (2010AA), 270 information receiver `NM1*1P`.
    /// FHIR: `Claim.provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Party>,
    /// The rendering provider at claim level. X12: `NM1*82` (2310B). FHIR: `Claim.careTeam`
    /// with role `primary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering_provider: Option<Party>,
    /// The referring provider. X12: `NM1*DN` (2310A). FHIR: `Claim.referral` / `careTeam`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referring_provider: Option<Party>,
    /// Where services were rendered. X12: `NM1*77` (2310C/E). FHIR: `Claim.facility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_facility: Option<Party>,
    /// Who is paid: 835 payee `N1*PE`, 837 pay-to `NM1*87` (2010AB).
    /// FHIR: `Claim.payee.party`, `ExplanationOfBenefit.payee`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<Party>,
    /// The subscriber (policy holder). X12: `NM1*IL` (2010BA, 2100C). FHIR: `Coverage.subscriber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Party>,
    /// The patient when not the subscriber. X12: `NM1*QC` (2010CA, 2100D).
    /// FHIR: `Claim.patient`, `Coverage.beneficiary`. When absent, the subscriber is the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Party>,
    /// Any other party (attending, operating, supervising provider, ...), with its `role` set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<Party>,
}

impl Parties {
    /// Whether no party is set.
    pub fn is_empty(&self) -> bool {
        self == &Parties::default()
    }

    /// The patient: `patient` if present, otherwise the subscriber.
    pub fn effective_patient(&self) -> Option<&Party> {
        self.patient.as_ref().or(self.subscriber.as_ref())
    }
}

/// Whether a party is a person or an organization. X12: `NM102` (`1` / `2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// A person. X12: `NM102 = 1`. FHIR: `Patient`, `Practitioner`, `RelatedPerson`.
    Person,
    /// A non-person entity. X12: `NM102 = 2`. FHIR: `Organization`.
    Organization,
}

/// Administrative gender. X12: `DMG03` (`M`, `F`, `U`). FHIR: `Patient.gender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// X12 `M`; FHIR `male`.
    Male,
    /// X12 `F`; FHIR `female`.
    Female,
    /// FHIR `other` (X12 has no code; written as `U`).
    Other,
    /// X12 `U`; FHIR `unknown`.
    Unknown,
}

/// A person's relationship to the subscriber. X12: `SBR02`/`PAT01`/`INS02` individual
/// relationship code. FHIR: `Coverage.relationship`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// X12 `18`; FHIR `self`.
    #[serde(rename = "self")]
    Self_,
    /// X12 `01`; FHIR `spouse`.
    Spouse,
    /// X12 `19`; FHIR `child`.
    Child,
    /// X12 `20`; FHIR `other`.
    Employee,
    /// X12 `53`; FHIR `common`.
    LifePartner,
    /// X12 `39`; FHIR `other`.
    OrganDonor,
    /// X12 `40`; FHIR `other`.
    CadaverDonor,
    /// X12 `G8`; FHIR `other`.
    Other,
    /// X12 `21`; FHIR `other`.
    Unknown,
}

impl Relationship {
    /// The X12 individual relationship code.
    pub fn x12_code(self) -> &'static str {
        match self {
            Relationship::Self_ => "18",
            Relationship::Spouse => "01",
            Relationship::Child => "19",
            Relationship::Employee => "20",
            Relationship::LifePartner => "53",
            Relationship::OrganDonor => "39",
            Relationship::CadaverDonor => "40",
            Relationship::Other => "G8",
            Relationship::Unknown => "21",
        }
    }

    /// The relationship an X12 individual relationship code names, if known.
    pub fn from_x12_code(code: &str) -> Option<Relationship> {
        [
            Relationship::Self_,
            Relationship::Spouse,
            Relationship::Child,
            Relationship::Employee,
            Relationship::LifePartner,
            Relationship::OrganDonor,
            Relationship::CadaverDonor,
            Relationship::Other,
            Relationship::Unknown,
        ]
        .into_iter()
        .find(|r| r.x12_code() == code)
    }

    /// The FHIR `subscriber-relationship` code.
    pub fn fhir_code(self) -> &'static str {
        match self {
            Relationship::Self_ => "self",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::LifePartner => "common",
            _ => "other",
        }
    }
}

/// A postal address. X12: `N3`/`N4`. FHIR: `Address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street lines. X12: `N301`, `N302`. FHIR: `Address.line`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// City. X12: `N401`. FHIR: `Address.city`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province code. X12: `N402`. FHIR: `Address.state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ZIP or postal code. X12: `N403`. FHIR: `Address.postalCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code (ISO 3166), when not the US. X12: `N404`. FHIR: `Address.country`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Country subdivision code, outside the US. X12: `N407`. FHIR: `Address.district`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_subdivision: Option<String>,
}

/// A contact point. X12: `PER` (name and up to three number pairs). FHIR: `ContactPoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact name. X12: `PER02`. FHIR: `Organization.contact.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Telephone. X12: `PER0n` qualifier `TE`. FHIR: `ContactPoint` system `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Telephone extension. X12: qualifier `EX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Fax. X12: qualifier `FX`. FHIR: system `fax`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    /// Email. X12: qualifier `EM`. FHIR: system `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Web address. X12: qualifier `UR`. FHIR: system `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A person or organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The party's role, when not implied by where it sits. X12: `NM101` entity identifier
    /// code (system `x12-entity-identifier`, e.g. `71` attending, `DQ` supervising).
    /// FHIR: `Claim.careTeam.role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Code>,
    /// Person or organization. X12: `NM102`. FHIR: resource type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<EntityType>,
    /// Organization name (or a person's full name when not split). X12: `NM103` with
    /// `NM102 = 2`, `N102`. FHIR: `Organization.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A person's family name. X12: `NM103`. FHIR: `HumanName.family`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// A person's first name. X12: `NM104`. FHIR: `HumanName.given[0]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name or initial. X12: `NM105`. FHIR: `HumanName.given[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Name prefix. X12: `NM106`. FHIR: `HumanName.prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Name suffix (`Jr`, `III`). X12: `NM107`. FHIR: `HumanName.suffix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// National Provider Identifier. X12: `NM109` with `NM108 = XX`.
    /// FHIR: `identifier` with system `http://hl7.org/fhir/sid/us-npi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npi: Option<String>,
    /// Federal tax id (EIN or SSN). X12: `REF*EI`/`REF*SY`, `NM109` with `FI`/`24`/`34`.
    /// FHIR: `identifier` with type `TAX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// Payer identifier. X12: `NM109` with `NM108 = PI`, `N104` with `XV`/`PI`, `REF*2U`.
    /// FHIR: `Organization.identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_id: Option<String>,
    /// Member id of a subscriber or patient. X12: `NM109` with `NM108 = MI`.
    /// FHIR: `Coverage.subscriberId` / `Patient.identifier` type `MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// Group or policy number. X12: `SBR03`, `REF*6P`. FHIR: `Coverage.class` (group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// Every other identifier. X12: `REF` segments, other `NM108`/`NM109` pairs.
    /// FHIR: `identifier`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// Postal address. X12: `N3`/`N4`. FHIR: `address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Contact points. X12: `PER`. FHIR: `telecom` / `contact`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Date of birth. X12: `DMG02` (`DMG01 = D8`). FHIR: `Patient.birthDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    /// Administrative gender. X12: `DMG03`. FHIR: `Patient.gender`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Date of death. X12: `PAT06` (`PAT05 = D8`). FHIR: `Patient.deceasedDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_date: Option<Date>,
    /// Relationship to the subscriber. X12: `SBR02`/`PAT01`/`INS02`.
    /// FHIR: `Coverage.relationship`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_to_subscriber: Option<Relationship>,
    /// Provider taxonomy. X12: `PRV03` (system `nucc`). FHIR: `PractitionerRole.specialty`,
    /// `Claim.careTeam.qualification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<Code>,
}

impl Party {
    /// A person with a family and a first name.
    pub fn person(last_name: impl Into<String>, first_name: impl Into<String>) -> Party {
        Party {
            entity_type: Some(EntityType::Person),
            last_name: Some(last_name.into()),
            first_name: Some(first_name.into()),
            ..Party::default()
        }
    }

    /// An organization with a name.
    pub fn organization(name: impl Into<String>) -> Party {
        Party {
            entity_type: Some(EntityType::Organization),
            name: Some(name.into()),
            ..Party::default()
        }
    }
}
