//! Writing helpers of the 278 encoder: [`Out`] (the writer with what a message carries) and
//! the party loops in X217 order (`NM1`, `REF`, `N3`, `N4`, `PER`, `AAA`, `PRV`, `DMG`,
//! `INS`), leaving out what X217 marks "not used".

use clearway_plugin_sdk::schemas::body::Rejection;
use clearway_plugin_sdk::schemas::{EntityType, Gender, Message, Party};

use super::extra::{At, ELEMENTS, Extras, Seg};
use super::hierarchy::{Place, insured};
use crate::parties;
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped, write_date};

/// The writer, with the kept elements, carried segments and placed rejections of one
/// message.
pub struct Out<'w, 'm> {
    /// The writer.
    pub w: &'w mut Writer,
    /// Kept elements of partly mapped segments.
    pub extras: Extras,
    /// Segments carried whole.
    pub unmapped: Unmapped,
    /// Rejections with the place each is written at.
    pub aaa: Vec<(Place, &'m Rejection)>,
    /// Carried segments written so far (indexes into `unmapped.entries`).
    written: Vec<bool>,
}

impl<'w, 'm> Out<'w, 'm> {
    /// The output for `message`, with `aaa` placed rejections.
    pub fn new(
        w: &'w mut Writer,
        message: &Message,
        aaa: Vec<(Place, &'m Rejection)>,
    ) -> Out<'w, 'm> {
        let unmapped = Unmapped::from_value(message.extensions.get(UNMAPPED));
        Out {
            w,
            extras: Extras::from_value(message.extensions.get(ELEMENTS)),
            written: vec![false; unmapped.entries.len()],
            unmapped,
            aaa,
        }
    }

    /// Writes the carried segments at `at` with one of `ids` (all when `ids` is empty).
    pub fn carried(&mut self, at: At<'_>, ids: &[&str]) {
        for (index, entry) in self.unmapped.entries.iter().enumerate() {
            let id = entry.text.split('*').next().unwrap_or_default();
            if !self.written[index]
                && entry.loop_id == at.loop_id
                && entry.claim == at.party
                && entry.line == at.line
                && (ids.is_empty() || ids.contains(&id))
            {
                self.w.raw(&entry.text);
                self.written[index] = true;
            }
        }
    }

    /// Writes the carried `DTP`s at `at` whose qualifier ranks before (`before`) or not
    /// before `rank` in `order`.
    pub fn carried_dates(&mut self, at: At<'_>, order: &[&str], rank: usize, before: bool) {
        for index in 0..self.unmapped.entries.len() {
            let entry = &self.unmapped.entries[index];
            let mut parts = entry.text.split('*');
            let (id, qualifier) = (parts.next(), parts.next().unwrap_or_default());
            let position = order
                .iter()
                .position(|q| *q == qualifier)
                .unwrap_or(order.len());
            if !self.written[index]
                && id == Some("DTP")
                && entry.loop_id == at.loop_id
                && entry.claim == at.party
                && entry.line == at.line
                && (position < rank) == before
            {
                self.w.raw(&entry.text);
                self.written[index] = true;
            }
        }
    }

    /// Writes `seg` with its kept elements at `at` applied.
    pub fn seg(&mut self, seg: &mut Seg, at: At<'_>) {
        seg.overlay(&self.extras, at).write(self.w);
    }

    /// Whether elements of `segment` are kept at `at`.
    pub fn kept(&self, at: At<'_>, segment: &str) -> bool {
        self.extras.get(at, segment).is_some()
    }

    /// Writes the `AAA`s placed at `at`: `AAA01` (`N` when the message does not say),
    /// `AAA03`, `AAA04`.
    pub fn rejections(&mut self, at: At<'_>) {
        for (place, rejection) in &self.aaa {
            if place.is(at) {
                let valid = match rejection.valid_request {
                    Some(true) => "Y",
                    _ => "N",
                };
                let follow = rejection.follow_up_action.as_deref().unwrap_or_default();
                self.w
                    .seg("AAA", &[valid, "", rejection.reason_code.as_str(), follow]);
            }
        }
    }
}

/// Which `NM1` elements and details a party loop writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// `NM104`-`NM107` (a person's other names).
    pub names: bool,
    /// `NM106` (prefix).
    pub prefix: bool,
    /// `NM108`/`NM109`.
    pub id: bool,
    /// `REF`.
    pub refs: bool,
    /// `N3`, `N4`.
    pub address: bool,
    /// `PER`.
    pub contacts: bool,
    /// `PRV`.
    pub provider: bool,
    /// `DMG` and `INS`.
    pub member: bool,
}

/// `NM102` of a party: `1` for a person (or a party with a family name), else `2`.
fn entity(party: &Party) -> &'static str {
    match party.entity_type {
        Some(EntityType::Person) => "1",
        Some(EntityType::Organization) => "2",
        None if party.last_name.is_some() => "1",
        None => "2",
    }
}

/// Writes a party loop at `at`: `NM1*{role}` and what `shape` allows, then the rejections and
/// carried segments of the loop.
pub fn party(out: &mut Out<'_, '_>, role: &str, party: &Party, at: At<'_>, shape: Shape) {
    let mut written = party.clone();
    written.entity_type = Some(if entity(party) == "1" {
        EntityType::Person
    } else {
        EntityType::Organization
    });
    if !shape.prefix {
        written.prefix = None;
    }
    let used = if shape.id {
        parties::write_nm1(out.w, role, &written)
    } else {
        let person = entity(party) == "1";
        let mut nm1 = Seg::new("NM1");
        nm1.set(1, role).set(2, entity(party));
        nm1.opt(
            3,
            if person {
                written.last_name.clone()
            } else {
                written.name.clone()
            },
        );
        if person && shape.names {
            nm1.opt(4, written.first_name.clone())
                .opt(5, written.middle_name.clone())
                .opt(7, written.suffix.clone());
        }
        nm1.write(out.w);
        None
    };
    if shape.refs {
        if let Some(tax_id) = &written.tax_id {
            out.w.seg("REF", &["EI", tax_id.as_str()]);
        }
        parties::write_refs(out.w, &written, used);
    }
    if shape.address
        && let Some(address) = &written.address
    {
        parties::write_address(out.w, address);
    }
    if shape.contacts {
        for contact in &written.contacts {
            parties::write_contact(out.w, "IC", contact);
        }
    }
    out.rejections(at);
    if shape.provider && (written.taxonomy.is_some() || out.kept(at, "PRV")) {
        let mut prv = Seg::new("PRV");
        prv.set(1, "PE").set(2, "PXC");
        prv.opt(3, written.taxonomy.as_ref().map(|t| t.code.clone()));
        out.seg(&mut prv, at);
    }
    if shape.member {
        if written.birth_date.is_some() || written.gender.is_some() || out.kept(at, "DMG") {
            let mut dmg = Seg::new("DMG");
            if let Some(date) = &written.birth_date {
                dmg.set(1, "D8").set(2, write_date(date));
            }
            dmg.opt(
                3,
                written.gender.map(|g| match g {
                    Gender::Male => "M",
                    Gender::Female => "F",
                    Gender::Other | Gender::Unknown => "U",
                }),
            );
            out.seg(&mut dmg, at);
        }
        if let Some(relationship) = written.relationship_to_subscriber {
            let mut ins = Seg::new("INS");
            ins.set(1, insured(Some(relationship)))
                .set(2, relationship.x12_code());
            out.seg(&mut ins, at);
        } else if out.kept(at, "INS") {
            out.seg(&mut Seg::new("INS"), at);
        }
    }
    out.carried(at, &[]);
}

/// The shape of a provider loop (2010B, 2010EA, 2010F): everything but `DMG`/`INS`.
pub const PROVIDER: Shape = Shape {
    names: true,
    prefix: true,
    id: true,
    refs: true,
    address: true,
    contacts: true,
    provider: true,
    member: false,
};

/// Writes an `HL`.
pub fn hl(w: &mut Writer, id: u32, parent: Option<u32>, level: &str, has_child: bool) {
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    w.seg(
        "HL",
        &[
            id.to_string().as_str(),
            parent.as_str(),
            level,
            if has_child { "1" } else { "0" },
        ],
    );
}
