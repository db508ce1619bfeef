//! `clearway messages list|show|replay`: a client of a running hub's API.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::Value;

/// Arguments of `messages`.
#[derive(Debug, Args)]
pub struct MessagesArgs {
    /// The hub's base URL.
    #[arg(
        long,
        env = "CLEARWAY_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    hub: String,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// An API token (or `$CLEARWAY_TOKEN`).
    #[arg(long, env = "CLEARWAY_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// A file holding the API token (such as data/admin.token).
    #[arg(long, env = "CLEARWAY_TOKEN_FILE", global = true)]
    token_file: Option<std::path::PathBuf>,
    /// A PEM CA certificate to trust for an `https://` hub.
    #[arg(long, global = true)]
    cacert: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: MessagesCommand,
}

#[derive(Debug, Subcommand)]
enum MessagesCommand {
    /// List records, newest first.
    List(ListArgs),
    /// Show one record with its history and payloads.
    Show {
        /// The record id.
        id: String,
    },
    /// Queue a record again.
    Replay {
        /// The record id.
        id: String,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this status (received, decoded, decode_failed, unrouted, queued, delivered, retrying, dead, replayed).
    #[arg(long)]
    status: Option<String>,
    /// Only this kind (e.g. claim).
    #[arg(long)]
    kind: Option<String>,
    /// Only this inbound endpoint.
    #[arg(long)]
    endpoint: Option<String>,
    /// Only records with this correlation value (claim id, trace number, ...).
    #[arg(long)]
    correlation: Option<String>,
    /// Only records made at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Only records made before this time.
    #[arg(long)]
    until: Option<String>,
    /// Free-text search.
    #[arg(long)]
    q: Option<String>,
    /// Page size (1-1000).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// The cursor from the previous page.
    #[arg(long)]
    cursor: Option<String>,
}

/// Run a `messages` subcommand.
pub fn run(a: MessagesArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(go(a))
}

async fn go(a: MessagesArgs) -> anyhow::Result<ExitCode> {
    let token = super::client::read_token(a.token.as_deref(), a.token_file.as_deref())?
        .context("the hub's API needs a token: --token, --token-file or $CLEARWAY_TOKEN")?;
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(c) = super::client::read_cacert(a.cacert.as_deref())? {
        builder = builder.add_root_certificate(c);
    }
    let client = builder.build()?;
    let base = a.hub.trim_end_matches('/');
    let req = match &a.command {
        MessagesCommand::List(l) => {
            let mut q: Vec<(&str, String)> = vec![("limit", l.limit.to_string())];
            for (k, v) in [
                ("status", &l.status),
                ("kind", &l.kind),
                ("endpoint", &l.endpoint),
                ("correlation", &l.correlation),
                ("since", &l.since),
                ("until", &l.until),
                ("q", &l.q),
                ("cursor", &l.cursor),
            ] {
                if let Some(v) = v {
                    q.push((k, v.clone()));
                }
            }
            client.get(format!("{base}/v1/messages")).query(&q)
        }
        MessagesCommand::Show { id } => client.get(format!("{base}/v1/messages/{id}")),
        MessagesCommand::Replay { id } => client.post(format!("{base}/v1/messages/{id}/replay")),
    };
    let resp = req
        .bearer_auth(&token)
        .send()
        .await
        .with_context(|| format!("cannot reach the hub at {base}"))?;
    let status = resp.status();
    let body: Value = resp.json().await.context("the hub's answer is not JSON")?;
    if !status.is_success() {
        let e = &body["error"];
        eprintln!(
            "error: {} ({})",
            e["message"].as_str().unwrap_or("request failed"),
            e["code"].as_str().unwrap_or("")
        );
        return Ok(ExitCode::FAILURE);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &a.command {
        MessagesCommand::List(_) => {
            println!(
                "{:<26}  {:<8}  {:<22}  {:<13}  {:<16}  {:<24}  ERROR",
                "ID", "TYPE", "KIND", "STATUS", "ENDPOINT", "CREATED"
            );
            for r in body["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<26}  {:<8}  {:<22}  {:<13}  {:<16}  {:<24}  {}",
                    s(&r["id"]),
                    s(&r["record_type"]),
                    s(&r["kind"]),
                    s(&r["status"]),
                    s(&r["endpoint"]),
                    s(&r["created_at"]),
                    s(&r["last_error"]["code"]),
                );
            }
            if let Some(c) = body["next_cursor"].as_str() {
                println!("(more: --cursor {c})");
            }
        }
        MessagesCommand::Show { .. } => {
            let r = &body["record"];
            println!(
                "{} {} {} {} via {}",
                s(&r["id"]),
                s(&r["record_type"]),
                s(&r["kind"]),
                s(&r["status"]),
                s(&r["endpoint"])
            );
            for h in r["history"].as_array().into_iter().flatten() {
                let dest = h["destination"]
                    .as_str()
                    .map(|d| format!(" -> {d}"))
                    .unwrap_or_default();
                let note = h["note"]
                    .as_str()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                let err = h["error"]["message"]
                    .as_str()
                    .map(|m| format!(" ERROR {}: {m}", s(&h["error"]["code"])))
                    .unwrap_or_default();
                println!(
                    "  {}  {:<13} {}{dest}{note}{err}",
                    s(&h["at"]),
                    s(&h["status"]),
                    s(&h["actor"])
                );
            }
            if !body["normalized"].is_null() {
                println!("{}", serde_json::to_string_pretty(&body["normalized"])?);
            } else if let Some(raw) = body["raw"]["data"].as_str() {
                println!("{raw}");
            }
        }
        MessagesCommand::Replay { id } => println!("{id}: {}", s(&body["status"])),
    }
    Ok(ExitCode::SUCCESS)
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}
