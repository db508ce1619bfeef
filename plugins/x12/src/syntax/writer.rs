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
    /// The ASCII delimiters an element may not hold, as bits by byte value (component
    /// separator excluded), or `None` when a delimiter is not ASCII.
    forbidden: Option<u128>,
}

/// The bit of `c` in a set of ASCII characters, or `None` when it is not ASCII.
fn ascii_bit(c: char) -> Option<u128> {
    c.is_ascii().then(|| 1u128 << (c as u32))
}

impl Writer {
    /// An empty writer with these delimiters; `newline` adds a line feed after each
    /// terminator (easier to read, still valid X12).
    pub fn new(delimiters: Delimiters, newline: bool) -> Writer {
        let forbidden = [
            Some(delimiters.element),
            Some(delimiters.segment),
            delimiters.repetition,
        ]
        .into_iter()
        .flatten()
        .try_fold(0u128, |set, c| Some(set | ascii_bit(c)?));
        Writer {
            out: String::new(),
            delimiters,
            count: 0,
            error: None,
            newline,
            forbidden,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Records the first data problem (an element holding a delimiter).
    fn check(&mut self, id: &str, n: usize, text: &str, allow_component: bool) {
        let d = self.delimiters;
        let component = if allow_component {
            None
        } else {
            Some(d.component)
        };
        let bad = match (self.forbidden, component.map_or(Some(0), ascii_bit)) {
            // All ASCII (nearly always): one bit test per byte; a byte of a multi-byte
            // character is >= 128 and can be none of them.
            (Some(set), Some(component)) => {
                let set = set | component;
                text.bytes().any(|b| b < 128 && set & (1u128 << b) != 0)
            }
            _ => text.chars().any(|c| {
                c == d.element || c == d.segment || Some(c) == d.repetition || Some(c) == component
            }),
        };
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
        let mut joined = String::new();
        for (i, part) in parts[..used].iter().enumerate() {
            if i > 0 {
                joined.push(self.delimiters.component);
            }
            joined.push_str(part);
        }
        joined
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
        assert_eq!(written(d, "A1", &["HC", "99213", ""]).unwrap(), "REF*A1*HC:99213~");
        for bad in ["A*1", "A~1", "A^1"] {
            let error = written(d, bad, &["HC"]).unwrap_err();
            assert!(error.starts_with("REF01 holds a character"), "{bad}: {error}");
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
    }
}
