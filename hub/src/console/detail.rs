//! `/claims/{key}`: one claim's timeline (837, TA1/999, 277CA, 277, 835, replays,
//! notes), each step with its parsed content and codes described, the raw payload
//! for the roles that may read it, the next step to take; and the worklist actions
//! (note, assign, resolve), each stored in the ledger, audited and shown here.

use std::sync::Arc;

use axum::extract::{Extension, Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use clearway_codes::Table;
use maud::{Markup, html};

use super::claims::{dates, state_badge};
use super::text::{self, money, money_opt};
use super::{Ctx, error_page, internal, page, redirect};
use crate::api::Caller;
use crate::auth::Access;
use crate::ledger::{Event, Row, State as ClaimState, What, is_denial};
use crate::pipeline::Hub;
use crate::store::Status;

/// A code with its description: `A7 — Acknowledgement/Rejected for Invalid Information`.
pub fn described(table: Table, code: &str) -> Markup {
    html! {
        span class="code" {
            code { (code) }
            " — "
            (table.describe(code))
        }
    }
}

/// A code with the first sentence of its description (group codes' texts run long).
pub fn described_short(table: Table, code: &str) -> Markup {
    let d = table.describe(code);
    let short = d.split(" -- ").next().unwrap_or(d);
    html! { span class="code" { code { (code) } " — " (short) } }
}

/// The table of a `TABLE:CODE` string the ledger keeps for rejections.
fn table_of(prefix: &str) -> Option<Table> {
    Some(match prefix {
        "category" => Table::ClaimStatusCategory,
        "status" => Table::ClaimStatus,
        "entity" => Table::EntityIdentifier,
        "ik304" => Table::SegmentSyntaxError,
        "ik403" => Table::ElementSyntaxError,
        "ik5" => Table::TransactionSetError,
        "ta105" => Table::InterchangeNote,
        _ => return None,
    })
}

/// A `TABLE:CODE` string, described.
pub fn tagged_code(tagged: &str) -> Markup {
    match tagged
        .split_once(':')
        .and_then(|(t, c)| table_of(t).map(|t| (t, c)))
    {
        Some((t, c)) => html! { (t.name()) " " (described(t, c)) },
        None => html! { code { (tagged) } },
    }
}

/// The timely filing deadline of a claim: the first service date (else the
/// submission date) plus the payer's limit; (deadline, days left).
pub fn filing_deadline(hub: &Hub, ctx: &Ctx, r: &Row) -> Option<(String, i64)> {
    let c = &hub.config.console;
    let limit = r
        .payer_id
        .as_ref()
        .and_then(|p| c.payer_timely_filing_days.get(p))
        .or_else(|| {
            r.payer_name
                .as_ref()
                .and_then(|p| c.payer_timely_filing_days.get(p))
        })
        .copied()
        .unwrap_or(c.timely_filing_days);
    let start: jiff::civil::Date = match &r.service_from {
        Some(d) => d.as_str().parse().ok()?,
        None => ctx.clock.date(r.submitted_ms?).parse().ok()?,
    };
    let deadline = start
        .checked_add(jiff::Span::new().days(i64::from(limit)))
        .ok()?;
    let today: jiff::civil::Date = ctx.clock.today().parse().ok()?;
    let left = (deadline - today).get_days();
    Some((deadline.to_string(), i64::from(left)))
}

/// What a coordinator should do next with a claim in this row's state.
pub fn next_steps(r: &Row) -> Vec<String> {
    let mut out = Vec::new();
    match r.state {
        ClaimState::Submitted if r.delivery.as_deref() == Some("dead") => out.push(
            "The claim was never delivered to the clearinghouse: an operator must look at it under Dead letters and replay it.".into(),
        ),
        ClaimState::Submitted => out.push(
            "Wait for the clearinghouse's 999 and 277CA (usually within a business day); if none comes in two business days, ask the clearinghouse whether the file arrived.".into(),
        ),
        ClaimState::FileRejected | ClaimState::Rejected => {
            for c in r.rejection.iter().flat_map(|x| x.codes.iter()) {
                if let Some((t, code)) = c.split_once(':').and_then(|(t, code)| table_of(t).map(|t| (t, code)))
                    && let Some(step) = t.lookup(code).and_then(|e| e.next_step)
                    && !out.iter().any(|s| s == step)
                {
                    out.push(step.to_owned());
                }
            }
            if out.is_empty() {
                out.push(if r.state == ClaimState::FileRejected {
                    "The file was rejected before it reached the payer: fix what the 999/TA1 names and send the claim again as an original (frequency 1).".into()
                } else {
                    "Correct what the 277CA names and resubmit the claim as a new original (frequency 1): a rejected claim was never adjudicated.".into()
                });
            }
        }
        ClaimState::Accepted | ClaimState::Pending => out.push(
            "The payer is adjudicating it. If no 835 arrives within 30 days, ask for its status (a 276) or call the payer with the payer claim number.".into(),
        ),
        ClaimState::Paid => out.push(
            "Post the payment, write off the contractual adjustment (CO), and bill the patient for their responsibility (PR).".into(),
        ),
        ClaimState::Denied | ClaimState::PartiallyPaid => {
            for a in &r.denial {
                if let Some(step) = Table::Carc.lookup(&a.carc).and_then(|e| e.next_step)
                    && !out.iter().any(|s| s == step)
                {
                    out.push(step.to_owned());
                }
            }
            if out.is_empty() {
                out.push("Read the adjustment reasons below; correct and resubmit as a replacement (frequency 7), or appeal with the records the payer asks for, before the timely filing limit.".into());
            }
        }
        ClaimState::Reversed => out.push(
            "The payer took this payment back: read the reversal's adjustment reasons and look for the corrected payment that usually follows in the same or the next 835.".into(),
        ),
    }
    out
}

fn facts(hub: &Hub, ctx: &Ctx, r: &Row) -> Markup {
    html! {
        dl class="facts" {
            dt { "State" } dd { (state_badge(r.state)) " since " (ctx.clock.time(r.state_ms)) }
            dt { "Patient control number" } dd { (ctx.phi(&r.pcn)) }
            dt { "Patient" } dd { (ctx.phi(r.patient_name.as_deref().unwrap_or(""))) }
            dt { "Member id" } dd { (ctx.phi(r.member_id.as_deref().unwrap_or(""))) }
            dt { "Payer" } dd { (r.payer_name.as_deref().unwrap_or("")) " " span class="muted" { (r.payer_id.as_deref().unwrap_or("")) } }
            dt { "Billing provider" } dd { (r.provider_name.as_deref().unwrap_or("")) " " span class="muted" { "NPI " (r.provider_npi.as_deref().unwrap_or("")) } }
            dt { "Claim type" } dd { (r.claim_type.as_deref().unwrap_or("")) }
            dt { "Service dates" } dd { (dates(r)) }
            dt { "Billed" } dd { (money_opt(r.billed)) }
            dt { "Paid" } dd { (money_opt(r.paid)) }
            dt { "Patient responsibility" } dd { (money_opt(r.patient_responsibility)) }
            dt { "Payer claim number" } dd { (ctx.phi(r.payer_icn.as_deref().unwrap_or(""))) }
            dt { "Check / EFT numbers" } dd { (r.check_numbers.join(", ")) }
            dt { "Payment date" } dd { (r.payment_date.as_ref().map(|d| d.as_str()).unwrap_or("")) }
            dt { "Authorization numbers" } dd { (ctx.phi(&r.authorization_numbers.join(", "))) }
            dt { "Submitted" } dd {
                @if let Some(ms) = r.submitted_ms {
                    time datetime=(ctx.clock.iso(ms)) { (ctx.clock.time(ms)) }
                    " (" (ctx.clock.days_since(ms)) " days ago; " (r.submissions) " submission" @if r.submissions != 1 { "s" } ")"
                } @else { "no claim on file (an answer for a claim the hub never saw submitted)" }
            }
            @if r.state.is_denial() {
                @if let Some((deadline, left)) = filing_deadline(hub, ctx, r) {
                    dt { "Timely filing" } dd { "by " (deadline) " (" (left) " days left)" }
                }
            }
            dt { "Worklist" } dd {
                "Assigned to " (r.work.assignee.as_deref().unwrap_or("nobody"))
                @if r.work.resolved { "; resolved" }
                "; " (r.work.notes) " note" @if r.work.notes != 1 { "s" }
            }
        }
    }
}

fn event_label(e: &Event) -> &'static str {
    match &e.what {
        What::Submitted(s) => match s.claim_type.as_str() {
            "institutional" => "Claim submitted (837I)",
            "dental" => "Claim submitted (837D)",
            _ => "Claim submitted (837P)",
        },
        What::FileAck(f) if f.ack_type == "ta1" => "Interchange acknowledgment (TA1)",
        What::FileAck(_) => "Implementation acknowledgment (999)",
        What::ClaimAck(_) => "Claim acknowledgment (277CA)",
        What::Status(_) => "Claim status (277)",
        What::Payment(_) => "Payment (835)",
        What::Note { .. } => "Note",
        What::Assigned { .. } => "Assigned",
        What::Resolved { .. } => "Resolved",
        What::Reopened { .. } => "Reopened",
    }
}

fn event_body(ctx: &Ctx, e: &Event) -> Markup {
    match &e.what {
        What::Submitted(s) => html! {
            p { (s.claim_type) " claim, frequency " (s.frequency.as_deref().unwrap_or("1")) ", " (money(s.billed.0)) " billed, " (s.lines) " line" @if s.lines != 1 { "s" } "; delivery " strong { (s.delivery) } }
        },
        What::FileAck(f) => html! {
            p {
                @if f.accepted { strong { "Accepted" } } @else { strong class="error" { "Rejected" } }
                " — "
                @if f.ack_type == "ta1" { (described(Table::InterchangeAck, &f.code)) } @else { (described(Table::AckCode, &f.code)) }
            }
            @if !f.error_codes.is_empty() {
                ul { @for c in &f.error_codes {
                    li { @if f.ack_type == "ta1" { "TA105 " (described(Table::InterchangeNote, c)) } @else { "IK5/AK9 " (described(Table::TransactionSetError, c)) } }
                } }
            }
            @if !f.errors.is_empty() {
                table {
                    caption { "Segment and element errors" }
                    thead { tr { th scope="col" { "Segment" } th scope="col" { "Position" } th scope="col" { "Loop" } th scope="col" { "Segment error (IK304)" } th scope="col" { "Element" } th scope="col" { "Element error (IK403)" } } }
                    tbody { @for x in &f.errors { tr {
                        td { (x.segment) } td { (x.position) } td { (x.loop_id.as_deref().unwrap_or("")) }
                        td { (described(Table::SegmentSyntaxError, &x.segment_code)) }
                        td { @if let Some(n) = x.element { (x.segment) (format!("{n:02}")) } }
                        td { @if let Some(c) = &x.element_code { (described(Table::ElementSyntaxError, c)) } }
                    } } }
                }
            }
        },
        What::ClaimAck(a) => html! {
            p { @if a.accepted { strong { "Accepted" } } @else { strong class="error" { "Rejected" } }
                @if let Some(icn) = &a.payer_icn { " — payer claim number " (ctx.phi(icn)) } }
            (statuses(&a.statuses))
        },
        What::Status(s) => html! {
            (statuses(&s.statuses))
            @if let Some(p) = s.paid { p { "Paid " (money(p.0)) @if let Some(c) = &s.check_number { ", check/EFT " (c) } } }
        },
        What::Payment(p) => html! {
            p {
                "Claim status " (p.status) " — " (claim_payment_status(&p.status)) "; charge " (money(p.charge.0)) ", paid " strong { (money(p.paid.0)) }
                @if let Some(pr) = p.patient_responsibility { ", patient responsibility " (money(pr.0)) }
                @if let Some(c) = &p.check_number { "; check/EFT " (c) }
                @if let Some(d) = &p.payment_date { " dated " (d.as_str()) }
            }
            @if !p.adjustments.is_empty() {
                table {
                    caption { "Adjustments" }
                    thead { tr { th scope="col" { "Line" } th scope="col" { "Group" } th scope="col" { "Reason (CARC)" } th scope="col" class="num" { "Amount" } th scope="col" { "Denial?" } } }
                    tbody { @for a in &p.adjustments { tr {
                        td { (a.line.map(|l| l.to_string()).unwrap_or_else(|| "claim".into())) }
                        td { (described_short(Table::GroupCode, &a.group)) }
                        td { (described(Table::Carc, &a.carc)) }
                        td class="num" { (money(a.amount.0)) }
                        td { @if is_denial(a) { "yes" } @else { "no" } }
                    } } }
                }
            }
            @if !p.remarks.is_empty() {
                ul { @for r in &p.remarks { li { "Remark " (described(Table::Rarc, r)) } } }
            }
        },
        What::Note { by, text } => html! { p { (text) } p class="muted" { "by " (by) } },
        What::Assigned { by, to } => {
            html! { p { "to " (to.as_deref().unwrap_or("nobody")) " by " (by) } }
        }
        What::Resolved { by } | What::Reopened { by } => html! { p { "by " (by) } },
    }
}

fn claim_payment_status(code: &str) -> &'static str {
    clearway_schemas::body::remittance::ClaimPaymentStatus::from_x12_code(code)
        .map_or("no description", super::revenue::remit::claim_status_label)
}

fn statuses(list: &[crate::ledger::StatusTriple]) -> Markup {
    html! {
        ul {
            @for s in list {
                li {
                    "Category " (described(Table::ClaimStatusCategory, &s.category))
                    @if let Some(c) = &s.status { "; status " (described(Table::ClaimStatus, c)) }
                    @if let Some(c) = &s.entity { "; entity " (described(Table::EntityIdentifier, c)) }
                }
            }
        }
    }
}

/// The message id an event came from (events of one message touching several
/// claims are `ID.N`), or `None` for an action.
fn message_id(e: &Event) -> Option<&str> {
    match e.what {
        What::Note { .. }
        | What::Assigned { .. }
        | What::Resolved { .. }
        | What::Reopened { .. } => None,
        _ => Some(e.id.split('.').next().unwrap_or(&e.id)),
    }
}

/// Raw payload text, at most 64 KiB, for display.
fn raw_text(hub: &Hub, message_id: &str) -> Option<String> {
    let record = hub.store.get(message_id).ok()??;
    let inbound = record.parent.unwrap_or(record.id);
    let bytes = hub.store.raw(&inbound).ok()??;
    let cut = &bytes[..bytes.len().min(64 * 1024)];
    Some(String::from_utf8_lossy(cut).into_owned())
}

fn actions(ctx: &Ctx, r: &Row, users: &[String]) -> Markup {
    let base = format!("/claims/{}", r.key);
    html! {
        section aria-labelledby="act-h" {
            h2 id="act-h" { "Work this claim" }
            div class="grid2" {
                form method="post" action=(format!("{base}/notes")) {
                    (ctx.csrf_field())
                    p { label for="note" { "Add a note" } br; textarea id="note" name="text" rows="3" cols="40" required maxlength="4000" {} }
                    p { button type="submit" { "Add note" } }
                }
                form method="post" action=(format!("{base}/assign")) {
                    (ctx.csrf_field())
                    p { label for="assignee" { "Assign to" } br;
                        select id="assignee" name="to" {
                            option value="" { "Nobody" }
                            @for u in users { option value=(u) selected[r.work.assignee.as_deref() == Some(u.as_str())] { (u) } }
                        }
                    }
                    p { button type="submit" { "Assign" } }
                }
                form method="post" action=(format!("{base}/resolve")) {
                    (ctx.csrf_field())
                    @if r.work.resolved {
                        input type="hidden" name="action" value="reopen";
                        p { "This claim is marked resolved." }
                        p { button type="submit" class="secondary" { "Reopen" } }
                    } @else {
                        input type="hidden" name="action" value="resolve";
                        p { "Done with this rejection or denial?" }
                        p { button type="submit" { "Mark resolved" } }
                    }
                }
            }
        }
    }
}

/// `GET /claims/{key}`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            "No such claim: a claim key is 32 hex digits.",
        );
    }
    let h = hub.clone();
    let k = key.clone();
    let loaded = tokio::task::spawn_blocking(move || -> Result<_, crate::ledger::LedgerError> {
        let Some(row) = h.ledger.row(&k)? else {
            return Ok(None);
        };
        let events = h.ledger.events(&k)?;
        // Replays of the linked messages, from their records' histories.
        let mut replays: Vec<(u64, String, String)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for e in &events {
            if let Some(id) = message_id(e)
                && seen.insert(id.to_owned())
                && let Ok(Some(rec)) = h.store.get(id)
            {
                for c in rec.history.iter().filter(|c| c.status == Status::Replayed) {
                    let at = crate::store::record::parse_time_ms(&c.at).unwrap_or(0);
                    replays.push((at, id.to_owned(), c.actor.clone()));
                }
            }
        }
        Ok(Some((row, events, replays)))
    })
    .await;
    let (row, events, replays) = match loaded {
        Ok(Ok(Some(x))) => x,
        Ok(Ok(None)) => return error_page(&ctx, StatusCode::NOT_FOUND, "No such claim."),
        Ok(Err(e)) => return internal(&ctx, e),
        Err(e) => return internal(&ctx, e),
    };
    if let Err(e) = ctx
        .caller
        .audit("claim.read", vec![key.clone()], "ok")
        .await
    {
        return internal(&ctx, e.message);
    }
    let raw_allowed = ctx.caller.access == Access::Allowed;
    let can_act = !ctx.masked();
    let users = if can_act {
        active_users(&ctx.caller)
    } else {
        Vec::new()
    };
    let title = format!("Claim {}", ctx.phi(&row.pcn));
    let body = html! {
        (facts(&hub, &ctx, &row))
        section aria-labelledby="next-h" {
            h2 id="next-h" { "Next step" }
            @for s in next_steps(&row) { p class="next" { (s) } }
            @if let Some(rej) = &row.rejection {
                p { "Root cause: " strong { (rej.root_cause) } }
                ul { @for c in &rej.codes { li { (tagged_code(c)) } } }
            }
        }
        section aria-labelledby="tl-h" {
            h2 id="tl-h" { "Timeline" }
            ol class="timeline" {
                @for e in &events {
                    li {
                        h3 { (event_label(e)) " · " time datetime=(ctx.clock.iso(e.at_ms)) { (ctx.clock.time(e.at_ms)) } }
                        @if ctx.masked() && matches!(e.what, What::Note { .. }) { p { "[masked]" } } @else { (event_body(&ctx, e)) }
                        @if let Some(id) = message_id(e) {
                            p class="muted" { "Message " a href=(format!("/messages/{id}")) { (id) } }
                            @for (at, rid, actor) in replays.iter().filter(|(_, rid, _)| rid == id) {
                                p { "Replayed " (ctx.clock.time(*at)) " by " (actor) " (" (rid) ")" }
                            }
                            @if raw_allowed {
                                details {
                                    summary { "Raw payload" }
                                    @match raw_text(&hub, id) {
                                        Some(t) => pre class="raw" { (t) },
                                        None => p class="muted" { "No raw payload is kept for this message." },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if can_act { (actions(&ctx, &row, &users)) }
        p { a href="/claims" { "Back to claims" } }
    };
    page(&ctx, &title, "/claims", body)
}

/// The people a claim may be assigned to: every account not disabled.
fn active_users(caller: &Caller) -> Vec<String> {
    caller
        .auth
        .credentials
        .list_users()
        .map(|u| {
            u.into_iter()
                .filter(|u| !u.disabled)
                .map(|u| u.name)
                .collect()
        })
        .unwrap_or_default()
}

async fn form_of(req: Request) -> Option<Vec<(String, String)>> {
    let body = axum::body::to_bytes(req.into_body(), 16 * 1024)
        .await
        .ok()?;
    Some(text::pairs(&body))
}

async fn act(
    hub: Arc<Hub>,
    caller: Caller,
    key: String,
    req: Request,
    build: impl FnOnce(&str, &[(String, String)]) -> Result<(What, &'static str), String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let Some(form) = form_of(req).await else {
        return error_page(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The form is at most 16 KiB.",
        );
    };
    match hub.ledger.row(&key) {
        Ok(Some(_)) => {}
        Ok(None) => return error_page(&ctx, StatusCode::NOT_FOUND, "No such claim."),
        Err(e) => return internal(&ctx, e),
    }
    let (what, action) = match build(&ctx.caller.principal.name, &form) {
        Ok(x) => x,
        Err(m) => return error_page(&ctx, StatusCode::BAD_REQUEST, &m),
    };
    let h = hub.clone();
    let k = key.clone();
    match tokio::task::spawn_blocking(move || h.ledger.act(&k, what)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return internal(&ctx, e),
        Err(e) => return internal(&ctx, e),
    }
    if let Err(e) = ctx.caller.audit(action, vec![key.clone()], "ok").await {
        return internal(&ctx, e.message);
    }
    if let Err(e) = hub.ledger.sync().await {
        return internal(&ctx, e);
    }
    redirect(&format!("/claims/{key}"))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

/// `POST /claims/{key}/notes`.
pub async fn note(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    act(hub, caller, key, req, |by, form| {
        let text = field(form, "text")
            .filter(|t| !t.is_empty())
            .ok_or("A note needs text.")?;
        if text.chars().count() > 4000 {
            return Err("A note is at most 4,000 characters.".into());
        }
        Ok((
            What::Note {
                by: by.to_owned(),
                text: text.to_owned(),
            },
            "claim.note",
        ))
    })
    .await
}

/// `POST /claims/{key}/assign`.
pub async fn assign(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    let users = active_users(&caller);
    act(hub, caller, key, req, move |by, form| {
        let to = field(form, "to").filter(|t| !t.is_empty());
        if let Some(t) = to
            && !users.iter().any(|u| u == t)
        {
            return Err(format!("`{t}` is not an active user."));
        }
        Ok((
            What::Assigned {
                by: by.to_owned(),
                to: to.map(str::to_owned),
            },
            "claim.assign",
        ))
    })
    .await
}

/// `POST /claims/{key}/resolve` (`action` = `resolve` or `reopen`).
pub async fn resolve(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    act(hub, caller, key, req, |by, form| {
        match field(form, "action") {
            Some("resolve") | None => Ok((What::Resolved { by: by.to_owned() }, "claim.resolve")),
            Some("reopen") => Ok((What::Reopened { by: by.to_owned() }, "claim.reopen")),
            Some(other) => Err(format!(
                "unknown action `{other}` (expected resolve or reopen)"
            )),
        }
    })
    .await
}
