//! The operator's screens over the message log, like Mirth's message browser and
//! Redox's log inspector but with deep links: `/messages` (the log, with every
//! `/v1/messages` filter), `/messages/{id}` (one record, its history, its
//! payloads for the roles that may read them), `/dead-letters` (grouped by
//! destination and reason, with confirmed replay) and `/endpoints` (each
//! configured endpoint's traffic).
//!
//! The lists read the store through the API's own code: the parameters are
//! checked by [`crate::api::params::Params`], turned into a store [`Filter`] by
//! [`crate::api::message_filter`], and listed by [`crate::store::Store::list`];
//! a page shows what `/v1/messages` answers for the same query. The one
//! difference: a plain date in `since`/`until` is a day in the practice's time
//! zone here (the API reads it as a UTC day), `until` taking in the whole day.

mod dead;
mod endpoints;
mod message;
mod messages;
mod replay;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Query, Request};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};

use super::text::Clock;
use super::{Ctx, error_page};
use crate::api::Routes;
use crate::api::params::Params as ApiParams;
use crate::auth::policy;
use crate::store::record::{parse_time_ms, rfc3339_ms};
use crate::store::{ErrorInfo, Filter, Record, Status, StoreError};

/// The search of the message log by free text or correlation value: a POST, so
/// neither reaches a URL or an access log. Served once the access rule for it is
/// in [`policy`] (admin, operator, coordinator; viewers denied).
pub const SEARCH_PATH: &str = "/messages/search";

/// The bulk and single replay (admin and operator, by policy).
const REPLAY_PATH: &str = "/dead-letters/replay";

/// How long the scans behind one page (dead letters, endpoint counts) may take
/// in all before the page says its counts were cut off.
const PAGE_BUDGET: Duration = Duration::from_secs(3);

/// Store pages of this many records are read at a time by the scans.
const SCAN_PAGE: usize = 1000;

/// Add this module's routes.
pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/messages", get(messages::list))
        .add(Method::GET, "/messages/{id}", get(message::show))
        .add(Method::GET, "/dead-letters", get(dead::list))
        .add(Method::POST, REPLAY_PATH, post(replay::replay))
        .add(Method::GET, "/endpoints", get(endpoints::show))
        .add(Method::POST, SEARCH_PATH, post(messages::search))
}

/// Whether the caller's role may use `method path` (to offer only the forms
/// that will be accepted).
fn may(ctx: &Ctx, method: &Method, path: &str) -> bool {
    policy::rule(method, path).is_some_and(|r| r.access(ctx.caller.principal.role).permits())
}

/// Whether the caller may replay.
fn may_replay(ctx: &Ctx) -> bool {
    may(ctx, &Method::POST, REPLAY_PATH)
}

/// A page's pairs as the API's [`ApiParams`] over the names in `allowed`: empty
/// values count as absent (an "any" choice of a form), a plain date in `since`
/// or `until` becomes the start (`since`) or the end (`until`) of that day in the
/// practice's zone, and a bad name or value is a message naming the parameter.
fn api_params(
    pairs: &[(String, String)],
    allowed: &[&str],
    clock: &Clock,
) -> Result<ApiParams, String> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        let v = v.trim();
        if !allowed.contains(&k.as_str()) {
            // Kept so the API's check names it.
            map.insert(k.clone(), v.to_owned());
        } else if !v.is_empty() {
            let v = match k.as_str() {
                "since" | "until" => zone_day(clock, k == "until", v),
                _ => v.to_owned(),
            };
            map.insert(k.clone(), v);
        }
    }
    ApiParams::new(Ok(Query(map)), allowed).map_err(|e| e.message)
}

/// `date` (`YYYY-MM-DD`) as the RFC 3339 instant its day starts (or, for `end`,
/// the next day starts) in the practice's zone; anything else unchanged (the
/// API's parser checks it).
fn zone_day(clock: &Clock, end: bool, date: &str) -> String {
    if date.len() == 10 && date.parse::<jiff::civil::Date>().is_ok() {
        let ms = if end {
            clock.day_end_ms(date)
        } else {
            clock.day_start_ms(date)
        };
        if let Some(ms) = ms {
            return rfc3339_ms(ms);
        }
    }
    date.to_owned()
}

/// The store filter of checked parameters, by the API's code; an error names the
/// parameter.
fn filter_of(p: &ApiParams) -> Result<Filter, String> {
    crate::api::message_filter(p).map_err(|e| {
        let bad = |name: &str, ok: &dyn Fn(&str) -> bool| p.get(name).is_some_and(|v| !ok(v));
        if bad("status", &|v| v.parse::<Status>().is_ok()) {
            format!("`status`: {}", e.message)
        } else if bad("kind", &|v| v.parse::<clearway_schemas::Kind>().is_ok()) {
            format!("`kind`: {}", e.message)
        } else {
            e.message
        }
    })
}

/// A 400 page.
fn bad_request(ctx: &Ctx, message: &str) -> Response {
    error_page(ctx, StatusCode::BAD_REQUEST, message)
}

/// A form body's pairs (at most 64 KiB, the guard's own limit).
async fn form_pairs(req: Request) -> Option<Vec<(String, String)>> {
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .ok()?;
    Some(super::text::pairs(&body))
}

/// The first non-empty value of `name` among `pairs`.
fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// Run store reads off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("store task: {e}")),
    }
}

/// When a record was made (Unix ms).
fn made_ms(r: &Record) -> u64 {
    parse_time_ms(&r.created_at)
        .or_else(|| {
            ulid::Ulid::from_string(&r.id)
                .ok()
                .map(|u| u.timestamp_ms())
        })
        .unwrap_or(0)
}

/// The last error in a record's history (what `/v1/messages` calls `last_error`).
fn last_error(r: &Record) -> Option<&ErrorInfo> {
    r.history.iter().rev().find_map(|h| h.error.as_ref())
}

/// An instant in the practice's zone, as `<time>`.
fn when(ctx: &Ctx, ms: u64) -> Markup {
    html! { time datetime=(ctx.clock.iso(ms)) { (ctx.clock.time(ms)) } }
}

/// An RFC 3339 text from a record, in the practice's zone.
fn when_text(ctx: &Ctx, at: &str) -> Markup {
    match parse_time_ms(at) {
        Some(ms) => when(ctx, ms),
        None => html! { (at) },
    }
}

/// A status as a badge (its colour from the stylesheet's claim-state tones; the
/// text says it all).
fn status_badge(s: Status) -> Markup {
    let tone = match s {
        Status::Delivered => "accepted",
        Status::Received
        | Status::Decoded
        | Status::Queued
        | Status::Retrying
        | Status::Replayed => "pending",
        Status::DecodeFailed | Status::Unrouted | Status::Dead => "rejected",
    };
    html! { span class=(format!("state {tone}")) { (s.as_str()) } }
}

/// A record type's wire name.
fn type_name(t: crate::store::RecordType) -> &'static str {
    match t {
        crate::store::RecordType::Inbound => "inbound",
        crate::store::RecordType::Message => "message",
        crate::store::RecordType::Ack => "ack",
    }
}

/// Stops a scan that spends its time: the budget of one page.
struct Budget {
    started: Instant,
    limit: Duration,
}

impl Budget {
    fn new(limit: Duration) -> Budget {
        Budget {
            started: Instant::now(),
            limit,
        }
    }

    fn spent(&self) -> bool {
        self.started.elapsed() > self.limit
    }
}

/// Every record matching `filter`, newest first, read a store page at a time
/// until the end, `max` records, or the budget; `Ok(false)` from `each` stops it.
/// Returns whether it stopped before the end, and the id of the oldest record read.
fn scan(
    store: &dyn crate::store::HubStore,
    filter: &Filter,
    budget: &Budget,
    max: usize,
    mut each: impl FnMut(Record) -> bool,
) -> Result<(bool, Option<String>), StoreError> {
    let mut cursor: Option<String> = None;
    let mut seen = 0usize;
    loop {
        if budget.spent() || seen >= max {
            return Ok((true, cursor));
        }
        let page = store.list(filter, cursor.as_deref(), SCAN_PAGE)?;
        for r in page.items {
            seen += 1;
            cursor = Some(r.id.clone());
            if !each(r) {
                return Ok((false, cursor));
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok((false, cursor)),
        }
    }
}
