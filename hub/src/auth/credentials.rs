//! API tokens and people, in the store's `credentials` tree. Only hashes of
//! secrets are kept: a token's HMAC-SHA256 digest under a key of this store, a
//! password's argon2id hash.
//!
//! Keys: `token/NAME` and `user/NAME` hold the JSON records, `digest/HEX` maps a
//! token digest to its name, `meta/token-key` holds the HMAC key.

use serde::{Deserialize, Serialize};

use super::secret;
use super::{Principal, Role, Via};
use crate::store::record::{now_ms, rfc3339_ms};
use crate::store::{Store, StoreError};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
const TOKEN_KEY: &[u8] = b"meta/token-key";

/// Why a credential operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The name is not 1 to 64 letters, digits, `.`, `_` or `-`.
    #[error("`{0}` is not a valid name (1 to 64 letters, digits, `.`, `_` or `-`)")]
    BadName(String),
    /// A live credential already has this name.
    #[error("a {what} named `{name}` already exists")]
    Exists {
        /// `token` or `user`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// No credential has this name.
    #[error("no {what} named `{name}`")]
    NotFound {
        /// `token` or `user`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// Sender tokens need endpoints; other roles take none.
    #[error("{0}")]
    Endpoints(String),
    /// The password is too short.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The expiry is out of range.
    #[error("`--expires` must be from 1 to 3650 days")]
    BadExpiry,
    /// Hashing failed (not expected).
    #[error("hashing the secret failed: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for CredentialError {
    fn from(e: sled::Error) -> Self {
        CredentialError::Store(e.into())
    }
}

/// An API token as stored (its digest, never the token).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenRecord {
    name: String,
    role: Role,
    #[serde(default)]
    endpoints: Vec<String>,
    digest: String,
    created_ms: u64,
    expires_ms: Option<u64>,
    revoked_ms: Option<u64>,
}

/// A person as stored (the argon2id hash, never the password).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UserRecord {
    name: String,
    role: Role,
    phc: String,
    disabled: bool,
    created_ms: u64,
    changed_ms: u64,
}

/// What `token list` shows about a token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// For senders: the endpoints it may post to.
    pub endpoints: Vec<String>,
    /// When it was made.
    pub created_at: String,
    /// When it stops working, if it does.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

/// What `user list` shows about a person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    /// The person's login name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Whether they may log in.
    pub disabled: bool,
    /// When they were added.
    pub created_at: String,
    /// When their password or state last changed.
    pub changed_at: String,
}

/// Why a login did not succeed (all answered alike to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// No such person.
    UnknownUser,
    /// The password did not match.
    WrongPassword,
    /// The person is disabled.
    Disabled,
}

impl LoginFailure {
    /// The audit outcome's code.
    pub fn code(self) -> &'static str {
        match self {
            LoginFailure::UnknownUser => "unknown_user",
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::Disabled => "disabled",
        }
    }
}

/// The credentials of one store.
#[derive(Clone)]
pub struct Credentials {
    store: Store,
    tree: sled::Tree,
    token_key: [u8; 32],
}

fn check_name(name: &str) -> Result<(), CredentialError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CredentialError::BadName(name.to_owned()))
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    key: &[u8],
    v: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(v).map_err(|e| StoreError::Corrupt {
        what,
        id: String::from_utf8_lossy(key).into_owned(),
        reason: format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("credential records serialize")
}

impl Credentials {
    /// The credentials kept in `store` (making the token key on first use).
    pub fn open(store: &Store) -> Result<Credentials, CredentialError> {
        let tree = store.tree("credentials")?;
        let fresh = secret::random_bytes::<32>();
        // Only the first writer's key sticks, so concurrent openers agree.
        let _ = tree.compare_and_swap(TOKEN_KEY, None as Option<&[u8]>, Some(&fresh[..]))?;
        let stored = tree
            .get(TOKEN_KEY)?
            .ok_or_else(|| StoreError::NotFound("credentials token key".into()))?;
        let token_key = <[u8; 32]>::try_from(stored.as_ref()).map_err(|_| StoreError::Corrupt {
            what: "credentials",
            id: "meta/token-key".into(),
            reason: "not 32 bytes".into(),
        })?;
        store.note_write();
        Ok(Credentials {
            store: store.clone(),
            tree,
            token_key,
        })
    }

    fn token_record(&self, name: &str) -> Result<Option<TokenRecord>, CredentialError> {
        let key = format!("token/{name}");
        Ok(self
            .tree
            .get(key.as_bytes())?
            .map(|v| decode("token", key.as_bytes(), &v))
            .transpose()?)
    }

    fn user_record(&self, name: &str) -> Result<Option<UserRecord>, CredentialError> {
        let key = format!("user/{name}");
        Ok(self
            .tree
            .get(key.as_bytes())?
            .map(|v| decode("user", key.as_bytes(), &v))
            .transpose()?)
    }

    /// Make a token; returns the token itself, which is never stored and cannot be
    /// shown again. `endpoints` are for senders only (and required for them).
    pub fn create_token(
        &self,
        name: &str,
        role: Role,
        endpoints: &[String],
        expires_days: Option<u32>,
    ) -> Result<String, CredentialError> {
        check_name(name)?;
        match (role, endpoints.is_empty()) {
            (Role::Sender, true) => {
                return Err(CredentialError::Endpoints(
                    "a sender token needs at least one `--endpoint`".into(),
                ));
            }
            (r, false) if r != Role::Sender => {
                return Err(CredentialError::Endpoints(format!(
                    "only sender tokens are bound to endpoints, not {r}"
                )));
            }
            _ => {}
        }
        if expires_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(CredentialError::BadExpiry);
        }
        if let Some(old) = self.token_record(name)?
            && old.revoked_ms.is_none()
        {
            return Err(CredentialError::Exists {
                what: "token",
                name: name.to_owned(),
            });
        }
        let token = secret::new_token();
        let digest = secret::token_digest(&self.token_key, &token);
        let now = now_ms();
        let rec = TokenRecord {
            name: name.to_owned(),
            role,
            endpoints: endpoints.to_vec(),
            digest: digest.clone(),
            created_ms: now,
            expires_ms: expires_days.map(|d| now + u64::from(d) * 86_400_000),
            revoked_ms: None,
        };
        let mut batch = sled::Batch::default();
        batch.insert(format!("token/{name}").as_bytes(), encode(&rec));
        batch.insert(format!("digest/{digest}").as_bytes(), name.as_bytes());
        self.tree.apply_batch(batch)?;
        self.store.note_write();
        Ok(token)
    }

    /// Every token, live or not, by name.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>, CredentialError> {
        let now = now_ms();
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(b"token/") {
            let (k, v) = kv?;
            let r: TokenRecord = decode("token", &k, &v)?;
            let state = if r.revoked_ms.is_some() {
                "revoked"
            } else if r.expires_ms.is_some_and(|e| e <= now) {
                "expired"
            } else {
                "active"
            };
            out.push(TokenInfo {
                name: r.name,
                role: r.role,
                endpoints: r.endpoints,
                created_at: rfc3339_ms(r.created_ms),
                expires_at: r.expires_ms.map(rfc3339_ms),
                revoked_at: r.revoked_ms.map(rfc3339_ms),
                state: state.into(),
            });
        }
        Ok(out)
    }

    /// Revoke a token: it stops working at once; its record stays for the audit trail.
    pub fn revoke_token(&self, name: &str) -> Result<(), CredentialError> {
        let not_found = || CredentialError::NotFound {
            what: "token",
            name: name.to_owned(),
        };
        let mut rec = self.token_record(name)?.ok_or_else(not_found)?;
        if rec.revoked_ms.is_some() {
            return Err(not_found());
        }
        rec.revoked_ms = Some(now_ms());
        let mut batch = sled::Batch::default();
        batch.insert(format!("token/{name}").as_bytes(), encode(&rec));
        batch.remove(format!("digest/{}", rec.digest).as_bytes());
        self.tree.apply_batch(batch)?;
        self.store.note_write();
        Ok(())
    }

    /// The caller a bearer token stands for, if it is live.
    pub fn authenticate_token(&self, token: &str) -> Result<Option<Principal>, CredentialError> {
        if !secret::token_shaped(token) {
            return Ok(None);
        }
        let digest = secret::token_digest(&self.token_key, token);
        let Some(name) = self.tree.get(format!("digest/{digest}").as_bytes())? else {
            return Ok(None);
        };
        let name = String::from_utf8_lossy(&name).into_owned();
        let Some(rec) = self.token_record(&name)? else {
            return Ok(None);
        };
        let live = rec.revoked_ms.is_none()
            && rec.expires_ms.is_none_or(|e| e > now_ms())
            && rec.digest == digest;
        Ok(live.then_some(Principal {
            name: rec.name,
            role: rec.role,
            endpoints: rec.endpoints,
            via: Via::Token,
        }))
    }

    /// Add a person who logs in with a password.
    pub fn add_user(&self, name: &str, role: Role, password: &str) -> Result<(), CredentialError> {
        check_name(name)?;
        if role == Role::Sender {
            return Err(CredentialError::Endpoints(
                "senders are machines: give them a token, not a user".into(),
            ));
        }
        if self.user_record(name)?.is_some() {
            return Err(CredentialError::Exists {
                what: "user",
                name: name.to_owned(),
            });
        }
        let phc = hash(password)?;
        let now = now_ms();
        let rec = UserRecord {
            name: name.to_owned(),
            role,
            phc,
            disabled: false,
            created_ms: now,
            changed_ms: now,
        };
        self.put_user(&rec)
    }

    fn put_user(&self, rec: &UserRecord) -> Result<(), CredentialError> {
        self.tree
            .insert(format!("user/{}", rec.name).as_bytes(), encode(rec))?;
        self.store.note_write();
        Ok(())
    }

    /// Every person, by name.
    pub fn list_users(&self) -> Result<Vec<UserInfo>, CredentialError> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(b"user/") {
            let (k, v) = kv?;
            let r: UserRecord = decode("user", &k, &v)?;
            out.push(UserInfo {
                name: r.name,
                role: r.role,
                disabled: r.disabled,
                created_at: rfc3339_ms(r.created_ms),
                changed_at: rfc3339_ms(r.changed_ms),
            });
        }
        Ok(out)
    }

    /// Stop a person from logging in (their open sessions are ended by the caller).
    pub fn disable_user(&self, name: &str) -> Result<(), CredentialError> {
        let mut rec = self
            .user_record(name)?
            .ok_or_else(|| CredentialError::NotFound {
                what: "user",
                name: name.to_owned(),
            })?;
        rec.disabled = true;
        rec.changed_ms = now_ms();
        self.put_user(&rec)
    }

    /// Set a person's password (and enable them again).
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), CredentialError> {
        let mut rec = self
            .user_record(name)?
            .ok_or_else(|| CredentialError::NotFound {
                what: "user",
                name: name.to_owned(),
            })?;
        rec.phc = hash(password)?;
        rec.disabled = false;
        rec.changed_ms = now_ms();
        self.put_user(&rec)
    }

    /// Check a login. Slow on purpose (argon2id): call it off the async threads.
    /// An unknown name costs the same as a wrong password.
    pub fn authenticate_user(&self, name: &str, password: &str) -> Result<Principal, LoginFailure> {
        let rec = self.user_record(name).ok().flatten();
        let phc = rec.as_ref().map_or(dummy_hash(), |r| r.phc.as_str());
        let matches = secret::verify_password(phc, password);
        match rec {
            None => Err(LoginFailure::UnknownUser),
            Some(_) if !matches => Err(LoginFailure::WrongPassword),
            Some(r) if r.disabled => Err(LoginFailure::Disabled),
            Some(r) => Ok(Principal {
                name: r.name,
                role: r.role,
                endpoints: Vec::new(),
                via: Via::Session { id: String::new() },
            }),
        }
    }

    /// Whether a person may still be logged in (exists and is not disabled).
    pub fn user_active(&self, name: &str) -> bool {
        self.user_record(name)
            .ok()
            .flatten()
            .is_some_and(|r| !r.disabled)
    }
}

fn hash(password: &str) -> Result<String, CredentialError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CredentialError::WeakPassword);
    }
    secret::hash_password(password).map_err(CredentialError::Hash)
}

/// A fixed argon2id hash that no password matches, to spend the same time on unknown names.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| secret::hash_password(&secret::new_token()).unwrap_or_default())
}
