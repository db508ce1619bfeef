//! 837P pieces around the claims: the submitter and receiver of loops 1000A/1000B, the
//! TR3 order of the claim-level `DTP` segments, and the checks that refuse a claim the
//! TR3 would reject.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::{Claim, Contact, EntityType, Identifier, Message, Party};

use crate::syntax::Writer;
use crate::values::{Unmapped, write_date, write_period};

/// `DTP01` qualifiers of loop 2300 in the order the TR3 lists the segments.
pub const DTP_ORDER: &[&str] = &[
    "431", "454", "304", "453", "439", "484", "455", "471", "314", "360", "361", "297", "296",
    "435", "096", "090", "091", "444", "050",
];

/// The position of a carried or written `DTP` text (`DTP*qualifier*...`) in [`DTP_ORDER`];
/// unknown qualifiers go last.
pub fn dtp_rank(text: &str) -> usize {
    let qualifier = text.split('*').nth(1).unwrap_or_default();
    DTP_ORDER
        .iter()
        .position(|q| *q == qualifier)
        .unwrap_or(DTP_ORDER.len())
}

/// Writes the claim-level `DTP` segments, mapped and carried, in TR3 order. The service
/// period is not among them: 837P service dates are line-level (`DTP*472` in loop 2400).
pub fn write_dates(w: &mut Writer, claim: &Claim, unmapped: &Unmapped) {
    let d = &claim.dates;
    let days = [
        ("431", &d.onset),
        ("454", &d.initial_treatment),
        ("304", &d.last_seen),
        ("439", &d.accident),
        ("484", &d.last_menstrual_period),
        ("455", &d.last_xray),
        ("297", &d.last_worked),
        ("296", &d.return_to_work),
        ("435", &d.admission),
        ("096", &d.discharge),
        ("050", &d.repricer_received),
    ];
    let mut texts: Vec<String> = days
        .into_iter()
        .filter_map(|(qualifier, date)| {
            date.as_ref()
                .map(|date| format!("DTP*{qualifier}*D8*{}", write_date(date)))
        })
        .collect();
    if let Some(period) = &d.disability {
        let (format, value) = write_period(period);
        texts.push(format!("DTP*314*{format}*{value}"));
    }
    texts.extend(
        unmapped
            .of("2300", None)
            .filter(|t| t.split('*').next() == Some("DTP"))
            .map(str::to_owned),
    );
    texts.sort_by_key(|t| dtp_rank(t));
    for text in &texts {
        w.raw(text);
    }
}

/// The party of loop 1000A (submitter) or 1000B (receiver): the message's party when it
/// has one, with the configured interchange id (`ISA06`/`ISA08`) filling a missing name
/// and a missing `NM109` identifier (qualifier `46`, electronic transmitter id).
pub fn envelope_party(party: Option<&Party>, configured_id: &str) -> Party {
    let mut party = party.cloned().unwrap_or_else(|| Party {
        entity_type: Some(EntityType::Organization),
        ..Party::default()
    });
    let person = party.entity_type == Some(EntityType::Person);
    let name = if person {
        &mut party.last_name
    } else {
        party.entity_type = Some(EntityType::Organization);
        &mut party.name
    };
    if name.as_deref().is_none_or(str::is_empty) {
        *name = Some(configured_id.to_owned());
    }
    // Loops 1000A/1000B identify the party by `NM108` `46` only.
    party.npi = None;
    party.member_id = None;
    party.payer_id = None;
    if !party
        .identifiers
        .iter()
        .any(|i| i.qualifier.as_deref() == Some("46"))
    {
        party
            .identifiers
            .insert(0, Identifier::qualified("46", configured_id));
    }
    party
}

/// Whether `contact` has a number or address a `PER` can carry (`PER03`/`PER04`).
fn reachable(contact: &Contact) -> bool {
    [&contact.phone, &contact.email, &contact.fax]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
}

/// The submitter of loop 1000A: [`envelope_party`] of the message's sender, whose required
/// `PER` takes the billing provider's first reachable contact when the sender has none (the
/// submitter is then the billing provider sending through the hub).
pub fn submitter(message: &Message, configured_id: &str) -> Party {
    let mut party = envelope_party(message.parties.sender.as_ref(), configured_id);
    party.contacts.retain(reachable);
    if party.contacts.is_empty() {
        party.contacts.extend(
            message
                .parties
                .provider
                .iter()
                .flat_map(|p| p.contacts.iter())
                .find(|c| reachable(c))
                .cloned(),
        );
    }
    party
}

/// What keeps claim message `index` from a TR3-valid 837P: the billing provider (loop
/// 2010AA) needs a street address (`N3`) and city, state and postal code (`N4`), and the
/// `first` claim of the interchange a reachable submitter contact. Problems name JSON
/// pointers, never values.
pub fn problems(index: usize, message: &Message, first: bool) -> Vec<Problem> {
    billing_problems("837P", index, message, first)
}

/// [`problems`] for the 837 variant `name` (`837P`, `837I`, `837D`): the billing provider's
/// address and the submitter's contact, which every variant requires.
pub fn billing_problems(name: &str, index: usize, message: &Message, first: bool) -> Vec<Problem> {
    let base = format!("/{index}/parties/provider/address");
    let missing = |path: String, what: &str| {
        Problem::error(
            "x12.encode.required",
            format!("an {name} billing provider (loop 2010AA) requires {what}, which the message does not carry"),
        )
        .at_path(path)
    };
    let mut out = Vec::new();
    if first && submitter(message, "").contacts.is_empty() {
        out.push(
            Problem::error(
                "x12.encode.required",
                format!(
                    "an {name} submitter (loop 1000A) requires a contact phone, fax or email \
                     (PER), and neither the sender nor the billing provider carries one"
                ),
            )
            .at_path(format!("/{index}/parties/sender/contacts")),
        );
    }
    let Some(address) = message
        .parties
        .provider
        .as_ref()
        .and_then(|p| p.address.as_ref())
    else {
        out.push(missing(base, "an address (N3, N4)"));
        return out;
    };
    if address.lines.iter().all(|l| l.is_empty()) {
        out.push(missing(
            format!("{base}/lines"),
            "a street address line (N301)",
        ));
    }
    for (field, element) in [
        ("city", "a city (N401)"),
        ("state", "a state (N402)"),
        ("postal_code", "a postal code (N403)"),
    ] {
        let value = match field {
            "city" => &address.city,
            "state" => &address.state,
            _ => &address.postal_code,
        };
        // N402 is required only in the United States and Canada.
        let abroad = field == "state"
            && address
                .country
                .as_deref()
                .is_some_and(|c| !c.is_empty() && c != "US" && c != "CA");
        if !abroad && value.as_deref().is_none_or(str::is_empty) {
            out.push(missing(format!("{base}/{field}"), element));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use clearway_plugin_sdk::schemas::{Address, Body, Claim, Contact, Message, Party};

    use super::{dtp_rank, envelope_party, problems, submitter};

    /// A claim message whose billing provider has `address` and one phone contact.
    fn message(address: Option<Address>) -> Message {
        let mut message = Message::new(Body::Claim(Claim::default()));
        message.parties.provider = Some(Party {
            address,
            contacts: vec![Contact {
                phone: Some("5550100".into()),
                ..Contact::default()
            }],
            ..Party::default()
        });
        message
    }

    fn paths(problems: &[clearway_plugin_sdk::Problem]) -> Vec<&str> {
        problems
            .iter()
            .filter_map(|p| p.location.path.as_deref())
            .collect()
    }

    #[test]
    fn claim_dates_follow_the_tr3_order() {
        let mut texts = [
            "DTP*050*D8*1",
            "DTP*314*RD8*1-2",
            "DTP*439*D8*1",
            "DTP*431*D8*1",
        ];
        texts.sort_by_key(|t| dtp_rank(t));
        assert_eq!(
            texts,
            [
                "DTP*431*D8*1",
                "DTP*439*D8*1",
                "DTP*314*RD8*1-2",
                "DTP*050*D8*1"
            ]
        );
        assert_eq!(dtp_rank("DTP*472*D8*1"), super::DTP_ORDER.len());
    }

    #[test]
    fn envelope_parties_fall_back_to_the_configured_id() {
        let party = envelope_party(None, "HUB");
        assert_eq!(party.name.as_deref(), Some("HUB"));
        assert_eq!(party.identifiers[0].qualifier.as_deref(), Some("46"));
        assert_eq!(party.identifiers[0].value, "HUB");
        let named = Party {
            name: Some("Sender".into()),
            npi: Some("1234567893".into()),
            ..Party::default()
        };
        let party = envelope_party(Some(&named), "HUB");
        assert_eq!(party.name.as_deref(), Some("Sender"));
        assert_eq!(party.npi, None, "1000A/1000B take NM108 46 only");
        assert_eq!(party.identifiers.len(), 1);
    }

    #[test]
    fn the_submitter_contact_falls_back_to_the_billing_provider() {
        let message = message(None);
        let party = submitter(&message, "HUB");
        assert_eq!(party.contacts.len(), 1);
        assert_eq!(party.contacts[0].phone.as_deref(), Some("5550100"));
    }

    #[test]
    fn billing_provider_address_parts_are_required() {
        assert_eq!(
            paths(&problems(3, &message(None), false)),
            ["/3/parties/provider/address"]
        );
        let partial = Address {
            city: Some("Springfield".into()),
            ..Address::default()
        };
        assert_eq!(
            paths(&problems(0, &message(Some(partial)), true)),
            [
                "/0/parties/provider/address/lines",
                "/0/parties/provider/address/state",
                "/0/parties/provider/address/postal_code"
            ]
        );
        let abroad = Address {
            lines: vec!["1 Rue".into()],
            city: Some("Paris".into()),
            postal_code: Some("75001".into()),
            country: Some("FR".into()),
            ..Address::default()
        };
        assert!(problems(0, &message(Some(abroad)), true).is_empty());
        let mut silent = message(None);
        if let Some(provider) = silent.parties.provider.as_mut() {
            provider.contacts.clear();
        }
        assert_eq!(
            paths(&problems(0, &silent, true)),
            ["/0/parties/sender/contacts", "/0/parties/provider/address"]
        );
    }
}
