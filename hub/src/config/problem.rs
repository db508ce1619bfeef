//! Problems found in a configuration file, and where they are.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A position in the configuration file: 1-based line and column, the column
/// counted in characters (not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem with a configuration: which file, where in it (when the
/// problem has a place), and which rule was broken.
///
/// Messages name keys, tables and rules; they never repeat a secret or a
/// header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The configuration file, as it was given.
    pub file: PathBuf,
    /// Where in the file, if the problem has a place.
    pub pos: Option<Pos>,
    /// What is wrong, for a human.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{}:{}: {}", self.file.display(), pos, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Every problem found in a configuration, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<Problem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Sorts problems into file order: problems without a place first, then by
/// line and column; problems at the same place keep the order they were found.
pub(crate) fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by_key(|p| p.pos);
}

/// Converts byte offsets in the source text to line and column.
pub(crate) struct LineIndex<'s> {
    text: &'s str,
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(text: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// The position of byte `offset` (clamped to the text, and moved back to
    /// a character boundary if it falls inside a character).
    pub(crate) fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        Pos { line, column }
    }
}

/// Collects problems for one file.
pub(crate) struct Report<'s> {
    file: PathBuf,
    lines: LineIndex<'s>,
    problems: Vec<Problem>,
}

impl<'s> Report<'s> {
    pub(crate) fn new(file: &Path, text: &'s str) -> Self {
        Self {
            file: file.to_path_buf(),
            lines: LineIndex::new(text),
            problems: Vec::new(),
        }
    }

    /// The position of the start of `span`.
    pub(crate) fn pos(&self, span: &Range<usize>) -> Pos {
        self.lines.pos(span.start)
    }

    /// Records a problem at the start of `span`.
    pub(crate) fn at(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let pos = self.pos(span);
        self.push(Some(pos), message.into());
    }

    /// Records a problem with an optional position.
    pub(crate) fn push(&mut self, pos: Option<Pos>, message: String) {
        self.problems.push(Problem {
            file: self.file.clone(),
            pos,
            message,
        });
    }

    /// All problems recorded, in file order.
    pub(crate) fn into_problems(self) -> Vec<Problem> {
        let mut problems = self.problems;
        sort_problems(&mut problems);
        problems
    }
}
