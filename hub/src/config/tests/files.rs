//! `check_files` and `check`: plugin files, folders and secret references,
//! and all problems of a file together.

use std::fs;
use std::path::Path;

use super::super::{Pos, check, check_files, check_text, parse};

/// A variable that is set while tests run under cargo.
const SET_VAR: &str = "CARGO_PKG_NAME";
/// A variable no one sets.
const UNSET_VAR: &str = "CLEARWAY_TEST_UNSET_7D1F0C";

fn at(line: usize, column: usize) -> Option<Pos> {
    Some(Pos { line, column })
}

#[test]
fn an_unknown_key_a_missing_endpoint_and_a_bad_plugin_path_are_all_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("clearway.toml");
    let text = r#"[connectors.json]
plugin = "plugins/missing.wasm"

[endpoints.inbox]
transport = "http"
connector = "json"

[endpoints.outbox]
transport = "dir-out"
connector = "json"
path = "outbox"
retries = 3

[[routes]]
from = "inbox"
to = ["outbox", "archive"]
"#;
    fs::write(&file, text).expect("write config");

    let problems = check(&file);
    let found: Vec<(Option<Pos>, &str)> = problems
        .iter()
        .map(|p| (p.pos, p.message.as_str()))
        .collect();
    let plugin = dir.path().join("plugins/missing.wasm");
    let plugin_message = format!(
        "`plugin` in [connectors.json]: cannot access `{}`: No such file or directory (os error 2)",
        plugin.display()
    );
    assert_eq!(
        found,
        vec![
            (at(2, 10), plugin_message.as_str()),
            (
                at(12, 1),
                "unknown key `retries` in [endpoints.outbox] (expected one of: transport, connector, path, retry, batch_size, delivery)"
            ),
            (
                at(16, 17),
                "`to` in [[routes]] #1 names endpoint `archive`, which is not defined (no [endpoints.archive] table)"
            ),
        ]
    );
    assert!(problems.iter().all(|p| p.file == file));
    assert!(
        problems[1]
            .to_string()
            .starts_with(&format!("{}:12:1: unknown key `retries`", file.display()))
    );
    // `check_text` agrees with `check` on the same text.
    assert_eq!(check_text(&file, text), problems);
}

#[test]
fn check_reports_syntax_errors_alone() {
    let problems = check_text(
        Path::new("/nonexistent/clearway.toml"),
        "[connectors.c]\nplugin = \"c.wasm\nx = 1\n",
    );
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.starts_with("invalid TOML"));
}

#[test]
fn a_clean_configuration_has_no_file_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("plugins")).expect("mkdir");
    fs::write(dir.path().join("plugins/json.wasm"), b"\0asm").expect("write plugin");
    fs::write(dir.path().join("key"), "secret\n").expect("write secret");
    fs::create_dir(dir.path().join("in")).expect("mkdir");
    let text = format!(
        "[connectors.json]\nplugin = \"plugins/json.wasm\"\nconfig = {{ a = \"env:{SET_VAR}\", b = \"file:key\", c = \"lit\" }}\n\
         [endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"in\"\n\
         [endpoints.out]\ntransport = \"dir-out\"\nconnector = \"json\"\npath = \"not/yet/there\"\n\
         [endpoints.api]\ntransport = \"http-out\"\nconnector = \"json\"\nurl = \"https://x.org/\"\n\
         headers = {{ X-Key = \"file:key\" }}\nbearer_token = \"env:{SET_VAR}\"\n"
    );
    let cfg = parse(&dir.path().join("clearway.toml"), &text).expect("valid");
    assert_eq!(check_files(&cfg), vec![]);
}

#[test]
fn a_plugin_that_is_a_folder_is_reported_at_the_plugin() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("c.wasm")).expect("mkdir");
    let cfg = parse(
        &dir.path().join("clearway.toml"),
        "[connectors.c]\nplugin = \"c.wasm\"\n",
    )
    .expect("valid");
    let problems = check_files(&cfg);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].pos, at(2, 10));
    assert_eq!(
        problems[0].message,
        format!(
            "`plugin` in [connectors.c]: `{}` is not a file",
            dir.path().join("c.wasm").display()
        )
    );
}

#[test]
fn folders_must_be_folders_or_creatable() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("a-file"), "").expect("write");
    let text = "[hub]\ndata_dir = \"a-file/data\"\n[connectors.c]\nplugin = \"/nonexistent/c.wasm\"\n\
                [endpoints.drop]\ntransport = \"dir\"\nconnector = \"c\"\npath = \"a-file\"\nfailed_dir = \"failed\"\n\
                [endpoints.out]\ntransport = \"dir-out\"\nconnector = \"c\"\npath = \"a-file\"\n";
    let cfg = parse(&dir.path().join("clearway.toml"), text).expect("valid");
    let found: Vec<(Option<Pos>, String)> = check_files(&cfg)
        .into_iter()
        .map(|p| (p.pos, p.message))
        .collect();
    let shown = |path: &str| dir.path().join(path).display().to_string();
    let a_file = shown("a-file");
    assert_eq!(
        found,
        vec![
            (
                at(2, 12),
                format!("`data_dir` in [hub]: `{}` does not exist and cannot be created: `{a_file}` is not a folder", shown("a-file/data"))
            ),
            (
                at(4, 10),
                "`plugin` in [connectors.c]: cannot access `/nonexistent/c.wasm`: No such file or directory (os error 2)".into()
            ),
            // The default processed_dir is under `path`, so it is reported at the header.
            (
                at(5, 1),
                format!(
                    "`processed_dir` in [endpoints.drop]: `{}` does not exist and cannot be created: `{a_file}` is not a folder",
                    shown("a-file/processed")
                )
            ),
            (at(8, 8), format!("`path` in [endpoints.drop]: `{a_file}` exists and is not a folder")),
            (at(13, 8), format!("`path` in [endpoints.out]: `{a_file}` exists and is not a folder")),
        ]
    );
}

#[test]
fn unresolvable_references_are_reported_at_the_value_by_name_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "[connectors.c]\nplugin = \"/nonexistent/c.wasm\"\nconfig = {{ token = \"env:{UNSET_VAR}\" }}\n\
         [endpoints.api]\ntransport = \"http-out\"\nconnector = \"c\"\nurl = \"https://x.org/\"\n\
         headers = {{ X-Key = \"file:keys/x\" }}\nbearer_token = \"env:{UNSET_VAR}\"\n"
    );
    let cfg = parse(&dir.path().join("clearway.toml"), &text).expect("valid");
    let found: Vec<(Option<Pos>, String)> = check_files(&cfg)
        .into_iter()
        .filter(|p| p.pos != at(2, 10))
        .map(|p| (p.pos, p.message))
        .collect();
    let key_file = dir.path().join("keys/x");
    assert_eq!(
        found,
        vec![
            (
                at(3, 20),
                format!(
                    "`token` in [connectors.c].config: environment variable `{UNSET_VAR}` is not set"
                )
            ),
            (
                at(8, 21),
                format!(
                    "header `X-Key` in [endpoints.api]: cannot read secret file `{}`: No such file or directory (os error 2)",
                    key_file.display()
                )
            ),
            (
                at(9, 16),
                format!(
                    "`bearer_token` in [endpoints.api]: environment variable `{UNSET_VAR}` is not set"
                )
            ),
        ]
    );
}
