//! The revenue screens a coordinator uses instead of a clearinghouse portal:
//! `/payments` (835 payments, their balancing, and the payments no claim
//! matches), `/eligibility` (271 answers), `/prior-auths` (278 requests and
//! responses with the CMS-0057-F decision clock), and one page for each message.
//!
//! Lists walk the store's kind index newest first ([`scan`]), read each
//! message's normalized body for the columns and the filters that need it, and
//! page with the id of the last row shown (a deep link: every filter is a GET
//! form). Store reads run on the blocking pool; patient data goes through
//! [`Ctx::phi`]; every page is audited.

mod auth_rules;
mod eligibility;
mod payment;
mod payments;
mod prior_auth;
mod prior_auths;
pub(super) mod remit;
mod scan;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use clearway_codes::Table;
use clearway_schemas::value::{Money, Period};
use clearway_schemas::{Code, Kind, Message, Party};
use maud::{Markup, html};

use super::text::{self, Params};
use super::{Ctx, error_page, internal};
use crate::api::Routes;
use crate::auth::Access;
use crate::store::{HubStore, Record, StoreError};

/// Add this module's routes.
pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/payments", get(payments::list))
        .add(Method::GET, "/payments/{id}", get(payment::show))
        .add(Method::GET, "/eligibility", get(eligibility::list))
        .add(Method::GET, "/eligibility/{id}", get(eligibility::show))
        .add(Method::GET, "/prior-auths", get(prior_auths::list))
        .add(Method::GET, "/prior-auths/{id}", get(prior_auth::show))
}

/// Most raw payload shown on a page.
const RAW_LIMIT: usize = 64 * 1024;
/// Most rows a CSV export holds.
const CSV_LIMIT: usize = 10_000;
/// How long one page may look for matching messages before it stops and offers
/// the next page (a filter that reads every body over a large store).
const PAGE_BUDGET: Duration = Duration::from_secs(2);
/// The same, for a CSV export.
const CSV_BUDGET: Duration = Duration::from_secs(30);

/// What every list takes besides its own filters: the page, the dates, the format.
#[derive(Debug, Clone, Default)]
struct ListQuery {
    /// The id of the last row of the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: usize,
    /// Received at or after (Unix ms).
    since_ms: Option<u64>,
    /// Received before (Unix ms).
    until_ms: Option<u64>,
    /// `format=csv`.
    csv: bool,
}

impl ListQuery {
    /// The scan window of this query.
    fn window(&self) -> scan::Window {
        scan::Window {
            since_ms: self.since_ms,
            until_ms: self.until_ms,
            cursor: if self.csv { None } else { self.cursor.clone() },
            limit: if self.csv { CSV_LIMIT } else { self.limit },
            budget: if self.csv { CSV_BUDGET } else { PAGE_BUDGET },
        }
    }
}

/// The common parameters of a list (`from`/`to` only if `dates`).
fn list_query(p: &Params, clock: &text::Clock, dates: bool) -> Result<ListQuery, String> {
    let mut q = ListQuery {
        limit: p.limit(50)?,
        ..ListQuery::default()
    };
    if let Some(c) = p.get("cursor") {
        if !valid_id(c) {
            return Err("`cursor` is not one this hub made: use the Next page link".into());
        }
        q.cursor = Some(c.to_owned());
    }
    if dates {
        let from = p.date("from")?;
        let to = p.date("to")?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err("`from` is after `to`".into());
        }
        q.since_ms = from.and_then(|d| clock.day_start_ms(d));
        q.until_ms = to.and_then(|d| clock.day_end_ms(d));
    }
    q.csv = match p.get("format") {
        None => false,
        Some("csv") => true,
        Some(_) => return Err("`format` must be csv".into()),
    };
    Ok(q)
}

/// A yes/no filter.
fn yes_no(p: &Params, name: &str) -> Result<Option<bool>, String> {
    match p.get(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(_) => Err(format!("`{name}` must be yes or no")),
    }
}

/// One of `allowed` values of `name`.
fn choice<'a>(p: &'a Params, name: &str, allowed: &[&str]) -> Result<Option<&'a str>, String> {
    match p.get(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(format!(
            "`{name}` cannot be `{v}` (expected one of: {})",
            allowed.join(", ")
        )),
    }
}

/// Whether `id` is a record id (a ULID).
fn valid_id(id: &str) -> bool {
    id.len() == 26 && ulid::Ulid::from_string(id).is_ok()
}

/// When the hub made a record (its id's time), Unix ms.
fn received_ms(r: &Record) -> u64 {
    ulid::Ulid::from_string(&r.id).map_or_else(
        |_| crate::store::record::parse_time_ms(&r.created_at).unwrap_or(0),
        |u| u.timestamp_ms(),
    )
}

/// The normalized message of a record; `None` when it has none, its payload
/// was destroyed (retention) or it does not parse.
fn message_of(store: &dyn HubStore, r: &Record) -> Result<Option<Message>, StoreError> {
    let json = match store.normalized(&r.id) {
        Ok(Some(j)) => j,
        Ok(None) | Err(StoreError::Destroyed { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match serde_json::from_str::<Message>(&json) {
        Ok(m) => Ok(Some(m)),
        Err(_) => {
            tracing::warn!(message = %r.id, "console: a stored message does not parse; skipped");
            Ok(None)
        }
    }
}

/// The raw payload an inbound record holds (a message's parent), at most
/// [`RAW_LIMIT`] bytes, as text.
fn raw_text(store: &dyn HubStore, r: &Record) -> Option<String> {
    let inbound = r.parent.as_deref().unwrap_or(&r.id);
    let bytes = store.raw(inbound).ok()??;
    let cut = &bytes[..bytes.len().min(RAW_LIMIT)];
    Some(String::from_utf8_lossy(cut).into_owned())
}

/// One message loaded for a detail page.
struct Loaded {
    record: Record,
    message: Message,
    /// The raw payload, when the caller may read it.
    raw: Option<String>,
}

/// Message `id` if it is one of `kinds`; the raw payload too when `with_raw`.
fn load(
    store: &dyn HubStore,
    id: &str,
    kinds: &[Kind],
    with_raw: bool,
) -> Result<Option<Loaded>, StoreError> {
    if !valid_id(id) {
        return Ok(None);
    }
    let Some(record) = store.get(id)? else {
        return Ok(None);
    };
    if !record.kind.is_some_and(|k| kinds.contains(&k)) {
        return Ok(None);
    }
    let Some(message) = message_of(store, &record)? else {
        return Ok(None);
    };
    let raw = if with_raw {
        raw_text(store, &record)
    } else {
        None
    };
    Ok(Some(Loaded {
        record,
        message,
        raw,
    }))
}

/// Run store work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("console task: {e}"))?
}

/// Audit a read; `Err` is the page to answer instead.
async fn audit(ctx: &Ctx, action: &str, ids: Vec<String>) -> Result<(), Response> {
    ctx.caller
        .audit(action, ids, "ok")
        .await
        .map_err(|e| internal(ctx, e.message))
}

/// The 400 page of a bad parameter.
fn bad_request(ctx: &Ctx, message: &str) -> Response {
    error_page(ctx, StatusCode::BAD_REQUEST, message)
}

/// The 404 page of an unknown id.
fn not_found(ctx: &Ctx, what: &str) -> Response {
    error_page(ctx, StatusCode::NOT_FOUND, &format!("No such {what}."))
}

/// `base` with the page's parameters but `drop`, plus `add`.
fn link(p: &Params, base: &str, drop: &[&str], add: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = p
        .pairs()
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()) && !add.iter().any(|(a, _)| a == k))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.extend(add.iter().map(|(k, v)| (*k, (*v).to_owned())));
    format!("{base}{}", text::query(&pairs))
}

/// The CSV export link of a list.
fn export_link(p: &Params, base: &str) -> String {
    link(p, base, &["cursor", "format"], &[("format", "csv")])
}

/// The next-page link, and a note when the page stopped looking early.
fn pager(p: &Params, base: &str, next: Option<&str>, partial: bool) -> Markup {
    html! {
        @if partial {
            p class="notice" { "This page stopped looking after a few seconds, before it was full: the next page goes on from where it stopped." }
        }
        @if let Some(c) = next {
            nav class="pager" aria-label="Pages" {
                a class="button secondary" href=(link(p, base, &[], &[("cursor", c)])) { "Next page" }
                " "
                a href=(link(p, base, &["cursor"], &[])) { "Back to the newest" }
            }
        }
    }
}

/// The count line of a list page.
fn count_text(n: usize, what: &str, more: bool) -> String {
    if more {
        format!("{what} on this page, newest first; more on the next page")
    } else if n == 0 {
        format!("{what}: none match these filters")
    } else {
        format!("{what}, newest first")
    }
}

/// When a record arrived, as a `<time>`.
fn when(ctx: &Ctx, ms: u64) -> Markup {
    html! { time datetime=(ctx.clock.iso(ms)) { (ctx.clock.time(ms)) } }
}

/// The raw payload, for the roles that may read it.
fn raw_section(ctx: &Ctx, raw: Option<&str>) -> Markup {
    html! {
        @if ctx.caller.access == Access::Allowed {
            section aria-labelledby="raw-h" {
                h2 id="raw-h" { "Raw payload" }
                details {
                    summary { "Show the payload as received (first 64 KiB)" }
                    @match raw {
                        Some(t) => pre class="raw" { (t) },
                        None => p class="muted" { "No raw payload is kept for this message." },
                    }
                }
            }
        }
    }
}

/// A date span as written (date-only: never shifted).
fn period(p: Option<&Period>) -> String {
    let Some(p) = p else { return String::new() };
    match (&p.start, &p.end) {
        (Some(a), Some(b)) if a != b => format!("{} – {}", a.as_str(), b.as_str()),
        (Some(a), _) => a.as_str().to_owned(),
        (None, Some(b)) => format!("until {}", b.as_str()),
        (None, None) => String::new(),
    }
}

/// A party's name (`Last, First` for a person).
fn name_of(p: Option<&Party>) -> String {
    p.and_then(crate::ledger::party_name).unwrap_or_default()
}

/// A payer's name and id.
fn payer_of(m: &Message) -> (String, String) {
    let p = m.parties.payer.as_ref();
    (
        name_of(p),
        p.and_then(|p| p.payer_id.clone()).unwrap_or_default(),
    )
}

/// The member id of a message's subscriber (else patient).
fn member_id(m: &Message) -> String {
    m.parties
        .subscriber
        .as_ref()
        .and_then(|s| s.member_id.clone())
        .or_else(|| m.parties.patient.as_ref().and_then(|s| s.member_id.clone()))
        .unwrap_or_default()
}

/// [`text::money`] of an amount.
fn money(m: Money) -> String {
    text::money(m.0)
}

/// A code with its description from `table` (the sender's display text when the
/// table does not know it).
fn code_described(table: Table, c: &Code) -> Markup {
    let described = table.describe(&c.code);
    let text = match &c.display {
        Some(d) if described == clearway_codes::NO_DESCRIPTION => d.as_str(),
        _ => described,
    };
    html! { span class="code" { code { (c.code) } " — " (text) } }
}

/// A `dt`/`dd` pair, or nothing when the value is empty.
fn fact(label: &str, value: &str) -> Markup {
    html! {
        @if !value.is_empty() {
            dt { (label) }
            dd { (value) }
        }
    }
}

/// A code as `system code`, e.g. `cpt 99213`.
fn plain_code(c: &Code) -> String {
    format!("{} {}", c.system, c.code)
}

/// The payer's rejections of a request (271/278 `AAA`), each with its reason,
/// follow-up and next step.
fn aaa_section(rejections: &[clearway_schemas::body::Rejection]) -> Markup {
    html! {
        @if !rejections.is_empty() {
            section aria-labelledby="aaa-h" {
                h2 id="aaa-h" { "Rejections (AAA)" }
                table {
                    caption { "Why the payer rejected the request, and what to do" }
                    thead { tr {
                        th scope="col" { "Where (loop)" }
                        th scope="col" { "Reason (AAA03)" }
                        th scope="col" { "Follow-up (AAA04)" }
                        th scope="col" { "Next step" }
                    } }
                    tbody {
                        @for a in rejections {
                            tr {
                                td { (a.level.x12_code()) }
                                td { (super::detail::described(Table::AaaReason, &a.reason_code)) }
                                td { @if let Some(f) = &a.follow_up_action { (super::detail::described(Table::AaaFollowUp, f)) } }
                                td {
                                    @if let Some(step) = Table::AaaReason.lookup(&a.reason_code).and_then(|e| e.next_step) { p class="next" { (step) } }
                                    @if let Some(step) = a.follow_up_action.as_deref().and_then(|f| Table::AaaFollowUp.lookup(f)).and_then(|e| e.next_step) { p class="next" { (step) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
