//! The levels above the patient event (2000A UMO, 2000B requester, 2000C subscriber, 2000D
//! dependent) read into a [`Context`], and the `HL` structure rules.

use std::collections::HashMap;

use clearway_plugin_sdk::schemas::body::{Rejection, RejectionLevel};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Parties, Party, Relationship};
use serde_json::{Value, json};

use super::codes::{LEVELS, parent_levels};
use super::extra::{At, Extras};
use crate::p270::rejection;
use crate::parties;
use crate::syntax::{ErrorKind, X12Error};
use crate::values::Unmapped;
use crate::walker::{Node, Tree};

/// Extension key of where each rejection's `AAA` sat: an array parallel to `rejections`.
pub const AAA_PLACES: &str = "x12.AAA";

/// Where an `AAA` sat: loop, service line, party position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Loop id.
    pub loop_id: String,
    /// Service line (2000F, 2010F).
    pub line: Option<u32>,
    /// Party position (2010E, 2010F).
    pub party: Option<u32>,
}

impl Place {
    /// The place of `at`.
    pub fn of(at: At<'_>) -> Place {
        Place {
            loop_id: at.loop_id.to_owned(),
            line: at.line,
            party: at.party,
        }
    }

    /// Whether this is `at`.
    pub fn is(&self, at: At<'_>) -> bool {
        self.loop_id == at.loop_id && self.line == at.line && self.party == at.party
    }

    /// The extension value of `places`.
    pub fn to_value(places: &[Place]) -> Value {
        Value::Array(
            places
                .iter()
                .map(|p| {
                    let mut value = json!({"loop": p.loop_id});
                    if let Some(line) = p.line {
                        value["line"] = json!(line);
                    }
                    if let Some(party) = p.party {
                        value["party"] = json!(party);
                    }
                    value
                })
                .collect(),
        )
    }

    /// Reads the extension value; `None` when it does not have `count` well-formed entries.
    pub fn from_value(value: Option<&Value>, count: usize) -> Option<Vec<Place>> {
        let number = |item: &Value, key: &str| {
            item.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let places: Vec<Place> = value?
            .as_array()?
            .iter()
            .map(|item| {
                Some(Place {
                    loop_id: item.get("loop")?.as_str()?.to_owned(),
                    line: number(item, "line"),
                    party: number(item, "party"),
                })
            })
            .collect::<Option<_>>()?;
        (places.len() == count).then_some(places)
    }
}

/// What is known above (and, while reading it, inside) a patient event.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Parties so far.
    pub parties: Parties,
    /// Rejections so far.
    pub rejections: Vec<Rejection>,
    /// Where each rejection's `AAA` sat.
    pub places: Vec<Place>,
    /// Segments carried whole.
    pub unmapped: Unmapped,
    /// Elements the model has no field for.
    pub extras: Extras,
}

impl Context {
    /// Records the `AAA`s of `node` at `at` with `level`.
    ///
    /// # Errors
    ///
    /// An `AAA` without a reject reason code.
    pub fn reject_all(
        &mut self,
        node: &Node<'_, '_, '_>,
        level: RejectionLevel,
        at: At<'_>,
    ) -> Result<(), X12Error> {
        for aaa in node.all("AAA") {
            let found = rejection(aaa, level).map_err(|e| e.in_loop(node.id()))?;
            self.rejections.push(found);
            self.places.push(Place::of(at));
        }
        Ok(())
    }

    /// Reads a party loop: the party, its role when `with_role`, its `PRV`/`DMG`/`INS`
    /// elements the model lacks, its `AAA`s at `level`, and `carry` segments whole.
    ///
    /// # Errors
    ///
    /// A bad `NM1`, date or `AAA`.
    pub fn party(
        &mut self,
        node: &Node<'_, '_, '_>,
        at: At<'_>,
        (with_role, level): (bool, RejectionLevel),
        carry: &[&str],
    ) -> Result<Party, X12Error> {
        let mut party = parties::read(node)?;
        if with_role {
            let nm101 = node.segments()[0].el(1);
            party.role = Some(Code::new(CodeSystem::X12EntityIdentifier, nm101));
        }
        for segment in node.segments().iter().skip(1) {
            match segment.id {
                "PRV" => self.extras.keep(at, segment, |n, m| {
                    m == 1 && (n == 3 || (n == 2 && segment.el(2) == "PXC"))
                }),
                "DMG" => self.extras.keep(at, segment, |n, _| n <= 3),
                "INS" => {
                    party.relationship_to_subscriber = Relationship::from_x12_code(segment.el(2));
                    let derived = insured(party.relationship_to_subscriber);
                    self.extras.keep(at, segment, |n, _| {
                        (n == 2 && party.relationship_to_subscriber.is_some())
                            || (n == 1 && segment.el(1) == derived)
                    });
                }
                id if carry.contains(&id) => {
                    self.unmapped
                        .push_at(at.loop_id, at.party, at.line, segment);
                }
                _ => {}
            }
        }
        self.reject_all(node, level, at)?;
        Ok(party)
    }
}

/// `INS01` for a relationship: `Y` for the subscriber themself, else `N`.
pub fn insured(relationship: Option<Relationship>) -> &'static str {
    match relationship {
        Some(Relationship::Self_) => "Y",
        _ => "N",
    }
}

/// Reads one level above the patient event into `context`.
///
/// # Errors
///
/// A bad party loop or `AAA`.
pub fn read_level(node: &Node<'_, '_, '_>, context: &mut Context) -> Result<(), X12Error> {
    let (level, name) = match node.id() {
        "2000A" => (RejectionLevel::InformationSource, "2010A"),
        "2000B" => (RejectionLevel::Requester, "2010B"),
        "2000C" => (RejectionLevel::Subscriber, "2010C"),
        _ => (RejectionLevel::Dependent, "2010D"),
    };
    context.reject_all(node, level, At::loop_(node.id()))?;
    let Some(child) = node.child(name) else {
        return Ok(());
    };
    let party = context.party(&child, At::loop_(name), (name == "2010B", level), &[])?;
    let slot = match name {
        "2010A" => &mut context.parties.payer,
        "2010B" => &mut context.parties.provider,
        "2010C" => &mut context.parties.subscriber,
        _ => &mut context.parties.patient,
    };
    *slot = Some(party);
    Ok(())
}

/// An error about `HL` element `element` of `node`.
fn hl_error(node: &Node<'_, '_, '_>, element: &str, what: &'static str) -> X12Error {
    let hl = node.segments()[0];
    hl.err(element, ErrorKind::InvalidCode(what))
        .in_loop(node.id())
}

/// Checks the `HL` structure: each level's parent (`HL02`) is the nearest `HL` of the level
/// above (20 > 21 > 22 > 23 or 22 > EV > SS), the UMO level has none, and `HL04` says
/// whether the next `HL` is a child.
///
/// # Errors
///
/// The first `HL` breaking a rule, naming its element.
pub fn check(tree: &Tree<'_, '_>) -> Result<(), X12Error> {
    let nodes: Vec<Node<'_, '_, '_>> = tree.root().children().collect();
    let mut latest: HashMap<&str, &str> = HashMap::new();
    for (index, node) in nodes.iter().enumerate() {
        let hl = node.segments()[0];
        let level = hl.el(3);
        match parent_levels(level) {
            None if hl.opt(2).is_some() => {
                return Err(hl_error(
                    node,
                    "HL02",
                    "hierarchical parent id (UMO level has none)",
                ));
            }
            None => {}
            Some(parents) => {
                let parent = hl.el(2);
                if !parents.iter().any(|p| latest.get(p) == Some(&parent)) {
                    return Err(hl_error(
                        node,
                        "HL02",
                        "hierarchical parent id (the nearest HL of the level above)",
                    ));
                }
            }
        }
        let depth = LEVELS.iter().position(|l| *l == level).unwrap_or(0);
        for deeper in &LEVELS[depth..] {
            latest.remove(deeper);
        }
        latest.insert(level, hl.el(1));
        let has_child = nodes
            .get(index + 1)
            .is_some_and(|next| next.segments()[0].el(2) == hl.el(1));
        if hl.el(4) != if has_child { "1" } else { "0" } {
            return Err(hl_error(
                node,
                "HL04",
                "hierarchical child code (1 when the next HL is a child, else 0)",
            ));
        }
    }
    Ok(())
}
