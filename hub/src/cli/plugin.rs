//! `clearway plugin inspect FILE.wasm`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use crate::runtime::{Limits, Runtime};

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print a connector's `describe` and its sha256.
    Inspect {
        /// The component.
        file: PathBuf,
    },
}

/// Run a plugin subcommand.
pub fn run(cmd: PluginCommand) -> anyhow::Result<ExitCode> {
    let PluginCommand::Inspect { file } = cmd;
    let runtime = Runtime::new(&super::cache_dir()?).context("starting the plugin runtime")?;
    let plugin = runtime
        .load("inspect", &file, None, Limits::default(), BTreeMap::new())
        .with_context(|| format!("loading {}", file.display()))?;
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let out = serde_json::json!({
        "file": file.display().to_string(),
        "sha256": plugin.sha256(),
        "size_bytes": size,
        "describe": plugin.description(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
