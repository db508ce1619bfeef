//! Small text helpers for connector hot paths.

/// Appends the decimal digits of `n` (what `write!(out, "{n}")` does, without the
/// formatting machinery, whose indirect calls and padding cost most in WebAssembly:
/// connectors write indexes, counters and keys per record).
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `n % 10` is a single digit.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn writes_what_display_writes() {
        for n in [0, 7, 10, 99, 1_000, 123_456_789, u64::MAX] {
            let mut out = String::from("x.");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x.{n}"));
        }
    }
}
