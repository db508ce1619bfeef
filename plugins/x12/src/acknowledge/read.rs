//! Reading an inbound interchange leniently: the fixed-length `ISA` as the tokenizer reads
//! it, then every segment up to the end of the input, keeping segments whose id is
//! malformed (they are reported, not fatal) and their raw text (to decode a transaction set
//! on its own).

use crate::syntax::{Delimiters, ErrorKind, Segment, X12Error, scan, tokenize};

/// Length of the fixed-length `ISA` with its terminator.
const ISA_LENGTH: usize = 106;

/// One segment with its raw text (without the terminator).
#[derive(Debug, Clone)]
pub struct Seg<'a> {
    /// The segment (its `id` may be malformed: see [`crate::syntax::segment::valid_segment_id`]).
    pub segment: Segment<'a>,
    /// Its text as received, without the terminator.
    pub raw: &'a str,
}

impl<'a> Seg<'a> {
    /// The segment id.
    pub fn id(&self) -> &'a str {
        self.segment.id
    }

    /// Element `n`, trimmed of spaces (as control numbers and counts are compared).
    pub fn trimmed(&self, n: usize) -> &'a str {
        self.segment.el(n).trim()
    }
}

/// What could be read.
#[derive(Debug)]
pub enum Reading<'a> {
    /// The `ISA` is sound: every segment, the `ISA` first (position 1).
    Whole(Vec<Seg<'a>>),
    /// The fixed-length `ISA` is broken (`error`); `elements` are `ISA01`..`ISA15` split on
    /// the byte after `ISA`, when there are that many.
    BrokenIsa {
        /// Why the `ISA` cannot be read.
        error: X12Error,
        /// `ISA01`..`ISA15` as split loosely, untrimmed.
        elements: Option<Vec<&'a str>>,
    },
}

/// Whitespace tolerated between segments, as the tokenizer does.
fn is_layout(c: char, d: &Delimiters) -> bool {
    matches!(c, '\r' | '\n' | ' ' | '\t') && c != d.element && c != d.segment && c != d.component
}

/// The `ISA` elements split on the element separator, up to the end of the first line.
fn loose_isa(text: &str) -> Option<Vec<&str>> {
    let separator = text.get(3..)?.chars().next()?;
    let line = text.split(['\n', '\r']).next().unwrap_or(text);
    let parts: Vec<&str> = line.split(separator).skip(1).take(15).collect();
    (parts.len() == 15).then_some(parts)
}

/// Reads `text` (an interchange, optionally after a UTF-8 BOM and whitespace).
///
/// # Errors
///
/// [`ErrorKind::Empty`] or [`ErrorKind::NoIsa`]: there is no `ISA` to answer.
pub fn read(text: &str) -> Result<Reading<'_>, X12Error> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = body.trim_start_matches([' ', '\t', '\r', '\n']);
    let start = text.len() - trimmed.len();
    if !trimmed.starts_with("ISA") {
        // The tokenizer words the error (empty input, or the id that stands first).
        return Err(tokenize(text.as_bytes())
            .err()
            .unwrap_or_else(|| X12Error::new(Default::default(), ErrorKind::NoIsa)));
    }
    let isa_text = text.get(start..start + ISA_LENGTH).unwrap_or(trimmed);
    let delimiters = match tokenize(isa_text.as_bytes()) {
        Ok(segments) => segments[0].delimiters,
        Err(error) => {
            return Ok(Reading::BrokenIsa {
                error,
                elements: loose_isa(trimmed),
            });
        }
    };
    let line = 1 + u32::try_from(text[..start].matches('\n').count()).unwrap_or(u32::MAX);
    Ok(Reading::Whole(split(text, start, line, delimiters)))
}

/// Splits `text` from `start` into segments with `d`, numbering them from 1.
fn split(text: &str, start: usize, first_line: u32, d: Delimiters) -> Vec<Seg<'_>> {
    let mut segments = Vec::new();
    let (mut line, mut cursor, mut counted_to) = (first_line, start, start);
    while cursor < text.len() {
        let rest = &text[cursor..];
        let content = rest.trim_start_matches(|c| is_layout(c, &d));
        let seg_start = cursor + (rest.len() - content.len());
        if content.is_empty() {
            break;
        }
        let (raw, next) = match scan::find(content, d.segment) {
            Some(end) => (&content[..end], seg_start + end + d.segment.len_utf8()),
            None => (content, text.len()),
        };
        let raw = raw.trim_end_matches(|c| is_layout(c, &d));
        line += u32::try_from(text[counted_to..seg_start].matches('\n').count()).unwrap_or(0);
        counted_to = seg_start;
        let mut parts = scan::split(raw, d.element);
        let id = parts.next().unwrap_or("");
        segments.push(Seg {
            segment: Segment {
                id,
                elements: parts.collect(),
                position: u32::try_from(segments.len() + 1).unwrap_or(u32::MAX),
                line,
                byte: seg_start as u64,
                delimiters: d,
            },
            raw,
        });
        cursor = next;
    }
    segments
}
