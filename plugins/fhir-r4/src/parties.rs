//! FHIR `Patient`, `Practitioner`, `PractitionerRole`, `Organization` (and unresolved
//! references) to the model's [`Party`].

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::{Address, Contact, EntityType, Gender, Identifier, Party};

use crate::codes::{self, IDENTIFIER_TYPE, NPI};
use crate::node::Node;
use crate::resolve::Resolver;
use crate::{typed, version};

/// `Identifier.system` under which an unresolved reference's target (`Patient/1`,
/// `urn:uuid:...`) is kept on the party, so that the link is not lost.
pub const REFERENCE_SYSTEM: &str = "urn:clearway:fhir-reference";

/// Resolves references and turns what they point to into parties, collecting the problems
/// of contained resources on the way.
pub struct PartyReader<'r, 'a> {
    /// Where references are looked up.
    pub resolver: &'r Resolver<'a>,
    /// The resource whose references are read (for `#id` contained lookups).
    pub from: Node<'a>,
}

impl<'a> PartyReader<'_, 'a> {
    /// The resource a `Reference` element at `key` points to, checked when contained.
    pub fn target(&self, reference: &Node<'a>, problems: &mut Vec<Problem>) -> Option<Node<'a>> {
        let target = self.resolver.resolve(&self.from, reference)?;
        if reference
            .str("reference")
            .is_some_and(|r| r.starts_with('#'))
        {
            let kind = target.str("resourceType").unwrap_or_default();
            let markers = version::stu3_markers(kind, &target);
            if markers.is_empty() {
                problems
                    .extend(typed::check(kind, target.value, target.path()).unwrap_or_default());
            } else {
                problems.extend(markers);
            }
        }
        Some(target)
    }

    /// The party the `Reference` element `reference` names: the resolved resource, or what
    /// the reference itself says (`identifier`, `display`).
    pub fn party(&self, reference: &Node<'a>, problems: &mut Vec<Problem>) -> Party {
        match self.target(reference, problems) {
            Some(target) => self.resource_party(&target, problems),
            None => reference_party(reference),
        }
    }

    /// The party a resolved resource describes.
    pub fn resource_party(&self, resource: &Node<'a>, problems: &mut Vec<Problem>) -> Party {
        match resource.str("resourceType") {
            Some("PractitionerRole") => {
                let mut party = match resource.get("practitioner") {
                    Some(practitioner) => self.party(&practitioner, problems),
                    None => Party {
                        entity_type: Some(EntityType::Person),
                        ..Party::default()
                    },
                };
                add_identifiers(&mut party, resource);
                if party.taxonomy.is_none() {
                    party.taxonomy = resource
                        .items("specialty")
                        .iter()
                        .filter_map(codes::code)
                        .find(|c| c.system == clearway_plugin_sdk::schemas::CodeSystem::Nucc);
                }
                add_contacts(&mut party, resource);
                party
            }
            Some("Organization") => {
                let mut party = Party {
                    entity_type: Some(EntityType::Organization),
                    name: resource.string("name"),
                    ..Party::default()
                };
                add_identifiers(&mut party, resource);
                party.address = resource.first("address").map(|a| address(&a));
                add_contacts(&mut party, resource);
                party
            }
            _ => person(resource),
        }
    }
}

/// A person (`Patient`, `Practitioner`, `RelatedPerson`).
fn person(resource: &Node<'_>) -> Party {
    let mut party = Party {
        entity_type: Some(EntityType::Person),
        ..Party::default()
    };
    let names = resource.items("name");
    let name = names
        .iter()
        .find(|n| n.str("use") == Some("official"))
        .or(names.first());
    if let Some(name) = name {
        party.last_name = name.string("family");
        let given: Vec<&str> = name
            .items("given")
            .iter()
            .filter_map(|g| g.value.as_str())
            .collect();
        party.first_name = given.first().map(|g| (*g).to_owned());
        party.middle_name = given.get(1).map(|g| (*g).to_owned());
        party.prefix = name
            .first("prefix")
            .and_then(|p| p.value.as_str().map(str::to_owned));
        party.suffix = name
            .first("suffix")
            .and_then(|s| s.value.as_str().map(str::to_owned));
        if party.last_name.is_none() && party.first_name.is_none() {
            party.name = name.string("text");
        }
    }
    add_identifiers(&mut party, resource);
    party.birth_date = resource.date("birthDate");
    party.death_date = resource.date("deceasedDateTime");
    party.gender = match resource.str("gender") {
        Some("male") => Some(Gender::Male),
        Some("female") => Some(Gender::Female),
        Some("other") => Some(Gender::Other),
        Some("unknown") => Some(Gender::Unknown),
        _ => None,
    };
    party.address = resource.first("address").map(|a| address(&a));
    party.taxonomy = resource
        .items("qualification")
        .iter()
        .filter_map(|q| q.get("code").and_then(|c| codes::code(&c)))
        .find(|c| c.system == clearway_plugin_sdk::schemas::CodeSystem::Nucc);
    add_contacts(&mut party, resource);
    party
}

/// What an unresolved `Reference` says about its target.
pub fn reference_party(reference: &Node<'_>) -> Party {
    let mut party = Party::default();
    match reference.str("type").or_else(|| {
        reference
            .str("reference")
            .and_then(|r| r.split('/').rev().nth(1))
    }) {
        Some("Organization") => party.entity_type = Some(EntityType::Organization),
        Some("Patient" | "Practitioner" | "RelatedPerson") => {
            party.entity_type = Some(EntityType::Person);
        }
        _ => {}
    }
    if let Some(identifier) = reference.get("identifier") {
        add_identifier(&mut party, &identifier);
    }
    if let Some(target) = reference.str("reference") {
        party.identifiers.push(Identifier {
            qualifier: None,
            system: Some(REFERENCE_SYSTEM.to_owned()),
            value: target.to_owned(),
        });
    }
    party.name = reference.string("display");
    party
}

/// Adds the `identifier`s of a resource.
fn add_identifiers(party: &mut Party, resource: &Node<'_>) {
    for identifier in resource.items("identifier") {
        add_identifier(party, &identifier);
    }
}

/// Adds one FHIR `Identifier`: NPI, tax id and member id get their own fields.
fn add_identifier(party: &mut Party, identifier: &Node<'_>) {
    let Some(value) = identifier.string("value") else {
        return;
    };
    let system = identifier.str("system");
    let type_code = identifier
        .get("type")
        .and_then(|t| codes::code_in(&t, IDENTIFIER_TYPE));
    if system == Some(NPI) || type_code == Some("NPI") {
        if party.npi.is_none() {
            party.npi = Some(value);
            return;
        }
    } else if type_code == Some("TAX") && party.tax_id.is_none() {
        party.tax_id = Some(value);
        return;
    } else if type_code == Some("MB") && party.member_id.is_none() {
        party.member_id = Some(value);
        return;
    }
    party.identifiers.push(Identifier {
        qualifier: type_code.map(str::to_owned),
        system: system.map(str::to_owned),
        value,
    });
}

/// A FHIR `Address`.
fn address(node: &Node<'_>) -> Address {
    Address {
        lines: node
            .items("line")
            .iter()
            .filter_map(|l| l.value.as_str().map(str::to_owned))
            .collect(),
        city: node.string("city"),
        state: node.string("state"),
        postal_code: node.string("postalCode"),
        country: node.string("country").filter(|c| c != "US" && c != "USA"),
        country_subdivision: node.string("district"),
    }
}

/// `telecom` as one contact.
fn add_contacts(party: &mut Party, resource: &Node<'_>) {
    let mut contact = Contact::default();
    for telecom in resource.items("telecom") {
        let value = telecom.string("value");
        match telecom.str("system") {
            Some("phone") if contact.phone.is_none() => contact.phone = value,
            Some("fax") if contact.fax.is_none() => contact.fax = value,
            Some("email") if contact.email.is_none() => contact.email = value,
            Some("url") if contact.url.is_none() => contact.url = value,
            _ => {}
        }
    }
    if contact != Contact::default() {
        party.contacts.push(contact);
    }
}

/// A payer without a payer id takes its first plain identifier as the payer id (FHIR has no
/// identifier type for payer ids; the first `Organization.identifier` is the usual carrier).
pub fn promote_payer_id(payer: &mut Party) {
    if payer.payer_id.is_some() {
        return;
    }
    if let Some(at) = payer
        .identifiers
        .iter()
        .position(|i| i.system.as_deref() != Some(REFERENCE_SYSTEM))
    {
        payer.payer_id = Some(payer.identifiers.remove(at).value);
    }
}
