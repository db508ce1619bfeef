//! `GET /messages`: the message log with every `/v1/messages` filter, newest
//! first, cursor paging, CSV; and [`search`] (`POST /messages/search`), the same
//! list searched by free text or correlation value, which are patient data and so
//! never go into a GET form's URL (a deep link may still carry them, as the API's
//! does, for the roles that may search).

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use clearway_schemas::Kind;
use maud::{Markup, html};

use super::{
    Budget, SEARCH_PATH, api_params, bad_request, blocking, field, filter_of, form_pairs,
    last_error, made_ms, status_badge, type_name, when,
};
use crate::api::{Caller, LIST_PARAMS};
use crate::console::text::{self, Clock};
use crate::console::{Ctx, count_status, csv, error_page, internal, page};
use crate::pipeline::Hub;
use crate::store::{Filter, Page, Record, Status};

/// Most rows in one CSV export.
pub const CSV_MAX: usize = 10_000;

/// What one list request asks for.
pub struct Listing {
    /// The store filter (the API's reading of the parameters).
    pub filter: Filter,
    /// Page size.
    pub limit: usize,
    /// The id the page starts after.
    pub cursor: Option<String>,
    /// A CSV download instead of a page.
    pub csv: bool,
}

/// Read a list request's `pairs` (`extra` names are taken besides the API's).
pub fn listing(
    pairs: &[(String, String)],
    extra: &[&str],
    clock: &Clock,
) -> Result<Listing, String> {
    let allowed: Vec<&str> = LIST_PARAMS
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect();
    let p = api_params(pairs, &allowed, clock)?;
    let csv = match p.get("format").map(String::as_str) {
        None => false,
        Some("csv") => true,
        Some(_) => return Err("`format` must be csv".into()),
    };
    Ok(Listing {
        filter: filter_of(&p)?,
        limit: p.limit(50).map_err(|e| e.message)?,
        cursor: p.ulid_cursor().map_err(|e| e.message)?,
        csv,
    })
}

/// One page, or for a CSV every match up to [`CSV_MAX`] within the time budget
/// (`partial` then says the export was cut).
async fn run(hub: &Arc<Hub>, l: &Listing) -> Result<Page, String> {
    let (store, filter, cursor, limit, csv) = (
        hub.store.clone(),
        l.filter.clone(),
        l.cursor.clone(),
        l.limit,
        l.csv,
    );
    blocking(move || {
        if !csv {
            return store.list(&filter, cursor.as_deref(), limit);
        }
        let mut items = Vec::new();
        let budget = Budget::new(super::PAGE_BUDGET);
        let (cut, _) = super::scan(&*store, &filter, &budget, CSV_MAX, |r| {
            items.push(r);
            true
        })?;
        Ok(Page {
            items,
            next_cursor: None,
            partial: cut,
        })
    })
    .await
}

/// `GET /messages`.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let pairs = text::pairs(req.uri().query().unwrap_or("").as_bytes());
    let l = match listing(&pairs, &["format"], &ctx.clock) {
        Ok(l) => l,
        Err(e) => return bad_request(&ctx, &e),
    };
    respond(&hub, &ctx, &pairs, l, false).await
}

/// `POST /messages/search`: the list searched by `q` (free text) and/or
/// `correlation`, within the other filters of the form; a viewer may not search.
pub async fn search(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    if ctx.masked() {
        return error_page(
            &ctx,
            StatusCode::FORBIDDEN,
            "A viewer may not search the message log (the search terms are patient data).",
        );
    }
    let Some(form) = form_pairs(req).await else {
        return error_page(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The search form is at most 64 KiB.",
        );
    };
    let pairs: Vec<(String, String)> = form.into_iter().filter(|(k, _)| k != "_csrf").collect();
    if field(&pairs, "q").is_none() && field(&pairs, "correlation").is_none() {
        return bad_request(
            &ctx,
            "Enter text (`q`) or a correlation value (`correlation`) to search for.",
        );
    }
    let l = match listing(&pairs, &["format"], &ctx.clock) {
        Ok(l) => l,
        Err(e) => return bad_request(&ctx, &e),
    };
    respond(&hub, &ctx, &pairs, l, true).await
}

async fn respond(
    hub: &Arc<Hub>,
    ctx: &Ctx,
    pairs: &[(String, String)],
    l: Listing,
    posted: bool,
) -> Response {
    if ctx.masked() && (l.filter.q.is_some() || l.filter.correlation.is_some()) {
        return error_page(
            ctx,
            StatusCode::FORBIDDEN,
            "A viewer may not search by `q` or `correlation` (patient data).",
        );
    }
    let page_ = match run(hub, &l).await {
        Ok(p) => p,
        Err(e) => return internal(ctx, e),
    };
    // As `/v1/messages` does: who read which records, unless nothing was shown unmasked.
    if !ctx.masked() {
        let searched = posted || l.filter.q.is_some();
        let action = match (l.csv, searched) {
            (true, _) => "messages.export",
            (false, true) => "messages.search",
            (false, false) => "messages.list",
        };
        let ids = page_.items.iter().map(|r| r.id.clone()).collect();
        if let Err(e) = ctx.caller.audit(action, ids, "ok").await {
            return internal(ctx, e.message);
        }
    }
    if l.csv {
        let mut r = rows_csv(ctx, &page_.items);
        if page_.partial {
            r.headers_mut()
                .insert("x-clearway-partial", HeaderValue::from_static("true"));
        }
        return r;
    }
    let searched = l.filter.q.is_some() || l.filter.correlation.is_some();
    let body = html! {
        @if !ctx.masked() { (search_form(ctx, pairs, &l)) }
        (filter_form(hub, pairs))
        @if searched && !posted {
            p class="notice" {
                "This link also filters by "
                @if l.filter.q.is_some() { "free text" }
                @if l.filter.q.is_some() && l.filter.correlation.is_some() { " and " }
                @if l.filter.correlation.is_some() { "correlation value" }
                ". " a href=(format!("/messages{}", without(pairs, &["q", "correlation", "cursor"]))) { "Show without it" }
            }
        }
        (count_status(page_.items.len(), &count_text(&page_)))
        @if page_.partial {
            p class="notice" { "The scan stopped at its time budget before the page was full: this page is partial. Go on with Next page." }
        }
        @if posted {
            form method="post" action=(SEARCH_PATH) class="inline" {
                (ctx.csrf_field())
                (hidden(pairs, &["cursor", "format"]))
                input type="hidden" name="format" value="csv";
                button type="submit" class="secondary" { "Export these messages as CSV" }
            }
        } @else {
            p { a href=(format!("/messages{}", with(pairs, &[("format", "csv")], &["cursor"]))) {
                "Export these messages as CSV (up to " (CSV_MAX) ")" } }
        }
        (table(ctx, "Messages, newest first", &page_.items))
        @if let Some(c) = &page_.next_cursor {
            @if posted {
                form method="post" action=(SEARCH_PATH) class="pager" {
                    (ctx.csrf_field())
                    (hidden(pairs, &["cursor", "format"]))
                    input type="hidden" name="cursor" value=(c);
                    button type="submit" class="secondary" { "Next page" }
                }
            } @else {
                nav class="pager" aria-label="Pages" {
                    a class="button secondary" href=(format!("/messages{}", with(pairs, &[("cursor", c)], &["format"]))) { "Next page" }
                }
            }
        }
    };
    page(
        ctx,
        if posted { "Messages found" } else { "Messages" },
        "/messages",
        body,
    )
}

fn count_text(p: &Page) -> String {
    let more = if p.next_cursor.is_some() {
        "; more on the next page"
    } else {
        ""
    };
    format!(
        "message{} on this page, newest first{more}",
        if p.items.len() == 1 { "" } else { "s" }
    )
}

/// The query string of `pairs` with `set` replacing (or adding) names, and `drop` left out.
fn with(pairs: &[(String, String)], set: &[(&str, &str)], drop: &[&str]) -> String {
    let mut out: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()) && !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    out.extend(set.iter().map(|(k, v)| (*k, (*v).to_owned())));
    text::query(&out)
}

fn without(pairs: &[(String, String)], drop: &[&str]) -> String {
    with(pairs, &[], drop)
}

/// Hidden fields repeating `pairs` but `drop`.
fn hidden(pairs: &[(String, String)], drop: &[&str]) -> Markup {
    html! {
        @for (k, v) in pairs.iter().filter(|(k, v)| !drop.contains(&k.as_str()) && !v.is_empty()) {
            input type="hidden" name=(k) value=(v);
        }
    }
}

/// The POST search form: free text and correlation value, within the filters in effect.
fn search_form(ctx: &Ctx, pairs: &[(String, String)], l: &Listing) -> Markup {
    html! {
        form method="post" action=(SEARCH_PATH) class="filters" role="search" aria-label="Search messages" {
            (ctx.csrf_field())
            (hidden(pairs, &["q", "correlation", "cursor", "format"]))
            div {
                label for="m-q" { "Text in id, endpoint, kind, correlation value, error or file name" }
                input type="search" id="m-q" name="q" size="30" value=[l.filter.q.as_deref()];
            }
            div {
                label for="m-corr" { "Correlation value (exact, e.g. a claim id)" }
                input type="search" id="m-corr" name="correlation" size="24" value=[l.filter.correlation.as_deref()];
            }
            div { button type="submit" { "Search" } }
        }
    }
}

/// The GET filter form (a deep link): status, kind, endpoint, type, dates, page
/// size; free text and correlation value are not in it (they are patient data).
fn filter_form(hub: &Hub, pairs: &[(String, String)]) -> Markup {
    let v = |name: &str| field(pairs, name);
    let endpoints: Vec<&String> = hub
        .config
        .endpoints
        .iter()
        .filter(|(_, e)| e.transport.is_inbound())
        .map(|(n, _)| n)
        .collect();
    html! {
        form method="get" action="/messages" class="filters" aria-label="Filter messages" {
            div {
                label for="f-status" { "Status" }
                select id="f-status" name="status" {
                    option value="" { "Any status" }
                    @for s in Status::ALL { option value=(s.as_str()) selected[v("status") == Some(s.as_str())] { (s.as_str()) } }
                }
            }
            div {
                label for="f-kind" { "Kind" }
                select id="f-kind" name="kind" {
                    option value="" { "Any kind" }
                    @for k in Kind::ALL { option value=(k.as_str()) selected[v("kind") == Some(k.as_str())] { (k.as_str()) } }
                }
            }
            div {
                label for="f-endpoint" { "Inbound endpoint" }
                select id="f-endpoint" name="endpoint" {
                    option value="" { "Any endpoint" }
                    @for e in &endpoints { option value=(e) selected[v("endpoint") == Some(e.as_str())] { (e) } }
                    @if let Some(e) = v("endpoint").filter(|e| !endpoints.iter().any(|x| x.as_str() == *e)) {
                        option value=(e) selected { (e) " (not configured)" }
                    }
                }
            }
            div {
                label for="f-type" { "Record type" }
                select id="f-type" name="type" {
                    option value="" { "Any type" }
                    @for t in ["inbound", "message", "ack"] { option value=(t) selected[v("type") == Some(t)] { (t) } }
                }
            }
            (date_input("f-since", "since", "Made on or after", v("since")))
            (date_input("f-until", "until", "Made on or before", v("until")))
            div {
                label for="f-limit" { "Per page" }
                select id="f-limit" name="limit" {
                    @for n in ["25", "50", "100", "200", "500"] {
                        option value=(n) selected[v("limit").unwrap_or("50") == n] { (n) }
                    }
                    @if let Some(n) = v("limit").filter(|n| !["25", "50", "100", "200", "500"].contains(n)) {
                        option value=(n) selected { (n) }
                    }
                }
            }
            div { button type="submit" { "Apply filters" } " " a href="/messages" class="button secondary" { "Clear" } }
        }
    }
}

/// A day picker, or a text box for an instant a deep link gave (RFC 3339).
pub fn date_input(id: &str, name: &str, label: &str, value: Option<&str>) -> Markup {
    let is_date = value.is_none_or(|d| d.len() == 10);
    html! {
        div {
            label for=(id) { (label) }
            @if is_date {
                input type="date" id=(id) name=(name) value=[value];
            } @else {
                input type="text" id=(id) name=(name) value=[value] size="26";
            }
        }
    }
}

/// The table of records.
pub fn table(ctx: &Ctx, caption: &str, rows: &[Record]) -> Markup {
    html! {
        table class="log" {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" { "Time" }
                    th scope="col" { "Id" }
                    th scope="col" { "Type" }
                    th scope="col" { "Kind" }
                    th scope="col" { "Endpoint" }
                    th scope="col" { "Status" }
                    th scope="col" { "Correlation" }
                    th scope="col" { "Last error" }
                }
            }
            tbody {
                @for r in rows {
                    tr {
                        td { (when(ctx, made_ms(r))) }
                        td { a href=(format!("/messages/{}", r.id)) { code { (r.id) } } }
                        td { (type_name(r.record_type)) }
                        td { (r.kind.map(Kind::as_str).unwrap_or("")) }
                        td { (r.endpoint) }
                        td { (status_badge(r.status)) }
                        td { (correlation(ctx, r)) }
                        td {
                            @if let Some(e) = last_error(r) { code { (e.code) } " " (e.message) }
                        }
                    }
                }
            }
        }
    }
}

/// A record's correlation keys, values masked for a viewer.
pub fn correlation(ctx: &Ctx, r: &Record) -> Markup {
    html! {
        @for (i, (k, v)) in r.correlation.iter().enumerate() {
            @if i > 0 { br; }
            span class="muted" { (k) ": " } (ctx.phi(v))
        }
    }
}

/// The CSV of records (correlation values and file names masked for a viewer).
fn rows_csv(ctx: &Ctx, rows: &[Record]) -> Response {
    let header = [
        "time",
        "id",
        "type",
        "kind",
        "endpoint",
        "status",
        "correlation",
        "filename",
        "error_code",
        "error_message",
    ];
    let body = rows.iter().map(|r| {
        let e = last_error(r);
        vec![
            ctx.clock.iso(made_ms(r)),
            r.id.clone(),
            type_name(r.record_type).to_owned(),
            r.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            r.endpoint.clone(),
            r.status.as_str().to_owned(),
            r.correlation
                .iter()
                .map(|(k, v)| format!("{k}={}", ctx.phi(v)))
                .collect::<Vec<_>>()
                .join(" "),
            r.filename
                .as_deref()
                .map(|f| ctx.phi(f).to_owned())
                .unwrap_or_default(),
            e.map(|e| e.code.clone()).unwrap_or_default(),
            e.map(|e| e.message.clone()).unwrap_or_default(),
        ]
    });
    csv::response("messages.csv", &header, body)
}
