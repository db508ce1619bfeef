//! `GET /dead-letters`: the messages whose delivery failed for good (status
//! `dead`), counted by destination endpoint and reason (that delivery's last
//! error code), filtered by destination, reason, kind and dates, each with a
//! replay (see [`super::replay`]) and a bulk replay of all the filter shows. The
//! dead-letter rows, their groups and the scan are `GET /v1/dead-letters`'s
//! ([`crate::api::dead_letters`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::response::Response;
use clearway_schemas::Kind;
use maud::{Markup, html};

use super::messages::date_input;
use super::{
    REPLAY_PATH, api_params, bad_request, filter_of, last_error, made_ms, may_replay, when,
};
use crate::api::Caller;
pub(super) use crate::api::dead_letters::{BULK_MAX, Row, Scan, groups, scan_dead};
use crate::console::text::{self, Clock, Params};
use crate::console::{Ctx, count_status, csv, internal, page};
use crate::pipeline::Hub;
use crate::store::{Filter, Status};

/// The parameters of `GET /dead-letters`.
const LIST: &[&str] = &[
    "destination",
    "reason",
    "kind",
    "since",
    "until",
    "limit",
    "cursor",
    "format",
];
/// The filter fields (repeated by the replay forms).
pub(super) const FILTER_FIELDS: &[&str] = &["destination", "reason", "kind", "since", "until"];

/// A dead-letter query: the store filter (status dead, kind, dates, by the API's
/// code) and the two filters the store has no index for.
pub struct DeadQuery {
    pub(super) filter: Filter,
    pub(super) destination: Option<String>,
    pub(super) reason: Option<String>,
    limit: usize,
    cursor: Option<String>,
    /// The filter fields as given, for links and forms.
    pub(super) given: Vec<(String, String)>,
}

/// Read a dead-letter query from `pairs` (already checked against the page's names).
pub fn dead_query(pairs: &[(String, String)], clock: &Clock) -> Result<DeadQuery, String> {
    let mut api: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "kind" | "since" | "until" | "limit" | "cursor"))
        .cloned()
        .collect();
    api.push(("status".into(), Status::Dead.as_str().into()));
    let p = api_params(
        &api,
        &["status", "kind", "since", "until", "limit", "cursor"],
        clock,
    )?;
    let given = pairs
        .iter()
        .filter(|(k, v)| FILTER_FIELDS.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    Ok(DeadQuery {
        filter: filter_of(&p)?,
        destination: super::field(pairs, "destination").map(str::to_owned),
        reason: super::field(pairs, "reason").map(str::to_owned),
        limit: p.limit(50).map_err(|e| e.message)?,
        cursor: p.ulid_cursor().map_err(|e| e.message)?,
        given,
    })
}

/// `GET /dead-letters`.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let p = match Params::parse(req.uri().query(), LIST) {
        Ok(p) => p,
        Err(e) => return bad_request(&ctx, &e),
    };
    let csv = match p.get("format") {
        None => false,
        Some("csv") => true,
        Some(_) => return bad_request(&ctx, "`format` must be csv"),
    };
    let q = match dead_query(p.pairs(), &ctx.clock) {
        Ok(q) => q,
        Err(e) => return bad_request(&ctx, &e),
    };
    let s = match scan_dead(&hub, &q.filter).await {
        Ok(s) => s,
        Err(e) => return internal(&ctx, e),
    };
    let matched: Vec<&Row> = s
        .rows
        .iter()
        .filter(|r| r.matches(q.destination.as_deref(), q.reason.as_deref()))
        .collect();
    let shown: Vec<&Row> = if csv {
        matched.clone()
    } else {
        matched
            .iter()
            .filter(|r| q.cursor.as_deref().is_none_or(|c| r.record.id.as_str() < c))
            .take(q.limit + 1)
            .copied()
            .collect()
    };
    let next = (!csv && shown.len() > q.limit).then(|| shown[q.limit - 1].record.id.clone());
    let shown = &shown[..shown.len().min(if csv { usize::MAX } else { q.limit })];
    if !ctx.masked() {
        let ids = shown.iter().map(|r| r.record.id.clone()).collect();
        if let Err(e) = ctx
            .caller
            .audit(
                if csv {
                    "messages.export"
                } else {
                    "messages.list"
                },
                ids,
                "ok",
            )
            .await
        {
            return internal(&ctx, e.message);
        }
    }
    if csv {
        return rows_csv(&ctx, shown);
    }
    let body = html! {
        (filter_form(&hub, &p, &s.rows))
        (groups_table(&q, &groups(&s.rows)))
        (count_status(matched.len(), if matched.len() == 1 { "dead letter matches these filters" } else { "dead letters match these filters" }))
        (cut_note(&ctx, &s))
        @if may_replay(&ctx) && !matched.is_empty() {
            form method="post" action=(REPLAY_PATH) class="inline" {
                (ctx.csrf_field())
                @for (k, v) in &q.given { input type="hidden" name=(k) value=(v); }
                button type="submit" { "Replay all " (matched.len()) " shown by this filter…" }
            }
        }
        p { a href=(format!("/dead-letters{}", link(&q.given, &[("format", "csv")]))) { "Export these dead letters as CSV" } }
        (table(&ctx, shown))
        @if let Some(c) = &next {
            nav class="pager" aria-label="Pages" {
                a class="button secondary" href=(format!("/dead-letters{}", {
                    let mut pairs: Vec<(&str, String)> = q.given.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                    if let Some(l) = p.get("limit") { pairs.push(("limit", l.to_owned())); }
                    pairs.push(("cursor", c.clone()));
                    text::query(&pairs)
                })) { "Next page" }
            }
        }
    };
    page(&ctx, "Dead letters", "/dead-letters", body)
}

fn cut_note(ctx: &Ctx, s: &Scan) -> Markup {
    html! {
        @if let Some(oldest) = &s.cut {
            p class="notice" {
                "Counted within a time budget: only dead letters "
                @match oldest.as_deref().and_then(|id| s.rows.iter().find(|r| r.record.id == id)) {
                    Some(r) => { "back to " (when(ctx, made_ms(&r.record))) }
                    None => { "found so far" }
                }
                " are counted and listed. Narrow the dates to see older ones."
            }
        }
    }
}

/// The query string of filter fields `given` with `set` added.
pub(super) fn link(given: &[(String, String)], set: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = given
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.extend(set.iter().map(|(k, v)| (*k, (*v).to_owned())));
    text::query(&pairs)
}

fn groups_table(q: &DeadQuery, groups: &BTreeMap<(String, String), usize>) -> Markup {
    let mut sorted: Vec<(&(String, String), &usize)> = groups.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let base: Vec<(String, String)> = q
        .given
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "destination" | "reason"))
        .cloned()
        .collect();
    html! {
        table {
            caption { "Dead letters by destination and reason (all of the kind and dates chosen)" }
            thead { tr { th scope="col" { "Destination" } th scope="col" { "Reason (last error code)" } th scope="col" class="num" { "Messages" } } }
            tbody {
                @if sorted.is_empty() { tr { td colspan="3" { "No dead letters." } } }
                @for ((dest, reason), n) in sorted {
                    tr {
                        th scope="row" {
                            @if dest.is_empty() { "(no destination)" }
                            @else { a href=(format!("/dead-letters{}", link(&base, &[("destination", dest)]))) { (dest) } }
                        }
                        td {
                            @if reason.is_empty() { "(no error recorded)" }
                            @else { a href=(format!("/dead-letters{}", link(&base, &[("reason", reason)]))) { code { (reason) } } }
                        }
                        td class="num" {
                            @let both: Vec<(&str, &str)> = [("destination", dest.as_str()), ("reason", reason.as_str())].into_iter().filter(|(_, v)| !v.is_empty()).collect();
                            a href=(format!("/dead-letters{}", link(&base, &both))) aria-label=(format!("{n} dead letter{} at {} for {}", if *n == 1 { "" } else { "s" }, if dest.is_empty() { "no destination" } else { dest }, if reason.is_empty() { "no recorded error" } else { reason })) { (n) }
                        }
                    }
                }
            }
        }
    }
}

fn filter_form(hub: &Hub, p: &Params, rows: &[Row]) -> Markup {
    let mut dests: Vec<String> = hub
        .config
        .endpoints
        .iter()
        .filter(|(_, e)| !e.transport.is_inbound())
        .map(|(n, _)| n.clone())
        .collect();
    let mut reasons: Vec<String> = Vec::new();
    for r in rows {
        for d in &r.dests {
            if !dests.contains(&d.destination) {
                dests.push(d.destination.clone());
            }
        }
        for reason in r.reasons() {
            if !reasons.iter().any(|x| x == reason) {
                reasons.push(reason.to_owned());
            }
        }
    }
    for (name, list) in [("destination", &mut dests), ("reason", &mut reasons)] {
        if let Some(v) = p.get(name)
            && !list.iter().any(|x| x == v)
        {
            list.push(v.to_owned());
        }
    }
    reasons.sort();
    html! {
        form method="get" action="/dead-letters" class="filters" aria-label="Filter dead letters" {
            div {
                label for="d-dest" { "Destination" }
                select id="d-dest" name="destination" {
                    option value="" { "Any destination" }
                    @for d in &dests { option value=(d) selected[p.get("destination") == Some(d.as_str())] { (d) } }
                }
            }
            div {
                label for="d-reason" { "Reason (last error code)" }
                select id="d-reason" name="reason" {
                    option value="" { "Any reason" }
                    @for r in &reasons { option value=(r) selected[p.get("reason") == Some(r.as_str())] { (r) } }
                }
            }
            div {
                label for="d-kind" { "Kind" }
                select id="d-kind" name="kind" {
                    option value="" { "Any kind" }
                    @for k in Kind::ALL { option value=(k.as_str()) selected[p.get("kind") == Some(k.as_str())] { (k.as_str()) } }
                }
            }
            (date_input("d-since", "since", "Made on or after", p.get("since")))
            (date_input("d-until", "until", "Made on or before", p.get("until")))
            @if let Some(l) = p.get("limit") { input type="hidden" name="limit" value=(l); }
            div { button type="submit" { "Apply filters" } " " a href="/dead-letters" class="button secondary" { "Clear" } }
        }
    }
}

fn table(ctx: &Ctx, rows: &[&Row]) -> Markup {
    let replay = may_replay(ctx);
    html! {
        table {
            caption { "Dead letters, newest first" }
            thead {
                tr {
                    th scope="col" { "Time" }
                    th scope="col" { "Id" }
                    th scope="col" { "Kind" }
                    th scope="col" { "Destination" }
                    th scope="col" class="num" { "Attempts" }
                    th scope="col" { "Last error" }
                    @if replay { th scope="col" { "Replay" } }
                }
            }
            tbody {
                @for r in rows {
                    tr {
                        td { (when(ctx, made_ms(&r.record))) }
                        td { a href=(format!("/messages/{}", r.record.id)) { code { (r.record.id) } } }
                        td { (r.record.kind.map(Kind::as_str).unwrap_or("")) }
                        td { @for (i, d) in r.dests.iter().enumerate() { @if i > 0 { br; } (d.destination) } }
                        td class="num" { @for (i, d) in r.dests.iter().enumerate() { @if i > 0 { br; } (d.attempts) } }
                        td { @if let Some(e) = last_error(&r.record) { code { (e.code) } " " (e.message) } }
                        @if replay {
                            td {
                                form method="post" action=(REPLAY_PATH) class="inline" {
                                    (ctx.csrf_field())
                                    input type="hidden" name="id" value=(r.record.id);
                                    button type="submit" class="secondary" aria-label=(format!("Replay message {}", r.record.id)) { "Replay…" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn rows_csv(ctx: &Ctx, rows: &[&Row]) -> Response {
    let header = [
        "time",
        "id",
        "kind",
        "destinations",
        "attempts",
        "error_code",
        "error_message",
    ];
    let body = rows.iter().map(|r| {
        let e = last_error(&r.record);
        vec![
            ctx.clock.iso(made_ms(&r.record)),
            r.record.id.clone(),
            r.record
                .kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            r.dests
                .iter()
                .map(|d| d.destination.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            r.dests
                .iter()
                .map(|d| d.attempts.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            e.map(|e| e.code.clone()).unwrap_or_default(),
            e.map(|e| e.message.clone()).unwrap_or_default(),
        ]
    });
    csv::response("dead-letters.csv", &header, body)
}
