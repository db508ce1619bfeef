//! The Python reference implementations (pyx12, fhir.resources), timed by helper scripts
//! under `tests/bench/` run with the interpreter of their virtual environment (made by
//! `scripts/validators.sh` under `<target>/validators/`).
//!
//! A helper times its own runs with `time.perf_counter` (interpreter start-up and imports
//! are not counted) and prints one JSON line last:
//! `{"library": "pyx12 4.0.0", "seconds": [..], "result": ...}`.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context as _;
use serde_json::Value;

use super::timing::Samples;

/// What a helper reported.
#[derive(Debug, Clone)]
pub struct PyRun {
    /// The library and version that did the work, e.g. `pyx12 4.0.0`.
    pub library: String,
    /// The timed runs.
    pub samples: Samples,
    /// What the last run produced (a verdict or a count), helper-specific.
    pub result: Value,
}

/// The interpreter of the virtual environment `venv` (`pyx12`, `fhir`).
///
/// # Errors
///
/// When the environment is missing, naming the script that makes it.
pub fn interpreter(venv: &str) -> anyhow::Result<PathBuf> {
    let python = super::target_dir()
        .join("validators")
        .join(venv)
        .join("bin")
        .join("python");
    anyhow::ensure!(
        python.is_file(),
        "{} is missing: run scripts/validators.sh (./bench.sh does)",
        python.display()
    );
    Ok(python)
}

/// Runs `tests/bench/<script>` with the interpreter of `venv` and `args`, and reads the
/// JSON line it prints last.
///
/// # Errors
///
/// When the helper cannot start, fails, or prints no JSON report.
pub fn run(venv: &str, script: &str, args: &[&OsStr]) -> anyhow::Result<PyRun> {
    let python = interpreter(venv)?;
    let path = super::root().join("tests").join("bench").join(script);
    let output = Command::new(&python)
        .arg(&path)
        .args(args)
        .output()
        .with_context(|| format!("starting {} {}", python.display(), path.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        anyhow::bail!("{script} failed ({}):\n{}", output.status, tail.join("\n"));
    }
    let last = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .with_context(|| format!("{script} printed nothing"))?;
    let report: Value = serde_json::from_str(last)
        .with_context(|| format!("{script} did not end with a JSON report"))?;
    let seconds: Vec<f64> = report["seconds"]
        .as_array()
        .with_context(|| format!("{script}: no `seconds` in its report"))?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let samples = Samples::from_secs(&seconds)
        .with_context(|| format!("{script}: its report has no usable timings"))?;
    Ok(PyRun {
        library: report["library"].as_str().unwrap_or(venv).to_owned(),
        samples,
        result: report["result"].clone(),
    })
}
