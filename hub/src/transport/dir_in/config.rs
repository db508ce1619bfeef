//! Settings of a `dir` endpoint: the watched folder, how often it is polled, where
//! files go once taken in, which names are taken and the largest file read.

use std::path::{Path, PathBuf};

use crate::config::{Fields, Pos, Report, check_pattern, glob_matches, resolve_path};

/// Keys of a `dir` endpoint.
pub(crate) const KEYS: &[&str] = &[
    "transport",
    "connector",
    "acknowledgments",
    "path",
    "poll_ms",
    "processed_dir",
    "failed_dir",
    "pattern",
    "max_file_mib",
];

/// Settings of an inbound `dir` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirIn {
    /// The folder watched for new files, resolved.
    pub path: PathBuf,
    /// Where `path` was written.
    pub path_at: Pos,
    /// Interval between scans, in milliseconds.
    pub poll_ms: u64,
    /// Where files go once their messages are stored, resolved.
    pub processed_dir: PathBuf,
    /// Where `processed_dir` was written, if it was.
    pub processed_dir_at: Option<Pos>,
    /// Where files go when they cannot be decoded, resolved.
    pub failed_dir: PathBuf,
    /// Where `failed_dir` was written, if it was.
    pub failed_dir_at: Option<Pos>,
    /// Glob over file names (`*`, `?`, `[a-z]`, `[!abc]`); see
    /// [`DirIn::matches`].
    pub pattern: String,
    /// The largest file taken in, in MiB (1..=1024, default 64, as `max_body_mib`);
    /// a larger one is not read and goes to `failed_dir` with a reason file.
    pub max_file_mib: u32,
}

impl DirIn {
    /// Whether a file name (not a path) matches this endpoint's `pattern`.
    pub fn matches(&self, file_name: &str) -> bool {
        glob_matches(&self.pattern, file_name)
    }
}

/// Settings of a `dir` endpoint.
pub(crate) fn parse(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<DirIn> {
    let path_value = fields.required_str(report, "path");
    let path = path_value
        .as_ref()
        .and_then(|value| resolve_path(report, fields, "path", value, base_dir));
    let poll_ms = fields.uint(report, "poll_ms", 10, 3_600_000, 1000);

    let mut folder = |key: &str, default: &str| {
        let value = fields.str(report, key);
        let at = value.as_ref().map(|value| report.pos(&value.span()));
        let resolved = match &value {
            Some(value) => resolve_path(report, fields, key, value, base_dir),
            None => path.as_ref().map(|path| path.join(default)),
        };
        (resolved, at)
    };
    let (processed_dir, processed_dir_at) = folder("processed_dir", "processed");
    let (failed_dir, failed_dir_at) = folder("failed_dir", "failed");

    let pattern = match fields.str(report, "pattern") {
        Some(pattern) => {
            if let Err(rule) = check_pattern(pattern.get_ref()) {
                fields.invalid(report, "pattern", &pattern.span(), rule);
            }
            pattern.get_ref().to_string()
        }
        None => "*".to_string(),
    };
    let max_file_mib = fields.uint(report, "max_file_mib", 1, 1024, 64) as u32;

    Some(DirIn {
        path_at: report.pos(&path_value?.span()),
        path: path?,
        poll_ms,
        processed_dir: processed_dir?,
        processed_dir_at,
        failed_dir: failed_dir?,
        failed_dir_at,
        pattern,
        max_file_mib,
    })
}
