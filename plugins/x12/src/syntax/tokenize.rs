//! Reading the `ISA` and splitting an interchange into [`Segment`]s.

use super::error::{ErrorKind, Position, X12Error};
use super::scan;
use super::segment::{Delimiters, Segment, valid_segment_id};

/// Widths of `ISA01`..`ISA16`.
const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// The UTF-8 byte order mark.
const BOM: &str = "\u{feff}";

/// Whitespace tolerated between segments (after a terminator).
fn is_layout(c: char, delimiters: &Delimiters) -> bool {
    matches!(c, '\r' | '\n' | ' ' | '\t')
        && c != delimiters.element
        && c != delimiters.segment
        && c != delimiters.component
}

/// A position before any segment has been read (`segment 1`).
fn start_position(id: &str, line: u32, byte: u64) -> Position {
    Position {
        segment: 1,
        segment_id: id.to_owned(),
        element: None,
        loop_id: None,
        line,
        byte,
    }
}

/// Reads the delimiters from the fixed-length `ISA` starting at `start` of `text`.
fn read_isa(text: &str, start: usize, line: u32) -> Result<Delimiters, X12Error> {
    let bytes = &text.as_bytes()[start..];
    let at = |element: Option<usize>, offset: usize| {
        let mut position = start_position("ISA", line, (start + offset) as u64);
        position.element = element.map(|n| format!("ISA{n:02}"));
        position
    };
    if bytes.len() < 106 {
        return Err(X12Error::new(at(None, 0), ErrorKind::IsaTruncated));
    }
    let element = bytes[3];
    let mut offset = 4;
    for (i, width) in ISA_WIDTHS.iter().enumerate() {
        let n = i + 1;
        let length = if n == 16 {
            1
        } else {
            match bytes[offset..].iter().position(|&b| b == element) {
                Some(length) => length,
                None => return Err(X12Error::new(at(Some(n), offset), ErrorKind::IsaTruncated)),
            }
        };
        if length != *width {
            return Err(X12Error::new(
                at(Some(n), offset),
                ErrorKind::IsaElementLength {
                    expected: *width,
                    found: length,
                },
            ));
        }
        offset += length + 1;
    }
    // offset now points past ISA16 and the byte after it (the terminator).
    let component = bytes[offset - 2];
    let segment = bytes[offset - 1];
    let check = |b: u8, what: &'static str, n: Option<usize>, off: usize| {
        if !b.is_ascii() || b.is_ascii_alphanumeric() || b == b' ' {
            Err(X12Error::new(at(n, off), ErrorKind::IsaDelimiter(what)))
        } else {
            Ok(b as char)
        }
    };
    let element = check(element, "element separator", None, 3)?;
    let component = check(component, "component separator", Some(16), offset - 2)?;
    let segment = check(segment, "segment terminator", None, offset - 1)?;
    if element == component || element == segment || component == segment {
        return Err(X12Error::new(
            at(None, 0),
            ErrorKind::IsaDelimiter("delimiters (two of them are the same character)"),
        ));
    }
    // Fixed offsets of ISA11 and ISA12 (checked above).
    let isa11 = bytes[82];
    let version = &text[start + 84..start + 89];
    let repetition =
        (version >= "00501" && isa11.is_ascii() && !isa11.is_ascii_alphanumeric() && isa11 != b' ')
            .then_some(isa11 as char)
            .filter(|&c| c != element && c != component && c != segment);
    Ok(Delimiters {
        element,
        component,
        repetition,
        segment,
    })
}

/// Splits `input` (an interchange, optionally after a UTF-8 BOM and whitespace) into
/// segments, numbering them from 1 (`ISA`).
///
/// # Errors
///
/// Not text, no `ISA`, a broken fixed-length `ISA`, or a malformed segment id.
pub fn tokenize(input: &[u8]) -> Result<Vec<Segment<'_>>, X12Error> {
    let text = std::str::from_utf8(input).map_err(|e| {
        X12Error::new(
            start_position("", 1, e.valid_up_to() as u64),
            ErrorKind::NotText,
        )
    })?;
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let skip = text.len() - body.len();
    let trimmed = body.trim_start_matches([' ', '\t', '\r', '\n']);
    let start = skip + (body.len() - trimmed.len());
    let line = 1 + u32::try_from(text[..start].matches('\n').count()).unwrap_or(u32::MAX);
    if trimmed.is_empty() {
        return Err(X12Error::new(
            start_position("", line, start as u64),
            ErrorKind::Empty,
        ));
    }
    if !trimmed.starts_with("ISA") {
        let id: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .take(3)
            .collect();
        return Err(X12Error::new(
            start_position(&id, line, start as u64),
            ErrorKind::NoIsa,
        ));
    }
    let delimiters = read_isa(text, start, line)?;
    let mut segments = Vec::new();
    let mut line = line;
    let mut cursor = start;
    let mut counted_to = start;
    // The element separators of the segment being read (reused).
    let mut separators = Vec::new();
    while cursor < text.len() {
        let rest = &text[cursor..];
        let content = rest.trim_start_matches(|c| is_layout(c, &delimiters));
        let seg_start = cursor + (rest.len() - content.len());
        if content.is_empty() {
            break;
        }
        separators.clear();
        let end = scan::separators_until(
            content,
            delimiters.element,
            delimiters.segment,
            &mut separators,
        );
        let (raw, next) = match end {
            Some(end) => (
                &content[..end],
                seg_start + end + delimiters.segment.len_utf8(),
            ),
            None => (content, text.len()),
        };
        // Trailing layout is never a separator: every separator offset stays inside `raw`.
        let raw = raw.trim_end_matches(|c| is_layout(c, &delimiters));
        line += u32::try_from(scan::count(&text[counted_to..seg_start], '\n')).unwrap_or(0);
        counted_to = seg_start;
        let position = u32::try_from(segments.len() + 1).unwrap_or(u32::MAX);
        let step = delimiters.element.len_utf8();
        let id = &raw[..separators.first().copied().unwrap_or(raw.len())];
        let mut elements = Vec::with_capacity(separators.len());
        for (i, &at) in separators.iter().enumerate() {
            let until = separators.get(i + 1).copied().unwrap_or(raw.len());
            elements.push(&raw[at + step..until]);
        }
        if !valid_segment_id(id) {
            let mut at = start_position("", line, seg_start as u64);
            at.segment = position;
            return Err(X12Error::new(at, ErrorKind::BadSegmentId));
        }
        segments.push(Segment {
            id,
            elements,
            position,
            line,
            byte: seg_start as u64,
            delimiters,
        });
        cursor = next;
    }
    Ok(segments)
}
