//! The part of checking that touches the file system and the environment:
//! plugin files, folders, and secret references.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::model::{Config, FhirOut, HttpOut, Transport};
use super::problem::{Pos, Problem, sort_problems};
use super::value::ConfigValue;

/// Checks what [`parse`](super::parse) cannot without IO, and returns every
/// problem found (empty when all is well):
///
/// - every connector's `plugin` is a readable file;
/// - `data_dir` and every `dir`/`dir-out` folder is a folder, or can be
///   created (its nearest existing ancestor is a writable folder);
/// - every `env:` and `file:` reference (connector `config`, `headers`,
///   `bearer_token`) resolves.
///
/// Each problem points at the value it is about, or at the table header when
/// the value is a default. Secret values are never part of a message.
pub fn check_files(cfg: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |pos: Option<Pos>, message: String| {
        problems.push(Problem {
            file: cfg.path.clone(),
            pos,
            message,
        });
    };

    if let Err(why) = check_folder(&cfg.hub.data_dir) {
        push(cfg.hub.data_dir_at, format!("`data_dir` in [hub]: {why}"));
    }

    for connector in cfg.connectors.values() {
        let place = format!("[connectors.{}]", connector.name);
        if let Err(why) = check_readable_file(&connector.plugin) {
            push(
                Some(connector.plugin_at),
                format!("`plugin` in {place}: {why}"),
            );
        }
        for (key, value) in &connector.config {
            if let Err(why) = check_reference(value) {
                let pos = connector.config_at.get(key).copied().or(Some(connector.at));
                push(pos, format!("`{key}` in {place}.config: {why}"));
            }
        }
    }

    for endpoint in cfg.endpoints.values() {
        let place = format!("[endpoints.{}]", endpoint.name);
        let at = Some(endpoint.at);
        match &endpoint.transport {
            Transport::Http | Transport::Fhir | Transport::TestClearinghouse(_) => {}
            Transport::Dir(dir) => {
                let folders = [
                    ("path", &dir.path, Some(dir.path_at)),
                    (
                        "processed_dir",
                        &dir.processed_dir,
                        dir.processed_dir_at.or(at),
                    ),
                    ("failed_dir", &dir.failed_dir, dir.failed_dir_at.or(at)),
                ];
                for (key, folder, pos) in folders {
                    if let Err(why) = check_folder(folder) {
                        push(pos, format!("`{key}` in {place}: {why}"));
                    }
                }
            }
            Transport::DirOut(dir) => {
                if let Err(why) = check_folder(&dir.path) {
                    push(Some(dir.path_at), format!("`path` in {place}: {why}"));
                }
            }
            Transport::HttpOut(HttpOut { http, .. }) | Transport::FhirOut(FhirOut { http, .. }) => {
                for (name, value) in &http.headers {
                    if let Err(why) = check_reference(value) {
                        let pos = http.headers_at.get(name).copied().or(at);
                        push(pos, format!("header `{name}` in {place}: {why}"));
                    }
                }
                if let Some(token) = &http.bearer_token
                    && let Err(why) = check_reference(token)
                {
                    push(
                        http.bearer_token_at.or(at),
                        format!("`bearer_token` in {place}: {why}"),
                    );
                }
            }
        }
    }

    sort_problems(&mut problems);
    problems
}

/// A plugin file must exist, be a file, and open for reading.
fn check_readable_file(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let metadata = fs::metadata(path).map_err(|e| format!("cannot access `{shown}`: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("`{shown}` is not a file"));
    }
    fs::File::open(path).map_err(|e| format!("cannot open `{shown}` for reading: {e}"))?;
    Ok(())
}

/// A folder the hub will use must be a folder, or be creatable: its nearest
/// existing ancestor is a folder that is not read-only.
fn check_folder(path: &Path) -> Result<(), String> {
    let shown = path.display();
    match fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => return Ok(()),
        Ok(_) => return Err(format!("`{shown}` exists and is not a folder")),
        Err(e) if !is_absent(&e) => return Err(format!("cannot access `{shown}`: {e}")),
        Err(_) => {}
    }
    for ancestor in path.ancestors().skip(1) {
        let probe = if ancestor.as_os_str().is_empty() {
            Path::new(".")
        } else {
            ancestor
        };
        match fs::metadata(probe) {
            Ok(metadata) if metadata.is_dir() && metadata.permissions().readonly() => {
                return Err(format!(
                    "`{shown}` does not exist and cannot be created: `{}` is read-only",
                    probe.display()
                ));
            }
            Ok(metadata) if metadata.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(format!(
                    "`{shown}` does not exist and cannot be created: `{}` is not a folder",
                    probe.display()
                ));
            }
            Err(e) if is_absent(&e) => continue,
            Err(e) => return Err(format!("cannot access `{}`: {e}", probe.display())),
        }
    }
    Err(format!(
        "`{shown}` does not exist and no parent folder of it does"
    ))
}

/// Whether an error means "no such entry" (including: a parent is a file).
fn is_absent(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// A reference must resolve; the message names the reference only.
fn check_reference(value: &ConfigValue) -> Result<(), String> {
    if value.is_reference() {
        value.resolve().map(drop).map_err(|e| e.to_string())
    } else {
        Ok(())
    }
}
