//! Problems and errors a connector reports: where, what rule, how bad.
//!
//! A problem names the *place* (line and column, JSON pointer, segment and
//! element) and the *rule* that was broken. It never quotes the offending value:
//! inputs carry patient data, and problems end up in logs and API responses.

use std::fmt;

/// Where in the input a problem is.
///
/// Every field is optional: a connector fills in what its format has. Build one
/// with [`Location::default`] and the `with_*` methods, or let the
/// [`Problem`] builders (`at_path`, `at_line_column`, ...) fill it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number in the input, where the format has lines.
    pub line: Option<u32>,
    /// 1-based column on that line.
    pub column: Option<u32>,
    /// 0-based byte offset in the input.
    pub byte_offset: Option<u64>,
    /// X12: 1-based position of the segment within the interchange.
    pub segment_position: Option<u32>,
    /// X12 / HL7 v2: the segment id, e.g. `CLM` or `PID`.
    pub segment_id: Option<String>,
    /// X12 / HL7 v2: the element reference, e.g. `CLM05-1` or `PID-3`.
    pub element: Option<String>,
    /// X12: the loop, e.g. `2300`; HL7 v2: the segment group.
    pub loop_id: Option<String>,
    /// JSON / FHIR: the JSON pointer (e.g. `/0/body/service_lines/2/charge`) or
    /// FHIRPath of the problem.
    pub path: Option<String>,
}

impl Location {
    /// A location given by a JSON pointer or FHIRPath.
    pub fn path(path: impl Into<String>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    /// A location given by a 1-based line and column.
    pub fn line_column(line: u32, column: u32) -> Self {
        Self {
            line: Some(line),
            column: Some(column),
            ..Self::default()
        }
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for Location {
    /// Writes the set fields as `line 3, column 7, byte 41, path /body`, or
    /// `unknown position` when none is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        if let Some(offset) = self.byte_offset {
            parts.push(format!("byte {offset}"));
        }
        if let Some(position) = self.segment_position {
            parts.push(format!("segment {position}"));
        }
        if let Some(id) = &self.segment_id {
            parts.push(format!("segment id {id}"));
        }
        if let Some(element) = &self.element {
            parts.push(format!("element {element}"));
        }
        if let Some(loop_id) = &self.loop_id {
            parts.push(format!("loop {loop_id}"));
        }
        if let Some(path) = &self.path {
            parts.push(format!("path {path}"));
        }
        if parts.is_empty() {
            f.write_str("unknown position")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The input cannot be accepted.
    Error,
    /// The input was accepted, but something is off.
    Warning,
}

/// One problem found in an input.
///
/// ```
/// use clearway_plugin_sdk::{Problem, Severity};
///
/// let problem = Problem::error("json.schema.type", "`total_charge` must be a string")
///     .at_path("/body/total_charge");
/// assert_eq!(problem.severity, Severity::Error);
/// assert_eq!(problem.location.path.as_deref(), Some("/body/total_charge"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A stable machine-readable code, e.g. `x12.segment.unexpected`.
    pub code: String,
    /// Human-readable explanation of the rule that was broken. Must not quote
    /// patient data (or any value) from the input.
    pub message: String,
    /// Where the problem is.
    pub location: Location,
    /// Error or warning.
    pub severity: Severity,
}

impl Problem {
    /// A problem that makes the input unacceptable, with no location yet.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A problem that does not stop the input, with no location yet.
    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            location: Location::default(),
            severity,
        }
    }

    /// Replaces the whole location.
    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    /// Sets the JSON pointer or FHIRPath.
    #[must_use]
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.location.path = Some(path.into());
        self
    }

    /// Sets the 1-based line and column.
    #[must_use]
    pub fn at_line_column(mut self, line: u32, column: u32) -> Self {
        self.location.line = Some(line);
        self.location.column = Some(column);
        self
    }

    /// Sets the 0-based byte offset.
    #[must_use]
    pub fn at_byte_offset(mut self, offset: u64) -> Self {
        self.location.byte_offset = Some(offset);
        self
    }

    /// Sets the X12 / HL7 v2 segment: its 1-based position and its id (`CLM`).
    #[must_use]
    pub fn at_segment(mut self, position: u32, id: impl Into<String>) -> Self {
        self.location.segment_position = Some(position);
        self.location.segment_id = Some(id.into());
        self
    }

    /// Sets the element reference, e.g. `CLM05-1` or `PID-3`.
    #[must_use]
    pub fn at_element(mut self, element: impl Into<String>) -> Self {
        self.location.element = Some(element.into());
        self
    }

    /// Sets the X12 loop (`2300`) or HL7 v2 segment group.
    #[must_use]
    pub fn in_loop(mut self, loop_id: impl Into<String>) -> Self {
        self.location.loop_id = Some(loop_id.into());
        self
    }

    /// Whether this problem makes the input unacceptable.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// Writes `code at location: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.code, self.location, self.message)
    }
}

/// Why a connector call failed.
///
/// Like [`Problem`], the texts must name places and rules, never values from
/// the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorError {
    /// The input is not in the connector's format at all (cannot be parsed).
    Malformed(Vec<Problem>),
    /// The input parses but breaks the rules of the format or the message kind.
    Invalid(Vec<Problem>),
    /// The connector does not handle this kind, transaction or version.
    Unsupported(String),
    /// A config value the connector needs is missing or wrong.
    Config(String),
    /// Anything else: a bug in the connector.
    Internal(String),
}

impl ConnectorError {
    /// A [`ConnectorError::Malformed`] with one problem.
    pub fn malformed(problem: Problem) -> Self {
        Self::Malformed(vec![problem])
    }

    /// A [`ConnectorError::Invalid`] with one problem.
    pub fn invalid(problem: Problem) -> Self {
        Self::Invalid(vec![problem])
    }

    /// The problems of a `Malformed` or `Invalid` error; empty for the others.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Malformed(problems) | Self::Invalid(problems) => problems,
            Self::Unsupported(_) | Self::Config(_) | Self::Internal(_) => &[],
        }
    }
}

impl fmt::Display for ConnectorError {
    /// One line: the variant, then the first problem and how many more there are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(problems) => write_problems(f, "malformed input", problems),
            Self::Invalid(problems) => write_problems(f, "invalid input", problems),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::Config(what) => write!(f, "configuration: {what}"),
            Self::Internal(what) => write!(f, "internal connector error: {what}"),
        }
    }
}

fn write_problems(f: &mut fmt::Formatter<'_>, what: &str, problems: &[Problem]) -> fmt::Result {
    match problems {
        [] => f.write_str(what),
        [only] => write!(f, "{what}: {only}"),
        [first, rest @ ..] => write!(f, "{what}: {first} (and {} more)", rest.len()),
    }
}

impl std::error::Error for ConnectorError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_the_location() {
        let problem = Problem::warning("x12.element.length", "too long")
            .at_segment(7, "CLM")
            .at_element("CLM01")
            .in_loop("2300")
            .at_byte_offset(120);
        assert!(!problem.is_error());
        assert_eq!(problem.location.segment_position, Some(7));
        assert_eq!(problem.location.segment_id.as_deref(), Some("CLM"));
        assert_eq!(problem.location.element.as_deref(), Some("CLM01"));
        assert_eq!(problem.location.loop_id.as_deref(), Some("2300"));
        assert_eq!(problem.location.byte_offset, Some(120));
        assert_eq!(problem.location.path, None);
    }

    #[test]
    fn display_names_place_and_rule() {
        let problem = Problem::error("json.syntax", "expected value").at_line_column(3, 9);
        assert_eq!(
            problem.to_string(),
            "json.syntax at line 3, column 9: expected value"
        );
        assert_eq!(
            Problem::error("c", "m").to_string(),
            "c at unknown position: m"
        );
    }

    #[test]
    fn error_display_counts_the_rest() {
        let error = ConnectorError::Invalid(vec![
            Problem::error("a", "first").at_path("/0"),
            Problem::error("b", "second"),
            Problem::error("c", "third"),
        ]);
        assert_eq!(
            error.to_string(),
            "invalid input: a at path /0: first (and 2 more)"
        );
        assert_eq!(error.problems().len(), 3);
        assert!(ConnectorError::Internal("x".into()).problems().is_empty());
    }

    #[test]
    fn location_constructors() {
        assert!(Location::default().is_empty());
        assert_eq!(Location::path("/a").path.as_deref(), Some("/a"));
        let location = Location::line_column(2, 4);
        assert_eq!((location.line, location.column), (Some(2), Some(4)));
        assert!(!location.is_empty());
    }
}
