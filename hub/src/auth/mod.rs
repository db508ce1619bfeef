//! Access control: who a caller is (API tokens, people with passwords and their
//! browser sessions), what each role may do (the route x role matrix in
//! `docs/security.md`), and the login throttle.
//!
//! Credentials live in the store's `credentials` tree; secrets are kept only as
//! hashes (argon2id for passwords, HMAC-SHA256 under a store-local key for 256-bit
//! random tokens). Sessions live in memory: a restart logs everyone out.

pub mod credentials;
pub mod policy;
mod secret;
pub mod session;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use credentials::{CredentialError, Credentials, TokenInfo, UserInfo};
pub use policy::{Access, Rule};
pub use session::{LoginThrottle, Session, Sessions};

/// What a credential may do (see the matrix in `docs/security.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Credentials, audit, and everything the other roles may do.
    Admin,
    /// The message log with payloads, replay, dead letters.
    Operator,
    /// Claims, worklists and their PHI; no raw-payload download.
    Coordinator,
    /// Statuses, counts and metadata, PHI masked; no free-text search.
    Viewer,
    /// Posts to the inbound endpoints it is bound to, nothing else.
    Sender,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Operator,
        Role::Coordinator,
        Role::Viewer,
        Role::Sender,
    ];

    /// The role's name as written on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Coordinator => "coordinator",
            Role::Viewer => "viewer",
            Role::Sender => "sender",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected one of: admin, operator, coordinator, viewer, sender)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// How a caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer` with an API token.
    Token,
    /// The browser session cookie (state-changing requests also need the CSRF token).
    Session {
        /// The session's id (kept only in memory).
        id: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's or the person's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// For senders: the inbound endpoints it may post to.
    pub endpoints: Vec<String>,
    /// How it authenticated.
    pub via: Via,
}

impl Principal {
    /// Whether PHI must be masked in what this caller reads.
    pub fn masked(&self) -> bool {
        self.role == Role::Viewer
    }
}

/// Everything the API's access-control layer needs: credentials, sessions, the
/// login throttle, the audit log and the hosts the hub answers to.
pub struct Auth {
    /// Tokens and people.
    pub credentials: Credentials,
    /// Open browser sessions.
    pub sessions: Sessions,
    /// Failed-login counts.
    pub throttle: LoginThrottle,
    /// The audit log.
    pub audit: crate::audit::Audit,
    /// Senders must also show a client certificate `[hub] tls.client_ca` signed.
    pub sender_cert_required: bool,
    allowed_hosts: Vec<String>,
}

impl Auth {
    /// Access control over `store`, with the `[hub]` settings.
    pub fn new(
        store: &crate::store::Store,
        hub: &crate::config::HubConfig,
    ) -> anyhow::Result<Auth> {
        let port = hub.listen.port();
        let allowed_hosts = if hub.allowed_hosts.is_empty() {
            let mut h = vec![
                format!("localhost:{port}"),
                format!("127.0.0.1:{port}"),
                format!("[::1]:{port}"),
            ];
            if !hub.listen.ip().is_unspecified() {
                h.push(hub.listen.to_string());
            }
            h
        } else {
            hub.allowed_hosts.clone()
        };
        Ok(Auth {
            credentials: Credentials::open(store)?,
            sessions: Sessions::new(
                std::time::Duration::from_secs(hub.session_idle_minutes * 60),
                std::time::Duration::from_secs(hub.session_max_hours * 3600),
            ),
            throttle: LoginThrottle::default(),
            audit: crate::audit::Audit::open(store)?,
            sender_cert_required: hub.tls.as_ref().is_some_and(|t| t.client_ca.is_some()),
            allowed_hosts,
        })
    }

    /// Whether a request's `Host` header names this hub: an entry with a port must
    /// match exactly, one without matches any port.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = match host.rfind(':') {
            Some(i) if !host[i..].contains(']') => &host[..i],
            _ => host.as_str(),
        };
        self.allowed_hosts.iter().any(|a| *a == host || *a == name)
    }
}

/// Constant-time string equality (CSRF tokens).
pub fn secret_same(a: &str, b: &str) -> bool {
    secret::same(a, b)
}
