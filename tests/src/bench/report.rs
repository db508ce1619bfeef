//! The printed figures: one line per measurement (median, spread, rate) and one per
//! ratio, next to its target.

#![allow(
    clippy::float_arithmetic,
    reason = "throughput figures and ratios for a person to read, not money"
)]

use std::time::Duration;

use super::timing::Samples;

/// Bytes in a megabyte as the benchmarks count it (10^6, not 2^20).
pub const MB: f64 = 1_000_000.0;

/// Megabytes per second for `bytes` handled in `time`.
pub fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / MB / time.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Items per second for `count` items handled in `time`.
pub fn per_s(count: usize, time: Duration) -> f64 {
    count as f64 / time.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// `bytes` in megabytes, two decimals: `3.58 MB`.
pub fn megabytes(bytes: usize) -> String {
    format!("{:.2} MB", bytes as f64 / MB)
}

/// A duration for people: microseconds, milliseconds or seconds.
pub fn duration(time: Duration) -> String {
    let secs = time.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.1} us", secs * 1e6)
    }
}

/// One measurement: `label`, the median with min/max and the run count, then `rate`.
pub fn line(label: &str, samples: &Samples, rate: &str) -> String {
    format!(
        "  {label:<44} {:>10}  {rate:<26} (min {}, max {}, {} runs)",
        duration(samples.median()),
        duration(samples.min()),
        duration(samples.max()),
        samples.runs()
    )
}

/// What a ratio should be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// At most this (e.g. WASM time / native time <= 1.3).
    AtMost(f64),
    /// At least this (e.g. pyx12 time / WASM time >= 50).
    AtLeast(f64),
    /// For information only.
    None,
}

/// `slow / fast` of two medians.
pub fn ratio(numerator: &Samples, denominator: &Samples) -> f64 {
    numerator.median().as_secs_f64() / denominator.median().as_secs_f64().max(f64::MIN_POSITIVE)
}

/// One ratio with its target and whether this run met it.
pub fn ratio_line(label: &str, value: f64, target: Target) -> String {
    let verdict = match target {
        Target::AtMost(limit) => {
            let met = if value <= limit { "met" } else { "NOT met" };
            format!("target <= {limit:.2}x: {met}")
        }
        Target::AtLeast(limit) => {
            let met = if value >= limit { "met" } else { "NOT met" };
            format!("target >= {limit:.0}x: {met}")
        }
        Target::None => "(for information)".to_owned(),
    };
    format!("  {label:<44} {:>9.2}x  {verdict}", value)
}

/// Prints the two WASM-vs-native ratio lines of a phase: against the native code doing the
/// same work as the component (JSON wire form included), held to `target`, and against the
/// bare native function, for information.
pub fn print_wasm_ratios(
    wasm: &Samples,
    native_same_work: &Samples,
    native_only: &Samples,
    phase: &str,
    target: Target,
) {
    println!(
        "{}",
        ratio_line(
            "wasm / native (same work)",
            ratio(wasm, native_same_work),
            target
        )
    );
    println!(
        "{}",
        ratio_line(
            &format!("wasm / native {phase} only"),
            ratio(wasm, native_only),
            Target::None
        )
    );
}

/// `yes` or `NO`, for the "outputs identical" line.
pub fn yes(same: bool) -> &'static str {
    if same { "yes" } else { "NO" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_durations_read_as_expected() {
        let second = Duration::from_secs(1);
        assert_eq!(format!("{:.1}", mb_per_s(2_500_000, second)), "2.5");
        assert_eq!(format!("{:.0}", per_s(1000, second / 2)), "2000");
        assert_eq!(megabytes(3_580_000), "3.58 MB");
        assert_eq!(duration(Duration::from_micros(1500)), "1.5 ms");
        assert_eq!(duration(Duration::from_micros(15)), "15.0 us");
        assert_eq!(duration(Duration::from_millis(14_410)), "14.41 s");
    }

    #[test]
    fn ratio_lines_say_whether_the_target_was_met() {
        assert!(ratio_line("a", 1.2, Target::AtMost(1.3)).ends_with("target <= 1.30x: met"));
        assert!(ratio_line("a", 1.4, Target::AtMost(1.3)).ends_with("NOT met"));
        assert!(ratio_line("a", 60.0, Target::AtLeast(50.0)).ends_with("target >= 50x: met"));
        assert!(ratio_line("a", 2.0, Target::None).ends_with("(for information)"));
        let ms = Duration::from_millis;
        let slow = Samples::new(vec![ms(30)]).unwrap();
        let fast = Samples::new(vec![ms(10)]).unwrap();
        assert_eq!(format!("{:.1}", ratio(&slow, &fast)), "3.0");
    }
}
