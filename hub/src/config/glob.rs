//! File-name globs for `dir` endpoints: `*` (any run of characters), `?`
//! (one character), `[abc]`, `[a-z]` and `[!abc]` (one character in, or not
//! in, a set). No path separators, no escapes.

/// Why a pattern is not a valid glob.
pub(crate) fn check_pattern(pattern: &str) -> Result<(), &'static str> {
    if pattern.is_empty() {
        return Err("must not be empty");
    }
    if pattern.contains(['/', '\\']) {
        return Err("must match file names only, without `/` or `\\`");
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            match class_end(&chars, i) {
                Some(end) => i = end,
                None => return Err("has a `[` without a matching `]`"),
            }
        }
        i += 1;
    }
    Ok(())
}

/// Whether `name` matches `pattern` (a pattern that passed [`check_pattern`];
/// an unclosed `[` matches itself).
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point: the last `*` seen.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => Some(p + 1),
            Some('[') => match class_end(&pattern, p) {
                Some(end) if class_contains(&pattern[p + 1..end], name[n]) => Some(end + 1),
                Some(_) => None,
                None if name[n] == '[' => Some(p + 1),
                None => None,
            },
            Some(&c) if c == name[n] => Some(p + 1),
            _ => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                n += 1;
            }
            (None, Some((star_p, star_n))) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Index of the `]` closing the class that opens at `open`. A `]` right
/// after `[` or `[!` is a member, not the end.
fn class_end(pattern: &[char], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if pattern.get(i) == Some(&'!') {
        i += 1;
    }
    if pattern.get(i) == Some(&']') {
        i += 1;
    }
    (i..pattern.len()).find(|&j| pattern[j] == ']')
}

/// Whether `c` is in the class body (between `[` and `]`).
fn class_contains(body: &[char], c: char) -> bool {
    let (negated, body) = match body.split_first() {
        Some(('!', rest)) => (true, rest),
        _ => (false, body),
    };
    let mut found = false;
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            found |= body[i] <= c && c <= body[i + 2];
            i += 3;
        } else {
            found |= body[i] == c;
            i += 1;
        }
    }
    found != negated
}
