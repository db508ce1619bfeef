//! The timing loop: warm-up runs, then timed runs, reported by their median.

use std::time::{Duration, Instant};

/// The durations of the timed runs of one measurement, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Samples {
    sorted: Vec<Duration>,
}

impl Samples {
    /// Samples from durations in any order; `None` when there are none.
    pub fn new(mut durations: Vec<Duration>) -> Option<Samples> {
        if durations.is_empty() {
            return None;
        }
        durations.sort_unstable();
        Some(Samples { sorted: durations })
    }

    /// Samples from seconds measured elsewhere (the Python helpers); `None` when there
    /// are none or one is negative or not finite.
    pub fn from_secs(seconds: &[f64]) -> Option<Samples> {
        let durations = seconds
            .iter()
            .map(|&s| Duration::try_from_secs_f64(s).ok())
            .collect::<Option<Vec<_>>>()?;
        Samples::new(durations)
    }

    /// The median (the mean of the two middle runs for an even count).
    pub fn median(&self) -> Duration {
        let n = self.sorted.len();
        if n % 2 == 1 {
            self.sorted[n / 2]
        } else {
            (self.sorted[n / 2 - 1] + self.sorted[n / 2]) / 2
        }
    }

    /// The fastest run.
    pub fn min(&self) -> Duration {
        self.sorted[0]
    }

    /// The slowest run.
    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }

    /// How many runs were timed.
    pub fn runs(&self) -> usize {
        self.sorted.len()
    }
}

/// Runs `work` `warmup` times untimed, then `runs` times timed (at least once), and
/// returns the samples with the output of the last run (for checking what was done).
///
/// # Errors
///
/// The first error `work` returns.
pub fn measure<T>(
    warmup: usize,
    runs: usize,
    mut work: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(Samples, T)> {
    for _ in 0..warmup {
        drop(work()?);
    }
    let runs = runs.max(1);
    let mut durations = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        // The previous output is dropped before the clock starts, so its deallocation
        // is not charged to the next run.
        drop(last.take());
        let started = Instant::now();
        let output = work()?;
        durations.push(started.elapsed());
        last = Some(output);
    }
    let samples = Samples::new(durations).ok_or_else(|| anyhow::anyhow!("no timed run"))?;
    let output = last.ok_or_else(|| anyhow::anyhow!("no timed run"))?;
    Ok((samples, output))
}

/// Like [`measure`] for several pieces of work compared with each other: each timed
/// round runs every piece once, in turn, so that a slow spell of the machine (a shared
/// 2-core VM drifts by 1.5x between runs) falls on all of them alike rather than on
/// whichever happened to be measured then. Returns the samples of each piece, in order.
///
/// # Errors
///
/// The first error a piece of work returns.
pub fn measure_interleaved(
    warmup: usize,
    runs: usize,
    works: &mut [&mut dyn FnMut() -> anyhow::Result<()>],
) -> anyhow::Result<Vec<Samples>> {
    for _ in 0..warmup {
        for work in works.iter_mut() {
            work()?;
        }
    }
    let runs = runs.max(1);
    let mut durations = vec![Vec::with_capacity(runs); works.len()];
    for _ in 0..runs {
        for (work, times) in works.iter_mut().zip(&mut durations) {
            let started = Instant::now();
            work()?;
            times.push(started.elapsed());
        }
    }
    durations
        .into_iter()
        .map(|times| Samples::new(times).ok_or_else(|| anyhow::anyhow!("no timed run")))
        .collect()
}

/// A wasm run and the native run of the same work, interleaved; their samples in order.
///
/// # Errors
///
/// The first error a run returns.
pub fn measure_pair<A, B>(
    warmup: usize,
    runs: usize,
    mut wasm: impl FnMut() -> anyhow::Result<A>,
    mut native: impl FnMut() -> anyhow::Result<B>,
) -> anyhow::Result<[Samples; 2]> {
    let samples = measure_interleaved(
        warmup,
        runs,
        &mut [&mut || wasm().map(drop), &mut || native().map(drop)],
    )?;
    samples
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected two measurements"))
}

/// A wasm run, the native run of the same work and the native run of the plain
/// function, interleaved; their samples in order.
///
/// # Errors
///
/// The first error a run returns.
pub fn measure_trio<A, B, C>(
    warmup: usize,
    runs: usize,
    mut wasm: impl FnMut() -> anyhow::Result<A>,
    mut same_work: impl FnMut() -> anyhow::Result<B>,
    mut only: impl FnMut() -> anyhow::Result<C>,
) -> anyhow::Result<[Samples; 3]> {
    let samples = measure_interleaved(
        warmup,
        runs,
        &mut [
            &mut || wasm().map(drop),
            &mut || same_work().map(drop),
            &mut || only().map(drop),
        ],
    )?;
    samples
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected three measurements"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        let odd = Samples::new(vec![ms(5), ms(1), ms(3)]).unwrap();
        assert_eq!((odd.min(), odd.median(), odd.max()), (ms(1), ms(3), ms(5)));
        let even = Samples::new(vec![ms(4), ms(1), ms(2), ms(9)]).unwrap();
        assert_eq!(even.median(), ms(3));
        assert_eq!(even.runs(), 4);
        assert!(Samples::new(Vec::new()).is_none());
        assert!(Samples::from_secs(&[0.5, -1.0]).is_none());
    }

    #[test]
    fn measure_warms_up_then_times_and_keeps_the_last_output() {
        let mut calls = 0;
        let (samples, last) = measure(2, 3, || {
            calls += 1;
            Ok(calls)
        })
        .unwrap();
        assert_eq!((calls, last, samples.runs()), (5, 5, 3));
        let failed = measure(0, 1, || -> anyhow::Result<()> { anyhow::bail!("broken") });
        assert!(failed.is_err());
    }

    #[test]
    fn interleaved_runs_take_turns() {
        let order = std::cell::RefCell::new(Vec::new());
        let mut a = || -> anyhow::Result<()> {
            order.borrow_mut().push('a');
            Ok(())
        };
        let mut b = || -> anyhow::Result<()> {
            order.borrow_mut().push('b');
            Ok(())
        };
        let samples = measure_interleaved(1, 2, &mut [&mut a, &mut b]).unwrap();
        assert_eq!(samples.len(), 2);
        assert!(samples.iter().all(|s| s.runs() == 2));
        assert_eq!(order.into_inner(), vec!['a', 'b', 'a', 'b', 'a', 'b']);
        let mut broken = || -> anyhow::Result<()> { anyhow::bail!("broken") };
        assert!(measure_interleaved(0, 1, &mut [&mut broken]).is_err());
        let [x, y, z] = measure_trio(0, 3, || Ok(1), || Ok("two"), || Ok(vec![3])).unwrap();
        assert_eq!([x.runs(), y.runs(), z.runs()], [3, 3, 3]);
        let [x, y] = measure_pair(1, 2, || Ok(()), || Ok(())).unwrap();
        assert_eq!([x.runs(), y.runs()], [2, 2]);
        assert!(
            measure_pair(
                0,
                1,
                || Ok(()),
                || -> anyhow::Result<()> { anyhow::bail!("no") }
            )
            .is_err()
        );
    }
}
