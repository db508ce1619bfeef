//! `/prior-auths/{id}`: one 278 request or response in full with its pair
//! (the responses of a request, the request of a response), every code
//! described, the decision clock or the certified period, the next step, and
//! the raw payload for the roles that may read it.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use clearway_codes::Table;
use clearway_schemas::body::prior_auth::CertificationAction;
use clearway_schemas::{Body, Code, Kind, Message, PriorAuthRequest, PriorAuthResponse};
use maud::{Markup, html};

use super::super::{Ctx, internal, page};
use super::auth_rules::{Decision, EXPIRY_DAYS, Expiry, action_text, plural, time_left};
use super::prior_auths::{AuthRow, auth_row, clock_note, quantity};
use super::{
    audit, blocking, code_described, fact, load, member_id, message_of, name_of, not_found,
    payer_of, period, plain_code, raw_section, received_ms, when,
};
use crate::api::Caller;
use crate::auth::Access;
use crate::pipeline::Hub;

/// What to do next with a review in this state.
fn next_steps(ctx: &Ctx, r: &AuthRow, now: u64) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match (r.decision, r.action) {
        (Decision::Pending, None) => {
            if let Some(c) = r.clock {
                out.push(format!(
                    "Awaiting the payer's decision, due by {} ({}). If none comes by then, call the payer with the trace number and note the call.",
                    ctx.clock.time(c.due_ms),
                    time_left(c.due_ms, now)
                ));
            }
        }
        (Decision::Pending, Some(CertificationAction::Pended)) => out.push(
            "Pended: send the additional information the payer asks for (see the reasons and messages), then watch for the final decision.".into(),
        ),
        (Decision::Denied, _) => out.push(
            "Denied: ask for a peer-to-peer review with the payer's reviewer, or appeal with the clinical notes; tell the patient before the service is performed.".into(),
        ),
        (Decision::Certified, _) => {
            if !r.auth_number.is_empty() {
                out.push(format!(
                    "Record authorization number {} and its dates on the visit and on the claim (REF*G1).",
                    ctx.phi(&r.auth_number)
                ));
            }
            match (r.expiry, r.until.as_deref()) {
                (Some(Expiry::Soon(_)), Some(u)) => out.push(format!(
                    "The authorization ends on {u}: ask the payer for an extension before then if care continues."
                )),
                (Some(Expiry::Ended(_)), Some(u)) => out.push(format!(
                    "The authorization ended on {u}: services after that date need a new authorization or an extension."
                )),
                _ => {}
            }
        }
        _ => {}
    }
    // Otherwise the code table's own next step (cancelled, contact the payer, ...).
    if out.is_empty()
        && let Some(step) = r
            .action
            .and_then(|a| Table::CertificationAction.lookup(a.x12_code()))
            .and_then(|e| e.next_step)
    {
        out.push(step.to_owned());
    }
    out
}

/// `GET /prior-auths/{id}`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let with_raw = ctx.caller.access == Access::Allowed;
    let today = ctx.clock.today();
    let h = hub.clone();
    let i = id.clone();
    let loaded = blocking(move || {
        let Some(l) = load(
            &*h.store,
            &i,
            &[Kind::PriorAuthRequest, Kind::PriorAuthResponse],
            with_raw,
        )?
        else {
            return Ok(None);
        };
        let Some(row) = auth_row(&*h.store, &l.record, &l.message, &today)? else {
            return Ok(None);
        };
        let mut pairs = Vec::new();
        for pid in &row.pair {
            if let Some(rec) = h.store.get(pid)?
                && let Some(m) = message_of(&*h.store, &rec)?
            {
                pairs.push((rec, m));
            }
        }
        Ok(Some((l, row, pairs)))
    })
    .await;
    let (l, row, pairs) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(&ctx, "prior authorization message"),
        Err(e) => return internal(&ctx, e),
    };
    let mut ids = vec![id.clone()];
    ids.extend(pairs.iter().map(|(r, _)| r.id.clone()));
    if let Err(resp) = audit(&ctx, "prior_auth.read", ids).await {
        return resp;
    }
    let now = crate::store::record::now_ms();
    let title = if row.request {
        "Prior authorization request"
    } else {
        "Prior authorization response"
    };
    let pair_title = if row.request {
        "Its responses"
    } else {
        "Its request"
    };
    let body = html! {
        (banner(&ctx, &row, now))
        section aria-labelledby="next-h" {
            h2 id="next-h" { "Next step" }
            @for s in next_steps(&ctx, &row, now) { p class="next" { (s) } }
        }
        section aria-labelledby="this-h" {
            h2 id="this-h" { @if row.request { "The request" } @else { "The response" } }
            p class="muted" { "Received " (when(&ctx, row.received_ms)) " · message " a href=(format!("/messages/{}", l.record.id)) { (l.record.id) } }
            (body_of(&ctx, &l.message))
        }
        section aria-labelledby="pair-h" {
            h2 id="pair-h" { (pair_title) }
            @if pairs.is_empty() {
                p class="muted" { @if row.request { "No response shares this request's trace or authorization number yet." } @else { "The hub has no request with this response's trace or authorization number." } }
            }
            @for (rec, m) in &pairs {
                h3 { a href=(format!("/prior-auths/{}", rec.id)) { (if rec.kind == Some(Kind::PriorAuthRequest) { "Request" } else { "Response" }) } " received " (when(&ctx, received_ms(rec))) }
                (body_of(&ctx, m))
            }
        }
        @if let Body::PriorAuthResponse(r) = &l.message.body { (super::aaa_section(&r.rejections)) }
        (raw_section(&ctx, l.raw.as_deref()))
        (clock_note())
        p { a href="/prior-auths" { "Back to prior authorizations" } }
    };
    page(&ctx, title, "/prior-auths", body)
}

fn banner(ctx: &Ctx, r: &AuthRow, now: u64) -> Markup {
    html! {
        @match (r.decision, r.action) {
            (Decision::Certified, _) => p class="banner ok" { "Certified: " (r.status()) },
            (Decision::Denied, _) => p class="banner bad" { "Not certified (denied): " (r.status()) },
            (Decision::Pending, None) => p class="notice" { "Awaiting the payer's decision" },
            _ => p class="notice" { (r.status()) },
        }
        @if r.clock.is_some() || r.until.is_some() {
            dl class="facts" {
                @if let Some(c) = r.clock {
                    @let left = time_left(c.due_ms, now);
                    dt { "Decision due (CMS-0057-F)" }
                    dd {
                        (when(ctx, c.due_ms)) " · "
                        @if left.starts_with("overdue") { strong class="error" { "⚠ " (left) } } @else { strong { (left) } }
                        " (" @if c.expedited { "expedited: 72 hours" } @else { "standard: 7 calendar days" } ")"
                    }
                }
                @if let Some(u) = &r.until {
                    dt { "Certified until" }
                    dd {
                        (u)
                        @match r.expiry {
                            Some(Expiry::Soon(d)) => { " · " strong class="error" { "⚠ Expires within " (EXPIRY_DAYS) " days (" (plural(d.unsigned_abs(), "day")) " left)" } },
                            Some(Expiry::Ended(_)) => { " · " strong class="error" { "Ended" } },
                            _ => {},
                        }
                    }
                }
            }
        }
    }
}

fn level_label(level: &str) -> String {
    match level.trim() {
        "U" => "U — urgent (expedited)".into(),
        "03" => "03 — emergency (expedited)".into(),
        "E" => "E — elective (standard)".into(),
        other => other.to_owned(),
    }
}

/// An enum's JSON name in words (`health_services_review` -> `health services review`).
fn words(s: &str) -> String {
    s.replace('_', " ")
}

fn body_of(ctx: &Ctx, m: &Message) -> Markup {
    match &m.body {
        Body::PriorAuthRequest(r) => request_body(ctx, m, r),
        Body::PriorAuthResponse(r) => response_body(ctx, m, r),
        _ => html! {},
    }
}

fn parties(ctx: &Ctx, m: &Message) -> Markup {
    let (payer, payer_id) = payer_of(m);
    let patient = m.parties.effective_patient();
    html! {
        dt { "Payer" } dd { (payer) " " span class="muted" { (payer_id) } }
        dt { "Requester" } dd { (name_of(m.parties.provider.as_ref())) @if let Some(npi) = m.parties.provider.as_ref().and_then(|p| p.npi.as_deref()) { " " span class="muted" { "NPI " (npi) } } }
        @if let Some(f) = &m.parties.service_facility { dt { "Service facility" } dd { (name_of(Some(f))) } }
        dt { "Patient" } dd { (ctx.phi(&name_of(patient))) }
        dt { "Member id" } dd { (ctx.phi(&member_id(m))) }
        @if let Some(b) = patient.and_then(|p| p.birth_date.as_ref()) { dt { "Birth date" } dd { (ctx.phi(b.as_str())) } }
    }
}

fn request_body(ctx: &Ctx, m: &Message, r: &PriorAuthRequest) -> Markup {
    html! {
        dl class="facts" {
            dt { "Review" } dd { (words(r.request_category.as_str())) " " span class="muted" { "(UM01 " (r.request_category.x12_code()) ")" } }
            dt { "Certification type" } dd { (words(r.certification_type.as_str())) " " span class="muted" { "(UM02 " (r.certification_type.x12_code()) ")" } }
            dt { "Service type" } dd { @if let Some(t) = &r.service_type { (code_described(Table::ServiceType, t)) } }
            (fact("Place of service", &r.place_of_service.as_ref().map(plain_code).unwrap_or_default()))
            dt { "Level of service" } dd { (r.level_of_service.as_deref().map(level_label).unwrap_or_else(|| "not stated (standard)".into())) }
            @if let Some(prev) = &r.previous_authorization_number { dt { "Previous authorization" } dd { (ctx.phi(prev)) } }
            (fact("Service dates", &period(r.service_period.as_ref())))
            (fact("Quantity", &quantity(r.quantity, r.unit_type)))
            (fact("Trace number", r.trace.as_ref().map_or("", |t| t.reference.as_str())))
            (parties(ctx, m))
        }
        @if !r.diagnoses.is_empty() {
            table {
                caption { "Diagnoses" }
                thead { tr { th scope="col" class="num" { "#" } th scope="col" { "Code" } th scope="col" { "Role" } } }
                tbody { @for d in &r.diagnoses { tr {
                    td class="num" { (d.sequence) }
                    td { (ctx.phi(&plain_code(&d.code))) }
                    td { (serde_json::to_value(d.role).ok().and_then(|v| v.as_str().map(words)).unwrap_or_default()) }
                } } }
            }
        }
        @if !r.services.is_empty() {
            table {
                caption { "Services requested" }
                thead { tr {
                    th scope="col" class="num" { "Line" }
                    th scope="col" { "Procedure" }
                    th scope="col" { "Modifiers" }
                    th scope="col" { "Service type" }
                    th scope="col" { "Quantity" }
                    th scope="col" { "Service dates" }
                    th scope="col" { "Place of service" }
                } }
                tbody { @for s in &r.services { tr {
                    td class="num" { (s.line_number) }
                    td { (s.procedure.as_ref().or(s.revenue_code.as_ref()).map(plain_code).unwrap_or_default()) }
                    td { (s.modifiers.join(", ")) }
                    td { @if let Some(t) = &s.service_type { (code_described(Table::ServiceType, t)) } }
                    td { (quantity(s.quantity, s.unit_type)) }
                    td { (period(s.service_period.as_ref())) }
                    td { (s.place_of_service.as_ref().map(plain_code).unwrap_or_default()) }
                } } }
            }
        }
        (notes(ctx, r.notes.iter().map(|n| n.text.as_str())))
    }
}

fn reasons(list: &[Code]) -> Markup {
    html! { @for (i, c) in list.iter().enumerate() { @if i > 0 { "; " } (code_described(Table::ReviewReason, c)) } }
}

fn response_body(ctx: &Ctx, m: &Message, r: &PriorAuthResponse) -> Markup {
    html! {
        dl class="facts" {
            dt { "Decision (HCR01)" } dd { (super::super::detail::described(Table::CertificationAction, r.action.x12_code())) }
            dt { "Authorization number" } dd { (ctx.phi(r.authorization_number.as_deref().unwrap_or(""))) }
            @if !r.reasons.is_empty() { dt { "Reasons (HCR03)" } dd { (reasons(&r.reasons)) } }
            @if let Some(s) = r.second_surgical_opinion_required { dt { "Second surgical opinion required" } dd { (if s { "yes" } else { "no" }) } }
            (fact("Certified period", &period(r.effective_period.as_ref())))
            (fact("Quantity certified", &quantity(r.quantity, r.unit_type)))
            @if let Some(t) = &r.service_type { dt { "Service type" } dd { (code_described(Table::ServiceType, t)) } }
            @if let Some(c) = r.request_category { dt { "Review" } dd { (words(c.as_str())) } }
            @if let Some(c) = r.certification_type { dt { "Certification type" } dd { (words(c.as_str())) } }
            (fact("Trace number", r.trace.as_ref().map_or("", |t| t.reference.as_str())))
            (parties(ctx, m))
        }
        @if !r.services.is_empty() {
            table {
                caption { "Decisions per service" }
                thead { tr {
                    th scope="col" class="num" { "Line" }
                    th scope="col" { "Procedure" }
                    th scope="col" { "Decision" }
                    th scope="col" { "Authorization number" }
                    th scope="col" { "Reasons" }
                    th scope="col" { "Quantity" }
                    th scope="col" { "Certified period" }
                } }
                tbody { @for s in &r.services { tr {
                    td class="num" { (s.line_number) }
                    td { (s.procedure.as_ref().map(plain_code).unwrap_or_default()) }
                    td { (action_text(s.action)) }
                    td { (ctx.phi(s.authorization_number.as_deref().unwrap_or(""))) }
                    td { (reasons(&s.reasons)) }
                    td { (quantity(s.quantity, s.unit_type)) }
                    td { (period(s.effective_period.as_ref())) }
                } } }
            }
        }
        (notes(ctx, r.notes.iter().map(|n| n.text.as_str())))
    }
}

fn notes<'a>(ctx: &Ctx, list: impl Iterator<Item = &'a str>) -> Markup {
    let list: Vec<&str> = list.collect();
    html! {
        @if !list.is_empty() {
            ul aria-label="Messages" { @for n in list { li { (ctx.phi(n)) } } }
        }
    }
}
