//! [`Writer`]: writes segments with the interchange's delimiters, refusing data that
//! contains one of them.

use super::segment::Delimiters;

/// Accumulates segments as text.
#[derive(Debug, Clone)]
pub struct Writer {
    out: String,
    delimiters: Delimiters,
    count: usize,
    error: Option<String>,
    newline: bool,
}

impl Writer {
    /// An empty writer with these delimiters; `newline` adds a line feed after each
    /// terminator (easier to read, still valid X12).
    pub fn new(delimiters: Delimiters, newline: bool) -> Writer {
        Writer {
            out: String::new(),
            delimiters,
            count: 0,
            error: None,
            newline,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Records the first data problem (an element holding a delimiter).
    fn check(&mut self, id: &str, n: usize, text: &str, allow_component: bool) {
        let d = self.delimiters;
        let bad = text.chars().any(|c| {
            c == d.element
                || c == d.segment
                || Some(c) == d.repetition
                || (!allow_component && c == d.component)
        });
        if bad && self.error.is_none() {
            self.error = Some(format!(
                "{id}{n:02} holds a character that is an X12 delimiter of this interchange"
            ));
        }
    }

    /// A composite from its components, trailing empty components dropped.
    pub fn comp(&mut self, parts: &[&str]) -> String {
        for (i, part) in parts.iter().enumerate() {
            self.check("composite", i + 1, part, false);
        }
        let used = parts
            .iter()
            .rposition(|p| !p.is_empty())
            .map_or(0, |i| i + 1);
        parts[..used].join(&self.delimiters.component.to_string())
    }

    /// Writes one segment; trailing empty elements are dropped.
    pub fn seg<S: AsRef<str>>(&mut self, id: &str, elements: &[S]) {
        for (i, element) in elements.iter().enumerate() {
            self.check(id, i + 1, element.as_ref(), true);
        }
        let used = elements
            .iter()
            .rposition(|e| !e.as_ref().is_empty())
            .map_or(0, |i| i + 1);
        self.out.push_str(id);
        for element in &elements[..used] {
            self.out.push(self.delimiters.element);
            self.out.push_str(element.as_ref());
        }
        self.out.push(self.delimiters.segment);
        if self.newline {
            self.out.push('\n');
        }
        self.count += 1;
    }

    /// Writes a segment verbatim (already joined), e.g. the fixed-length `ISA`.
    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push(self.delimiters.segment);
        if self.newline {
            self.out.push('\n');
        }
        self.count += 1;
    }

    /// Segments written so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The text, or the first element that held a delimiter.
    ///
    /// # Errors
    ///
    /// A description of the element (never its value) that held a delimiter.
    pub fn finish(self) -> Result<String, String> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.out),
        }
    }
}
