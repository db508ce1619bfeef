//! Encode checks and party fitting the 837I and 837D share: the problems that keep a claim
//! message from a TR3-valid interchange (each naming a JSON pointer, never a value), and the
//! parties of the `HL` levels cut down to what their loops may carry.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::{Address, EntityType, Identifier, Message, Party};

use super::levels::Level;

/// A required value the message lacks.
pub fn missing(name: &str, path: String, what: &str) -> Problem {
    Problem::error(
        "x12.encode.required",
        format!("an {name} requires {what}, which the message does not carry"),
    )
    .at_path(path)
}

/// A value the TR3 does not allow (too many, not in its code list).
pub fn invalid(name: &str, path: String, rule: &str) -> Problem {
    Problem::error("x12.encode.invalid", format!("an {name} {rule}")).at_path(path)
}

/// A problem when `count` is more than `max`.
pub fn at_most(name: &str, path: String, count: usize, max: usize, what: &str) -> Option<Problem> {
    (count > max).then(|| invalid(name, path, &format!("carries at most {max} {what}")))
}

/// Whether a text value is absent or empty.
fn empty(value: Option<&String>) -> bool {
    value.is_none_or(|v| v.is_empty())
}

/// Problems of an address a loop requires (`N301`, `N401`).
fn address(name: &str, base: String, address: Option<&Address>, what: &str) -> Vec<Problem> {
    let Some(address) = address else {
        return vec![missing(name, base, &format!("{what} address (N3, N4)"))];
    };
    let mut out = Vec::new();
    if address.lines.iter().all(String::is_empty) {
        out.push(missing(
            name,
            format!("{base}/lines"),
            &format!("{what} street address line (N301)"),
        ));
    }
    if empty(address.city.as_ref()) {
        out.push(missing(
            name,
            format!("{base}/city"),
            &format!("{what} city (N401)"),
        ));
    }
    out
}

/// Whether a party has a name for `NM103`.
fn named(party: &Party) -> bool {
    !empty(party.last_name.as_ref()) || !empty(party.name.as_ref())
}

/// The subscriber (2010BA: name), payer (2010BB: name and id) and patient (2010CA: name,
/// address, birth date and gender) of claim message `index`.
pub fn parties(name: &str, index: usize, message: &Message) -> Vec<Problem> {
    let p = &message.parties;
    let base = |party: &str| format!("/{index}/parties/{party}");
    let mut out = Vec::new();
    match &p.subscriber {
        Some(subscriber) if named(subscriber) => {}
        _ => out.push(missing(
            name,
            base("subscriber"),
            "a subscriber with a name (loop 2010BA)",
        )),
    }
    match &p.payer {
        Some(payer) => {
            if !named(payer) {
                out.push(missing(
                    name,
                    format!("{}/name", base("payer")),
                    "a payer name (NM103)",
                ));
            }
            let has_id = !empty(payer.payer_id.as_ref())
                || payer
                    .identifiers
                    .iter()
                    .any(|i| i.qualifier.as_deref() == Some("XV"));
            if !has_id {
                out.push(missing(
                    name,
                    format!("{}/payer_id", base("payer")),
                    "a payer identifier (NM109)",
                ));
            }
        }
        None => out.push(missing(name, base("payer"), "a payer (loop 2010BB)")),
    }
    if let Some(patient) = &p.patient {
        if !named(patient) {
            out.push(missing(
                name,
                format!("{}/last_name", base("patient")),
                "a patient last name (NM103)",
            ));
        }
        out.extend(self::address(
            name,
            format!("{}/address", base("patient")),
            patient.address.as_ref(),
            "a patient",
        ));
        if patient.birth_date.is_none() {
            out.push(missing(
                name,
                format!("{}/birth_date", base("patient")),
                "a patient birth date (DMG02)",
            ));
        }
        if patient.gender.is_none() {
            out.push(missing(
                name,
                format!("{}/gender", base("patient")),
                "a patient gender (DMG03)",
            ));
        }
    }
    out
}

/// Problems of a provider loop that must name a person (`NM102` `1`) and, for a service
/// facility, an address.
pub fn provider(
    name: &str,
    path: String,
    party: &Party,
    person: bool,
    with_address: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let kind = party.entity_type;
    if person && kind == Some(EntityType::Organization) {
        out.push(invalid(
            name,
            format!("{path}/entity_type"),
            "names this provider as a person (NM102 1) only",
        ));
    }
    if !named(party) {
        out.push(missing(name, path.clone(), "a provider name (NM103)"));
    }
    if with_address {
        out.extend(address(
            name,
            format!("{path}/address"),
            party.address.as_ref(),
            "a service facility",
        ));
    }
    out
}

/// The value of the identifier with `NM108` qualifier `qualifier` (`24` EIN, `34` SSN).
fn nm1_tax_id(party: &Party, qualifier: &str) -> Option<String> {
    party
        .identifiers
        .iter()
        .find(|i| i.qualifier.as_deref() == Some(qualifier))
        .map(|i| i.value.clone())
}

/// The party of a level as its loop carries it: the billing provider keeps its name, NPI,
/// address, tax id, contacts, taxonomy and the `REF` identifiers in `billing_refs`; the
/// pay-to provider only its address; subscriber, payer and patient their names, ids,
/// addresses and demographics with the `REF` qualifiers their loops allow.
pub fn fit_level(level: Level, party: &Party, billing_refs: &[&str]) -> Party {
    let keep = |qualifiers: &[&str]| {
        party
            .identifiers
            .iter()
            .filter(|i| {
                i.qualifier
                    .as_deref()
                    .is_some_and(|q| qualifiers.contains(&q))
            })
            .cloned()
            .collect()
    };
    match level {
        Level::Billing => Party {
            // A 4010 billing provider named by EIN (`NM108` `24`) or SSN (`34`): the 5010
            // carries the tax id in `REF*EI` / `REF*SY` and only the NPI in `NM109`.
            tax_id: party.tax_id.clone().or_else(|| nm1_tax_id(party, "24")),
            identifiers: {
                let mut ids: Vec<Identifier> = keep(billing_refs);
                if billing_refs.contains(&"SY")
                    && !ids.iter().any(|i| i.qualifier.as_deref() == Some("SY"))
                {
                    ids.extend(nm1_tax_id(party, "34").map(|v| Identifier::qualified("SY", v)));
                }
                ids
            },
            member_id: None,
            payer_id: None,
            birth_date: None,
            gender: None,
            ..party.clone()
        },
        Level::PayTo => Party {
            entity_type: Some(EntityType::Organization),
            address: party.address.clone(),
            ..Party::default()
        },
        Level::Subscriber => Party {
            identifiers: keep(&["II", "SY", "Y4"]),
            npi: None,
            tax_id: None,
            payer_id: None,
            contacts: Vec::new(),
            ..party.clone()
        },
        Level::Payer => Party {
            identifiers: keep(&["XV", "2U", "FY", "NF", "G2", "LU"]),
            npi: None,
            member_id: None,
            contacts: Vec::new(),
            birth_date: None,
            gender: None,
            ..party.clone()
        },
        Level::Patient => Party {
            identifiers: keep(&["Y4", "1W"]),
            npi: None,
            tax_id: None,
            payer_id: None,
            contacts: Vec::new(),
            ..party.clone()
        },
    }
}
