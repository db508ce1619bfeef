//! Small writers shared by the 270/271 and 276/277 encoders: the interchange of their
//! transaction sets, `BHT`, `NM1` with the loop's identification qualifiers, a party's
//! `REF`s, `TRN`, `AAA`, `DMG`, procedure composites and segments with a repeating element.

use clearway_plugin_sdk::schemas::body::{Rejection, Trace};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, EntityType, Gender, Message, Party};
use serde_json::Value;

use clearway_plugin_sdk::{ConnectorError, Payload};

use crate::config::Config;
use crate::encode::{Batch, CONTENT_TYPE, creation, envelope, version_of};
use crate::numbers::ControlNumbers;
use crate::p835::adjust::QUALIFIER_URN;
use crate::p837::decode::BHT;
use crate::syntax::Writer;
use crate::values::{write_date, yes_no};

/// How a transaction set uses `BHT06`.
#[derive(Debug, Clone, Copy)]
pub enum Bht06 {
    /// Not used.
    NotUsed,
    /// Written when the message came with this code.
    Optional(&'static str),
    /// Always this code.
    Required(&'static str),
}

/// The fixed parts of a transaction set's `BHT`.
#[derive(Debug, Clone, Copy)]
pub struct BhtRules {
    /// `BHT01` hierarchical structure code.
    pub structure: &'static str,
    /// `BHT02` purpose codes the TR3 allows; the first is the default.
    pub purposes: &'static [&'static str],
    /// `BHT06`.
    pub bht06: Bht06,
}

/// The transaction sets of an interchange: `GS01`, `ST01` (also the payload's file name
/// prefix), the `BHT` rules and the implementation convention written by default.
#[derive(Debug, Clone, Copy)]
pub struct SetKind {
    /// `GS01` functional identifier code.
    pub gs01: &'static str,
    /// `ST01` transaction set identifier code.
    pub st01: &'static str,
    /// The fixed parts of the `BHT`.
    pub rules: BhtRules,
    /// `ST03`/`GS08` unless the first message names its own.
    pub version: &'static str,
}

/// Writes one interchange of `heads.len()` transaction sets of `kind` for `batch`: set `n`
/// has the `BHT` of its first message `heads[n]` (`BHT03` the control number), then what
/// `body` writes for it.
///
/// # Errors
///
/// [`ConnectorError::Config`] when no creation date is known; [`ConnectorError::Invalid`]
/// for a value holding a delimiter.
pub fn write_sets(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
    kind: &SetKind,
    heads: &[&Message],
    mut body: impl FnMut(&mut Writer, usize),
) -> Result<Payload, ConnectorError> {
    let first = batch.messages[0];
    let (date, time) = creation(first, config)?;
    let control = numbers.next(&batch.messages)?;
    let reference = control.to_string();
    let text = envelope(
        config,
        control,
        (&date, &time),
        (kind.gs01, kind.st01, version_of(first, kind.version)),
        heads.len(),
        |w, n| {
            write_bht(w, heads[n], &kind.rules, &reference, (&date, &time));
            body(w, n);
        },
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("{}-{control:09}.x12", kind.st01))
        .carrying(batch.indexes))
}

/// Writes the `BHT` of the transaction set that starts with `first`: its `x12.BHT` extension
/// where the TR3 allows the value, else `reference` (`BHT03`) and the interchange's creation
/// date and time.
pub fn write_bht(
    w: &mut Writer,
    first: &Message,
    rules: &BhtRules,
    reference: &str,
    (date, time): (&str, &str),
) {
    let ext = |e: &str| {
        first
            .extensions
            .get(BHT)
            .and_then(|v| v.get(e))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let digits = |v: &&str| v.bytes().all(|b| b.is_ascii_digit());
    let purpose = ext("BHT02")
        .filter(|p| rules.purposes.contains(p))
        .unwrap_or(rules.purposes[0]);
    let bht06 = match rules.bht06 {
        Bht06::NotUsed => "",
        Bht06::Optional(code) => ext("BHT06").filter(|v| *v == code).unwrap_or(""),
        Bht06::Required(code) => code,
    };
    w.seg(
        "BHT",
        &[
            rules.structure,
            purpose,
            ext("BHT03").unwrap_or(reference),
            ext("BHT04")
                .filter(|v| v.len() == 8 && digits(v))
                .unwrap_or(date),
            ext("BHT05")
                .filter(|v| (4..=8).contains(&v.len()) && digits(v))
                .unwrap_or(time),
            bht06,
        ],
    );
}

/// The `x12.BHT` extension of a message: messages with the same one share a transaction
/// set.
pub fn bht_extension(message: &Message) -> Option<&Value> {
    message.extensions.get(BHT)
}

/// Which of a party's identifiers went into `NM108`/`NM109`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsedId {
    /// `npi` (`XX`).
    Npi,
    /// `member_id` (`MI`).
    Member,
    /// `payer_id` (`PI`, `XV`).
    Payer,
    /// `tax_id` (`FI`).
    Tax,
    /// `identifiers[index]`.
    Other(usize),
}

/// `NM108`/`NM109` for `party` from the qualifiers a loop allows, in order of preference.
pub fn nm1_id(party: &Party, qualifiers: &[&'static str]) -> Option<(String, String, UsedId)> {
    for &qualifier in qualifiers {
        let field = match qualifier {
            "XX" => party.npi.as_ref().map(|v| (v, UsedId::Npi)),
            "MI" => party.member_id.as_ref().map(|v| (v, UsedId::Member)),
            "PI" | "XV" => party.payer_id.as_ref().map(|v| (v, UsedId::Payer)),
            "FI" => party.tax_id.as_ref().map(|v| (v, UsedId::Tax)),
            _ => None,
        };
        let found = field.or_else(|| {
            party
                .identifiers
                .iter()
                .position(|i| i.qualifier.as_deref() == Some(qualifier))
                .map(|index| (&party.identifiers[index].value, UsedId::Other(index)))
        });
        if let Some((value, used)) = found {
            return Some((qualifier.to_owned(), value.clone(), used));
        }
    }
    None
}

/// Whether `party` is written as a person (`NM102` `1`): a person, or an untyped party with
/// name parts and no organization name.
pub fn is_person(party: &Party) -> bool {
    match party.entity_type {
        Some(EntityType::Person) => true,
        Some(EntityType::Organization) => false,
        None => party.name.is_none() && (party.last_name.is_some() || party.first_name.is_some()),
    }
}

/// The name `NM103` carries for `party`.
pub fn last_or_organization(party: &Party) -> Option<&str> {
    if is_person(party) {
        party.last_name.as_deref()
    } else {
        party.name.as_deref().or(party.last_name.as_deref())
    }
}

/// Writes `NM1*{role}`: `NM106` (prefix) is never written (every 270/271/276/277 name loop
/// marks it "not used"); `NM108`/`NM109` from `qualifiers` (none when empty); an organization
/// when `organization` is set. Returns the identifier written in `NM109`.
pub fn write_nm1(
    w: &mut Writer,
    role: &str,
    party: &Party,
    qualifiers: &[&'static str],
    organization: bool,
) -> Option<UsedId> {
    let person = !organization && is_person(party);
    let part = |f: &Option<String>| {
        if person {
            f.clone().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let (qualifier, id, used) = match nm1_id(party, qualifiers) {
        Some((q, v, used)) => (q, v, Some(used)),
        None => (String::new(), String::new(), None),
    };
    let name = if organization {
        party.name.as_deref().or(party.last_name.as_deref())
    } else {
        last_or_organization(party)
    };
    w.seg(
        "NM1",
        &[
            role.to_owned(),
            if person { "1" } else { "2" }.to_owned(),
            name.unwrap_or_default().to_owned(),
            part(&party.first_name),
            part(&party.middle_name),
            String::new(),
            part(&party.suffix),
            qualifier,
            id,
        ],
    );
    used
}

/// Writes a `REF` for each of `party`'s identifiers whose qualifier the loop allows, except
/// the one in `NM109`; `description` gives `REF03` for a qualifier and value.
pub fn write_party_refs(
    w: &mut Writer,
    party: &Party,
    used: Option<UsedId>,
    allowed: &[&str],
    mut description: impl FnMut(&str, &str) -> Option<String>,
) -> Vec<(String, String, Option<String>)> {
    let mut written = Vec::new();
    for (index, identifier) in party.identifiers.iter().enumerate() {
        let Some(qualifier) = identifier.qualifier.as_deref() else {
            continue;
        };
        if used == Some(UsedId::Other(index)) || !allowed.contains(&qualifier) {
            continue;
        }
        let name = description(qualifier, &identifier.value);
        let name_text = name.clone().unwrap_or_default();
        w.seg(
            "REF",
            &[qualifier, identifier.value.as_str(), name_text.as_str()],
        );
        written.push((qualifier.to_owned(), identifier.value.clone(), name));
    }
    written
}

/// Writes a `TRN` with trace type `trace_type`; `TRN03`/`TRN04` only when `originator` (the
/// 276/277 mark them "not used").
pub fn write_trn(w: &mut Writer, trace: &Trace, trace_type: &str, originator: bool) {
    let opt = |v: &Option<String>| {
        if originator {
            v.clone().unwrap_or_default()
        } else {
            String::new()
        }
    };
    w.seg(
        "TRN",
        &[
            trace_type.to_owned(),
            trace.reference.clone(),
            opt(&trace.originator),
            opt(&trace.supplemental),
        ],
    );
}

/// Writes an `AAA` (`AAA02` is "not used").
pub fn write_aaa(w: &mut Writer, rejection: &Rejection) {
    w.seg(
        "AAA",
        &[
            yes_no(rejection.valid_request),
            "",
            rejection.reason_code.as_str(),
            rejection.follow_up_action.as_deref().unwrap_or_default(),
        ],
    );
}

/// `DMG03` for a gender: the 270/271/276 allow `F` and `M` only.
pub fn gender_code(gender: Option<Gender>) -> &'static str {
    match gender {
        Some(Gender::Female) => "F",
        Some(Gender::Male) => "M",
        _ => "",
    }
}

/// Writes `DMG*D8*birth*gender` when the party has a birth date or an `F`/`M` gender.
pub fn write_dmg(w: &mut Writer, party: &Party) {
    let gender = gender_code(party.gender);
    let birth = party
        .birth_date
        .as_ref()
        .map(write_date)
        .unwrap_or_default();
    if birth.is_empty() && gender.is_empty() {
        return;
    }
    let format = if birth.is_empty() { "" } else { "D8" };
    w.seg("DMG", &[format, birth.as_str(), gender]);
}

/// A procedure composite (`EQ02`, `EB13`, `SVC01`): qualifier, code and up to four
/// modifiers; the description (component 7) is "not used" in these transactions.
pub fn procedure(w: &mut Writer, code: &Code, modifiers: &[String]) -> String {
    let qualifier = match &code.system {
        CodeSystem::Cdt => "AD",
        CodeSystem::Ndc => "N4",
        CodeSystem::NubcRevenue => "NU",
        CodeSystem::Other(uri) => uri.strip_prefix(QUALIFIER_URN).unwrap_or("HC"),
        _ => "HC",
    };
    let mut parts = vec![qualifier, code.code.as_str()];
    parts.extend(modifiers.iter().take(4).map(String::as_str));
    w.comp(&parts)
}

/// One element of [`write_repeating`].
#[derive(Debug, Clone)]
pub enum Element {
    /// A simple element (checked for delimiters).
    Simple(String),
    /// A composite already built with [`Writer::comp`].
    Composite(String),
    /// A repeating element (each repetition checked), joined with the repetition separator.
    Repeated(Vec<String>),
}

/// Writes a segment that has a repeating element (`EQ01`, `EB03`); trailing empty elements
/// are dropped.
pub fn write_repeating(w: &mut Writer, id: &str, elements: Vec<Element>) {
    let d = w.delimiters();
    let separator = d.repetition.unwrap_or('^').to_string();
    let texts: Vec<String> = elements
        .into_iter()
        .map(|element| match element {
            Element::Simple(text) => w.comp(&[text.as_str()]),
            Element::Composite(text) => text,
            Element::Repeated(values) => values
                .iter()
                .map(|v| w.comp(&[v.as_str()]))
                .collect::<Vec<_>>()
                .join(&separator),
        })
        .collect();
    let used = texts
        .iter()
        .rposition(|t| !t.is_empty())
        .map_or(0, |i| i + 1);
    let mut text = id.to_owned();
    for element in &texts[..used] {
        text.push(d.element);
        text.push_str(element);
    }
    w.raw(&text);
}
