//! `clearway store stats`: what the store holds, tree by tree, and its bytes per
//! record, on a stopped hub's data dir (a running hub holds the store's lock; its
//! `/metrics` has the same figures as `clearway_store_*`).

use std::process::ExitCode;

use clap::Subcommand;

use super::credentials::{Target, open_offline};

/// `clearway store ...`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Entries and bytes per tree, size on disk and bytes per record.
    Stats,
}

/// Run `store ...`.
pub fn run(t: &Target, cmd: StoreCommand) -> anyhow::Result<ExitCode> {
    let StoreCommand::Stats = cmd;
    if t.hub.is_some() {
        anyhow::bail!(
            "`store stats` reads the data dir of a stopped hub; for a running one read clearway_store_tree_bytes and clearway_store_bytes_per_record from its /metrics"
        );
    }
    let (_, store, _) = open_offline(&t.config)?;
    let stats = store.stats()?;
    if t.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<24} {:>12} {:>16}", "TREE", "ENTRIES", "BYTES");
    for tr in &stats.trees {
        println!("{:<24} {:>12} {:>16}", tr.name, tr.entries, tr.bytes);
    }
    println!();
    println!("on disk:          {} bytes", stats.on_disk_bytes);
    println!("records:          {}", stats.records);
    match stats.bytes_per_record {
        Some(b) => println!("bytes per record: {b}"),
        None => println!("bytes per record: (no records)"),
    }
    Ok(ExitCode::SUCCESS)
}
