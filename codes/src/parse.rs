//! Parsing of the embedded table files.
//!
//! A table file is UTF-8 text: a header of `# KEY: value` lines, then one line
//! per code, `code<TAB>description[<TAB>next step[<TAB>origin]]`. The parser
//! never panics: it keeps every good line and records every bad one, so the
//! hub still serves the rest of a table, while the unit tests fail on any
//! recorded problem with its file and line number.

use std::collections::HashMap;
use std::fmt;

use crate::{Entry, Source};

/// One table file, parsed.
pub(crate) struct Parsed {
    /// Name, version and licence from the header.
    pub(crate) source: Source,
    /// The `BUILT` header value (the date the file was generated).
    pub(crate) built: &'static str,
    /// The `ELEMENTS` header value (where the codes appear), or empty.
    pub(crate) elements: &'static str,
    /// `ORIGIN key: text` header lines, in file order.
    pub(crate) origins: Vec<(&'static str, &'static str)>,
    /// Good rows, in file order.
    pub(crate) rows: Vec<Row>,
    /// Code to index into `rows`.
    pub(crate) index: HashMap<&'static str, usize>,
    /// Every problem found, in file order. Empty for a well-formed file.
    pub(crate) problems: Vec<ParseError>,
}

/// One good data line.
pub(crate) struct Row {
    pub(crate) entry: Entry,
    /// The `ORIGIN` key of this row, `None` when it comes from `SOURCE`.
    pub(crate) origin: Option<&'static str>,
}

/// A problem in a table file, with the file and the 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The file, relative to the workspace root (`codes/tables/carc.tsv`).
    pub file: &'static str,
    /// The 1-based line number; 0 for a problem with the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a table line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A required header key (`TABLE`, `SOURCE`, `VERSION`, `LICENCE`, `BUILT`) is absent.
    MissingHeader(&'static str),
    /// A header key given twice.
    DuplicateHeader(&'static str),
    /// A header line whose key is not one we know.
    UnknownHeader(&'static str),
    /// A header line with an empty value.
    EmptyHeader(&'static str),
    /// A `#` line after the first data line.
    HeaderAfterData,
    /// A data line with fewer than 2 or more than 4 tab-separated fields.
    FieldCount(usize),
    /// A code that is empty or contains whitespace.
    BadCode(&'static str),
    /// A field with leading or trailing whitespace.
    Untrimmed(&'static str),
    /// A code with an empty description.
    EmptyDescription(&'static str),
    /// A code already given on an earlier line.
    DuplicateCode {
        /// The repeated code.
        code: &'static str,
        /// The line that first gave it.
        first_line: usize,
    },
    /// An origin key that no `ORIGIN` header line declares.
    UnknownOrigin(&'static str),
    /// A file with no data line at all.
    NoEntries,
    /// The `TABLE` header does not match the table's name in the code.
    TableName {
        /// The name the code expects ([`crate::Table::name`]).
        expected: &'static str,
        /// The name the header gives.
        found: &'static str,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingHeader(key) => write!(f, "header `# {key}:` is missing"),
            Problem::DuplicateHeader(key) => write!(f, "header `# {key}:` is given twice"),
            Problem::UnknownHeader(line) => write!(f, "unknown header line `{line}`"),
            Problem::EmptyHeader(key) => write!(f, "header `# {key}:` has no value"),
            Problem::HeaderAfterData => write!(f, "`#` line after the first data line"),
            Problem::FieldCount(n) => {
                write!(f, "{n} tab-separated field(s), expected 2 to 4")
            }
            Problem::BadCode(code) => write!(f, "code `{code}` is empty or contains whitespace"),
            Problem::Untrimmed(field) => {
                write!(f, "field `{field}` has leading or trailing whitespace")
            }
            Problem::EmptyDescription(code) => write!(f, "code `{code}` has no description"),
            Problem::DuplicateCode { code, first_line } => {
                write!(f, "code `{code}` already given on line {first_line}")
            }
            Problem::UnknownOrigin(key) => {
                write!(
                    f,
                    "origin `{key}` is not declared by an `# ORIGIN {key}:` line"
                )
            }
            Problem::NoEntries => write!(f, "no data lines"),
            Problem::TableName { expected, found } => {
                write!(
                    f,
                    "header `# TABLE: {found}` should be `# TABLE: {expected}`"
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

const REQUIRED: [&str; 5] = ["TABLE", "SOURCE", "VERSION", "LICENCE", "BUILT"];
/// Optional keys given at most once.
const SINGLE: [&str; 1] = ["ELEMENTS"];
/// Optional keys that may repeat; their values are for people, not for code.
const REPEATED: [&str; 2] = ["NOTE", "COLUMNS"];

/// Parses one table file whose `TABLE` header must be `name`. Never panics;
/// see [`Parsed::problems`].
pub(crate) fn parse(file: &'static str, name: &'static str, text: &'static str) -> Parsed {
    let mut headers: HashMap<&'static str, &'static str> = HashMap::new();
    let mut origins = Vec::new();
    let mut pending = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut index = HashMap::new();
    let mut first_line = HashMap::new();
    let mut problems = Vec::new();
    let mut seen_data = false;
    let mut problem = |line, problem| {
        problems.push(ParseError {
            file,
            line,
            problem,
        })
    };

    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        if let Some(comment) = raw.strip_prefix('#') {
            if seen_data {
                problem(line, Problem::HeaderAfterData);
                continue;
            }
            match header(comment) {
                Some(Header::Origin(key, value)) => {
                    if value.is_empty() {
                        problem(line, Problem::EmptyHeader("ORIGIN"));
                    }
                    origins.push((key, value));
                }
                Some(Header::Key(key, value)) => {
                    if value.is_empty() {
                        problem(line, Problem::EmptyHeader(key));
                    }
                    let single = REQUIRED.contains(&key) || SINGLE.contains(&key);
                    if single && headers.insert(key, value).is_some() {
                        problem(line, Problem::DuplicateHeader(key));
                    }
                }
                None => problem(line, Problem::UnknownHeader(raw)),
            }
            continue;
        }
        seen_data = true;
        let fields: Vec<&'static str> = raw.split('\t').collect();
        if !(2..=4).contains(&fields.len()) {
            problem(line, Problem::FieldCount(fields.len()));
            continue;
        }
        if let Some(field) = fields.iter().find(|f| f.trim() != **f) {
            problem(line, Problem::Untrimmed(field));
            continue;
        }
        let code = fields[0];
        if code.is_empty() || code.contains(char::is_whitespace) {
            problem(line, Problem::BadCode(code));
            continue;
        }
        if fields[1].is_empty() {
            problem(line, Problem::EmptyDescription(code));
            continue;
        }
        if let Some(&first) = first_line.get(code) {
            problem(
                line,
                Problem::DuplicateCode {
                    code,
                    first_line: first,
                },
            );
            continue;
        }
        first_line.insert(code, line);
        let next_step = fields.get(2).copied().filter(|s| !s.is_empty());
        let origin = fields.get(3).copied().filter(|s| !s.is_empty());
        // Origins are checked once the whole header is known.
        pending.push((line, origin));
        index.insert(code, rows.len());
        rows.push(Row {
            entry: Entry {
                code,
                description: fields[1],
                next_step,
            },
            origin,
        });
    }

    for (line, origin) in pending {
        if let Some(key) = origin.filter(|key| !origins.iter().any(|(k, _)| k == key)) {
            problem(line, Problem::UnknownOrigin(key));
        }
    }
    for key in REQUIRED {
        if !headers.contains_key(key) {
            problem(0, Problem::MissingHeader(key));
        }
    }
    if rows.is_empty() {
        problem(0, Problem::NoEntries);
    }
    if let Some(&found) = headers.get("TABLE").filter(|found| **found != name) {
        problem(
            0,
            Problem::TableName {
                expected: name,
                found,
            },
        );
    }
    let get = |key| headers.get(key).copied().unwrap_or("");
    Parsed {
        source: Source {
            name: get("SOURCE"),
            version: get("VERSION"),
            licence: get("LICENCE"),
        },
        built: get("BUILT"),
        elements: get("ELEMENTS"),
        origins,
        rows,
        index,
        problems,
    }
}

enum Header {
    /// `# KEY: value` with a known key.
    Key(&'static str, &'static str),
    /// `# ORIGIN key: value`.
    Origin(&'static str, &'static str),
}

/// Splits a header line (without its `#`) into a known key and its value.
fn header(comment: &'static str) -> Option<Header> {
    let (key, value) = comment.trim_start().split_once(':')?;
    let value = value.trim();
    if let Some(origin) = key.strip_prefix("ORIGIN ") {
        let origin = origin.trim();
        let ok = !origin.is_empty() && !origin.contains(char::is_whitespace);
        return ok.then_some(Header::Origin(origin, value));
    }
    let known = REQUIRED
        .iter()
        .chain(&SINGLE)
        .chain(&REPEATED)
        .find(|k| **k == key)?;
    Some(Header::Key(known, value))
}
