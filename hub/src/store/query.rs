//! Listing records: filters, newest-first order and cursor pagination.

use std::ops::Bound;

use clearway_schemas::Kind;

use super::keys;
use super::record::{Record, RecordType, Status};
use super::{Store, StoreError};

/// What to list. Every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only records with this status.
    pub status: Option<Status>,
    /// Only messages of this kind.
    pub kind: Option<Kind>,
    /// Only records that came through this inbound endpoint.
    pub endpoint: Option<String>,
    /// Only records with this value among their correlation keys.
    pub correlation: Option<String>,
    /// Only records made at or after this Unix time (ms).
    pub since_ms: Option<u64>,
    /// Only records made before this Unix time (ms).
    pub until_ms: Option<u64>,
    /// Only inbound payloads or only messages.
    pub record_type: Option<RecordType>,
    /// Free text: a case-insensitive substring of the id, endpoint, kind, a
    /// correlation value, an error code or message, or the file name.
    pub q: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page {
    /// The records, newest first.
    pub items: Vec<Record>,
    /// Pass this as the cursor to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The scan stopped at [`SCAN_BUDGET`] before the page was full: the next page
    /// goes on from where it stopped.
    pub partial: bool,
}

/// How long one page may scan (a rare `q` over millions of records), so a search
/// never holds a thread for long; the caller goes on with `next_cursor`.
pub const SCAN_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// The smallest and largest ULID strings for a Unix time in ms.
fn ulid_bound(ms: u64, high: bool) -> String {
    let random = if high { (1u128 << 80) - 1 } else { 0 };
    ulid::Ulid::from_parts(ms, random).to_string()
}

impl Filter {
    fn matches(&self, r: &Record) -> bool {
        if self.status.is_some_and(|s| s != r.status) {
            return false;
        }
        if self.kind.is_some() && self.kind != r.kind {
            return false;
        }
        if self.endpoint.as_deref().is_some_and(|e| e != r.endpoint) {
            return false;
        }
        if self.record_type.is_some_and(|t| t != r.record_type) {
            return false;
        }
        if let Some(c) = &self.correlation
            && !r.correlation.iter().any(|(_, v)| v == c)
        {
            return false;
        }
        if let Some(q) = &self.q {
            let q = q.to_lowercase();
            let hit = |s: &str| s.to_lowercase().contains(&q);
            let found = hit(&r.id)
                || hit(&r.endpoint)
                || r.kind.is_some_and(|k| hit(k.as_str()))
                || r.correlation.iter().any(|(_, v)| hit(v))
                || r.filename.as_deref().is_some_and(hit)
                || r.history
                    .iter()
                    .filter_map(|h| h.error.as_ref())
                    .any(|e| hit(&e.code) || hit(&e.message));
            if !found {
                return false;
            }
        }
        true
    }
}

impl Store {
    /// One page of records matching `filter`, newest first, starting after `cursor`
    /// (the last id of the previous page).
    pub fn list(
        &self,
        filter: &Filter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        // Time bounds and the cursor become an id range (ids are ULIDs).
        let mut upper: Bound<String> = match filter.until_ms {
            Some(ms) => Bound::Excluded(ulid_bound(ms, false)),
            None => Bound::Unbounded,
        };
        if let Some(c) = cursor {
            let tighter = match &upper {
                Bound::Excluded(u) => c < u.as_str(),
                _ => true,
            };
            if tighter {
                upper = Bound::Excluded(c.to_owned());
            }
        }
        let lower: Bound<String> = match filter.since_ms {
            Some(ms) => Bound::Included(ulid_bound(ms, false)),
            None => Bound::Unbounded,
        };

        // Walk the most selective index available, else the records themselves.
        let index = if let Some(c) = &filter.correlation {
            Some(keys::index_prefix(keys::CORRELATION, c))
        } else if let Some(e) = &filter.endpoint {
            Some(keys::index_prefix(keys::ENDPOINT, e))
        } else if let Some(k) = filter.kind {
            Some(keys::index_prefix(keys::KIND, k.as_str()))
        } else {
            filter
                .status
                .map(|s| keys::index_prefix(keys::STATUS, s.as_str()))
        };

        let mut items = Vec::new();
        let mut more = false;
        let started = std::time::Instant::now();
        let mut scanned = 0u32;
        // The last id looked at, and whether the budget ran out after it.
        let mut last_seen: Option<String> = None;
        let mut out_of_time = false;
        let mut consider = |id: &str| -> Result<bool, StoreError> {
            scanned += 1;
            if scanned.is_multiple_of(256) && started.elapsed() > SCAN_BUDGET {
                out_of_time = true;
                return Ok(false);
            }
            last_seen = Some(id.to_owned());
            if let Some(r) = self.get(id)?
                && filter.matches(&r)
            {
                if items.len() == limit {
                    more = true;
                    return Ok(false);
                }
                items.push(r);
            }
            Ok(true)
        };

        match index {
            Some(prefix) => {
                let with = |b: &Bound<String>| -> Bound<Vec<u8>> {
                    match b {
                        Bound::Included(s) => {
                            Bound::Included([prefix.as_slice(), s.as_bytes()].concat())
                        }
                        Bound::Excluded(s) => {
                            Bound::Excluded([prefix.as_slice(), s.as_bytes()].concat())
                        }
                        Bound::Unbounded => Bound::Unbounded,
                    }
                };
                let lo = match with(&lower) {
                    Bound::Unbounded => Bound::Included(prefix.clone()),
                    b => b,
                };
                let hi = match with(&upper) {
                    Bound::Unbounded => {
                        let mut end = prefix.clone();
                        *end.last_mut().expect("prefix ends with a separator") = 1;
                        Bound::Excluded(end)
                    }
                    b => b,
                };
                for kv in self.inner.trees.idx.range((lo, hi)).rev() {
                    let (k, _) = kv?;
                    let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                    if !consider(&id)? {
                        break;
                    }
                }
            }
            None => {
                let lo = lower.map(String::into_bytes);
                let hi = upper.map(String::into_bytes);
                for kv in self.inner.trees.records.range((lo, hi)).rev() {
                    let (k, _) = kv?;
                    let id = String::from_utf8_lossy(&k).into_owned();
                    if !consider(&id)? {
                        break;
                    }
                }
            }
        }
        if out_of_time {
            // The cursor is exclusive: the next page starts below the last id looked at.
            return Ok(Page {
                items,
                next_cursor: last_seen,
                partial: true,
            });
        }
        let next_cursor = if more {
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page {
            items,
            next_cursor,
            partial: false,
        })
    }

    /// Every message whose correlation keys include `key`, oldest first.
    pub fn timeline(&self, key: &str) -> Result<Vec<Record>, StoreError> {
        Ok(self.timeline_page(key, None, usize::MAX)?.0)
    }

    /// One page of [`Store::timeline`]: up to `limit` records after the record id
    /// `after`, and the cursor of the next page.
    pub fn timeline_page(
        &self,
        key: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Record>, Option<String>), StoreError> {
        let prefix = keys::index_prefix(keys::CORRELATION, key);
        let start = match after {
            Some(a) => {
                let mut k = prefix.clone();
                k.extend_from_slice(a.as_bytes());
                k.push(0);
                k
            }
            None => prefix.clone(),
        };
        let mut out = Vec::new();
        for kv in self.inner.trees.idx.range(start..) {
            let (k, _) = kv?;
            if !k.starts_with(&prefix) {
                break;
            }
            let id = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            if out.len() == limit {
                let next = out.last().map(|r: &Record| r.id.clone());
                return Ok((out, next));
            }
            if let Some(r) = self.get(&id)? {
                out.push(r);
            }
        }
        Ok((out, None))
    }
}
