//! Settings of a `dir-out` endpoint: the folder payloads are written to, retries and
//! batch size.

use std::path::{Path, PathBuf};

use crate::config::{
    Fields, Pos, Report, RetryPolicy, parse_batch_size, parse_retry, resolve_path,
};

/// Keys of a `dir-out` endpoint.
pub(crate) const KEYS: &[&str] = &[
    "transport",
    "connector",
    "path",
    "retry",
    "batch_size",
    "delivery",
];

/// Settings of an outbound `dir-out` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirOut {
    /// The folder files are written to, resolved.
    pub path: PathBuf,
    /// Where `path` was written.
    pub path_at: Pos,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// Most messages handed to the connector's `encode` at once.
    pub batch_size: usize,
}

/// Settings of a `dir-out` endpoint.
pub(crate) fn parse(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<DirOut> {
    let path_value = fields.required_str(report, "path");
    let path = path_value
        .as_ref()
        .and_then(|value| resolve_path(report, fields, "path", value, base_dir));
    let retry = parse_retry(report, fields);
    let batch_size = parse_batch_size(report, fields);
    Some(DirOut {
        path_at: report.pos(&path_value?.span()),
        path: path?,
        retry,
        batch_size,
    })
}
