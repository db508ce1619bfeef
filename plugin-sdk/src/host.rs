//! Functions the host gives every connector: a log line and a config value.
//!
//! Inside a component these call the hub. In a native build (unit tests and
//! benchmarks of a connector's logic on the developer's machine) they work on a
//! per-thread stand-in instead: [`native::set_config`] provides config values,
//! and log lines are kept for [`native::take_logs`].

use std::fmt;

/// Log levels, from the most to the least verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Step-by-step detail.
    Trace,
    /// Detail useful when diagnosing a connector.
    Debug,
    /// Normal events.
    Info,
    /// Something is off but the call goes on.
    Warn,
    /// The call is failing.
    Error,
}

impl Level {
    /// The level's lowercase name, e.g. `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    /// Writes [`Level::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Writes a line to the hub's log, tagged by the host with the connector and
/// the message being processed. Never log patient data: name places and
/// counts, not values.
pub fn log(level: Level, message: &str) {
    imp::log(level, message);
}

/// The operator-set value of a config key the connector declared in
/// [`Connector::describe`](crate::Connector::describe). Secret references are
/// resolved by the host. `None` for a key that was not declared or not set.
pub fn config(key: &str) -> Option<String> {
    imp::config(key)
}

/// The next number of a persistent, never-repeating sequence (e.g. X12
/// control numbers per partner: `isa/SENDER/RECEIVER`), starting at 1. Needs
/// the `control-numbers` capability in [`Connector::describe`](crate::Connector::describe)
/// and the operator's grant; the error says when it is missing.
pub fn next_control_number(sequence: &str) -> Result<u64, String> {
    imp::next_control_number(sequence)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::Level;
    use crate::bindings::clearway::connector::host as wit;

    pub(super) fn log(level: Level, message: &str) {
        let level = match level {
            Level::Trace => wit::Level::Trace,
            Level::Debug => wit::Level::Debug,
            Level::Info => wit::Level::Info,
            Level::Warn => wit::Level::Warn,
            Level::Error => wit::Level::Error,
        };
        wit::log(level, message);
    }

    pub(super) fn config(key: &str) -> Option<String> {
        wit::config(key)
    }

    pub(super) fn next_control_number(sequence: &str) -> Result<u64, String> {
        crate::bindings::clearway::connector::control_numbers::next(sequence)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub(super) use super::native::{config, log, next_control_number};
}

/// The native stand-in for the host, for unit tests and benchmarks of a
/// connector's logic outside WebAssembly. State is per thread, so tests that
/// run in parallel do not see each other's config or logs.
#[cfg(not(target_arch = "wasm32"))]
pub mod native {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::Level;

    /// At most this many log lines are kept per thread; later ones are dropped.
    pub const MAX_KEPT_LOGS: usize = 4096;

    thread_local! {
        static CONFIG: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
        static LOGS: RefCell<Vec<(Level, String)>> = const { RefCell::new(Vec::new()) };
    }

    /// Sets (`Some`) or removes (`None`) a config value for this thread.
    pub fn set_config(key: &str, value: Option<&str>) {
        CONFIG.with_borrow_mut(|config| match value {
            Some(value) => {
                config.insert(key.to_owned(), value.to_owned());
            }
            None => {
                config.remove(key);
            }
        });
    }

    /// Removes every config value set on this thread.
    pub fn clear_config() {
        CONFIG.with_borrow_mut(BTreeMap::clear);
    }

    /// Runs `f` with exactly the given config values on this thread, then
    /// restores the previous ones.
    pub fn with_config<R>(values: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
        let fresh = values
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        let previous = CONFIG.replace(fresh);
        let result = f();
        CONFIG.set(previous);
        result
    }

    thread_local! {
        static COUNTERS: RefCell<BTreeMap<String, u64>> = const { RefCell::new(BTreeMap::new()) };
    }

    /// The native stand-in for the host's control numbers: per thread, in
    /// memory, starting at 1 for each sequence.
    pub fn next_control_number(sequence: &str) -> Result<u64, String> {
        Ok(COUNTERS.with_borrow_mut(|c| {
            let n = c.entry(sequence.to_owned()).or_insert(0);
            *n += 1;
            *n
        }))
    }

    /// Takes the log lines written on this thread so far, oldest first.
    pub fn take_logs() -> Vec<(Level, String)> {
        LOGS.take()
    }

    pub(super) fn log(level: Level, message: &str) {
        LOGS.with_borrow_mut(|logs| {
            if logs.len() < MAX_KEPT_LOGS {
                logs.push((level, message.to_owned()));
            }
        });
    }

    pub(super) fn config(key: &str) -> Option<String> {
        CONFIG.with_borrow(|config| config.get(key).cloned())
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log {
    ($level:ident, $($arg:tt)+) => {
        $crate::host::log($crate::host::Level::$level, &::std::format!($($arg)+))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log_trace {
    ($($arg:tt)+) => { $crate::__clearway_log!(Trace, $($arg)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log_debug {
    ($($arg:tt)+) => { $crate::__clearway_log!(Debug, $($arg)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log_info {
    ($($arg:tt)+) => { $crate::__clearway_log!(Info, $($arg)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log_warn {
    ($($arg:tt)+) => { $crate::__clearway_log!(Warn, $($arg)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __clearway_log_error {
    ($($arg:tt)+) => { $crate::__clearway_log!(Error, $($arg)+) };
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn native_config_is_per_thread_and_restorable() {
        native::clear_config();
        assert_eq!(config("batch"), None);
        native::set_config("batch", Some("true"));
        assert_eq!(config("batch").as_deref(), Some("true"));
        let inside = native::with_config(&[("other", "1")], || (config("batch"), config("other")));
        assert_eq!(inside, (None, Some("1".to_owned())));
        assert_eq!(config("batch").as_deref(), Some("true"));
        std::thread::spawn(|| assert_eq!(config("batch"), None))
            .join()
            .expect("thread");
        native::set_config("batch", None);
        assert_eq!(config("batch"), None);
    }

    #[test]
    fn log_macros_format_and_keep_lines() {
        native::take_logs();
        crate::log::info!("decoded {} messages", 3);
        crate::log::error!("segment {} rejected", "CLM");
        log(Level::Trace, "plain");
        assert_eq!(
            native::take_logs(),
            vec![
                (Level::Info, "decoded 3 messages".to_owned()),
                (Level::Error, "segment CLM rejected".to_owned()),
                (Level::Trace, "plain".to_owned()),
            ]
        );
        assert!(native::take_logs().is_empty());
    }

    #[test]
    fn level_names() {
        assert_eq!(Level::Warn.to_string(), "warn");
        assert!(Level::Trace < Level::Error);
    }
}
