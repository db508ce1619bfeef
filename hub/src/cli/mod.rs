//! The `clearway` command line (see ARCHITECTURE.md, "Command line").

mod audit;
mod check;
mod client;
mod credentials;
mod dead_letters;
mod messages;
mod plugin;
mod serve;
mod store;
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
    /// List and replay a running hub's dead letters.
    DeadLetters(dead_letters::DeadLettersArgs),
    /// API tokens: create, list, revoke.
    Token {
        #[command(flatten)]
        target: credentials::Target,
        #[command(subcommand)]
        command: credentials::TokenCommand,
    },
    /// People who log in with a password: add, list, disable, passwd.
    User {
        #[command(flatten)]
        target: credentials::Target,
        #[command(subcommand)]
        command: credentials::UserCommand,
    },
    /// The store: stats (on a stopped hub's data dir).
    Store {
        #[command(flatten)]
        target: credentials::Target,
        #[command(subcommand)]
        command: store::StoreCommand,
    },
    /// The audit log: list, verify.
    Audit {
        #[command(flatten)]
        target: credentials::Target,
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
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
        Command::DeadLetters(d) => dead_letters::run(d),
        Command::Token { target, command } => credentials::run_token(&target, command),
        Command::User { target, command } => credentials::run_user(&target, command),
        Command::Audit { target, command } => audit::run(&target, command),
        Command::Store { target, command } => store::run(&target, command),
    }
}

/// Where `translate`, `plugin inspect` and `check` keep compiled plugins:
/// `$CLEARWAY_CACHE_DIR`, else `$XDG_CACHE_HOME/clearway`, else `~/.cache/clearway`.
/// Never a shared folder such as `/tmp`: the cache holds native code that is loaded
/// as it is, so another user must not be able to plant files in it.
pub fn cache_dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os("CLEARWAY_CACHE_DIR") {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(d).join("clearway"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        return Ok(PathBuf::from(h).join(".cache").join("clearway"));
    }
    anyhow::bail!("no folder for the compiled-plugin cache: set CLEARWAY_CACHE_DIR (or HOME)")
}
