//! The connector's config: the keys an operator sets under `[connectors.NAME.config]`.

use clearway_plugin_sdk::{ConfigKey, ConnectorError, host};

/// Name of the `sender_id` key (`ISA06`, `GS02`).
pub const SENDER_ID: &str = "sender_id";
/// Name of the `receiver_id` key (`ISA08`, `GS03`).
pub const RECEIVER_ID: &str = "receiver_id";
/// Name of the `usage` key (`ISA15`).
pub const USAGE: &str = "usage";
/// Name of the `next_control_number` key.
pub const NEXT_CONTROL_NUMBER: &str = "next_control_number";
/// Name of the `interchange_datetime` key.
pub const INTERCHANGE_DATETIME: &str = "interchange_datetime";

/// The `x12` connector's settings for encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Interchange sender id, at most 15 characters (qualifier `ZZ`). Key `sender_id`.
    pub sender_id: String,
    /// Interchange receiver id, at most 15 characters (qualifier `ZZ`). Key `receiver_id`.
    pub receiver_id: String,
    /// Usage indicator: `T` test or `P` production. Key `usage`, default `T`.
    pub usage: char,
    /// First control number to use (interchange, group and transaction numbers count up
    /// from it). Key `next_control_number`; when unset, numbers are derived from the
    /// messages (see [`crate::encode`]).
    pub next_control_number: Option<u32>,
    /// Creation date and time `CCYYMMDDHHMM` for `ISA09`/`ISA10`, `GS04`/`GS05` and `BHT04`/
    /// `BHT05` when the messages carry none (connectors have no clock). Key
    /// `interchange_datetime`.
    pub interchange_datetime: Option<(String, String)>,
}

impl Config {
    /// The keys this connector declares in `describe`.
    pub fn keys() -> Vec<ConfigKey> {
        vec![
            ConfigKey::required(
                SENDER_ID,
                "interchange sender id (ISA06/GS02), at most 15 characters",
            ),
            ConfigKey::required(
                RECEIVER_ID,
                "interchange receiver id (ISA08/GS03), at most 15 characters",
            ),
            ConfigKey::optional(
                USAGE,
                "usage indicator ISA15: `T` test (default) or `P` production",
            ),
            ConfigKey::optional(
                NEXT_CONTROL_NUMBER,
                "first interchange/group/transaction control number to use (1 to 999999999)",
            ),
            ConfigKey::optional(
                INTERCHANGE_DATETIME,
                "creation date and time CCYYMMDDHHMM, used when the messages carry none",
            ),
        ]
    }

    /// Reads the config from the host.
    ///
    /// # Errors
    ///
    /// As [`Config::parse`].
    pub fn from_host() -> Result<Config, ConnectorError> {
        Config::parse(&|key| host::config(key))
    }

    /// Parses the config from a lookup function.
    ///
    /// # Errors
    ///
    /// [`ConnectorError::Config`] naming the key that is missing or wrong.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConnectorError> {
        let id = |key: &str| -> Result<String, ConnectorError> {
            let value = get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
            if value.is_empty() || value.len() > 15 || !value.is_ascii() {
                return Err(ConnectorError::Config(format!(
                    "config key `{key}` must be set to 1 to 15 ASCII characters"
                )));
            }
            Ok(value)
        };
        let usage = match get(USAGE).as_deref().map(str::trim) {
            None | Some("T") => 'T',
            Some("P") => 'P',
            Some(_) => {
                return Err(ConnectorError::Config(format!(
                    "config key `{USAGE}` must be `T` or `P`"
                )));
            }
        };
        let next_control_number = match get(NEXT_CONTROL_NUMBER) {
            None => None,
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=999_999_999).contains(&n) => Some(n),
                _ => {
                    return Err(ConnectorError::Config(format!(
                        "config key `{NEXT_CONTROL_NUMBER}` must be a number from 1 to 999999999"
                    )));
                }
            },
        };
        let interchange_datetime = match get(INTERCHANGE_DATETIME) {
            None => None,
            Some(text) => {
                let text = text.trim();
                let valid = text.len() == 12
                    && text.bytes().all(|b| b.is_ascii_digit())
                    && crate::values::parse_date(&text[..8]).is_some()
                    && crate::values::parse_time(&text[8..]).is_some();
                if !valid {
                    return Err(ConnectorError::Config(format!(
                        "config key `{INTERCHANGE_DATETIME}` must be CCYYMMDDHHMM"
                    )));
                }
                Some((text[..8].to_owned(), text[8..].to_owned()))
            }
        };
        Ok(Config {
            sender_id: id(SENDER_ID)?,
            receiver_id: id(RECEIVER_ID)?,
            usage,
            next_control_number,
            interchange_datetime,
        })
    }
}
