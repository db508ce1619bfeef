//! `clearway token create|list|revoke` and `clearway user add|list|disable|passwd`.
//!
//! Each works on a stopped hub's data dir (`--config`, the default), or on a
//! running hub through its API with an admin token (`--hub URL` and `--token`,
//! `--token-file` or `$CLEARWAY_TOKEN`): a running hub holds the store's lock.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::audit::Event;
use crate::auth::{Auth, Role};

/// Where a credential command works: the data dir, or a running hub.
#[derive(Debug, Args)]
pub struct Target {
    /// The config file (its data_dir is opened when the hub is stopped).
    #[arg(long, short, default_value = "clearway.toml", global = true)]
    pub(super) config: PathBuf,
    /// A running hub's base URL: talk to its API instead of opening the data dir.
    #[arg(long, env = "CLEARWAY_URL", global = true)]
    pub(super) hub: Option<String>,
    /// An admin token for `--hub` (or `$CLEARWAY_TOKEN`).
    #[arg(long, env = "CLEARWAY_TOKEN", hide_env_values = true, global = true)]
    pub(super) token: Option<String>,
    /// A file holding the admin token for `--hub` (such as data/admin.token).
    #[arg(long, env = "CLEARWAY_TOKEN_FILE", global = true)]
    pub(super) token_file: Option<PathBuf>,
    /// A PEM CA certificate to trust for an `https://` hub.
    #[arg(long, global = true)]
    pub(super) cacert: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub(super) json: bool,
}

/// `clearway token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token and print it (only the token, on stdout; it is shown once).
    Create {
        /// The token's name (letters, digits, `.`, `_`, `-`).
        #[arg(long)]
        name: String,
        /// admin, operator, coordinator, viewer or sender.
        #[arg(long)]
        role: Role,
        /// For senders: an inbound endpoint it may post to (repeat for more).
        #[arg(long = "endpoint")]
        endpoints: Vec<String>,
        /// Days until it stops working (default: never).
        #[arg(long)]
        expires: Option<u32>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// `clearway user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person who logs in with a password (read from the terminal or --password-file).
    Add {
        /// Their login name.
        name: String,
        /// admin, operator, coordinator or viewer.
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of this file.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List people.
    List,
    /// Stop a person from logging in (ends their sessions on a running hub).
    Disable {
        /// Their login name.
        name: String,
    },
    /// Set a person's password (and enable them again).
    Passwd {
        /// Their login name.
        name: String,
        /// Read the password from the first line of this file.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// Open the stopped hub's store and its access control.
pub(super) fn open_offline(
    config: &std::path::Path,
) -> anyhow::Result<(crate::config::Config, crate::store::Store, Auth)> {
    let config = crate::config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = crate::store::open_configured(&config.hub).with_context(|| {
        format!(
            "cannot open the store in {} (if the hub is running, use --hub URL with an admin token)",
            config.hub.data_dir.display()
        )
    })?;
    let auth = Auth::new(&store, &config.hub)?;
    Ok((config, store, auth))
}

/// Who the command line is, in the audit log.
pub(super) fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// Make one credential change on the stopped hub's store: audit it (refused or
/// not, as the API does) and make both durable before saying it is done.
fn change<T>(
    store: &crate::store::Store,
    auth: &Auth,
    action: &str,
    name: &str,
    f: impl FnOnce(&crate::auth::Credentials) -> Result<T, crate::auth::CredentialError>,
) -> anyhow::Result<T> {
    let result = f(&auth.credentials);
    auth.audit.append(Event {
        actor: cli_actor(),
        role: Some("admin".into()),
        action: action.into(),
        records: vec![name.to_owned()],
        source: Some("local".into()),
        outcome: if result.is_ok() { "ok" } else { "refused" }.into(),
    })?;
    store.sync_blocking()?;
    Ok(result?)
}

fn read_password(file: Option<&PathBuf>) -> anyhow::Result<String> {
    if let Some(f) = file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        return Ok(text.lines().next().unwrap_or("").to_owned());
    }
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("password: ")?;
        let b = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(a == b, "the two passwords differ");
        return Ok(a);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(
        !line.is_empty(),
        "no password: give --password-file FILE or type it at a terminal"
    );
    Ok(line)
}

/// Run `token ...`.
pub fn run_token(t: &Target, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    if let Some(base) = &t.hub {
        let api = super::client::Api::new(
            base,
            t.token.as_deref(),
            t.token_file.as_deref(),
            t.cacert.as_deref(),
        )?;
        return match cmd {
            TokenCommand::Create {
                name,
                role,
                endpoints,
                expires,
            } => {
                let body = json!({ "name": name, "role": role, "endpoints": endpoints, "expires_days": expires });
                let v = api.call(reqwest::Method::POST, "/v1/admin/tokens", Some(body))?;
                println!("{}", v["token"].as_str().unwrap_or_default());
                Ok(ExitCode::SUCCESS)
            }
            TokenCommand::List => {
                let v = api.call(reqwest::Method::GET, "/v1/admin/tokens", None)?;
                print_tokens(&v["items"], t.json)
            }
            TokenCommand::Revoke { name } => {
                api.call(
                    reqwest::Method::DELETE,
                    &format!("/v1/admin/tokens/{name}"),
                    None,
                )?;
                eprintln!("token `{name}` revoked");
                Ok(ExitCode::SUCCESS)
            }
        };
    }
    let (config, store, auth) = open_offline(&t.config)?;
    match cmd {
        TokenCommand::Create {
            name,
            role,
            endpoints,
            expires,
        } => {
            crate::api::check_sender_endpoints(&config, &endpoints).map_err(anyhow::Error::msg)?;
            let token = change(&store, &auth, "token.create", &name, |c| {
                c.create_token(&name, role, &endpoints, expires)
            })?;
            println!("{token}");
        }
        TokenCommand::List => {
            let v = serde_json::to_value(auth.credentials.list_tokens()?)?;
            return print_tokens(&v, t.json);
        }
        TokenCommand::Revoke { name } => {
            change(&store, &auth, "token.revoke", &name, |c| {
                c.revoke_token(&name)
            })?;
            eprintln!("token `{name}` revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `user ...`.
pub fn run_user(t: &Target, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    if let Some(base) = &t.hub {
        let api = super::client::Api::new(
            base,
            t.token.as_deref(),
            t.token_file.as_deref(),
            t.cacert.as_deref(),
        )?;
        match cmd {
            UserCommand::Add {
                name,
                role,
                password_file,
            } => {
                let password = read_password(password_file.as_ref())?;
                api.call(
                    reqwest::Method::POST,
                    "/v1/admin/users",
                    Some(json!({"name": name, "role": role, "password": password})),
                )?;
                eprintln!("user `{name}` added ({role})");
            }
            UserCommand::List => {
                let v = api.call(reqwest::Method::GET, "/v1/admin/users", None)?;
                return print_users(&v["items"], t.json);
            }
            UserCommand::Disable { name } => {
                let v = api.call(
                    reqwest::Method::POST,
                    &format!("/v1/admin/users/{name}/disable"),
                    None,
                )?;
                eprintln!(
                    "user `{name}` disabled ({} sessions ended)",
                    v["sessions_ended"]
                );
            }
            UserCommand::Passwd {
                name,
                password_file,
            } => {
                let password = read_password(password_file.as_ref())?;
                api.call(
                    reqwest::Method::POST,
                    &format!("/v1/admin/users/{name}/password"),
                    Some(json!({"password": password})),
                )?;
                eprintln!("password of `{name}` changed");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (_config, store, auth) = open_offline(&t.config)?;
    match cmd {
        UserCommand::Add {
            name,
            role,
            password_file,
        } => {
            let password = read_password(password_file.as_ref())?;
            change(&store, &auth, "user.add", &name, |c| {
                c.add_user(&name, role, &password)
            })?;
            eprintln!("user `{name}` added ({role})");
        }
        UserCommand::List => {
            let v = serde_json::to_value(auth.credentials.list_users()?)?;
            return print_users(&v, t.json);
        }
        UserCommand::Disable { name } => {
            change(&store, &auth, "user.disable", &name, |c| {
                c.disable_user(&name)
            })?;
            eprintln!("user `{name}` disabled");
        }
        UserCommand::Passwd {
            name,
            password_file,
        } => {
            let password = read_password(password_file.as_ref())?;
            change(&store, &auth, "user.passwd", &name, |c| {
                c.set_password(&name, &password)
            })?;
            eprintln!("password of `{name}` changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(a) if a.is_empty() => "-".into(),
        Value::Array(a) => a.iter().map(s).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn print_tokens(items: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(items)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<24}  {:<11}  {:<8}  {:<24}  {:<24}  ENDPOINTS",
        "NAME", "ROLE", "STATE", "CREATED", "EXPIRES"
    );
    for t in items.as_array().into_iter().flatten() {
        println!(
            "{:<24}  {:<11}  {:<8}  {:<24}  {:<24}  {}",
            s(&t["name"]),
            s(&t["role"]),
            s(&t["state"]),
            s(&t["created_at"]),
            s(&t["expires_at"]),
            s(&t["endpoints"])
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_users(items: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(items)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<24}  {:<11}  {:<8}  {:<24}  CHANGED",
        "NAME", "ROLE", "STATE", "CREATED"
    );
    for u in items.as_array().into_iter().flatten() {
        let state = if u["disabled"].as_bool().unwrap_or(false) {
            "disabled"
        } else {
            "active"
        };
        println!(
            "{:<24}  {:<11}  {:<8}  {:<24}  {}",
            s(&u["name"]),
            s(&u["role"]),
            state,
            s(&u["created_at"]),
            s(&u["changed_at"])
        );
    }
    Ok(ExitCode::SUCCESS)
}
