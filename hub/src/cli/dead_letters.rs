//! `clearway dead-letters list|replay`: a client of a running hub's
//! `/v1/dead-letters` and `/v1/dead-letters/replay`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::client::Api;

/// Arguments of `dead-letters`.
#[derive(Debug, Args)]
pub struct DeadLettersArgs {
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
    command: DeadLettersCommand,
}

#[derive(Debug, Subcommand)]
enum DeadLettersCommand {
    /// List dead letters, newest first, with the counts by destination and reason.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Page size (1-1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// The cursor from the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Replay dead letters by id, or every one a filter selects (at most 1000, oldest first).
    Replay {
        /// A dead letter's id (repeatable); not with the filter options.
        #[arg(long = "id", conflicts_with_all = ["destination", "reason", "kind", "since", "until"])]
        ids: Vec<String>,
        #[command(flatten)]
        filter: FilterArgs,
        /// Replay at most this many of the filter's (1-1000).
        #[arg(long, conflicts_with = "ids")]
        max: Option<u32>,
        /// Replay; without it, only say how many would be.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
struct FilterArgs {
    /// Only those dead at this destination endpoint.
    #[arg(long)]
    destination: Option<String>,
    /// Only those dead for this error code, or a dotted prefix of one (`delivery`).
    #[arg(long)]
    reason: Option<String>,
    /// Only messages of this kind.
    #[arg(long)]
    kind: Option<String>,
    /// Only those gone dead at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Only those gone dead before this time.
    #[arg(long)]
    until: Option<String>,
}

impl FilterArgs {
    fn pairs(&self) -> Vec<(&'static str, &String)> {
        [
            ("destination", &self.destination),
            ("reason", &self.reason),
            ("kind", &self.kind),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect()
    }
}

/// `?k=v&...`, percent-encoded.
fn query(pairs: &[(&str, String)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect();
    format!("?{}", encoded.join("&"))
}

/// Run a `dead-letters` subcommand.
pub fn run(a: DeadLettersArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(
        &a.hub,
        a.token.as_deref(),
        a.token_file.as_deref(),
        a.cacert.as_deref(),
    )?;
    match &a.command {
        DeadLettersCommand::List {
            filter,
            limit,
            cursor,
        } => {
            let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
            q.extend(filter.pairs().into_iter().map(|(k, v)| (k, v.clone())));
            if let Some(c) = cursor {
                q.push(("cursor", c.clone()));
            }
            let body = api.call(
                reqwest::Method::GET,
                &format!("/v1/dead-letters{}", query(&q)),
                None,
            )?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&body)?);
            } else {
                print_list(&body);
            }
        }
        DeadLettersCommand::Replay {
            ids,
            filter,
            max,
            yes,
        } => {
            let fields = filter.pairs();
            if ids.is_empty() && fields.is_empty() {
                anyhow::bail!(
                    "say which dead letters to replay: --id ID..., or --destination, --reason, --kind, --since or --until"
                );
            }
            if !yes {
                if ids.is_empty() {
                    let mut q: Vec<(&str, String)> = vec![("limit", "1".into())];
                    q.extend(fields.iter().map(|(k, v)| (*k, (*v).clone())));
                    let body = api.call(
                        reqwest::Method::GET,
                        &format!("/v1/dead-letters{}", query(&q)),
                        None,
                    )?;
                    let n = body["total"].as_u64().unwrap_or(0);
                    let take = max.map_or(n, |m| n.min(u64::from(m)).min(1000)).min(1000);
                    println!(
                        "{n} dead letter(s) match; {take} would be replayed. Run again with --yes to replay them."
                    );
                } else {
                    println!(
                        "{} message(s) would be replayed. Run again with --yes to replay them.",
                        ids.len()
                    );
                }
                return Ok(ExitCode::FAILURE);
            }
            let body = if ids.is_empty() {
                let mut b = json!({ "confirm": true });
                for (k, v) in &fields {
                    b[*k] = json!(v);
                }
                if let Some(m) = max {
                    b["max"] = json!(m);
                }
                b
            } else {
                json!({ "ids": ids })
            };
            let out = api.call(reqwest::Method::POST, "/v1/dead-letters/replay", Some(body))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("replayed {}", out["replayed"]);
                for id in out["ids"].as_array().into_iter().flatten() {
                    println!("  {}", s(id));
                }
                for f in out["failed"].as_array().into_iter().flatten() {
                    println!("not replayed {}: {}", s(&f["id"]), s(&f["error"]));
                }
                if out["left"].as_u64().unwrap_or(0) > 0 {
                    println!("{} more match: run again for the rest", out["left"]);
                }
            }
            if out["failed"].as_array().is_some_and(|f| !f.is_empty()) {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_list(body: &Value) {
    println!(
        "{:<26}  {:<22}  {:<16}  {:<8}  {:<24}  REASON",
        "ID", "KIND", "DESTINATION", "ATTEMPTS", "DEAD AT"
    );
    for r in body["items"].as_array().into_iter().flatten() {
        for d in r["dead"].as_array().into_iter().flatten() {
            println!(
                "{:<26}  {:<22}  {:<16}  {:<8}  {:<24}  {}",
                s(&r["id"]),
                s(&r["kind"]),
                s(&d["destination"]),
                s(&d["attempts"]),
                s(&d["dead_at"]),
                s(&d["reason"]["code"]),
            );
        }
    }
    if let Some(c) = body["next_cursor"].as_str() {
        println!("(more: --cursor {c})");
    }
    println!();
    println!("{:<16}  {:<40}  COUNT", "DESTINATION", "REASON");
    for g in body["groups"].as_array().into_iter().flatten() {
        println!(
            "{:<16}  {:<40}  {}",
            s(&g["destination"]),
            s(&g["reason"]),
            s(&g["count"])
        );
    }
    println!("{} dead letter(s) in all", s(&body["total"]));
    if body["partial"] == true {
        println!("(counted within a time budget: narrow --since/--until to see older ones)");
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}
