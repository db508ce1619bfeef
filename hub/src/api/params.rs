//! The query parameters of listings: only the names a route takes, times as RFC
//! 3339 or dates, page sizes in range, ULID cursors. One place for the messages
//! every listing answers alike.

use std::collections::HashMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;

use super::ApiError;
use crate::store::record::parse_time_ms;

/// A listing's query parameters, checked against the names it takes.
pub struct Params(HashMap<String, String>);

impl Params {
    /// Refuse a parameter not in `allowed`, naming the ones that are.
    pub fn new(
        query: Result<Query<HashMap<String, String>>, QueryRejection>,
        allowed: &[&str],
    ) -> Result<Params, ApiError> {
        let Query(p) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
        if let Some(k) = p.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter `{k}` (expected one of: {})",
                allowed.join(", ")
            )));
        }
        Ok(Params(p))
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0.get(name)
    }

    /// A time (RFC 3339 or YYYY-MM-DD) as Unix ms.
    pub fn time(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name)
            .map(|s| {
                parse_time_ms(s).ok_or_else(|| {
                    ApiError::bad_request(format!("`{name}` must be RFC 3339 or YYYY-MM-DD"))
                })
            })
            .transpose()
    }

    /// `limit`: 1 to 1000, `default` when absent.
    pub fn limit(&self, default: usize) -> Result<usize, ApiError> {
        match self.get("limit") {
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request("`limit` must be a whole number from 1 to 1000")
                }),
            None => Ok(default),
        }
    }

    /// `cursor` as a record id (a ULID) this API gave out.
    pub fn ulid_cursor(&self) -> Result<Option<String>, ApiError> {
        match self.get("cursor") {
            Some(c) if ulid::Ulid::from_string(c).is_err() => Err(bad_cursor()),
            c => Ok(c.cloned()),
        }
    }
}

/// The answer to a cursor this API did not give out.
pub fn bad_cursor() -> ApiError {
    ApiError::bad_request("`cursor` is not a cursor this API gave out")
}
