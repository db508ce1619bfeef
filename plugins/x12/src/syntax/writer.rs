//! [`Writer`]: writes segments with the interchange's delimiters, refusing data that
//! contains one of them.

use super::scan;
use super::segment::Delimiters;

/// Accumulates segments as text.
#[derive(Debug, Clone)]
pub struct Writer {
    out: String,
    delimiters: Delimiters,
    count: usize,
    error: Option<String>,
    newline: bool,
    /// The delimiters as bytes when all are ASCII (always, for delimiters read from an
    /// `ISA`): element, component, segment, repetition (the segment terminator again when
    /// there is none). `None` sends every check down the per-character path.
    bytes: Option<[u8; 4]>,
}

/// [`Writer::bytes`] for `delimiters`.
fn delimiter_bytes(delimiters: &Delimiters) -> Option<[u8; 4]> {
    let byte = |c: char| u8::try_from(c).ok().filter(u8::is_ascii);
    Some([
        byte(delimiters.element)?,
        byte(delimiters.component)?,
        byte(delimiters.segment)?,
        byte(delimiters.repetition.unwrap_or(delimiters.segment))?,
    ])
}

impl Writer {
    /// An empty writer with these delimiters; `newline` adds a line feed after each
    /// terminator (easier to read, still valid X12).
    pub fn new(delimiters: Delimiters, newline: bool) -> Writer {
        Writer {
            bytes: delimiter_bytes(&delimiters),
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

    /// Records the first data problem (an element holding a delimiter): the precise check,
    /// one element at a time, run when the whole-segment test of [`Writer::seg`] or
    /// [`Writer::comp`] fails (or the delimiters are not ASCII).
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
        let used = parts
            .iter()
            .rposition(|p| !p.is_empty())
            .map_or(0, |i| i + 1);
        let mut joined = String::new();
        for (i, part) in parts[..used].iter().enumerate() {
            if i > 0 {
                joined.push(self.delimiters.component);
            }
            joined.push_str(part);
        }
        // Well formed when the only component separators are the ones just put in and no
        // other delimiter occurs; otherwise find the part at fault.
        let clean = self
            .bytes
            .is_some_and(|[element, component, segment, repetition]| {
                let (separators, other) =
                    scan::tally(joined.as_bytes(), component, [element, segment, repetition]);
                !other && separators == used.saturating_sub(1)
            });
        if !clean {
            for (i, part) in parts.iter().enumerate() {
                self.check("composite", i + 1, part, false);
            }
        }
        joined
    }

    /// Writes one segment; trailing empty elements are dropped.
    pub fn seg<S: AsRef<str>>(&mut self, id: &str, elements: &[S]) {
        let used = elements
            .iter()
            .rposition(|e| !e.as_ref().is_empty())
            .map_or(0, |i| i + 1);
        let start = self.out.len();
        self.out.push_str(id);
        for element in &elements[..used] {
            self.out.push(self.delimiters.element);
            self.out.push_str(element.as_ref());
        }
        // Well formed when the written text holds exactly the element separators just put
        // in and no segment terminator or repetition separator (components are allowed: an
        // element may be a composite); otherwise find the element at fault.
        let clean = self.bytes.is_some_and(|[element, _, segment, repetition]| {
            let written = &self.out.as_bytes()[start..];
            let (separators, other) = scan::tally(written, element, [segment, repetition]);
            !other && separators == used
        });
        if !clean {
            for (i, element) in elements.iter().enumerate() {
                self.check(id, i + 1, element.as_ref(), true);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn delimiters(element: char, component: char, segment: char) -> Delimiters {
        Delimiters {
            element,
            component,
            repetition: Some('^'),
            segment,
        }
    }

    fn written(d: Delimiters, element: &str, composite: &[&str]) -> Result<String, String> {
        let mut w = Writer::new(d, false);
        let comp = w.comp(composite);
        w.seg("REF", &[element, comp.as_str()]);
        w.finish()
    }

    #[test]
    fn data_holding_a_delimiter_is_refused() {
        let d = delimiters('*', ':', '~');
        assert_eq!(
            written(d, "A1", &["HC", "99213", ""]).unwrap(),
            "REF*A1*HC:99213~"
        );
        for bad in ["A*1", "A~1", "A^1"] {
            let error = written(d, bad, &["HC"]).unwrap_err();
            assert!(
                error.starts_with("REF01 holds a character"),
                "{bad}: {error}"
            );
        }
        // The component separator is allowed in an element (it may be a composite)...
        assert!(written(d, "HC:1", &["HC"]).is_ok());
        // ...but not inside a component.
        let error = written(d, "A1", &["H:C"]).unwrap_err();
        assert!(error.starts_with("composite01"), "{error}");
        // Multi-byte text is fine, and a multi-byte delimiter is still found.
        assert!(written(d, "Ñandú", &["é"]).is_ok());
        let wide = delimiters('§', ':', '~');
        assert!(written(wide, "A§1", &["HC"]).is_err());
        assert!(written(wide, "Añ1", &["HC"]).is_ok());
        let wide = delimiters('*', '¦', '~');
        assert!(written(wide, "H¦C", &["HC"]).is_ok());
        assert!(written(wide, "A1", &["H¦C"]).is_err());
        assert!(written(wide, "A*1", &["HC"]).is_err());
    }
}
