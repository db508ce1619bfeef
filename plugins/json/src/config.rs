//! The connector's config: the keys an operator sets under
//! `[connectors.NAME.config]`.

use clearway_plugin_sdk::{ConfigKey, ConnectorError, host};

/// Name of the `batch` key.
pub const BATCH: &str = "batch";

/// The `json` connector's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Config {
    /// `encode` writes one payload holding a JSON array of all messages,
    /// instead of one payload per message. Key `batch`, default `false`.
    pub batch: bool,
}

impl Config {
    /// The keys this connector declares in `describe`.
    pub fn keys() -> Vec<ConfigKey> {
        vec![ConfigKey::optional(
            BATCH,
            "`true` to encode all messages of a delivery into one JSON array \
             instead of one JSON document per message (default `false`)",
        )]
    }

    /// Reads the config from the host.
    ///
    /// # Errors
    ///
    /// As [`Config::parse`].
    pub fn from_host() -> Result<Self, ConnectorError> {
        Self::parse(host::config(BATCH).as_deref())
    }

    /// Parses the raw value of `batch` (`None` when unset).
    ///
    /// # Errors
    ///
    /// [`ConnectorError::Config`] when `batch` is set to anything but `true`
    /// or `false` (surrounding spaces and letter case are ignored).
    pub fn parse(batch: Option<&str>) -> Result<Self, ConnectorError> {
        let batch = match batch.map(|value| value.trim().to_ascii_lowercase()) {
            None => false,
            Some(value) if value == "true" => true,
            Some(value) if value == "false" => false,
            Some(_) => {
                return Err(ConnectorError::Config(format!(
                    "config key `{BATCH}` must be `true` or `false`"
                )));
            }
        };
        Ok(Self { batch })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_values() {
        assert_eq!(Config::parse(None).expect("unset"), Config { batch: false });
        assert!(Config::parse(Some("true")).expect("true").batch);
        assert!(Config::parse(Some(" TRUE ")).expect("true").batch);
        assert!(!Config::parse(Some("false")).expect("false").batch);
        let error = Config::parse(Some("yes")).expect_err("not a boolean");
        assert!(matches!(&error, ConnectorError::Config(text) if text.contains("`batch`")));
    }

    #[test]
    fn from_host_reads_the_batch_key() {
        let config = host::native::with_config(&[(BATCH, "true")], Config::from_host);
        assert!(config.expect("valid").batch);
        let config = host::native::with_config(&[], Config::from_host);
        assert!(!config.expect("valid").batch);
    }

    #[test]
    fn declares_batch() {
        let keys = Config::keys();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].name, BATCH);
        assert!(!keys[0].required && !keys[0].secret);
    }
}
