//! The `clearway` command line (see ARCHITECTURE.md, "Command line").

mod check;
mod messages;
mod plugin;
mod serve;
mod translate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Clearway: an integration hub for healthcare revenue-cycle messages.
#[derive(Debug, Parser)]
#[command(name = "clearway", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub.
    Serve(ConfigArg),
    /// Check the config and every plugin it names; report every problem with file, line and column.
    Check(ConfigArg),
    /// Run one connector once, without a hub.
    Translate(translate::TranslateArgs),
    /// Work with connector plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Talk to a running hub's message log.
    Messages(messages::MessagesArgs),
}

#[derive(Debug, Args)]
struct ConfigArg {
    /// The config file.
    #[arg(long, short, default_value = "clearway.toml")]
    config: PathBuf,
}

/// Run the parsed command line; the exit code says how it went.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::run(&a.config),
        Command::Check(a) => check::run(&a.config),
        Command::Translate(a) => translate::run(a),
        Command::Plugin(p) => plugin::run(p),
        Command::Messages(m) => messages::run(m),
    }
}

/// Where `translate`, `plugin inspect` and `check` keep compiled plugins:
/// `$CLEARWAY_CACHE_DIR`, else `$XDG_CACHE_HOME/clearway`, else `~/.cache/clearway`,
/// else a folder under the system temp dir.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CLEARWAY_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("clearway");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".cache").join("clearway");
    }
    std::env::temp_dir().join("clearway-cache")
}
