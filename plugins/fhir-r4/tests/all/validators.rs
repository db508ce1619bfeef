//! Everything the connector encodes (and every FHIR fixture it decodes) validates under
//! fhir.resources 6.4.0 and fhirclient 4.4.0, two R4 4.0.1 validators written by others
//! (`tests/validate_r4.py`). The test makes their virtual environment itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixtures::{FIXTURES, encode_fixture};
use crate::support::{in_ci, json_files};

/// The validators' virtual environment: `$CARGO_TARGET_DIR/validators/fhir` or
/// `target/validators/fhir`, made by `scripts/validators.sh` (run by `./test.sh`).
fn venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("validators").join("fhir")
}

/// Runs a command, returning whether it succeeded (its output goes to the test log).
fn run(command: &mut Command) -> bool {
    command.status().is_ok_and(|status| status.success())
}

/// The venv's python with the validators installed, or `None` (with a note) outside CI.
fn python() -> Option<PathBuf> {
    let venv = venv();
    let python = venv.join("bin/python");
    let ready =
        |python: &Path| run(Command::new(python).args(["-c", "import fhir.resources, fhirclient"]));
    if !python.is_file() {
        let made = run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
        if !made {
            return unavailable(&format!("`python3 -m venv {}` failed", venv.display()));
        }
    }
    if !ready(&python) {
        let installed = run(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "fhir.resources==6.4.0",
            "pydantic<2",
            "fhirclient==4.4.0",
        ]));
        if !installed || !ready(&python) {
            return unavailable("pip could not install fhir.resources 6.4.0 and fhirclient 4.4.0");
        }
    }
    Some(python)
}

/// Fails under CI, otherwise notes the skip.
fn unavailable(why: &str) -> Option<PathBuf> {
    assert!(
        !in_ci(),
        "R4 validators unavailable (CI=true: not skipping): {why}"
    );
    eprintln!("skipping R4 validation: {why}");
    None
}

#[test]
fn encoded_output_and_fixtures_validate_as_r4() {
    let Some(python) = python() else {
        return;
    };
    let out = tempfile::tempdir().expect("temp dir");
    let mut files: Vec<PathBuf> = Vec::new();
    let encode_dir = Path::new(FIXTURES).join("encode");
    for input in json_files(&encode_dir) {
        let name = input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.ends_with(".fhir.json") {
            continue;
        }
        for (index, payload) in encode_fixture(&input).into_iter().enumerate() {
            let path = out
                .path()
                .join(format!("{}-{index}.json", name.trim_end_matches(".json")));
            std::fs::write(&path, payload).expect("writable temp file");
            files.push(path);
        }
    }
    assert!(files.len() >= 5, "nothing was encoded");
    files.extend(
        json_files(Path::new(FIXTURES))
            .into_iter()
            .filter(|p| !p.to_string_lossy().ends_with(".normalized.json")),
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_r4.py");
    let output = Command::new(python)
        .arg(script)
        .args(&files)
        .output()
        .expect("the validator script runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "R4 validation failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains(&format!("{} files, 0 failures", files.len())),
        "{report}"
    );
}
