//! `/payments`: one row per 835 with its balancing check, newest first, and
//! under it the claim payments no known claim matches.

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::response::Response;
use clearway_schemas::body::remittance::PaymentMethod;
use clearway_schemas::{Body, Kind, Message, Remittance};
use maud::{Markup, html};
use rust_decimal::Decimal;

use super::super::claims::state_badge;
use super::super::text::{self, Params, money_opt};
use super::super::{Ctx, count_status, csv, internal, page};
use super::remit::{Balance, method_label};
use super::{
    audit, bad_request, blocking, choice, count_text, export_link, list_query, pager, payer_of,
    received_ms, scan, when,
};
use crate::api::Caller;
use crate::ledger::Row;
use crate::ledger::query::{ClaimQuery, Sort};
use crate::pipeline::Hub;

/// The parameters `/payments` takes.
const PARAMS: &[&str] = &[
    "payer", "from", "to", "balanced", "cursor", "limit", "format",
];
/// Unmatched claim payments shown under the list.
const UNMATCHED_SHOWN: usize = 50;

/// One row of the list.
struct PaymentRow {
    id: String,
    received_ms: u64,
    check: String,
    method: PaymentMethod,
    payer: String,
    payer_id: String,
    date: String,
    total: Decimal,
    claims: usize,
    balance: Balance,
}

fn payment_row(id: &str, at: u64, m: &Message, r: &Remittance) -> PaymentRow {
    let (payer, payer_id) = payer_of(m);
    PaymentRow {
        id: id.to_owned(),
        received_ms: at,
        check: r
            .payment
            .trace
            .as_ref()
            .map(|t| t.reference.clone())
            .unwrap_or_default(),
        method: r.payment.method,
        payer,
        payer_id,
        date: r
            .payment
            .date
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        total: r.payment.amount.0,
        claims: r.claims.len(),
        balance: Balance::of(r),
    }
}

/// `GET /payments`.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let p = match Params::parse(req.uri().query(), PARAMS) {
        Ok(p) => p,
        Err(e) => return bad_request(&ctx, &e),
    };
    let (q, balanced) = match list_query(&p, &ctx.clock, true).and_then(|q| {
        let b = choice(&p, "balanced", &["yes", "no"])?.map(|v| v == "yes");
        Ok((q, b))
    }) {
        Ok(x) => x,
        Err(e) => return bad_request(&ctx, &e),
    };
    let payer = p.get("payer").map(str::to_lowercase);
    let window = q.window();
    let csv_mode = q.csv;
    let h = hub.clone();
    let found = blocking(move || {
        let found = scan::scan(&*h.store, &[Kind::Remittance], &window, |rec, m| {
            let Body::Remittance(r) = &m.body else {
                return Ok(None);
            };
            let row = payment_row(&rec.id, received_ms(rec), &m, r);
            if let Some(want) = &payer
                && !row.payer.to_lowercase().contains(want)
                && !row.payer_id.to_lowercase().contains(want)
            {
                return Ok(None);
            }
            if balanced.is_some_and(|b| b != row.balance.balanced()) {
                return Ok(None);
            }
            Ok(Some(row))
        })?;
        let unmatched = if csv_mode {
            Default::default()
        } else {
            h.ledger.list(&ClaimQuery {
                unmatched: Some(true),
                sort: Sort::Updated,
                limit: UNMATCHED_SHOWN,
                ..ClaimQuery::default()
            })?
        };
        Ok((found, unmatched))
    })
    .await;
    let (found, unmatched) = match found {
        Ok(x) => x,
        Err(e) => return internal(&ctx, e),
    };
    let mut ids: Vec<String> = found.rows.iter().map(|r| r.id.clone()).collect();
    ids.extend(unmatched.rows.iter().map(|r| r.key.clone()));
    let action = if csv_mode {
        "payments.export"
    } else {
        "payments.list"
    };
    if let Err(r) = audit(&ctx, action, ids).await {
        return r;
    }
    if csv_mode {
        return export(&ctx, &found.rows);
    }
    let more = found.next_cursor.is_some();
    let body = html! {
        (filter_form(&p))
        (count_status(found.rows.len(), &count_text(found.rows.len(), "payments (835)", more)))
        p { a href=(export_link(&p, "/payments")) { "Export these payments as CSV" } }
        (payments_table(&ctx, &found.rows))
        (pager(&p, "/payments", found.next_cursor.as_deref(), found.partial))
        (unmatched_section(&ctx, &unmatched.rows, unmatched.total))
    };
    page(&ctx, "Payments (835)", "/payments", body)
}

fn filter_form(p: &Params) -> Markup {
    let b = p.get("balanced");
    html! {
        form method="get" action="/payments" class="filters" aria-label="Filter payments" {
            div {
                label for="p-payer" { "Payer name or id contains" }
                input type="text" id="p-payer" name="payer" value=[p.get("payer")] size="24";
            }
            div {
                label for="p-from" { "Received from" }
                input type="date" id="p-from" name="from" value=[p.get("from")];
            }
            div {
                label for="p-to" { "Received to" }
                input type="date" id="p-to" name="to" value=[p.get("to")];
            }
            div {
                label for="p-balanced" { "Balancing" }
                select id="p-balanced" name="balanced" {
                    option value="" { "Any" }
                    option value="yes" selected[b == Some("yes")] { "Balanced" }
                    option value="no" selected[b == Some("no")] { "Does not balance" }
                }
            }
            div { button type="submit" { "Apply filters" } " " a href="/payments" class="button secondary" { "Clear" } }
        }
    }
}

fn balance_cell(b: &Balance) -> Markup {
    html! {
        @if b.balanced() {
            span class="state paid" { "balanced" }
        } @else {
            strong class="error" { "⚠ " (b.label()) }
        }
    }
}

fn payments_table(ctx: &Ctx, rows: &[PaymentRow]) -> Markup {
    html! {
        table {
            caption { "835 payments, newest first" }
            thead { tr {
                th scope="col" { "Check / EFT number" }
                th scope="col" { "Method" }
                th scope="col" { "Payer" }
                th scope="col" { "Payment date" }
                th scope="col" class="num" { "Total paid" }
                th scope="col" class="num" { "Claims" }
                th scope="col" { "Balancing" }
                th scope="col" { "Received" }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td { a href=(format!("/payments/{}", r.id)) { @if r.check.is_empty() { "(no trace number)" } @else { (r.check) } } }
                        td { (method_label(r.method)) }
                        td { (r.payer) @if !r.payer_id.is_empty() { " " span class="muted" { (r.payer_id) } } }
                        td { (r.date) }
                        td class="num" { (text::money(r.total)) }
                        td class="num" { (r.claims) }
                        td { (balance_cell(&r.balance)) }
                        td { (when(ctx, r.received_ms)) }
                    }
                }
            }
        }
    }
}

fn unmatched_section(ctx: &Ctx, rows: &[Row], total: usize) -> Markup {
    html! {
        section aria-labelledby="unmatched-h" {
            h2 id="unmatched-h" { "Unmatched payments" }
            p class="count" {
                (total) " claim payment" @if total != 1 { "s" } " on 835s with no matching claim on file"
                @if total > rows.len() { " (the " (rows.len()) " latest are shown)" }
                ". "
                a href="/claims?unmatched=true" { "All of them on the claims list" }
            }
            @if !rows.is_empty() {
                table {
                    caption { "Claim payments with no claim on file, latest first" }
                    thead { tr {
                        th scope="col" { "Patient control number" }
                        th scope="col" { "Payer" }
                        th scope="col" class="num" { "Charge" }
                        th scope="col" class="num" { "Paid" }
                        th scope="col" { "Check / EFT numbers" }
                        th scope="col" { "Payment date" }
                        th scope="col" { "State" }
                    } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { a href=(format!("/claims/{}", r.key)) { (ctx.phi(&r.pcn)) } }
                                td { (r.payer_name.as_deref().or(r.payer_id.as_deref()).unwrap_or("")) }
                                td class="num" { (money_opt(r.billed)) }
                                td class="num" { (money_opt(r.paid)) }
                                td { (r.check_numbers.join(", ")) }
                                td { (r.payment_date.as_ref().map(|d| d.as_str()).unwrap_or("")) }
                                td { (state_badge(r.state)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn export(ctx: &Ctx, rows: &[PaymentRow]) -> Response {
    let header = [
        "received",
        "check_eft_number",
        "method",
        "payer",
        "payer_id",
        "payment_date",
        "total_paid",
        "claims",
        "balancing",
        "message_id",
    ];
    let body = rows.iter().map(|r| {
        vec![
            ctx.clock.iso(r.received_ms),
            r.check.clone(),
            r.method.x12_code().to_owned(),
            r.payer.clone(),
            r.payer_id.clone(),
            r.date.clone(),
            r.total.to_string(),
            r.claims.to_string(),
            r.balance.label(),
            r.id.clone(),
        ]
    });
    csv::response("payments.csv", &header, body)
}
