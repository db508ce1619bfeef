//! Shared helpers: where the shared corpus is, and the CI rule for missing inputs.

use std::path::{Path, PathBuf};

/// The shared FHIR corpus, read in place (never copied into the tree).
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/fhir");

/// Whether the tests run under CI, where missing inputs are failures, not skips.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The corpus folder `name`, or `None` (with a note) when it is missing outside CI.
///
/// # Panics
///
/// When the folder is missing and `CI=true`.
pub fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(CORPUS).join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !in_ci(),
        "corpus folder {} is missing (CI=true: not skipping)",
        dir.display()
    );
    eprintln!("skipping: corpus folder {} is missing", dir.display());
    None
}

/// The `.json` files of a folder, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}
