//! [`Segment`]: one tokenized X12 segment with its place in the input, and [`Delimiters`].

use super::error::{ErrorKind, Position, X12Error};

/// The four delimiters of an interchange, read from its `ISA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Element separator: the byte after `ISA`.
    pub element: char,
    /// Component (sub-element) separator: `ISA16`.
    pub component: char,
    /// Repetition separator: `ISA11` when `ISA12` is `00501` or later (and `ISA11` is not a
    /// letter or digit); `None` otherwise.
    pub repetition: Option<char>,
    /// Segment terminator: the byte after `ISA16`.
    pub segment: char,
}

impl Default for Delimiters {
    /// The delimiters Clearway writes: `*`, `:`, `^`, `~`.
    fn default() -> Delimiters {
        Delimiters {
            element: '*',
            component: ':',
            repetition: Some('^'),
            segment: '~',
        }
    }
}

/// One segment: its id, its elements (raw text, delimiters intact inside composites) and its
/// position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The segment id, e.g. `CLM`.
    pub id: &'a str,
    /// The elements after the id: `elements[0]` is element 01.
    pub elements: Vec<&'a str>,
    /// 1-based position within the interchange (`ISA` is 1).
    pub position: u32,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 0-based byte offset of the first byte.
    pub byte: u64,
    /// The interchange's delimiters.
    pub delimiters: Delimiters,
}

impl<'a> Segment<'a> {
    /// Element `n` (1-based), `""` when absent.
    pub fn el(&self, n: usize) -> &'a str {
        n.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .copied()
            .unwrap_or("")
    }

    /// Element `n` when present and not empty.
    pub fn opt(&self, n: usize) -> Option<&'a str> {
        Some(self.el(n)).filter(|s| !s.is_empty())
    }

    /// The components of element `n` (one component when it is not a composite).
    pub fn comps(&self, n: usize) -> Vec<&'a str> {
        super::scan::split(self.el(n), self.delimiters.component).collect()
    }

    /// Component `m` (1-based) of element `n`, `""` when absent.
    pub fn comp(&self, n: usize, m: usize) -> &'a str {
        super::scan::split(self.el(n), self.delimiters.component)
            .nth(m.saturating_sub(1))
            .unwrap_or("")
    }

    /// The repetitions of element `n` (one when the interchange has no repetition separator).
    pub fn reps(&self, n: usize) -> Vec<&'a str> {
        match self.delimiters.repetition {
            Some(rep) => super::scan::split(self.el(n), rep).collect(),
            None => vec![self.el(n)],
        }
    }

    /// This segment's position, without an element.
    pub fn pos(&self) -> Position {
        Position {
            segment: self.position,
            segment_id: self.id.to_owned(),
            element: None,
            loop_id: None,
            line: self.line,
            byte: self.byte,
        }
    }

    /// An error about element `element` (e.g. `CLM05-1`) of this segment.
    pub fn err(&self, element: impl Into<String>, kind: ErrorKind) -> X12Error {
        X12Error::new(self.pos().element(element), kind)
    }

    /// Element `n`, or a [`ErrorKind::MissingElement`] error naming it.
    pub fn req(&self, n: usize, what: &'static str) -> Result<&'a str, X12Error> {
        self.opt(n).ok_or_else(|| {
            self.err(
                format!("{}{n:02}", self.id),
                ErrorKind::MissingElement(what),
            )
        })
    }

    /// The element reference `ID` + two-digit `n`, e.g. `CLM05`.
    pub fn elref(&self, n: usize) -> String {
        format!("{}{n:02}", self.id)
    }
}

/// Whether `id` is a well-formed segment id: a letter, then one or two letters or digits.
pub fn valid_segment_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (2..=3).contains(&bytes.len())
        && bytes[0].is_ascii_uppercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
