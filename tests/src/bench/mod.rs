//! Shared code of the connector benchmarks (`./bench.sh x12`, `./bench.sh fhir`): the
//! inputs they build, the timing loop, the WebAssembly runtime set-up, the Python
//! reference implementations and the printed report.
//!
//! The benchmarks print figures and assert nothing about time. They do check that the
//! WebAssembly and native builds of a connector produce the same output, so a figure
//! never compares two different pieces of work.

pub mod fhir_data;
pub mod python;
pub mod receiver;
pub mod report;
pub mod timing;
pub mod wasm;
pub mod x12_data;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The workspace root (the parent of the `tests` crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the workspace root when
/// relative), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Reads a UTF-8 text file under the workspace root, naming the file on failure.
pub fn read_text(relative: &str) -> anyhow::Result<String> {
    let path = root().join(relative);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// The benchmark settings shared by both commands: how many timed runs (after how many
/// warm-up runs) the Rust measurements take, and how many the Python ones take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Warm-up runs before timing each Rust measurement (`BENCH_WARMUP`, default 2).
    pub warmup: usize,
    /// Timed runs of each Rust measurement; the median is reported (`BENCH_RUNS`,
    /// default 7).
    pub runs: usize,
    /// Timed runs of each Python measurement (`BENCH_PY_RUNS`, default 3): pyx12 takes
    /// seconds per megabyte.
    pub py_runs: usize,
}

impl Settings {
    /// The settings from the environment, with the defaults above; each count is at
    /// least 1 (0 warm-up runs allowed).
    pub fn from_env() -> anyhow::Result<Settings> {
        let get = |name: &str, default: usize| -> anyhow::Result<usize> {
            match std::env::var(name) {
                Ok(text) => text
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be a whole number")),
                Err(_) => Ok(default),
            }
        };
        Ok(Settings {
            warmup: get("BENCH_WARMUP", 2)?,
            runs: get("BENCH_RUNS", 7)?.max(1),
            py_runs: get("BENCH_PY_RUNS", 3)?.max(1),
        })
    }
}

/// The positional argument `index` (1-based) as a count, or `default` when absent.
pub fn count_arg(index: usize, name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::args().nth(index) {
        None => Ok(default),
        Some(text) => {
            let n: usize = text
                .parse()
                .with_context(|| format!("{name} must be a whole number"))?;
            anyhow::ensure!(n > 0, "{name} must be at least 1");
            Ok(n)
        }
    }
}
