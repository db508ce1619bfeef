//! Elements the model has no field for, kept per segment in `extensions["x12.elements"]` so
//! that an encode writes them back in place ([`Extras`]), and [`Seg`], a segment built
//! element by element.
//!
//! A segment the model reads only in part (`UM05` related causes, `HI01-4` diagnosis date,
//! `PRV01`, `HSD03`...) keeps the rest here rather than being carried whole, so the mapped
//! fields stay the single source of what they hold. An entry with no elements records which
//! of `SV1`/`SV2`/`SV3` a service used when the model alone would pick another.

use serde_json::{Map, Value, json};

use crate::syntax::{Segment, Writer};
use crate::values::{entries_value, entry_number, value_entries};

/// The extension key of [`Extras`].
pub const ELEMENTS: &str = "x12.elements";

/// Where a segment sits: its loop, the 1-based service line (2000F/2010F) and the 1-based
/// position of its party (2010E, 2010F).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct At<'l> {
    /// Loop id, e.g. `2000E`.
    pub loop_id: &'l str,
    /// Service line, for 2000F and 2010F.
    pub line: Option<u32>,
    /// Party position, for 2010E and 2010F loops.
    pub party: Option<u32>,
}

impl<'l> At<'l> {
    /// A loop with no line or party.
    pub fn loop_(loop_id: &'l str) -> At<'l> {
        At {
            loop_id,
            line: None,
            party: None,
        }
    }
}

/// One segment's unmapped elements, keyed `SEGnn` or `SEGnn-m` (component `m`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    /// Loop id.
    pub loop_id: String,
    /// Service line.
    pub line: Option<u32>,
    /// Party position.
    pub party: Option<u32>,
    /// Segment id.
    pub segment: String,
    /// Element references to their text.
    pub elements: Map<String, Value>,
}

/// Every [`Extra`] of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// The entries, in input order.
    pub entries: Vec<Extra>,
}

/// An element reference `SEGnn` (component 1) or `SEGnn-m` as `(n, m)`.
fn parse_ref(segment: &str, key: &str) -> Option<(usize, usize)> {
    let rest = key.strip_prefix(segment)?;
    let (n, m) = match rest.split_once('-') {
        Some((n, m)) => (n, m.parse().ok()?),
        None => (rest, 1),
    };
    Some((n.parse().ok()?, m))
}

impl Extras {
    /// Keeps every non-empty component of `segment` that `mapped(n, m)` does not claim.
    pub fn keep(
        &mut self,
        at: At<'_>,
        segment: &Segment<'_>,
        mapped: impl Fn(usize, usize) -> bool,
    ) {
        let mut elements = Map::new();
        for n in 1..=segment.elements.len() {
            let comps = segment.comps(n);
            for (i, text) in comps.iter().enumerate() {
                if text.is_empty() || mapped(n, i + 1) {
                    continue;
                }
                let key = if comps.len() > 1 {
                    format!("{}{n:02}-{}", segment.id, i + 1)
                } else {
                    format!("{}{n:02}", segment.id)
                };
                let text = match segment.delimiters.repetition {
                    Some(rep) => text.replace(rep, "^"),
                    None => (*text).to_owned(),
                };
                elements.insert(key, Value::String(text));
            }
        }
        if !elements.is_empty() {
            self.push(at, segment.id, elements);
        }
    }

    /// Records that the segment at `at` was `segment` (no elements).
    pub fn mark(&mut self, at: At<'_>, segment: &str) {
        self.push(at, segment, Map::new());
    }

    /// Records `value` as element `key` of `segment` at `at`.
    pub fn put(&mut self, at: At<'_>, segment: &str, key: &str, value: &str) {
        let mut elements = Map::new();
        elements.insert(key.to_owned(), Value::String(value.to_owned()));
        self.push(at, segment, elements);
    }

    /// Adds an entry, merging with an existing one for the same segment.
    fn push(&mut self, at: At<'_>, segment: &str, elements: Map<String, Value>) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.matches(at, segment)) {
            entry.elements.extend(elements);
            return;
        }
        self.entries.push(Extra {
            loop_id: at.loop_id.to_owned(),
            line: at.line,
            party: at.party,
            segment: segment.to_owned(),
            elements,
        });
    }

    /// The entry for `segment` at `at`.
    pub fn get(&self, at: At<'_>, segment: &str) -> Option<&Extra> {
        self.entries.iter().find(|e| e.matches(at, segment))
    }

    /// The extension value, `None` when empty.
    pub fn to_value(&self) -> Option<Value> {
        entries_value(&self.entries, |e| {
            let mut entry = json!({"loop": e.loop_id});
            if let Some(line) = e.line {
                entry["line"] = json!(line);
            }
            if let Some(party) = e.party {
                entry["party"] = json!(party);
            }
            entry["segment"] = json!(e.segment);
            entry["elements"] = Value::Object(e.elements.clone());
            entry
        })
    }

    /// Reads the extension value; entries without the shape are ignored.
    pub fn from_value(value: Option<&Value>) -> Extras {
        let entries = value_entries(value, |item| {
            Some(Extra {
                loop_id: item.get("loop")?.as_str()?.to_owned(),
                line: entry_number(item, "line"),
                party: entry_number(item, "party"),
                segment: item.get("segment")?.as_str()?.to_owned(),
                elements: item.get("elements")?.as_object()?.clone(),
            })
        });
        Extras { entries }
    }
}

impl Extra {
    /// Whether this entry is for `segment` at `at`.
    fn matches(&self, at: At<'_>, segment: &str) -> bool {
        self.loop_id == at.loop_id
            && self.line == at.line
            && self.party == at.party
            && self.segment == segment
    }
}

/// A segment built element by element (each element a list of components).
#[derive(Debug, Clone)]
pub struct Seg {
    id: String,
    elements: Vec<Vec<String>>,
}

impl Seg {
    /// An empty segment with this id.
    pub fn new(id: &str) -> Seg {
        Seg {
            id: id.to_owned(),
            elements: Vec::new(),
        }
    }

    /// Sets component `m` of element `n` (both 1-based).
    pub fn comp(&mut self, n: usize, m: usize, value: impl Into<String>) -> &mut Seg {
        if self.elements.len() < n {
            self.elements.resize(n, Vec::new());
        }
        let element = &mut self.elements[n - 1];
        if element.len() < m {
            element.resize(m, String::new());
        }
        element[m - 1] = value.into();
        self
    }

    /// Sets element `n` (its first component).
    pub fn set(&mut self, n: usize, value: impl Into<String>) -> &mut Seg {
        self.comp(n, 1, value)
    }

    /// Sets element `n` when `value` is some.
    pub fn opt(&mut self, n: usize, value: Option<impl Into<String>>) -> &mut Seg {
        if let Some(value) = value {
            self.set(n, value);
        }
        self
    }

    /// Applies the kept elements of this segment at `at`.
    pub fn overlay(&mut self, extras: &Extras, at: At<'_>) -> &mut Seg {
        if let Some(entry) = extras.get(at, &self.id) {
            let id = self.id.clone();
            for (key, value) in &entry.elements {
                if let (Some((n, m)), Some(text)) = (parse_ref(&id, key), value.as_str())
                    && n > 0
                    && m > 0
                {
                    self.comp(n, m, text);
                }
            }
        }
        self
    }

    /// Whether no element holds text.
    pub fn is_empty(&self) -> bool {
        self.elements.iter().flatten().all(String::is_empty)
    }

    /// Writes the segment; trailing empty components and elements are dropped.
    pub fn write(&self, w: &mut Writer) {
        let elements: Vec<String> = self
            .elements
            .iter()
            .map(|parts| {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                w.comp(&parts)
            })
            .collect();
        w.seg(&self.id, &elements);
    }
}
