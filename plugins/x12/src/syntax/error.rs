//! [`X12Error`]: a positioned X12 error, worded the way an X12 analyst writes it.
//!
//! Every error names the place (segment position within the interchange, segment id,
//! element reference such as `CLM05-1`, loop id, line and byte offset) and the rule that was
//! broken. None of them quotes an element value: the input carries patient data.

use std::fmt;

use clearway_plugin_sdk::{ConnectorError, Location, Problem};

/// Where an error is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based position of the segment within the interchange (`ISA` is 1).
    pub segment: u32,
    /// The segment id, e.g. `CLM` (empty when the id itself is unreadable).
    pub segment_id: String,
    /// The element reference, e.g. `CLM05-1`.
    pub element: Option<String>,
    /// The loop id, e.g. `2300`, where known.
    pub loop_id: Option<String>,
    /// 1-based line of the segment's first byte.
    pub line: u32,
    /// 0-based byte offset of the segment's first byte (of the element, when one is named).
    pub byte: u64,
}

impl Position {
    /// The same position naming an element.
    #[must_use]
    pub fn element(mut self, element: impl Into<String>) -> Position {
        self.element = Some(element.into());
        self
    }

    /// The same position naming a loop.
    #[must_use]
    pub fn in_loop(mut self, loop_id: impl Into<String>) -> Position {
        self.loop_id = Some(loop_id.into());
        self
    }
}

/// The rule an [`X12Error`] reports. Counts and element names are ours or structural;
/// values from the input are never carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input holds nothing but whitespace.
    Empty,
    /// The input is not text (not UTF-8).
    NotText,
    /// The interchange does not begin with `ISA`.
    NoIsa,
    /// The fixed-length `ISA` is cut short.
    IsaTruncated,
    /// An `ISA` element has the wrong length.
    IsaElementLength {
        /// Required length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A delimiter in the `ISA` is unusable (repeated, or a letter or digit).
    IsaDelimiter(&'static str),
    /// The segment id is not 2 or 3 upper-case letters and digits.
    BadSegmentId,
    /// A segment appears where the envelope does not allow it.
    UnexpectedSegment(&'static str),
    /// A trailer segment (`SE`, `GE`, `IEA`) is missing.
    MissingTrailer(&'static str),
    /// Data follows the `IEA`.
    DataAfterIea,
    /// A trailer count disagrees with what was counted.
    CountMismatch {
        /// What is counted: `segments`, `transaction sets`, `functional groups`.
        what: &'static str,
        /// The count the trailer declares (`None` when not a number).
        declared: Option<u64>,
        /// The count found.
        actual: u64,
    },
    /// A trailer control number differs from its header's.
    ControlMismatch(&'static str),
    /// A required element is empty.
    MissingElement(&'static str),
    /// A code is not one the TR3 allows here.
    InvalidCode(&'static str),
    /// A date is not a valid `CCYYMMDD` (or `RD8` range).
    InvalidDate,
    /// A time is not a valid `HHMM[SS]`.
    InvalidTime,
    /// An amount or quantity is not a decimal number.
    InvalidNumber,
    /// A segment is not allowed in this loop (or anywhere above it).
    SegmentNotAllowed,
    /// A required segment or loop is missing: `segment N3`, `loop 2010AA`.
    MissingSegment(String),
    /// An `HL` names a parent that does not precede it.
    BadHlParent,
}

/// A positioned X12 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X12Error {
    /// Where (boxed to keep `Result`s small).
    pub position: Box<Position>,
    /// What rule.
    pub kind: ErrorKind,
}

impl X12Error {
    /// An error at `position`.
    pub fn new(position: Position, kind: ErrorKind) -> X12Error {
        X12Error {
            position: Box::new(position),
            kind,
        }
    }

    /// The same error, placed in loop `loop_id`.
    #[must_use]
    pub fn in_loop(mut self, loop_id: &str) -> X12Error {
        self.position.loop_id = Some(loop_id.to_owned());
        self
    }

    /// A stable machine-readable code for the rule, e.g. `x12.envelope.count`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Empty | ErrorKind::NotText | ErrorKind::NoIsa => "x12.not_x12",
            ErrorKind::IsaTruncated
            | ErrorKind::IsaElementLength { .. }
            | ErrorKind::IsaDelimiter(_) => "x12.isa",
            ErrorKind::BadSegmentId => "x12.segment.id",
            ErrorKind::UnexpectedSegment(_)
            | ErrorKind::MissingTrailer(_)
            | ErrorKind::DataAfterIea => "x12.envelope.structure",
            ErrorKind::CountMismatch { .. } => "x12.envelope.count",
            ErrorKind::ControlMismatch(_) => "x12.envelope.control_number",
            ErrorKind::MissingElement(_) => "x12.element.missing",
            ErrorKind::InvalidCode(_) => "x12.element.code",
            ErrorKind::InvalidDate | ErrorKind::InvalidTime => "x12.element.date",
            ErrorKind::InvalidNumber => "x12.element.number",
            ErrorKind::SegmentNotAllowed | ErrorKind::BadHlParent => "x12.segment.unexpected",
            ErrorKind::MissingSegment(_) => "x12.segment.missing",
        }
    }

    /// Whether the input is not X12 at all (as opposed to broken X12).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Empty
                | ErrorKind::NotText
                | ErrorKind::NoIsa
                | ErrorKind::IsaTruncated
                | ErrorKind::IsaElementLength { .. }
                | ErrorKind::IsaDelimiter(_)
                | ErrorKind::BadSegmentId
        )
    }

    /// The SDK problem for this error.
    pub fn to_problem(&self) -> Problem {
        let p = &self.position;
        let location = Location {
            line: Some(p.line),
            byte_offset: Some(p.byte),
            segment_position: Some(p.segment),
            segment_id: (!p.segment_id.is_empty()).then(|| p.segment_id.clone()),
            element: p.element.clone(),
            loop_id: p.loop_id.clone(),
            ..Location::default()
        };
        Problem::error(self.code(), self.to_string()).at(location)
    }
}

impl From<X12Error> for ConnectorError {
    fn from(error: X12Error) -> ConnectorError {
        if error.is_malformed() {
            ConnectorError::Malformed(vec![error.to_problem()])
        } else {
            ConnectorError::Invalid(vec![error.to_problem()])
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("the input is empty"),
            ErrorKind::NotText => f.write_str("the input is not text (invalid UTF-8)"),
            ErrorKind::NoIsa => f.write_str("an interchange must begin with an ISA segment"),
            ErrorKind::IsaTruncated => {
                f.write_str("the ISA segment is cut short (it has 16 fixed-length elements)")
            }
            ErrorKind::IsaElementLength { expected, found } => write!(
                f,
                "must be {expected} characters (the ISA is fixed length) but is {found}"
            ),
            ErrorKind::IsaDelimiter(what) => write!(f, "unusable {what}"),
            ErrorKind::BadSegmentId => {
                f.write_str("segment id must be 2 or 3 upper-case letters or digits")
            }
            ErrorKind::UnexpectedSegment(rule) => f.write_str(rule),
            ErrorKind::MissingTrailer(trailer) => write!(f, "{trailer} trailer is missing"),
            ErrorKind::DataAfterIea => f.write_str("data follows the IEA trailer"),
            ErrorKind::CountMismatch {
                what,
                declared,
                actual,
            } => match declared {
                Some(declared) => write!(
                    f,
                    "count of {what} is {declared} but the envelope holds {actual}"
                ),
                None => write!(
                    f,
                    "count of {what} is not a number (the envelope holds {actual})"
                ),
            },
            ErrorKind::ControlMismatch(header) => {
                write!(f, "control number does not match {header}")
            }
            ErrorKind::MissingElement(what) => write!(f, "{what} is required but empty"),
            ErrorKind::InvalidCode(what) => write!(f, "{what} is not a code allowed here"),
            ErrorKind::InvalidDate => f.write_str("not a valid date (CCYYMMDD)"),
            ErrorKind::InvalidTime => f.write_str("not a valid time (HHMM or HHMMSS)"),
            ErrorKind::InvalidNumber => f.write_str("not a valid decimal number"),
            ErrorKind::SegmentNotAllowed => {
                f.write_str("segment is not allowed here by the implementation guide")
            }
            ErrorKind::MissingSegment(what) => write!(f, "required {what} is missing"),
            ErrorKind::BadHlParent => {
                f.write_str("HL02 does not name an earlier HL01 (hierarchical parent)")
            }
        }
    }
}

impl fmt::Display for X12Error {
    /// `segment 12 (SE): SE01 count of segments is 31 but the envelope holds 27`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.position;
        if p.segment_id.is_empty() {
            write!(f, "segment {}", p.segment)?;
        } else {
            write!(f, "segment {} ({})", p.segment, p.segment_id)?;
        }
        if let Some(loop_id) = &p.loop_id {
            write!(f, " in loop {loop_id}")?;
        }
        write!(f, ", line {}: ", p.line)?;
        if let Some(element) = &p.element {
            write!(f, "{element} ")?;
        }
        write!(f, "{}", self.kind)
    }
}
