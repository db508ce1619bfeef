//! Splitting text on a delimiter.
//!
//! `str::split(char)` and `str::find(char)` go through the standard library's UTF-8 aware
//! searcher and `memchr`, built for long haystacks; X12 elements and components are a few
//! bytes long and their delimiters are almost always ASCII, where a plain byte loop is
//! cheaper (in WebAssembly, ~3x cheaper than the searcher: `./bench.sh x12`). A non-ASCII
//! delimiter takes the standard path.

/// The byte offset of the first `delimiter` in `text`.
pub fn find(text: &str, delimiter: char) -> Option<usize> {
    if delimiter.is_ascii() {
        let byte = delimiter as u8;
        text.bytes().position(|b| b == byte)
    } else {
        text.find(delimiter)
    }
}

/// `text.split(delimiter)`: the pieces between the delimiters (one piece when there is
/// none, an empty piece at each end the text starts or ends with a delimiter).
pub fn split(text: &str, delimiter: char) -> Split<'_> {
    Split {
        rest: Some(text),
        delimiter,
    }
}

/// The iterator of [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// What is left to split; `None` after the last piece.
    rest: Option<&'a str>,
    delimiter: char,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find(rest, self.delimiter) {
            Some(at) => {
                self.rest = Some(&rest[at + self.delimiter.len_utf8()..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_library() {
        for text in [
            "",
            "*",
            "**",
            "NM1*IL*1",
            "*A*",
            "ABC",
            "é*ü*",
            "a§b§§c",
            "~x~",
        ] {
            for delimiter in ['*', '§', '~', ':'] {
                let ours: Vec<&str> = split(text, delimiter).collect();
                let std: Vec<&str> = text.split(delimiter).collect();
                assert_eq!(ours, std, "{text:?} on {delimiter:?}");
                assert_eq!(find(text, delimiter), text.find(delimiter));
            }
        }
    }
}
