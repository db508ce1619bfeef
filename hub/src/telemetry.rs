//! Logging with `tracing`: human text or JSON lines, filtered by `RUST_LOG`
//! (default `info`). Log lines carry ids, endpoints, codes and counts: never
//! message content.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Install the global subscriber. Later calls are ignored (tests call it many times).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
