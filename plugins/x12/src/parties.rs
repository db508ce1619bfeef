//! Parties both ways: `NM1`, `N3`, `N4`, `REF`, `PER`, `DMG`, `PRV` to and from [`Party`].

use clearway_plugin_sdk::schemas::{
    Address, Code, CodeSystem, Contact, EntityType, Gender, Identifier, Party,
};

use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{date, write_date};
use crate::walker::Node;

/// `NM108` qualifiers kept as identifiers (not REF qualifiers); written back in `NM108`.
const NM1_ONLY: &[&str] = &[
    "46", "24", "34", "FI", "II", "SV", "ZZ", "HN", "MR", "MC", "C", "N", "AD", "BD", "BS", "NI",
    "PC", "PP", "SL", "UP",
];

/// The party named by an `NM1` (name and `NM108`/`NM109` id only).
///
/// # Errors
///
/// `NM101` or `NM102` empty, or `NM102` not `1`/`2`.
pub fn from_nm1(nm1: &Segment<'_>, loop_id: &str) -> Result<Party, X12Error> {
    nm1.req(1, "entity identifier code")
        .map_err(|e| e.in_loop(loop_id))?;
    let entity_type = match nm1.el(2) {
        "1" => EntityType::Person,
        "2" => EntityType::Organization,
        "" => {
            return Err(X12Error::new(
                nm1.pos().element("NM102").in_loop(loop_id),
                ErrorKind::MissingElement("entity type qualifier"),
            ));
        }
        _ => {
            return Err(X12Error::new(
                nm1.pos().element("NM102").in_loop(loop_id),
                ErrorKind::InvalidCode("entity type qualifier"),
            ));
        }
    };
    let some = |n: usize| nm1.opt(n).map(str::to_owned);
    let mut party = Party {
        entity_type: Some(entity_type),
        ..Party::default()
    };
    match entity_type {
        EntityType::Person => {
            party.last_name = some(3);
            party.first_name = some(4);
            party.middle_name = some(5);
            party.prefix = some(6);
            party.suffix = some(7);
        }
        EntityType::Organization => party.name = some(3),
    }
    if let Some(id) = some(9) {
        match nm1.el(8) {
            "XX" => party.npi = Some(id),
            "MI" => party.member_id = Some(id),
            "PI" | "XV" => party.payer_id = Some(id),
            qualifier => party.identifiers.push(Identifier::qualified(qualifier, id)),
        }
    }
    Ok(party)
}

/// Adds the loop's `N3`, `N4`, `REF`, `PER`, `DMG` and `PRV` to `party`.
///
/// # Errors
///
/// A bad `DMG02` date.
pub fn add_details(party: &mut Party, node: &Node<'_, '_, '_>) -> Result<(), X12Error> {
    for segment in node.segments().iter().skip(1) {
        match segment.id {
            "N3" => {
                let address = party.address.get_or_insert_with(Address::default);
                address.lines.extend(segment.opt(1).map(str::to_owned));
                address.lines.extend(segment.opt(2).map(str::to_owned));
            }
            "N4" => {
                let address = party.address.get_or_insert_with(Address::default);
                address.city = segment.opt(1).map(str::to_owned);
                address.state = segment.opt(2).map(str::to_owned);
                address.postal_code = segment.opt(3).map(str::to_owned);
                address.country = segment.opt(4).map(str::to_owned);
                address.country_subdivision = segment.opt(7).map(str::to_owned);
            }
            "REF" => {
                let value = segment.el(2).to_owned();
                if segment.el(1) == "EI" && party.tax_id.is_none() {
                    party.tax_id = Some(value);
                } else {
                    party
                        .identifiers
                        .push(Identifier::qualified(segment.el(1), value));
                }
            }
            "PER" => party.contacts.push(contact(segment)),
            "DMG" => {
                if segment.el(1) == "D8" && segment.opt(2).is_some() {
                    party.birth_date = Some(date(segment, 2).map_err(|e| e.in_loop(node.id()))?);
                }
                party.gender = match segment.el(3) {
                    "M" => Some(Gender::Male),
                    "F" => Some(Gender::Female),
                    "U" => Some(Gender::Unknown),
                    _ => None,
                };
            }
            "PRV" => {
                party.taxonomy = segment.opt(3).map(|code| Code::new(CodeSystem::Nucc, code));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The segments [`add_details`] maps; others in a party loop are carried as unmapped.
pub const DETAIL_SEGMENTS: &[&str] = &["N3", "N4", "REF", "PER", "DMG", "PRV"];

/// A `PER` as a contact.
fn contact(per: &Segment<'_>) -> Contact {
    let mut contact = Contact {
        name: per.opt(2).map(str::to_owned),
        ..Contact::default()
    };
    for pair in [3, 5, 7] {
        let value = per.opt(pair + 1).map(str::to_owned);
        match per.el(pair) {
            "TE" => contact.phone = value,
            "EX" => contact.extension = value,
            "FX" => contact.fax = value,
            "EM" => contact.email = value,
            "UR" => contact.url = value,
            _ => {}
        }
    }
    contact
}

/// The loop's party: [`from_nm1`] on its trigger, then [`add_details`].
///
/// # Errors
///
/// As [`from_nm1`] and [`add_details`].
pub fn read(node: &Node<'_, '_, '_>) -> Result<Party, X12Error> {
    let nm1 = node.trigger().ok_or_else(|| {
        X12Error::new(
            Default::default(),
            ErrorKind::MissingSegment("segment NM1".into()),
        )
    })?;
    let mut party = from_nm1(nm1, node.id())?;
    add_details(&mut party, node)?;
    Ok(party)
}

/// `NM108`/`NM109` for a party, and the index of the identifier used (if any).
fn nm1_id(party: &Party) -> (String, String, Option<usize>) {
    if let Some(npi) = &party.npi {
        return ("XX".into(), npi.clone(), None);
    }
    if let Some(member) = &party.member_id {
        return ("MI".into(), member.clone(), None);
    }
    if let Some(payer) = &party.payer_id {
        return ("PI".into(), payer.clone(), None);
    }
    match party.identifiers.iter().position(|i| {
        i.qualifier
            .as_deref()
            .is_some_and(|q| NM1_ONLY.contains(&q))
    }) {
        Some(index) => {
            let id = &party.identifiers[index];
            (
                id.qualifier.clone().unwrap_or_default(),
                id.value.clone(),
                Some(index),
            )
        }
        None => (String::new(), String::new(), None),
    }
}

/// What of a party to write after its `NM1`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Details {
    /// Write `DMG` (subscriber and patient loops).
    pub demographics: bool,
    /// Write `PRV` after the `NM1` with this provider code (rendering: `PE`).
    pub taxonomy: Option<&'static str>,
    /// Leave `NM106` (name prefix) empty: the 837P TR3 marks it "not used" in every loop.
    pub no_prefix: bool,
    /// Leave `NM108`/`NM109` empty and drop identifiers that only `NM108` can carry (the
    /// 837P patient loop 2010CA marks them "not used").
    pub no_id: bool,
}

/// Writes `NM1*{role}` and the party's details in TR3 order: `N3`, `N4`, `DMG`, `PRV`,
/// `REF`, `PER` (every contact).
pub fn write(w: &mut Writer, role: &str, party: &Party, details: Details) {
    let mut written = party.clone();
    if details.no_prefix {
        written.prefix = None;
    }
    if details.no_id {
        written.npi = None;
        written.member_id = None;
        written.payer_id = None;
        written.identifiers.retain(|i| {
            !i.qualifier
                .as_deref()
                .is_some_and(|q| NM1_ONLY.contains(&q))
        });
    }
    let party = &written;
    let used = write_nm1(w, role, party);
    if let Some(address) = &party.address {
        write_address(w, address);
    }
    if details.demographics && (party.birth_date.is_some() || party.gender.is_some()) {
        let gender = match party.gender {
            Some(Gender::Male) => "M",
            Some(Gender::Female) => "F",
            Some(Gender::Other | Gender::Unknown) => "U",
            None => "",
        };
        let birth = party
            .birth_date
            .as_ref()
            .map(write_date)
            .unwrap_or_default();
        let format = if birth.is_empty() { "" } else { "D8" };
        w.seg("DMG", &[format, birth.as_str(), gender]);
    }
    if let (Some(code), Some(taxonomy)) = (details.taxonomy, &party.taxonomy) {
        w.seg("PRV", &[code, "PXC", taxonomy.code.as_str()]);
    }
    if let Some(tax_id) = &party.tax_id {
        w.seg("REF", &["EI", tax_id.as_str()]);
    }
    write_refs(w, party, used);
    for contact in &party.contacts {
        write_contact(w, "IC", contact);
    }
}

/// Writes `NM1*{role}` alone; returns the index of the identifier written in `NM108`/`NM109`.
pub fn write_nm1(w: &mut Writer, role: &str, party: &Party) -> Option<usize> {
    let person = party.entity_type == Some(EntityType::Person);
    let (qualifier, id, used) = nm1_id(party);
    let name = if person {
        party.last_name.as_deref()
    } else {
        party.name.as_deref()
    };
    let person_field = |f: &Option<String>| {
        if person {
            f.clone().unwrap_or_default()
        } else {
            String::new()
        }
    };
    w.seg(
        "NM1",
        &[
            role.to_owned(),
            if person { "1" } else { "2" }.to_owned(),
            name.unwrap_or_default().to_owned(),
            person_field(&party.first_name),
            person_field(&party.middle_name),
            person_field(&party.prefix),
            person_field(&party.suffix),
            qualifier,
            id,
        ],
    );
    used
}

/// Writes `N3` (when there are street lines) and `N4`.
pub fn write_address(w: &mut Writer, address: &Address) {
    if !address.lines.is_empty() {
        w.seg("N3", &address.lines);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    w.seg(
        "N4",
        &[
            opt(&address.city),
            opt(&address.state),
            opt(&address.postal_code),
            opt(&address.country),
            String::new(),
            String::new(),
            opt(&address.country_subdivision),
        ],
    );
}

/// Writes a `REF` for every identifier of `party` except the one at index `used`.
pub fn write_refs(w: &mut Writer, party: &Party, used: Option<usize>) {
    for (index, identifier) in party.identifiers.iter().enumerate() {
        if Some(index) != used {
            let qualifier = identifier.qualifier.as_deref().unwrap_or_default();
            w.seg("REF", &[qualifier, identifier.value.as_str()]);
        }
    }
}

/// Writes a `PER` with contact function code `function` (`IC`, `BL`, `CX`).
pub fn write_contact(w: &mut Writer, function: &str, contact: &Contact) {
    let mut elements = vec![
        function.to_owned(),
        contact.name.clone().unwrap_or_default(),
    ];
    for (qualifier, value) in [
        ("TE", &contact.phone),
        ("EX", &contact.extension),
        ("FX", &contact.fax),
        ("EM", &contact.email),
        ("UR", &contact.url),
    ] {
        if let Some(value) = value {
            elements.push(qualifier.to_owned());
            elements.push(value.clone());
        }
    }
    elements.truncate(8);
    w.seg("PER", &elements);
}
