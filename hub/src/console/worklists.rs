//! `/worklists/rejections` (999/277CA rejections by root cause) and
//! `/worklists/denials` (835 denials by CARC group and code, with dollars and a
//! timely-filing countdown). Items are worked on the claim's page (note, assign,
//! resolve).

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use clearway_codes::Table;
use maud::{Markup, html};

use super::claims::{FILTERS, claims_table, pager, rows_csv, run_query, worklist_query};
use super::detail::filing_deadline;
use super::text::{self, Params, money};
use super::{Ctx, count_status, error_page, internal, page, plural};
use crate::api::Caller;
use crate::ledger::Row;
use crate::ledger::query::Worklist;
use crate::pipeline::Hub;

/// `GET /worklists/rejections`.
pub async fn rejections(
    state: State<Arc<Hub>>,
    caller: Extension<Caller>,
    req: Request,
) -> Response {
    worklist(state, caller, req, Worklist::Rejections).await
}

/// `GET /worklists/denials`.
pub async fn denials(state: State<Arc<Hub>>, caller: Extension<Caller>, req: Request) -> Response {
    worklist(state, caller, req, Worklist::Denials).await
}

fn link(base: &str, p: &Params, set: &[(&str, &str)]) -> String {
    let names: Vec<&str> = set.iter().map(|(k, _)| *k).collect();
    let mut pairs: Vec<(&str, String)> = p
        .pairs()
        .iter()
        .filter(|(k, _)| !names.contains(&k.as_str()) && k != "cursor")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.extend(set.iter().map(|(k, v)| (*k, (*v).to_owned())));
    format!("{base}{}", text::query(&pairs))
}

/// A claim's denying group-CARC codes, each once.
fn denial_codes(r: &Row) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &r.denial {
        let c = format!("{}-{}", a.group, a.carc);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

async fn worklist(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
    w: Worklist,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let (base, title) = match w {
        Worklist::Rejections => ("/worklists/rejections", "Rejections"),
        Worklist::Denials => ("/worklists/denials", "Denials"),
    };
    let p = match Params::parse(req.uri().query(), FILTERS) {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let q = match worklist_query(&p, &ctx.clock, w) {
        Ok(q) => q,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let csv = p.get("format") == Some("csv");
    let groups = hub.ledger.worklist_groups(&q);
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
        return rows_csv(&ctx, &format!("{}.csv", title.to_lowercase()), &page_.rows);
    }
    let me = ctx.caller.principal.name.clone();
    let h = hub.clone();
    let work = |r: &Row| -> Markup {
        html! {
            @match w {
                Worklist::Denials => {
                    @if r.denial.is_empty() {
                        p { "Denied by the payer's claim status (277); no 835 adjustments yet" }
                    } @else {
                        p { (money(r.denied_amount().0)) " denied: "
                            @for (i, code) in denial_codes(r).iter().enumerate() { @if i > 0 { ", " } (code) } }
                    }
                    @if let Some((deadline, left)) = filing_deadline(&h, &ctx, r) {
                        p { @if left < 0 { strong class="error" { "Timely filing passed " (deadline) } } @else { "File by " (deadline) ": " strong { (left) " days left" } } }
                    }
                }
                Worklist::Rejections => {
                    @if let Some(rej) = &r.rejection { p { (rej.root_cause) } }
                }
            }
            p class="muted" { "Assigned: " (r.work.assignee.as_deref().unwrap_or("nobody")) @if r.work.resolved { " · resolved" } }
        }
    };
    let group_table = html! {
        table {
            caption { @match w { Worklist::Rejections => "Open rejections by root cause", Worklist::Denials => "Open denials by group and reason code (CARC)" } }
            thead { tr {
                th scope="col" { @match w { Worklist::Rejections => "Root cause", Worklist::Denials => "Group-CARC" } }
                th scope="col" class="num" { "Claims" }
                th scope="col" class="num" { @match w { Worklist::Rejections => "Billed", Worklist::Denials => "Denied" } }
            } }
            tbody {
                @for (reason, n, dollars) in &groups {
                    tr {
                        td {
                            a href=(link(base, &p, &[("reason", reason)])) { (reason) }
                            @if w == Worklist::Denials {
                                @if let Some((g, c)) = reason.split_once('-') { " " span class="muted" { (Table::GroupCode.describe(g).split(" -- ").next().unwrap_or("").trim_end_matches('.')) " — " (Table::Carc.describe(c)) } }
                            }
                        }
                        td class="num" { (n) }
                        td class="num" { (money(*dollars)) }
                    }
                }
            }
        }
    };
    let export = link(base, &p, &[("format", "csv")]);
    let body = html! {
        form method="get" action=(base) class="filters" aria-label="Filter the worklist" {
            div {
                label for="w-assignee" { "Assigned to" }
                select id="w-assignee" name="assignee" {
                    option value="" { "Anyone" }
                    option value=(me) selected[p.get("assignee") == Some(me.as_str())] { "Me (" (me) ")" }
                }
            }
            div {
                label { input type="checkbox" name="resolved" value="true" checked[p.get("resolved") == Some("true")]; " Include resolved" }
            }
            @if let Some(r) = p.get("reason") { input type="hidden" name="reason" value=(r); }
            div { button type="submit" { "Apply" } " " a class="button secondary" href=(base) { "Clear" } }
        }
        @if let Some(r) = p.get("reason") {
            p { "Showing " strong { (r) } " only. " a href=(link(base, &p, &[("reason", "")])) { "Show every reason" } }
        }
        (group_table)
        (count_status(page_.total, plural(page_.total, "claim on this worklist", "claims on this worklist")))
        p { a href=(export) { "Export this worklist as CSV" } }
        (claims_table(&ctx, &p, &q, base, &format!("{title} to work"), &page_.rows, Some(&work)))
        (pager(&p, base, &page_))
        @if w == Worklist::Denials { p class="muted" { "Timely filing: " (hub.config.console.timely_filing_days) " days from the first date of service unless [console] payer_timely_filing_days sets the payer's own limit. "
            "Contractual adjustments such as CO-45 are write-offs, not denials, and are not listed here." } }
    };
    page(&ctx, &format!("{title} worklist"), base, body)
}
