//! Splitting text on a delimiter.
//!
//! `str::split(char)` and `str::find(char)` go through the standard library's UTF-8 aware
//! searcher and `memchr`, built for long haystacks; X12 elements and components are a few
//! bytes long and their delimiters are almost always ASCII, where a plain byte loop is
//! cheaper (in WebAssembly, ~3x cheaper than the searcher: `./bench.sh x12`). A non-ASCII
//! delimiter takes the standard path.

/// The byte offset of the first `delimiter` in `text`.
#[inline]
pub fn find(text: &str, delimiter: char) -> Option<usize> {
    if delimiter.is_ascii() {
        let byte = delimiter as u8;
        text.bytes().position(|b| b == byte)
    } else {
        find_wide(text, delimiter)
    }
}

/// [`find`] for a delimiter that is not ASCII (kept out of line, so `find` inlines).
#[cold]
fn find_wide(text: &str, delimiter: char) -> Option<usize> {
    text.find(delimiter)
}

/// `text.split(delimiter)`: the pieces between the delimiters (one piece when there is
/// none, an empty piece at each end the text starts or ends with a delimiter).
pub fn split(text: &str, delimiter: char) -> Split<'_> {
    Split {
        rest: Some(text),
        delimiter,
    }
}

/// `a == b` for short codes (segment ids, qualifiers), compared inline: a WebAssembly
/// build gets no inline expansion of `memcmp`, so there every `==` on strings is a call.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    match (a.as_bytes(), b.as_bytes()) {
        ([a0, a1], [b0, b1]) => a0 == b0 && a1 == b1,
        ([a0, a1, a2], [b0, b1, b2]) => a0 == b0 && a1 == b1 && a2 == b2,
        ([a0], [b0]) => a0 == b0,
        (a, b) => a == b,
    }
}

/// Every byte of a word set to 1.
const ONES: u64 = 0x0101_0101_0101_0101;
/// Every byte of a word set to 0x7f.
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The bytes of `word` equal to `byte`, marked by their top bit (exact: no carries between
/// bytes, unlike the shorter `(x - ONES) & !x` test).
fn equal_bytes(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The byte offset of the first `terminator` in `text` (`None`: there is none), and the
/// offsets of the `separator`s before it, appended to `separators`.
///
/// The tokenizer's inner loop: with ASCII delimiters (always, for an interchange read from
/// its `ISA`) it looks at eight bytes per step, which matters most in WebAssembly, where
/// every loop iteration also checks the epoch deadline.
pub fn separators_until(
    text: &str,
    separator: char,
    terminator: char,
    separators: &mut Vec<usize>,
) -> Option<usize> {
    if !separator.is_ascii() || !terminator.is_ascii() {
        return separators_until_chars(text, separator, terminator, separators);
    }
    let (separator, terminator) = (separator as u8, terminator as u8);
    let bytes = text.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let end = equal_bytes(word, terminator);
        let mut found = equal_bytes(word, separator);
        if end != 0 {
            // Only the separators below the terminator's byte.
            found &= end ^ (end - 1);
        }
        while found != 0 {
            separators.push(offset + found.trailing_zeros() as usize / 8);
            found &= found - 1;
        }
        if end != 0 {
            return Some(offset + end.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == terminator {
            return Some(offset + i);
        }
        if b == separator {
            separators.push(offset + i);
        }
    }
    None
}

/// How many bytes of `text` are `counted`, and whether any is one of `forbidden`: the
/// writer's test of a whole segment, eight bytes per step. The bytes are ASCII
/// delimiters (a byte of a multi-byte character is never ASCII).
pub fn tally<const N: usize>(text: &[u8], counted: u8, forbidden: [u8; N]) -> (usize, bool) {
    let mut words = text.chunks_exact(8);
    let mut count = 0;
    let mut hits = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        count += equal_bytes(word, counted).count_ones() as usize;
        for byte in forbidden {
            hits |= equal_bytes(word, byte);
        }
    }
    let mut found = hits != 0;
    for &b in words.remainder() {
        count += usize::from(b == counted);
        found |= forbidden.contains(&b);
    }
    (count, found)
}

/// [`separators_until`] for delimiters that are not ASCII.
fn separators_until_chars(
    text: &str,
    separator: char,
    terminator: char,
    separators: &mut Vec<usize>,
) -> Option<usize> {
    for (i, c) in text.char_indices() {
        if c == terminator {
            return Some(i);
        }
        if c == separator {
            separators.push(i);
        }
    }
    None
}

/// `text` without any `c`: `text.replace(c, "")`, by the same byte loop.
pub fn remove(text: &str, c: char) -> String {
    split(text, c).collect()
}

/// How many times `c` occurs in `text` (eight bytes per step when `c` is ASCII).
pub fn count(text: &str, c: char) -> usize {
    if !c.is_ascii() {
        return text.matches(c).count();
    }
    let byte = c as u8;
    let mut words = text.as_bytes().chunks_exact(8);
    let mut n = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        n += equal_bytes(word, byte).count_ones() as usize;
    }
    n + words.remainder().iter().filter(|&&b| b == byte).count()
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

    /// [`separators_until`] the slow way.
    fn separators_plainly(
        text: &str,
        separator: char,
        terminator: char,
    ) -> (Option<usize>, Vec<usize>) {
        let end = text.find(terminator);
        let upto = &text[..end.unwrap_or(text.len())];
        let found = upto.match_indices(separator).map(|(i, _)| i).collect();
        (end, found)
    }

    #[test]
    fn separators_until_agrees_with_a_plain_search() {
        let texts = [
            "",
            "~",
            "NM1*IL*1*DOE*JOHN****MI*123456789~N3*1 MAIN ST~",
            "ST*837*0001*005010X222A1~",
            "CLM*A1*100***11:B:1*Y*A*Y*Y",
            "********~********",
            "abcdefgh~",
            "abcdefg*~",
            "*abcdefghijklmnop*",
            "é*ü*ñ~x*y",
            "a§b§c¤d§e",
        ];
        for text in texts {
            for (separator, terminator) in [('*', '~'), ('§', '¤'), ('*', '¤'), ('§', '~')] {
                for start in 0..text.len() {
                    let Some(text) = text.get(start..) else {
                        continue;
                    };
                    let mut found = vec![99];
                    let end = separators_until(text, separator, terminator, &mut found);
                    let (want_end, want) = separators_plainly(text, separator, terminator);
                    assert_eq!(end, want_end, "{text:?}");
                    assert_eq!(found[0], 99, "appends");
                    assert_eq!(found[1..], want, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn tally_counts_and_finds() {
        let text = "NM1*IL*1*DOE*JOHN****MI*123456789~N3*1 MAIN^ST";
        for start in 0..text.len() {
            let part = &text.as_bytes()[start..];
            let stars = part.iter().filter(|&&b| b == b'*').count();
            let other = part.contains(&b'~') || part.contains(&b'^');
            assert_eq!(tally(part, b'*', [b'~', b'^']), (stars, other), "{start}");
            assert_eq!(tally(part, b'*', []), (stars, false));
        }
    }

    #[test]
    fn same_is_equality() {
        let codes = [
            "", "H", "HL", "HI", "NM1", "NM2", "N1", "2010AA", "2010AB", "é", "ée",
        ];
        for a in codes {
            for b in codes {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn equal_bytes_is_exact() {
        // 0x2a ('*') next to bytes one above and below it, and a zero byte before it: the
        // carry of a naive test would mark the neighbour too.
        let word = u64::from_le_bytes([0x2a, 0x2b, 0x29, 0x00, 0x2a, 0x2a, 0xaa, 0x2a]);
        let marked = equal_bytes(word, b'*');
        let positions: Vec<u32> = (0..8).filter(|i| marked >> (i * 8 + 7) & 1 == 1).collect();
        assert_eq!(positions, [0, 4, 5, 7]);
        assert_eq!(marked & !0x8080_8080_8080_8080, 0);
    }

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
            "NM1*IL*1*DOE*JOHN****MI*123~\n\nN3*1 MAIN ST~\r\nN4*TOWN*ST*12345~",
        ] {
            for delimiter in ['*', '§', '~', ':'] {
                let ours: Vec<&str> = split(text, delimiter).collect();
                let std: Vec<&str> = text.split(delimiter).collect();
                assert_eq!(ours, std, "{text:?} on {delimiter:?}");
                assert_eq!(find(text, delimiter), text.find(delimiter));
                assert_eq!(remove(text, delimiter), text.replace(delimiter, ""));
                assert_eq!(count(text, delimiter), text.matches(delimiter).count());
            }
        }
    }
}
