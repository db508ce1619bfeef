//! The chaos program (`chaos kill N`, `chaos partner-down`, `chaos disk-full`): a real
//! hub under faults (SIGKILL at random moments, a partner that is down, a full
//! disk), with senders that record what the hub acknowledged and checks that
//! nothing acknowledged was lost, corrupted or delivered twice without a record.
//! See tests/README.md, "Chaos".

mod check;
mod disk_full;
mod hub;
mod kill;
mod partner_down;
mod payload;
mod receiver;
mod rng;
mod senders;
pub mod sha256;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};

pub use rng::Rng;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// `kill N`: N SIGKILLs at random moments, then drain and check.
    Kill(u32),
    /// `partner-down`: the http-out partner refuses everything while messages pile up.
    PartnerDown,
    /// `disk-full`: the data dir on a small tmpfs, filled up.
    DiskFull,
}

/// The command line.
#[derive(Debug, Clone)]
pub struct Opts {
    /// What to run.
    pub scenario: Scenario,
    /// The `clearway` binary (`--hub`; default `$CLEARWAY_BIN`, else
    /// `target/debug/clearway`).
    pub hub: PathBuf,
    /// The seed of every random choice (printed, so a run can be repeated).
    pub seed: u64,
    /// How long the hub may take to drain its queues at the end.
    pub drain_timeout: Duration,
    /// `partner-down`/`disk-full`: messages to post (partner-down), or the most to
    /// try (disk-full).
    pub messages: u64,
    /// `partner-down`: fail when the hub's peak RSS exceeds this (MiB) instead of
    /// the bound derived from its config (docs/operations.md, "Memory").
    pub max_rss_mib: Option<u64>,
    /// `disk-full`: succeed with a note when the tmpfs cannot be mounted.
    pub allow_skip: bool,
    /// `disk-full`: the tmpfs size in MiB.
    pub disk_mib: u64,
}

/// How to call the program.
pub const USAGE: &str = "usage: chaos (kill N | partner-down | disk-full) [--hub PATH] [--seed N] \
[--drain-timeout SECS] [--messages N] [--max-rss-mib N] [--disk-mib N] [--allow-skip]";

impl Opts {
    /// Read the command line (without the program name).
    pub fn parse(args: &[String]) -> anyhow::Result<Opts> {
        let mut words = args.iter();
        let scenario = match words.next().map(String::as_str) {
            Some("kill") => Scenario::Kill(
                words
                    .next()
                    .context("`kill` needs the number of kills")?
                    .parse()
                    .context("`kill N`: N is a whole number")?,
            ),
            Some("partner-down") => Scenario::PartnerDown,
            Some("disk-full") => Scenario::DiskFull,
            Some(other) => bail!("unknown scenario `{other}`\n{USAGE}"),
            None => bail!("{USAGE}"),
        };
        let mut opts = Opts {
            scenario,
            hub: default_hub(),
            seed: Rng::fresh_seed(),
            drain_timeout: Duration::from_secs(180),
            messages: 3000,
            max_rss_mib: None,
            allow_skip: false,
            disk_mib: 64,
        };
        while let Some(flag) = words.next() {
            let mut value = || {
                words
                    .next()
                    .with_context(|| format!("`{flag}` needs a value\n{USAGE}"))
            };
            let number = |v: &String| -> anyhow::Result<u64> {
                v.parse()
                    .with_context(|| format!("`{flag} {v}`: not a whole number"))
            };
            match flag.as_str() {
                "--hub" => opts.hub = PathBuf::from(value()?),
                "--seed" => opts.seed = number(value()?)?,
                "--drain-timeout" => opts.drain_timeout = Duration::from_secs(number(value()?)?),
                "--messages" => opts.messages = number(value()?)?,
                "--max-rss-mib" => opts.max_rss_mib = Some(number(value()?)?),
                "--disk-mib" => opts.disk_mib = number(value()?)?,
                "--allow-skip" => opts.allow_skip = true,
                other => bail!("unknown option `{other}`\n{USAGE}"),
            }
        }
        if !opts.hub.exists() {
            bail!(
                "{} is missing: build the hub (cargo build -p clearway) or pass --hub PATH",
                opts.hub.display()
            );
        }
        Ok(opts)
    }
}

/// `$CLEARWAY_BIN`, else the debug build in the target dir (as the tests use).
fn default_hub() -> PathBuf {
    if let Some(p) = std::env::var_os("CLEARWAY_BIN") {
        return PathBuf::from(p);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| crate::support::root().join("target"), PathBuf::from)
        .join("debug")
        .join("clearway")
}

/// Run the scenario; `Ok(false)` when a check failed (the failures are printed).
pub fn run(opts: &Opts) -> anyhow::Result<bool> {
    println!(
        "chaos {:?}: seed {} (repeat with --seed {}), hub {}",
        opts.scenario,
        opts.seed,
        opts.seed,
        opts.hub.display()
    );
    match opts.scenario {
        Scenario::Kill(n) => kill::run(opts, n),
        Scenario::PartnerDown => partner_down::run(opts),
        Scenario::DiskFull => disk_full::run(opts),
    }
}

/// A temp folder for one run, kept (and named) when the run fails.
fn workdir() -> anyhow::Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new()
        .prefix("clearway-chaos-")
        .tempdir()?)
}

/// Print the outcome; keep the folder when something failed.
fn finish(dir: tempfile::TempDir, failures: &check::Failures) -> bool {
    if failures.is_empty() {
        println!("chaos: every check passed");
        true
    } else {
        failures.print();
        let kept = dir.keep();
        println!(
            "chaos: FAILED; the hub's folder (config, hub.log, outbox, inbox) is kept in {}",
            kept.display()
        );
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{Opts, Scenario};

    fn parse(s: &str) -> anyhow::Result<Opts> {
        let args: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
        Opts::parse(&args)
    }

    #[test]
    fn the_command_line() {
        // The default hub may not be built here: name one that exists.
        let o = parse("kill 20 --seed 7 --hub /bin/sh").unwrap();
        assert_eq!(o.scenario, Scenario::Kill(20));
        assert_eq!(o.seed, 7);
        let o = parse("partner-down --max-rss-mib 512 --hub /bin/sh").unwrap();
        assert_eq!(
            (o.scenario, o.max_rss_mib),
            (Scenario::PartnerDown, Some(512))
        );
        assert!(parse("kill").is_err());
        assert!(parse("kill x --hub /bin/sh").is_err());
        assert!(parse("disk-full --bogus --hub /bin/sh").is_err());
        assert!(parse("explode").is_err());
    }
}
