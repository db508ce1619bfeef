//! `/claims`: every claim's state at a glance, with filters (a GET form: a deep
//! link), counts per state, sortable columns, cursor paging, saved views, CSV; and
//! `POST /claims/search`, the search by any identifier (a POST, so the identifier
//! never reaches a URL).

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::text::{self, Params, money_opt};
use super::{Ctx, count_status, csv, error_page, internal, page, plural, redirect};
use crate::api::Caller;
use crate::ledger::query::{ClaimPage, ClaimQuery, Sort, Worklist, valid_cursor};
use crate::ledger::{Row, State as ClaimState};
use crate::pipeline::Hub;

/// The filter parameters every claims list takes.
pub const FILTERS: &[&str] = &[
    "state",
    "payer",
    "provider",
    "from",
    "to",
    "sort",
    "dir",
    "cursor",
    "limit",
    "format",
    "unmatched",
    "first_pass",
    "initially_denied",
    "has_payment",
    "reason",
    "assignee",
    "resolved",
];

fn flag(p: &Params, name: &str) -> Result<Option<bool>, String> {
    match p.get(name) {
        None => Ok(None),
        Some("true" | "yes" | "1") => Ok(Some(true)),
        Some("false" | "no" | "0") => Ok(Some(false)),
        Some(_) => Err(format!("`{name}` must be true or false")),
    }
}

/// The [`ClaimQuery`] of a page's parameters (dates are days in the practice's zone).
pub fn claim_query(p: &Params, clock: &text::Clock) -> Result<ClaimQuery, String> {
    let mut q = ClaimQuery {
        limit: p.limit(50)?,
        ..ClaimQuery::default()
    };
    for s in p.all("state") {
        q.states.push(ClaimState::parse(s).ok_or_else(|| {
            format!(
                "unknown state `{s}` (expected one of: {})",
                ClaimState::ALL.map(|s| s.as_str()).join(", ")
            )
        })?);
    }
    q.payer = p.get("payer").map(str::to_owned);
    q.provider = p.get("provider").map(str::to_owned);
    if let Some(d) = p.date("from")? {
        q.from_ms = clock.day_start_ms(d);
    }
    if let Some(d) = p.date("to")? {
        q.to_ms = clock.day_end_ms(d);
    }
    if let Some(s) = p.get("sort") {
        q.sort = Sort::parse(s).ok_or_else(|| {
            format!(
                "unknown sort `{s}` (expected one of: {})",
                Sort::ALL.map(|(_, n)| n).join(", ")
            )
        })?;
    }
    q.ascending = match p.get("dir") {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err("`dir` must be asc or desc".into()),
    };
    if let Some(c) = p.get("cursor") {
        if !valid_cursor(c) {
            return Err("`cursor` is not one this hub made: use the Next link".into());
        }
        q.cursor = Some(c.to_owned());
    }
    q.unmatched = flag(p, "unmatched")?;
    q.first_pass = flag(p, "first_pass")?;
    q.initially_denied = flag(p, "initially_denied")?;
    q.has_payment = flag(p, "has_payment")?;
    q.include_resolved = flag(p, "resolved")?.unwrap_or(false);
    q.reason = p.get("reason").map(str::to_owned);
    q.assignee = p.get("assignee").map(str::to_owned);
    if let Some(f) = p.get("format")
        && f != "csv"
    {
        return Err("`format` must be csv".into());
    }
    Ok(q)
}

/// `<span class="state ...">`.
pub fn state_badge(s: ClaimState) -> Markup {
    html! { span class=(format!("state {}", s.as_str())) { (s.label()) } }
}

/// The link to a claim's detail page.
pub fn claim_link(ctx: &Ctx, row: &Row) -> Markup {
    html! { a href=(format!("/claims/{}", row.key)) { (ctx.phi(&row.pcn)) } }
}

/// A sortable column header: a link that toggles the direction, with `aria-sort`.
pub fn sort_header(
    p: &Params,
    q: &ClaimQuery,
    base: &str,
    sort: Sort,
    label: &str,
    num: bool,
) -> Markup {
    let active = q.sort == sort;
    let aria = match (active, q.ascending) {
        (false, _) => "none",
        (true, true) => "ascending",
        (true, false) => "descending",
    };
    let next_dir = if active && !q.ascending {
        "asc"
    } else {
        "desc"
    };
    let mut pairs: Vec<(&str, String)> = p
        .pairs()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "sort" | "dir" | "cursor"))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.push(("sort", sort.as_str().to_owned()));
    pairs.push(("dir", next_dir.to_owned()));
    let href = format!("{base}{}", text::query(&pairs));
    html! {
        th scope="col" aria-sort=(aria) class=[num.then_some("num")] {
            a href=(href) { (label) @if active { (if q.ascending { " ▲" } else { " ▼" }) } }
        }
    }
}

/// The claims table (one page), shared by the claims list and the worklists.
pub fn claims_table(
    ctx: &Ctx,
    p: &Params,
    q: &ClaimQuery,
    base: &str,
    caption: &str,
    rows: &[Row],
    extra: Option<&dyn Fn(&Row) -> Markup>,
) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" { "Claim (patient control no.)" }
                    th scope="col" { "Patient" }
                    (sort_header(p, q, base, Sort::Payer, "Payer", false))
                    th scope="col" { "Provider NPI" }
                    th scope="col" { "Service dates" }
                    (sort_header(p, q, base, Sort::Billed, "Billed", true))
                    (sort_header(p, q, base, Sort::Paid, "Paid", true))
                    (sort_header(p, q, base, Sort::State, "State", false))
                    (sort_header(p, q, base, Sort::Submitted, "Submitted", false))
                    th scope="col" class="num" { "Days since submission" }
                    @if extra.is_some() { th scope="col" { "Work" } }
                }
            }
            tbody {
                @for r in rows {
                    tr {
                        td { (claim_link(ctx, r)) @if r.unmatched { " " span class="muted" { "(no claim on file)" } } }
                        td { (ctx.phi(r.patient_name.as_deref().unwrap_or(""))) }
                        td { (r.payer_name.as_deref().or(r.payer_id.as_deref()).unwrap_or("")) }
                        td { (r.provider_npi.as_deref().unwrap_or("")) }
                        td { (dates(r)) }
                        td class="num" { (money_opt(r.billed)) }
                        td class="num" { (money_opt(r.paid)) }
                        td { (state_badge(r.state)) }
                        td { @if let Some(ms) = r.submitted_ms { time datetime=(ctx.clock.iso(ms)) { (ctx.clock.time(ms)) } } }
                        td class="num" { @if let Some(ms) = r.submitted_ms { (ctx.clock.days_since(ms)) } }
                        @if let Some(f) = extra { td { (f(r)) } }
                    }
                }
            }
        }
    }
}

/// Service dates as written (date-only: never shifted).
pub fn dates(r: &Row) -> String {
    match (&r.service_from, &r.service_to) {
        (Some(a), Some(b)) if a != b => format!("{} – {}", a.as_str(), b.as_str()),
        (Some(a), _) => a.as_str().to_owned(),
        (None, Some(b)) => b.as_str().to_owned(),
        _ => String::new(),
    }
}

/// The next-page link.
pub fn pager(p: &Params, base: &str, page: &ClaimPage) -> Markup {
    html! {
        @if let Some(c) = &page.next_cursor {
            nav class="pager" aria-label="Pages" {
                a class="button secondary" href=(format!("{base}{}", {
                    let mut pairs: Vec<(&str, String)> = p.pairs().iter()
                        .filter(|(k, _)| k != "cursor")
                        .map(|(k, v)| (k.as_str(), v.clone())).collect();
                    pairs.push(("cursor", c.clone()));
                    text::query(&pairs)
                })) { "Next page" }
            }
        }
    }
}

/// The filter form (GET) of the claims list.
fn filter_form(hub: &Hub, p: &Params) -> Markup {
    let (payers, providers) = hub.ledger.facets();
    let chosen: Vec<&str> = p.all("state");
    html! {
        form method="get" action="/claims" class="filters" aria-label="Filter claims" {
            fieldset {
                legend { "State" }
                @for s in ClaimState::ALL {
                    label {
                        input type="checkbox" name="state" value=(s.as_str()) checked[chosen.contains(&s.as_str())];
                        (s.label())
                    }
                }
            }
            div {
                label for="f-payer" { "Payer" }
                select id="f-payer" name="payer" {
                    option value="" { "Any payer" }
                    @for (k, label) in &payers {
                        option value=(k) selected[p.get("payer") == Some(k.as_str())] { (label) }
                    }
                }
            }
            div {
                label for="f-provider" { "Billing provider" }
                select id="f-provider" name="provider" {
                    option value="" { "Any provider" }
                    @for (k, label) in &providers {
                        option value=(k) selected[p.get("provider") == Some(k.as_str())] { (label) }
                    }
                }
            }
            div {
                label for="f-from" { "Submitted from" }
                input type="date" id="f-from" name="from" value=[p.get("from")];
            }
            div {
                label for="f-to" { "Submitted to" }
                input type="date" id="f-to" name="to" value=[p.get("to")];
            }
            @if let Some(s) = p.get("sort") { input type="hidden" name="sort" value=(s); }
            @if let Some(d) = p.get("dir") { input type="hidden" name="dir" value=(d); }
            div { button type="submit" { "Apply filters" } " " a href="/claims" class="button secondary" { "Clear" } }
        }
    }
}

fn state_chips(p: &Params, page: &ClaimPage) -> Markup {
    let chosen = p.all("state");
    html! {
        ul class="chips" aria-label="Claims per state" {
            @for (s, n) in &page.counts {
                li {
                    a href=(format!("/claims{}", {
                        let mut pairs: Vec<(&str, String)> = p.pairs().iter()
                            .filter(|(k, _)| !matches!(k.as_str(), "state" | "cursor"))
                            .map(|(k, v)| (k.as_str(), v.clone())).collect();
                        pairs.push(("state", s.as_str().to_owned()));
                        text::query(&pairs)
                    })) aria-current=[ (chosen.len() == 1 && chosen[0] == s.as_str()).then_some("true") ] {
                        (s.label()) ": " (n)
                    }
                }
            }
        }
    }
}

fn views_box(ctx: &Ctx, hub: &Hub, p: &Params) -> Markup {
    let views = hub
        .ledger
        .views(&ctx.caller.principal.name)
        .unwrap_or_default();
    let current = p.without(&["cursor", "format"]);
    html! {
        section aria-labelledby="views-h" {
            h2 id="views-h" { "Saved views" }
            @if views.is_empty() { p class="muted" { "No saved views yet." } }
            @else {
                ul {
                    @for (name, q) in &views {
                        li {
                            a href=(format!("/claims{q}")) { (name) }
                            " "
                            form method="post" action="/views/delete" class="inline" {
                                (ctx.csrf_field())
                                input type="hidden" name="name" value=(name);
                                button type="submit" class="secondary" aria-label=(format!("Delete view {name}")) { "Delete" }
                            }
                        }
                    }
                }
            }
            form method="post" action="/views" class="inline" {
                (ctx.csrf_field())
                input type="hidden" name="query" value=(current);
                label for="view-name" { "Save these filters as " }
                input type="text" id="view-name" name="name" required maxlength="60";
                " "
                button type="submit" { "Save view" }
            }
        }
    }
}

fn search_form(ctx: &Ctx) -> Markup {
    html! {
        form method="post" action="/claims/search" class="filters" role="search" aria-label="Find a claim" {
            (ctx.csrf_field())
            div {
                label for="q" { "Find by any identifier" }
                input type="search" id="q" name="q" required size="32"
                    placeholder="patient control no., payer claim no., member id, check/EFT no., NPI, auth no.";
            }
            div { button type="submit" { "Find" } }
        }
    }
}

/// CSV of claims rows.
pub fn rows_csv(ctx: &Ctx, name: &str, rows: &[Row]) -> Response {
    let header = [
        "patient_control_number",
        "patient",
        "member_id",
        "payer",
        "payer_id",
        "provider_npi",
        "service_from",
        "service_to",
        "billed",
        "paid",
        "state",
        "submitted",
        "days_since_submission",
        "payer_claim_control_number",
        "check_numbers",
        "rejection_root_cause",
        "denial_codes",
    ];
    let body = rows.iter().map(|r| {
        vec![
            ctx.phi(&r.pcn).to_owned(),
            ctx.phi(r.patient_name.as_deref().unwrap_or("")).to_owned(),
            ctx.phi(r.member_id.as_deref().unwrap_or("")).to_owned(),
            r.payer_name.clone().unwrap_or_default(),
            r.payer_id.clone().unwrap_or_default(),
            r.provider_npi.clone().unwrap_or_default(),
            r.service_from
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            r.service_to
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            r.billed.map(|m| m.to_string()).unwrap_or_default(),
            r.paid.map(|m| m.to_string()).unwrap_or_default(),
            r.state.as_str().to_owned(),
            r.submitted_ms
                .map(|ms| ctx.clock.iso(ms))
                .unwrap_or_default(),
            r.submitted_ms
                .map(|ms| ctx.clock.days_since(ms).to_string())
                .unwrap_or_default(),
            ctx.phi(r.payer_icn.as_deref().unwrap_or("")).to_owned(),
            r.check_numbers.join(" "),
            r.rejection
                .as_ref()
                .map(|x| x.root_cause.clone())
                .unwrap_or_default(),
            r.denial
                .iter()
                .map(|a| format!("{}-{}", a.group, a.carc))
                .collect::<Vec<_>>()
                .join(" "),
        ]
    });
    csv::response(name, &header, body)
}

/// Run `q`; for a CSV, every match (no paging).
pub async fn run_query(
    hub: &Arc<Hub>,
    mut q: ClaimQuery,
    csv: bool,
) -> Result<ClaimPage, crate::ledger::LedgerError> {
    if csv {
        q.cursor = None;
        q.limit = usize::MAX;
    }
    let h = hub.clone();
    tokio::task::spawn_blocking(move || h.ledger.list(&q))
        .await
        .map_err(|_| crate::ledger::LedgerError::Corrupt("task"))?
}

/// `GET /claims`.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let p = match Params::parse(req.uri().query(), FILTERS) {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let q = match claim_query(&p, &ctx.clock) {
        Ok(q) => q,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let csv = p.get("format") == Some("csv");
    let page_ = match run_query(&hub, q.clone(), csv).await {
        Ok(x) => x,
        Err(e) => return internal(&ctx, e),
    };
    let keys: Vec<String> = page_.rows.iter().map(|r| r.key.clone()).collect();
    if let Err(e) = ctx
        .caller
        .audit(
            if csv { "claims.export" } else { "claims.list" },
            keys,
            "ok",
        )
        .await
    {
        return internal(&ctx, e.message);
    }
    if csv {
        return rows_csv(&ctx, "claims.csv", &page_.rows);
    }
    let export = format!("/claims{}", {
        let mut pairs: Vec<(&str, String)> = p
            .pairs()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "format"))
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("format", "csv".into()));
        text::query(&pairs)
    });
    let body = html! {
        (search_form(&ctx))
        (filter_form(&hub, &p))
        (state_chips(&p, &page_))
        (count_status(page_.total, plural(page_.total, "claim matches these filters", "claims match these filters")))
        p { a href=(export) { "Export these claims as CSV" } }
        (claims_table(&ctx, &p, &q, "/claims", "Claims, newest submission first unless sorted otherwise", &page_.rows, None))
        (pager(&p, "/claims", &page_))
        (views_box(&ctx, &hub, &p))
    };
    page(&ctx, "Claims", "/claims", body)
}

/// `POST /claims/search`: the claims any identifier names (up to 200; an
/// identifier search finds few).
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
            "A viewer may not search by identifier (the identifiers are patient data).",
        );
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 64 * 1024).await else {
        return error_page(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The search form is at most 64 KiB.",
        );
    };
    let pairs = text::pairs(&body);
    let Some(q) = pairs
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return error_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            "Enter an identifier to search for.",
        );
    };
    let h = hub.clone();
    let found = tokio::task::spawn_blocking(move || {
        let keys = h.ledger.search(&q)?;
        h.ledger.list(&ClaimQuery {
            keys: Some(keys),
            limit: 200,
            ..ClaimQuery::default()
        })
    })
    .await;
    let page_ = match found {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return internal(&ctx, e),
        Err(e) => return internal(&ctx, e),
    };
    let keys: Vec<String> = page_.rows.iter().map(|r| r.key.clone()).collect();
    if let Err(e) = ctx.caller.audit("claims.search", keys, "ok").await {
        return internal(&ctx, e.message);
    }
    let p = Params::parse(None, FILTERS).unwrap_or_else(|_| unreachable!("no parameters"));
    let q = ClaimQuery::default();
    let body = html! {
        (search_form(&ctx))
        (count_status(page_.total, plural(page_.total, "claim matches the identifier", "claims match the identifier")))
        @if page_.total == 1 {
            p { a href=(format!("/claims/{}", page_.rows[0].key)) { "Open the claim" } }
        }
        (claims_table(&ctx, &p, &q, "/claims", "Claims the identifier names", &page_.rows, None))
        p { a href="/claims" { "All claims" } }
    };
    page(&ctx, "Claims found", "/claims", body)
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    text::pairs(body)
}

/// `POST /views`: save the current filters under a name, for this user.
pub async fn save_view(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 * 1024).await else {
        return error_page(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "A view is at most 16 KiB.",
        );
    };
    let f = form_fields(&body);
    let get = |n: &str| {
        f.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (name, query) = (get("name"), get("query"));
    if name.is_empty() || name.len() > 60 {
        return error_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            "A view needs a name of 1 to 60 characters.",
        );
    }
    // Only filters that /claims takes are saved (checked as /claims would).
    let check = query.strip_prefix('?').unwrap_or(&query);
    if let Err(e) =
        Params::parse(Some(check), FILTERS).and_then(|p| claim_query(&p, &ctx.clock).map(|_| ()))
    {
        return error_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            &format!("The view's filters are not valid: {e}"),
        );
    }
    let q = if check.is_empty() {
        String::new()
    } else {
        format!("?{check}")
    };
    if let Err(e) = hub.ledger.save_view(&ctx.caller.principal.name, &name, &q) {
        return internal(&ctx, e);
    }
    redirect(&format!("/claims{q}"))
}

/// `POST /views/delete`.
pub async fn delete_view(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 * 1024).await else {
        return error_page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, "Too large.");
    };
    let f = form_fields(&body);
    let Some(name) = f.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()) else {
        return error_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            "Which view? The form has no name.",
        );
    };
    if let Err(e) = hub.ledger.delete_view(&ctx.caller.principal.name, &name) {
        return internal(&ctx, e);
    }
    redirect("/claims")
}

/// The worklist query of a page's parameters.
pub fn worklist_query(p: &Params, clock: &text::Clock, w: Worklist) -> Result<ClaimQuery, String> {
    let mut q = claim_query(p, clock)?;
    q.worklist = Some(w);
    Ok(q)
}
