//! Writes the model's JSON Schemas into `schemas/json/`, replacing what is there.
//!
//! Run after changing any type in `clearway-schemas`:
//! `cargo run -p clearway-schemas --example write-json-schemas`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes every schema file and removes stale `*.schema.json` files.
fn run(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let schemas = clearway_schemas::json_schemas();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.ends_with(".schema.json") && !schemas.iter().any(|(file, _)| *file == name) {
            std::fs::remove_file(&path)?;
            println!("removed {}", path.display());
        }
    }
    for (file, schema) in &schemas {
        let path = dir.join(file);
        std::fs::write(&path, clearway_schemas::to_pretty_json(schema))?;
        println!("wrote {}", path.display());
    }
    Ok(schemas.len())
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("json");
    match run(&dir) {
        Ok(count) => {
            println!("{count} schemas in {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: writing schemas into {}: {error}", dir.display());
            ExitCode::FAILURE
        }
    }
}
