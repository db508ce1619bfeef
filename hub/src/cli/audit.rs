//! `clearway audit list|verify`: on a stopped hub's data dir, or through a
//! running hub's API with an admin token (`--hub`).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::credentials::{Target, open_offline};
use crate::store::record::parse_time_ms;

/// `clearway audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List entries, newest first.
    List {
        /// Only this actor.
        #[arg(long)]
        actor: Option<String>,
        /// Only actions starting with this (e.g. `login`).
        #[arg(long)]
        action: Option<String>,
        /// Only entries about this record id or credential name.
        #[arg(long)]
        record: Option<String>,
        /// Only entries at or after this time (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Only entries before this time.
        #[arg(long)]
        until: Option<String>,
        /// At most this many (1-1000).
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Check the hash chain: exit 1 naming every entry edited, deleted or moved.
    Verify,
}

/// Run `audit ...`.
pub fn run(t: &Target, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let verified: Value = match (&t.hub, cmd) {
        (
            Some(base),
            AuditCommand::List {
                actor,
                action,
                record,
                since,
                until,
                limit,
            },
        ) => {
            let api = super::client::Api::new(
                base,
                t.token.as_deref(),
                t.token_file.as_deref(),
                t.cacert.as_deref(),
            )?;
            let mut q = vec![format!("limit={limit}")];
            for (k, v) in [
                ("actor", actor),
                ("action", action),
                ("record", record),
                ("since", since),
                ("until", until),
            ] {
                if let Some(v) = v {
                    q.push(format!(
                        "{k}={}",
                        form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                    ));
                }
            }
            let entries = api.call(
                reqwest::Method::GET,
                &format!("/v1/audit?{}", q.join("&")),
                None,
            )?["items"]
                .take();
            return print_entries(&entries, t.json);
        }
        (Some(base), AuditCommand::Verify) => {
            let api = super::client::Api::new(
                base,
                t.token.as_deref(),
                t.token_file.as_deref(),
                t.cacert.as_deref(),
            )?;
            api.call(reqwest::Method::GET, "/v1/audit/verify", None)?
        }
        (
            None,
            AuditCommand::List {
                actor,
                action,
                record,
                since,
                until,
                limit,
            },
        ) => {
            let (_, _, auth) = open_offline(&t.config)?;
            anyhow::ensure!(
                (1..=1000).contains(&limit),
                "`--limit` must be from 1 to 1000"
            );
            let time = |s: Option<String>, name: &str| -> anyhow::Result<Option<u64>> {
                s.map(|s| {
                    parse_time_ms(&s)
                        .ok_or_else(|| anyhow::anyhow!("`--{name}` must be RFC 3339 or YYYY-MM-DD"))
                })
                .transpose()
            };
            let q = crate::audit::Query {
                actor,
                action,
                record,
                since_ms: time(since, "since")?,
                until_ms: time(until, "until")?,
                before: None,
                limit,
            };
            let entries = serde_json::to_value(auth.audit.list(&q)?.0)?;
            return print_entries(&entries, t.json);
        }
        (None, AuditCommand::Verify) => {
            let (_, _, auth) = open_offline(&t.config)?;
            serde_json::to_value(auth.audit.verify()?)?
        }
    };
    if t.json {
        println!("{}", serde_json::to_string_pretty(&verified)?);
    }
    let broken = verified["broken"].as_array().cloned().unwrap_or_default();
    for b in &broken {
        eprintln!(
            "audit entry {}: {}",
            b["seq"],
            b["problem"].as_str().unwrap_or("")
        );
    }
    if broken.is_empty() {
        eprintln!(
            "audit log intact: {} entries, head {}",
            verified["entries"],
            verified["head"].as_str().unwrap_or("")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "audit log BROKEN: {} problem(s) in {} entries",
            broken.len(),
            verified["entries"]
        );
        Ok(ExitCode::FAILURE)
    }
}

fn print_entries(items: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(items)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>6}  {:<24}  {:<20}  {:<11}  {:<18}  {:<10}  {:<15}  RECORDS",
        "SEQ", "AT", "ACTOR", "ROLE", "ACTION", "OUTCOME", "SOURCE"
    );
    let s = |v: &Value| v.as_str().map_or_else(|| "-".to_owned(), str::to_owned);
    for e in items.as_array().into_iter().flatten() {
        let records: Vec<String> = e["records"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        println!(
            "{:>6}  {:<24}  {:<20}  {:<11}  {:<18}  {:<10}  {:<15}  {}",
            e["seq"],
            s(&e["at"]),
            s(&e["actor"]),
            s(&e["role"]),
            s(&e["action"]),
            s(&e["outcome"]),
            s(&e["source"]),
            records.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}
