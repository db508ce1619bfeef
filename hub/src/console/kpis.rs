//! `/kpis`: how the practice is doing: first-pass acceptance, initial denials by
//! count and dollars, days to payment, rejections by root cause, daily volume; by
//! payer and by submission month. Charts are SVG drawn here; every number links to
//! the list behind it; the definitions are on the page (and in docs/console.md).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::claims::claim_query;
use super::text::{self, Params, money, percent};
use super::{Ctx, error_page, page, raw};
use crate::api::Caller;
use crate::ledger::query::{KpiFigures, Kpis};
use crate::pipeline::Hub;

const PARAMS: &[&str] = &["from", "to", "payer"];

/// A link to `/claims` (or `path`) with the page's filters plus `extra`.
fn drill(p: &Params, path: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = p
        .pairs()
        .iter()
        .filter(|(k, v)| PARAMS.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    format!("{path}{}", text::query(&pairs))
}

fn days(n: Option<u64>) -> String {
    n.map_or_else(|| "—".into(), |d| format!("{d} d"))
}

fn figures_row(p: &Params, label: Markup, f: &KpiFigures, extra: &[(&str, &str)]) -> Markup {
    let with = |more: &[(&str, &str)]| {
        let mut all: Vec<(&str, &str)> = extra.to_vec();
        all.extend_from_slice(more);
        drill(p, "/claims", &all)
    };
    html! {
        tr {
            th scope="row" { (label) }
            td class="num" { a href=(with(&[])) { (f.submitted) } }
            td class="num" { a href=(with(&[("first_pass", "true")])) { (percent(f.first_pass_rate())) } }
            td class="num" { a href=(with(&[("initially_denied", "true")])) { (percent(f.denial_rate())) } }
            td class="num" { a href=(with(&[("initially_denied", "true")])) { (percent(f.denial_dollar_rate())) } }
            td class="num" { a href=(with(&[("state", "paid"), ("state", "partially_paid")])) { (days(f.median_days())) } }
            td class="num" { a href=(with(&[("state", "paid"), ("state", "partially_paid")])) { (days(f.p90_days())) } }
            td class="num" { a href=(with(&[("state", "rejected"), ("state", "file_rejected")])) { (percent(f.rejection_rate())) } }
        }
    }
}

fn figures_head(first: &str) -> Markup {
    html! {
        thead { tr {
            th scope="col" { (first) }
            th scope="col" class="num" { "Claims submitted" }
            th scope="col" class="num" { "First-pass acceptance" }
            th scope="col" class="num" { "Initial denial rate (count)" }
            th scope="col" class="num" { "Initial denial rate (dollars)" }
            th scope="col" class="num" { "Days to payment, median" }
            th scope="col" class="num" { "Days to payment, p90" }
            th scope="col" class="num" { "Rejection rate" }
        } }
    }
}

/// A bar chart as SVG: one bar per (label, value), with a title and a text
/// alternative (the same figures are in a table on the page).
fn bar_chart(title: &str, bars: &[(String, u64)]) -> String {
    let (w, h, pad) = (720u64, 200u64, 30u64);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let n = bars.len().max(1) as u64;
    let slot = (w - pad * 2) / n;
    let bw = slot.saturating_sub(2).clamp(1, 40);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg role="img" aria-labelledby="c-{id}" viewBox="0 0 {w} {vh}" width="100%" style="max-width:{w}px"><title id="c-{id}">{t}</title>"#,
        id = title.len(),
        vh = h + 40,
        t = escape(title)
    );
    let _ = write!(
        s,
        r##"<line x1="{pad}" y1="{h}" x2="{}" y2="{h}" stroke="#4a5360"/>"##,
        w - pad
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let bh = v * (h - 20) / max;
        let x = pad + i as u64 * slot;
        let y = h - bh;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{bw}" height="{bh}" fill="#0b57a3"><title>{}: {v}</title></rect>"##,
            escape(label)
        );
        if n <= 16 || i % (n as usize).div_ceil(12) == 0 {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x + bw / 2,
                h + 14,
                escape(label.get(5..).unwrap_or(label))
            );
        }
    }
    let _ = write!(s, r#"<text x="{pad}" y="12">max {max}</text></svg>"#);
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /kpis`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let p = match Params::parse(req.uri().query(), PARAMS) {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let q = match claim_query(&p, &ctx.clock) {
        Ok(q) => q,
        Err(e) => return error_page(&ctx, StatusCode::BAD_REQUEST, &e),
    };
    let clock = ctx.clock.clone();
    let h = hub.clone();
    let k: Kpis = match tokio::task::spawn_blocking(move || {
        h.ledger
            .kpis(&q, &|ms| clock.month(ms), &|ms| clock.date(ms))
    })
    .await
    {
        Ok(k) => k,
        Err(e) => return super::internal(&ctx, e),
    };
    let (payers, _) = hub.ledger.facets();
    let daily: Vec<(String, u64)> = k.daily.iter().rev().take(60).rev().cloned().collect();
    let o = &k.overall;
    let body = html! {
        form method="get" action="/kpis" class="filters" aria-label="KPI period and payer" {
            div { label for="k-from" { "Submitted from" } input type="date" id="k-from" name="from" value=[p.get("from")]; }
            div { label for="k-to" { "Submitted to" } input type="date" id="k-to" name="to" value=[p.get("to")]; }
            div {
                label for="k-payer" { "Payer" }
                select id="k-payer" name="payer" {
                    option value="" { "Every payer" }
                    @for (key, label) in &payers { option value=(key) selected[p.get("payer") == Some(key.as_str())] { (label) } }
                }
            }
            div { button type="submit" { "Show" } " " a class="button secondary" href="/kpis" { "All time" } }
        }
        div class="grid2" {
            div class="kpi" { h2 { "First-pass acceptance" } p class="big" { a href=(drill(&p, "/claims", &[("first_pass", "true")])) { (percent(o.first_pass_rate())) } }
                p { (o.first_pass) " of " a href=(drill(&p, "/claims", &[])) { (o.submitted) } " claims submitted" } }
            div class="kpi" { h2 { "Initial denial rate" } p class="big" { a href=(drill(&p, "/claims", &[("initially_denied", "true")])) { (percent(o.denial_rate())) } }
                p { (o.initially_denied) " of " a href=(drill(&p, "/claims", &[("has_payment", "true")])) { (o.with_payment) } " claims with an 835; by dollars "
                    a href=(drill(&p, "/claims", &[("initially_denied", "true")])) { (percent(o.denial_dollar_rate())) } " (" (money(o.denied_dollars)) " of " (money(o.billed_with_payment)) ")" } }
            div class="kpi" { h2 { "Days to payment" } p class="big" { a href=(drill(&p, "/claims", &[("state", "paid"), ("state", "partially_paid")])) { (days(o.median_days())) } }
                p { "median; 90th percentile " (days(o.p90_days())) ", over " (o.days.len()) " paid claims" } }
            div class="kpi" { h2 { "Rejection rate" } p class="big" { a href=(drill(&p, "/worklists/rejections", &[])) { (percent(o.rejection_rate())) } }
                p { (o.rejected) " of " (o.submitted) " claims rejected now" } }
        }
        h2 { "By payer" }
        table { caption { "KPIs by payer" } (figures_head("Payer"))
            tbody { @for (key, label, f) in &k.by_payer { (figures_row(&p, html!{ (label) }, f, &[("payer", key.as_str())])) } } }
        h2 { "By submission month" }
        table { caption { "KPIs by the month claims were submitted (" (ctx.clock.zone_name()) ")" } (figures_head("Month"))
            tbody { @for (month, f) in &k.by_month {
                @let from = format!("{month}-01");
                @let to = month_end(month);
                (figures_row(&p, html!{ (month) }, f, &[("from", from.as_str()), ("to", to.as_str())]))
            } } }
        h2 { "Rejections by root cause" }
        table { caption { "Claims rejected now, by root cause" }
            thead { tr { th scope="col" { "Root cause" } th scope="col" class="num" { "Claims" } th scope="col" class="num" { "Share of submitted" } } }
            tbody { @for (cause, n) in &k.root_causes { tr {
                td { a href=(drill(&p, "/worklists/rejections", &[("reason", cause.as_str())])) { (cause) } }
                td class="num" { a href=(drill(&p, "/worklists/rejections", &[("reason", cause.as_str())])) { (n) } }
                td class="num" { (percent(crate::ledger::query::percent((*n).into(), o.submitted.into()))) }
            } } } }
        h2 { "Daily volume" }
        figure {
            (raw(bar_chart("Claims submitted per day", &daily)))
            figcaption { "Claims submitted per day (the last " (daily.len()) " " (super::plural(daily.len(), "day", "days")) " with claims, " (ctx.clock.zone_name()) ")" }
        }
        table { caption { "Claims submitted per day" }
            thead { tr { th scope="col" { "Day" } th scope="col" class="num" { "Claims" } } }
            tbody { @for (d, n) in &daily { tr { td { (d) } td class="num" { a href=(drill(&p, "/claims", &[("from", d.as_str()), ("to", d.as_str())])) { (n) } } } } } }
        h2 { "Definitions" }
        dl class="facts" {
            dt { "Claims submitted" } dd { "Claims with a submission (837 or FHIR Claim) in the period, by their first submission time; payments for claims the hub never saw are left out." }
            dt { "First-pass acceptance" } dd { "Claims accepted by the 999 (when one came) and by the 277CA, with no resubmission before the first 835, over claims submitted. Claims still waiting for their 277CA count as not (yet) accepted." }
            dt { "Initial denial rate (count)" } dd { "Claims whose first 835 denied them in whole (CLP02 = 4, or nothing paid with a non-contractual adjustment) or in part, over claims with an 835. Contractual adjustments (CO-45 and the like) and patient responsibility (PR) are not denials." }
            dt { "Initial denial rate (dollars)" } dd { "Dollars the first 835 denied (the whole charge of a denied claim; the denying adjustments of a partly denied one), over the billed dollars of claims with an 835." }
            dt { "Days to payment" } dd { "Whole days from the first submission to the first 835 the hub received, for claims now paid or partially paid; median and 90th percentile by nearest rank." }
            dt { "Rejection rate" } dd { "Claims now rejected (TA1/999 file rejection or 277CA rejection), over claims submitted." }
        }
    };
    page(&ctx, "KPIs", "/kpis", body)
}

/// The last day of `YYYY-MM`.
fn month_end(month: &str) -> String {
    let first: Option<jiff::civil::Date> = format!("{month}-01").parse().ok();
    first
        .map(|d| d.last_of_month().to_string())
        .unwrap_or_else(|| format!("{month}-28"))
}
