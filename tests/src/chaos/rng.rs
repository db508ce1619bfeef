//! A small seeded generator (SplitMix64): the same seed gives the same kill delays
//! and receiver answers, so a failing run can be repeated with `--seed`.

use std::sync::Mutex;

/// SplitMix64; shared between threads behind a mutex.
#[derive(Debug)]
pub struct Rng(Mutex<u64>);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(Mutex::new(seed))
    }

    /// A seed from the clock and the process id, for runs without `--seed`.
    pub fn fresh_seed() -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 32)
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut s = self.0.lock().expect("rng lock");
        *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    pub fn range(&self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True `percent` times in a hundred.
    pub fn percent(&self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// A generator of its own, seeded from this one (one per thread, so that a
    /// thread's draws do not depend on how the others are scheduled).
    pub fn fork(&self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let (a, b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<u64> = (0..5).map(|_| a.range(50, 1500)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.range(50, 1500)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (50..=1500).contains(x)));
    }
}
