//! `/payments/{id}`: one 835 in full: the payment, its balancing figures, each
//! claim payment (linked to its claim when the ledger knows it) with its
//! adjustments, remarks and service lines, the provider-level adjustments, what
//! to do next, and the raw payload for the roles that may read it.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use clearway_codes::Table;
use clearway_schemas::body::remittance::ClaimPayment;
use clearway_schemas::{Body, Kind, Remittance};
use maud::{Markup, html};

use super::super::detail::described;
use super::super::text::{self, money_opt};
use super::super::{Ctx, internal, page};
use super::remit::{Balance, claim_status_label, method_label, next_steps, plb_reason};
use super::{
    Loaded, audit, blocking, code_described, load, money, name_of, not_found, payer_of, period,
    plain_code, raw_section, received_ms, when,
};
use crate::api::Caller;
use crate::auth::Access;
use crate::ledger::Row;
use crate::pipeline::Hub;

/// The claim key the ledger has for each claim payment's patient control number
/// (a claim on file first, then the one this check paid), and whether it is an
/// unmatched payment's.
type ClaimLinks = Vec<Option<(String, bool)>>;

fn claim_links(hub: &Hub, r: &Remittance) -> anyhow::Result<ClaimLinks> {
    let check = r.payment.trace.as_ref().map(|t| t.reference.as_str());
    let mut out = Vec::new();
    for c in &r.claims {
        let mut rows: Vec<Row> = Vec::new();
        for k in hub.ledger.search(&c.patient_control_number)? {
            if let Some(row) = hub.ledger.row(&k)?
                && row
                    .pcn
                    .trim()
                    .eq_ignore_ascii_case(c.patient_control_number.trim())
            {
                rows.push(row);
            }
        }
        rows.sort_by_key(|row| {
            (
                row.unmatched,
                !check.is_some_and(|ch| row.check_numbers.iter().any(|n| n == ch)),
                row.payer_icn.as_deref() != c.payer_claim_control_number.as_deref(),
            )
        });
        out.push(rows.into_iter().next().map(|row| (row.key, row.unmatched)));
    }
    Ok(out)
}

/// `GET /payments/{id}`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let with_raw = ctx.caller.access == Access::Allowed;
    let h = hub.clone();
    let i = id.clone();
    let loaded = blocking(move || {
        let Some(l) = load(&*h.store, &i, &[Kind::Remittance], with_raw)? else {
            return Ok(None);
        };
        let links = match &l.message.body {
            Body::Remittance(r) => claim_links(&h, r)?,
            _ => Vec::new(),
        };
        Ok(Some((l, links)))
    })
    .await;
    let (l, links) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(&ctx, "835 payment"),
        Err(e) => return internal(&ctx, e),
    };
    let Body::Remittance(r) = &l.message.body else {
        return not_found(&ctx, "835 payment");
    };
    if let Err(resp) = audit(&ctx, "payment.read", vec![id.clone()]).await {
        return resp;
    }
    let title = match r.payment.trace.as_ref() {
        Some(t) => format!("Payment {}", t.reference),
        None => "Payment (no trace number)".to_owned(),
    };
    let body = html! {
        (facts(&ctx, &l, r))
        (balance_section(r))
        (next_section(r))
        (claims_section(&ctx, r, &links))
        (plb_section(&ctx, r))
        (raw_section(&ctx, l.raw.as_deref()))
        p { a href="/payments" { "Back to payments" } }
    };
    page(&ctx, &title, "/payments", body)
}

fn facts(ctx: &Ctx, l: &Loaded, r: &Remittance) -> Markup {
    let (payer, payer_id) = payer_of(&l.message);
    let payee = l.message.parties.payee.as_ref();
    let pay = &r.payment;
    html! {
        dl class="facts" {
            dt { "Payer" } dd { (payer) " " span class="muted" { (payer_id) } }
            dt { "Payee" } dd {
                (name_of(payee))
                @if let Some(npi) = payee.and_then(|p| p.npi.as_deref()) { " " span class="muted" { "NPI " (npi) } }
                @if let Some(tin) = payee.and_then(|p| p.tax_id.as_deref()) { " " span class="muted" { "TIN " (tin) } }
            }
            dt { "Check / EFT number" } dd { (pay.trace.as_ref().map(|t| t.reference.as_str()).unwrap_or("")) }
            dt { "Payment method" } dd { (method_label(pay.method)) " " span class="muted" { "(BPR04 " (pay.method.x12_code()) ")" } }
            dt { "Payment date" } dd { (pay.date.as_ref().map(|d| d.as_str()).unwrap_or("")) }
            dt { "Total paid" } dd { strong { (money(pay.amount)) } @if pay.credit_debit.is_some_and(|c| c.x12_code() == "D") { " (debit)" } }
            dt { "Production date" } dd { (r.production_date.as_ref().map(|d| d.as_str()).unwrap_or("")) }
            dt { "Claims" } dd { (r.claims.len()) }
            dt { "Received" } dd { (when(ctx, received_ms(&l.record))) }
            dt { "Message" } dd { a href=(format!("/messages/{}", l.record.id)) { (l.record.id) } }
        }
    }
}

fn balance_section(r: &Remittance) -> Markup {
    let b = Balance::of(r);
    let m = text::money;
    html! {
        section aria-labelledby="bal-h" {
            h2 id="bal-h" { "Balancing" }
            @if b.balanced() {
                p class="banner ok" { "Balanced: the total paid equals the claim payments less the provider adjustments, and every claim's and line's adjustments add up." }
            } @else {
                p class="banner bad" { "⚠ This 835 " (b.label()) "." }
            }
            dl class="facts" {
                dt { "Total paid (BPR02)" } dd { (m(b.total)) }
                dt { "Claim payments (sum of CLP04)" } dd { (m(b.claims_paid)) }
                dt { "Provider adjustments (sum of PLB04)" } dd { (m(b.provider_adjusted)) }
                dt { "Claim payments less provider adjustments" } dd { (m(b.expected())) }
                dt { "Difference" } dd { (m(b.difference())) }
            }
            @if !b.problems.is_empty() {
                ul { @for problem in &b.problems { li { (problem) } } }
            }
        }
    }
}

fn next_section(r: &Remittance) -> Markup {
    html! {
        section aria-labelledby="next-h" {
            h2 id="next-h" { "Next step" }
            @for s in next_steps(r) { p class="next" { (s) } }
        }
    }
}

fn claim_summary_row(
    ctx: &Ctx,
    n: usize,
    c: &ClaimPayment,
    link: Option<&(String, bool)>,
) -> Markup {
    let pcn = ctx.phi(&c.patient_control_number);
    html! {
        tr {
            td class="num" { (n) }
            td {
                @match link {
                    Some((key, unmatched)) => {
                        a href=(format!("/claims/{key}")) { (pcn) }
                        @if *unmatched { " " span class="muted" { "(no claim on file)" } }
                    }
                    None => (pcn),
                }
            }
            td { (ctx.phi(&name_of(c.patient.as_ref()))) }
            td { code { (c.status.x12_code()) } " — " (claim_status_label(c.status)) }
            td class="num" { (money(c.charge)) }
            td class="num" { (money(c.paid)) }
            td class="num" { (money_opt(c.patient_responsibility)) }
            td { (ctx.phi(c.payer_claim_control_number.as_deref().unwrap_or(""))) }
            td { (period(c.statement_period.as_ref())) }
        }
    }
}

fn claims_section(ctx: &Ctx, r: &Remittance, links: &ClaimLinks) -> Markup {
    html! {
        section aria-labelledby="claims-h" {
            h2 id="claims-h" { "Claim payments" }
            table {
                caption { "Claim payments (CLP) in this 835" }
                thead { tr {
                    th scope="col" class="num" { "#" }
                    th scope="col" { "Patient control number" }
                    th scope="col" { "Patient" }
                    th scope="col" { "Status (CLP02)" }
                    th scope="col" class="num" { "Charge" }
                    th scope="col" class="num" { "Paid" }
                    th scope="col" class="num" { "Patient responsibility" }
                    th scope="col" { "Payer claim number" }
                    th scope="col" { "Statement period" }
                } }
                tbody {
                    @for (i, c) in r.claims.iter().enumerate() {
                        (claim_summary_row(ctx, i + 1, c, links.get(i).and_then(Option::as_ref)))
                    }
                }
            }
            @for (i, c) in r.claims.iter().enumerate() {
                (claim_detail(ctx, i + 1, c))
            }
        }
    }
}

fn claim_detail(ctx: &Ctx, n: usize, c: &ClaimPayment) -> Markup {
    let remarks: Vec<&clearway_schemas::Code> = c
        .outpatient
        .iter()
        .flat_map(|o| o.remarks.iter())
        .chain(c.inpatient.iter().flat_map(|i| i.remarks.iter()))
        .collect();
    let has_adjustments =
        !c.adjustments.is_empty() || c.service_lines.iter().any(|l| !l.adjustments.is_empty());
    html! {
        h3 { "Claim " (n) ": " (ctx.phi(&c.patient_control_number)) }
        @if has_adjustments {
            table {
                caption { "Adjustments of claim " (n) " (CAS)" }
                thead { tr {
                    th scope="col" { "Level" }
                    th scope="col" { "Group (CAS01)" }
                    th scope="col" { "Reason (CARC)" }
                    th scope="col" class="num" { "Amount" }
                    th scope="col" class="num" { "Units" }
                } }
                tbody {
                    @for a in &c.adjustments { (adjustment_row("claim".into(), a)) }
                    @for (i, l) in c.service_lines.iter().enumerate() {
                        @for a in &l.adjustments { (adjustment_row(format!("line {}", i + 1), a)) }
                    }
                }
            }
        }
        @if !remarks.is_empty() {
            ul aria-label=(format!("Remark codes of claim {n}")) {
                @for rm in &remarks { li { "Remark " (code_described(Table::Rarc, rm)) } }
            }
        }
        @if !c.service_lines.is_empty() {
            table {
                caption { "Service lines of claim " (n) " (SVC)" }
                thead { tr {
                    th scope="col" class="num" { "Line" }
                    th scope="col" { "Procedure" }
                    th scope="col" { "Modifiers" }
                    th scope="col" { "Service date" }
                    th scope="col" class="num" { "Charge" }
                    th scope="col" class="num" { "Allowed" }
                    th scope="col" class="num" { "Paid" }
                    th scope="col" class="num" { "Units paid" }
                    th scope="col" { "Remarks" }
                } }
                tbody {
                    @for (i, l) in c.service_lines.iter().enumerate() {
                        tr {
                            td class="num" { (i + 1) }
                            td { (l.procedure.as_ref().map(plain_code).unwrap_or_default())
                                @if let Some(rev) = &l.revenue_code { " " span class="muted" { "revenue " (rev.code) } } }
                            td { (l.modifiers.join(", ")) }
                            td { (period(l.service_period.as_ref())) }
                            td class="num" { (money(l.charge)) }
                            td class="num" { (money_opt(l.allowed_amount)) }
                            td class="num" { (money(l.paid)) }
                            td class="num" { (l.units_paid.map(|u| u.to_string()).unwrap_or_default()) }
                            td { @for (j, rm) in l.remarks.iter().enumerate() { @if j > 0 { "; " } (code_described(Table::Rarc, rm)) } }
                        }
                    }
                }
            }
        }
    }
}

fn adjustment_row(level: String, a: &clearway_schemas::body::Adjustment) -> Markup {
    html! {
        tr {
            td { (level) }
            td { (described(Table::GroupCode, a.group.x12_code())) }
            td { (code_described(Table::Carc, &a.reason)) }
            td class="num" { (money(a.amount)) }
            td class="num" { (a.quantity.map(|q| q.to_string()).unwrap_or_default()) }
        }
    }
}

fn plb_section(ctx: &Ctx, r: &Remittance) -> Markup {
    html! {
        @if !r.provider_adjustments.is_empty() {
            section aria-labelledby="plb-h" {
                h2 id="plb-h" { "Provider-level adjustments (PLB)" }
                table {
                    caption { "Provider-level adjustments: a positive amount reduces the payment" }
                    thead { tr {
                        th scope="col" { "Provider" }
                        th scope="col" { "Fiscal period end" }
                        th scope="col" { "Reason (PLB03-1)" }
                        th scope="col" { "Reference" }
                        th scope="col" class="num" { "Amount" }
                    } }
                    tbody {
                        @for a in &r.provider_adjustments {
                            tr {
                                td { (a.provider_id) }
                                td { (a.fiscal_period_end.as_ref().map(|d| d.as_str()).unwrap_or("")) }
                                td { code { (a.reason) } " — " (plb_reason(&a.reason)) }
                                td { (ctx.phi(a.reference.as_deref().unwrap_or(""))) }
                                td class="num" { (money(a.amount)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
