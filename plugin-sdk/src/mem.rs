//! Byte comparison for connector components.
//!
//! wasi-libc's `memcmp` compares one byte at a time; every string comparison a decoder
//! makes (segment ids, JSON keys, code lists) goes through it. This one compares eight
//! bytes at a time and is linked into `wasm32` components in its place (a definition in
//! the program wins over the C library's archive member). Native builds use the
//! platform's own.

/// `memcmp`: the sign of the first differing byte of `a` and `b` (as unsigned bytes)
/// within `n`, or 0.
///
/// # Safety
///
/// `a` and `b` are readable for `n` bytes.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's promise.
    unsafe { compare(a, b, n) }
}

/// `bcmp`: 0 when the `n` bytes of `a` and `b` are equal (LLVM calls it for `memcmp`
/// results only tested against zero).
///
/// # Safety
///
/// `a` and `b` are readable for `n` bytes.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's promise.
    unsafe { compare(a, b, n) }
}

/// The comparison behind [`memcmp`]: eight bytes at a time, then the tail.
///
/// # Safety
///
/// `a` and `b` are readable for `n` bytes.
#[inline(always)]
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: `i + 8 <= n`; unaligned reads are allowed.
        let (x, y) = unsafe {
            (
                a.add(i).cast::<u64>().read_unaligned(),
                b.add(i).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            // In big-endian order the first byte is the most significant one.
            return if u64::from_le(x).swap_bytes() < u64::from_le(y).swap_bytes() {
                -1
            } else {
                1
            };
        }
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::compare;

    fn sign(a: &[u8], b: &[u8]) -> i32 {
        assert_eq!(a.len(), b.len());
        // SAFETY: both slices hold `len` bytes.
        unsafe { compare(a.as_ptr(), b.as_ptr(), a.len()) }.signum()
    }

    #[test]
    fn agrees_with_slice_ordering() {
        let base: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for len in 0..base.len() {
            let a = &base[..len];
            assert_eq!(sign(a, a), 0);
            for at in 0..len {
                for delta in [1u8, 0x80, 0xFF] {
                    let mut b = a.to_vec();
                    b[at] = b[at].wrapping_add(delta);
                    let expected = a.cmp(&b[..]) as i32;
                    assert_eq!(sign(a, &b), expected, "len {len} at {at} delta {delta}");
                    assert_eq!(sign(&b, a), -expected, "len {len} at {at} delta {delta}");
                }
            }
        }
    }

    #[test]
    fn the_first_difference_decides() {
        assert_eq!(sign(b"ABCDEFGHIJ", b"ABCDEFGHIK"), -1);
        assert_eq!(sign(b"ABCDEFGZIJ", b"ABCDEFGHIZ"), 1);
        assert_eq!(
            sign(
                b"\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
                b"\x02\x00\x00\x00\x00\x00\x00\x00"
            ),
            -1
        );
    }
}
