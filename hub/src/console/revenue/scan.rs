//! Walking the messages of one or more kinds newest first, keeping those a page
//! wants, with cursor paging: the cursor is the id of the last row shown, and
//! the next page starts just below it (record ids are ULIDs, so id order is
//! arrival order). Several kinds are merged in id order, each read through the
//! store's kind index.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use clearway_schemas::{Kind, Message};

use super::message_of;
use crate::store::{Filter, HubStore, Record, RecordType};

/// Records read from the index at a time.
const BATCH: usize = 100;

/// Which part of the list a page is.
#[derive(Debug, Clone)]
pub struct Window {
    /// Received at or after (Unix ms).
    pub since_ms: Option<u64>,
    /// Received before (Unix ms).
    pub until_ms: Option<u64>,
    /// Start below this record id.
    pub cursor: Option<String>,
    /// Rows wanted.
    pub limit: usize,
    /// Stop looking after this long (the page then offers to go on).
    pub budget: Duration,
}

/// One page of rows.
#[derive(Debug)]
pub struct Found<T> {
    /// The rows, newest first.
    pub rows: Vec<T>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
    /// The budget ran out before the page was full.
    pub partial: bool,
}

/// The records of one kind, read a batch at a time.
struct Stream {
    filter: Filter,
    buf: VecDeque<Record>,
    cursor: Option<String>,
    done: bool,
}

impl Stream {
    fn refill(&mut self, store: &dyn HubStore) -> anyhow::Result<()> {
        let page = store.list(&self.filter, self.cursor.as_deref(), BATCH)?;
        self.buf.extend(page.items);
        self.done = page.next_cursor.is_none();
        self.cursor = page.next_cursor;
        Ok(())
    }
}

/// The page of `kinds` messages in `w` that `keep` turns into rows (`None`:
/// not wanted). Messages without a readable body are skipped.
pub fn scan<T>(
    store: &dyn HubStore,
    kinds: &[Kind],
    w: &Window,
    mut keep: impl FnMut(&Record, Message) -> anyhow::Result<Option<T>>,
) -> anyhow::Result<Found<T>> {
    let started = Instant::now();
    let mut streams: Vec<Stream> = kinds
        .iter()
        .map(|k| Stream {
            filter: Filter {
                kind: Some(*k),
                record_type: Some(RecordType::Message),
                since_ms: w.since_ms,
                until_ms: w.until_ms,
                ..Filter::default()
            },
            buf: VecDeque::new(),
            cursor: w.cursor.clone(),
            done: false,
        })
        .collect();
    let mut rows = Vec::new();
    let mut last_row: Option<String> = None;
    let mut last_seen: Option<String> = None;
    loop {
        let mut out_of_time = false;
        'refill: for s in &mut streams {
            while s.buf.is_empty() && !s.done {
                if started.elapsed() > w.budget {
                    out_of_time = true;
                    break 'refill;
                }
                s.refill(store)?;
            }
        }
        if out_of_time {
            return Ok(stopped(rows, last_seen, &streams, w));
        }
        let Some(s) = streams
            .iter_mut()
            .filter(|s| !s.buf.is_empty())
            .max_by(|a, b| a.buf[0].id.cmp(&b.buf[0].id))
        else {
            return Ok(Found {
                rows,
                next_cursor: None,
                partial: false,
            });
        };
        let Some(record) = s.buf.pop_front() else {
            continue;
        };
        if started.elapsed() > w.budget {
            // Not looked at yet: the next page starts above it, below `last_seen`.
            s.buf.push_front(record);
            return Ok(stopped(rows, last_seen, &streams, w));
        }
        if let Some(message) = message_of(store, &record)?
            && let Some(row) = keep(&record, message)?
        {
            if rows.len() == w.limit {
                // One more matches: there is a next page, below the last row shown.
                return Ok(Found {
                    rows,
                    next_cursor: last_row,
                    partial: false,
                });
            }
            rows.push(row);
            last_row = Some(record.id.clone());
        }
        last_seen = Some(record.id);
    }
}

/// The page of a scan whose budget ran out: the next page goes on below the
/// last record looked at; when none was, below the furthest point a stream
/// read to (with nothing kept above it), as long as no record read but not yet
/// looked at lies above that point; else where this page started.
fn stopped<T>(rows: Vec<T>, last_seen: Option<String>, streams: &[Stream], w: &Window) -> Found<T> {
    let next_cursor = last_seen.or_else(|| {
        let reached = streams
            .iter()
            .filter(|s| s.buf.is_empty() && !s.done)
            .filter_map(|s| s.cursor.clone())
            .max()?;
        let pending = streams
            .iter()
            .filter_map(|s| s.buf.front())
            .map(|r| r.id.as_str())
            .max();
        pending
            .is_none_or(|p| p < reached.as_str())
            .then_some(reached)
    });
    Found {
        rows,
        next_cursor: next_cursor.or_else(|| w.cursor.clone()),
        partial: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(cursor: Option<&str>, buffered: &[&str], done: bool) -> Stream {
        Stream {
            filter: Filter::default(),
            buf: buffered
                .iter()
                .map(|id| {
                    serde_json::from_value(serde_json::json!({"id": id, "record_type": "message",
                        "endpoint": "t", "status": "delivered", "created_at": "", "updated_at": "", "history": []}))
                    .unwrap()
                })
                .collect(),
            cursor: cursor.map(str::to_owned),
            done,
        }
    }

    fn window(cursor: Option<&str>) -> Window {
        Window {
            since_ms: None,
            until_ms: None,
            cursor: cursor.map(str::to_owned),
            limit: 10,
            budget: Duration::ZERO,
        }
    }

    #[test]
    fn a_stopped_page_goes_on_without_skipping_a_record() {
        let next = |last: Option<&str>, streams: &[Stream], from: Option<&str>| {
            let f = stopped::<()>(Vec::new(), last.map(str::to_owned), streams, &window(from));
            assert!(f.partial);
            f.next_cursor
        };
        // Below the last record looked at.
        assert_eq!(
            next(Some("B"), &[stream(Some("A"), &[], false)], None).as_deref(),
            Some("B")
        );
        // None looked at: below where a stream read to, if nothing read lies above it.
        let s = [stream(Some("M"), &[], false), stream(None, &["K"], false)];
        assert_eq!(next(None, &s, Some("Z")).as_deref(), Some("M"));
        // A record read but not looked at lies above it: start again where this page did.
        let s = [stream(Some("M"), &[], false), stream(None, &["Q"], false)];
        assert_eq!(next(None, &s, Some("Z")).as_deref(), Some("Z"));
        assert_eq!(next(None, &[stream(None, &[], false)], None), None);
    }
}
