//! Operator-set values that may be secrets: literals or references
//! (`env:NAME`, `file:PATH`) resolved only when needed.

use std::io;
use std::path::{Path, PathBuf};

/// A configuration value: a literal string, or a reference to a secret kept
/// outside the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    /// The value as written.
    Literal(String),
    /// `env:NAME`: the value of an environment variable.
    Env(String),
    /// `file:PATH`: the contents of a file (trailing line breaks removed),
    /// the path resolved against the configuration file's folder.
    File(PathBuf),
}

/// Why a reference could not be resolved. Names the reference, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set.
    #[error("environment variable `{name}` is not set")]
    EnvMissing {
        /// The variable's name.
        name: String,
    },
    /// The environment variable is set but is not valid Unicode.
    #[error("environment variable `{name}` is not valid UTF-8")]
    EnvNotUnicode {
        /// The variable's name.
        name: String,
    },
    /// The file could not be read as UTF-8 text.
    #[error("cannot read secret file `{}`: {source}", path.display())]
    File {
        /// The file's resolved path.
        path: PathBuf,
        /// The underlying error (it carries no file contents).
        #[source]
        source: io::Error,
    },
}

/// Why a string is not a well-formed reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReferenceError {
    /// `env:` followed by something that is not a variable name.
    BadEnvName,
    /// `file:` with nothing after it.
    EmptyFilePath,
}

impl ReferenceError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            ReferenceError::BadEnvName => {
                "`env:` must be followed by a variable name (letters, digits, `_`, not starting with a digit)"
            }
            ReferenceError::EmptyFilePath => "`file:` must be followed by a path",
        }
    }
}

impl ConfigValue {
    /// Reads a value as written in the file: `env:NAME` and `file:PATH` are
    /// references (the path resolved against `base_dir`), anything else is a
    /// literal.
    pub(crate) fn from_text(text: &str, base_dir: &Path) -> Result<Self, ReferenceError> {
        if let Some(name) = text.strip_prefix("env:") {
            if is_env_name(name) {
                Ok(ConfigValue::Env(name.to_string()))
            } else {
                Err(ReferenceError::BadEnvName)
            }
        } else if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                Err(ReferenceError::EmptyFilePath)
            } else {
                Ok(ConfigValue::File(base_dir.join(path)))
            }
        } else {
            Ok(ConfigValue::Literal(text.to_string()))
        }
    }

    /// Whether the value is a reference (`env:` or `file:`) rather than a
    /// literal.
    pub fn is_reference(&self) -> bool {
        !matches!(self, ConfigValue::Literal(_))
    }

    /// The value itself: the literal, the environment variable's value, or
    /// the file's contents without trailing line breaks.
    pub fn resolve(&self) -> Result<String, SecretError> {
        match self {
            ConfigValue::Literal(value) => Ok(value.clone()),
            ConfigValue::Env(name) => std::env::var(name).map_err(|e| match e {
                std::env::VarError::NotPresent => SecretError::EnvMissing { name: name.clone() },
                std::env::VarError::NotUnicode(_) => {
                    SecretError::EnvNotUnicode { name: name.clone() }
                }
            }),
            ConfigValue::File(path) => match std::fs::read_to_string(path) {
                Ok(mut text) => {
                    let kept = text.trim_end_matches(['\n', '\r']).len();
                    text.truncate(kept);
                    Ok(text)
                }
                Err(source) => Err(SecretError::File {
                    path: path.clone(),
                    source,
                }),
            },
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
