//! `/prior-auths`: 278 requests and responses in one list, newest first, each
//! request paired with its responses by trace or authorization number, with the
//! CMS-0057-F decision clock for requests still waiting and a flag for
//! certifications that end soon ([`super::auth_rules`]).

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::response::Response;
use clearway_codes::Table;
use clearway_schemas::body::UnitType;
use clearway_schemas::body::prior_auth::CertificationAction;
use clearway_schemas::value::Quantity;
use clearway_schemas::{Body, Code, Kind, Message, PriorAuthRequest, PriorAuthResponse};
use maud::{Markup, html};

use super::super::text::Params;
use super::super::{Ctx, count_status, csv, internal, page};
use super::auth_rules::{
    Deadline, Decision, EXPIRY_DAYS, Expiry, action_text, certified_until, deadline, decision,
    expiry, is_expedited, plural, time_left,
};
use super::{
    audit, bad_request, blocking, choice, code_described, count_text, export_link, list_query,
    message_of, name_of, pager, period, received_ms, scan, when, yes_no,
};
use crate::api::Caller;
use crate::pipeline::Hub;
use crate::store::{HubStore, Record, RecordType, StoreError};

/// The parameters `/prior-auths` takes.
const PARAMS: &[&str] = &["status", "expiring", "cursor", "limit", "format"];

/// A quantity with its unit, e.g. `1 units`.
pub(super) fn quantity(q: Option<Quantity>, unit: Option<UnitType>) -> String {
    match (q, unit) {
        (Some(q), Some(u)) => format!("{q} {}", u.as_str()),
        (Some(q), None) => q.to_string(),
        _ => String::new(),
    }
}

/// The messages of kind `want` that share a trace or authorization number with
/// `rec`, oldest first.
fn paired(store: &dyn HubStore, rec: &Record, want: Kind) -> Result<Vec<Record>, StoreError> {
    let mut out: Vec<Record> = Vec::new();
    for (name, value) in &rec.correlation {
        if !matches!(name.as_str(), "trace_number" | "authorization_number") {
            continue;
        }
        for r in store.timeline(value)? {
            if r.kind == Some(want)
                && r.record_type == RecordType::Message
                && r.correlation.iter().any(|(n, v)| n == name && v == value)
                && !out.iter().any(|o| o.id == r.id)
            {
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// One row of the list (and the summary of a detail page).
#[derive(Debug, Clone)]
pub(super) struct AuthRow {
    pub(super) id: String,
    pub(super) received_ms: u64,
    pub(super) request: bool,
    /// The response's HCR01 (for a request, its latest response's).
    pub(super) action: Option<CertificationAction>,
    pub(super) decision: Decision,
    pub(super) auth_number: String,
    pub(super) service_type: Option<Code>,
    pub(super) dates: String,
    pub(super) quantity: String,
    pub(super) patient: String,
    pub(super) until: Option<String>,
    pub(super) expiry: Option<Expiry>,
    pub(super) clock: Option<Deadline>,
    /// The paired messages (responses of a request, the request of a response).
    pub(super) pair: Vec<String>,
}

impl AuthRow {
    pub(super) fn status(&self) -> String {
        match (self.action, self.request) {
            (None, _) => "awaiting decision".into(),
            (Some(a), true) => format!("{} (its response)", action_text(a)),
            (Some(a), false) => action_text(a),
        }
    }
}

fn request_row(
    store: &dyn HubStore,
    rec: &Record,
    m: &Message,
    r: &PriorAuthRequest,
    today: &str,
) -> anyhow::Result<AuthRow> {
    let responses = paired(store, rec, Kind::PriorAuthResponse)?;
    let latest = match responses.last() {
        Some(l) => message_of(store, l)?,
        None => None,
    };
    let latest = latest.and_then(|m| match m.body {
        Body::PriorAuthResponse(r) => Some(r),
        _ => None,
    });
    let action = latest.as_ref().map(|l| l.action);
    let decided = action.map_or(Decision::Pending, decision);
    let until = latest
        .as_ref()
        .filter(|_| decided == Decision::Certified)
        .and_then(certified_until);
    Ok(AuthRow {
        id: rec.id.clone(),
        received_ms: received_ms(rec),
        request: true,
        action,
        decision: decided,
        auth_number: latest
            .as_ref()
            .and_then(|l| l.authorization_number.clone())
            .unwrap_or_default(),
        service_type: r
            .service_type
            .clone()
            .or_else(|| r.services.iter().find_map(|s| s.service_type.clone())),
        dates: {
            let d = period(r.service_period.as_ref());
            if d.is_empty() {
                r.services
                    .iter()
                    .map(|s| period(s.service_period.as_ref()))
                    .find(|d| !d.is_empty())
                    .unwrap_or_default()
            } else {
                d
            }
        },
        quantity: {
            let q = quantity(r.quantity, r.unit_type);
            if q.is_empty() {
                r.services
                    .iter()
                    .map(|s| quantity(s.quantity, s.unit_type))
                    .filter(|q| !q.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                q
            }
        },
        patient: name_of(m.parties.effective_patient()),
        expiry: until.as_deref().and_then(|u| expiry(u, today)),
        until,
        clock: (decided == Decision::Pending).then(|| {
            deadline(
                received_ms(rec),
                is_expedited(r.level_of_service.as_deref()),
            )
        }),
        pair: responses.into_iter().map(|r| r.id).collect(),
    })
}

fn response_row(
    store: &dyn HubStore,
    rec: &Record,
    m: &Message,
    r: &PriorAuthResponse,
    today: &str,
) -> anyhow::Result<AuthRow> {
    let requests = paired(store, rec, Kind::PriorAuthRequest)?;
    // Its request is the latest one before it.
    let request = requests
        .iter()
        .rev()
        .find(|q| q.id < rec.id)
        .or(requests.last());
    let decided = decision(r.action);
    let clock = match (decided, request) {
        (Decision::Pending, Some(q)) => match message_of(store, q)?.map(|m| m.body) {
            Some(Body::PriorAuthRequest(req)) => Some(deadline(
                received_ms(q),
                is_expedited(req.level_of_service.as_deref()),
            )),
            _ => None,
        },
        _ => None,
    };
    let until = (decided == Decision::Certified)
        .then(|| certified_until(r))
        .flatten();
    Ok(AuthRow {
        id: rec.id.clone(),
        received_ms: received_ms(rec),
        request: false,
        action: Some(r.action),
        decision: decided,
        auth_number: r
            .authorization_number
            .clone()
            .or_else(|| {
                r.services
                    .iter()
                    .find_map(|s| s.authorization_number.clone())
            })
            .unwrap_or_default(),
        service_type: r
            .service_type
            .clone()
            .or_else(|| r.services.iter().find_map(|s| s.service_type.clone())),
        dates: {
            let d = period(r.effective_period.as_ref());
            if d.is_empty() {
                r.services
                    .iter()
                    .map(|s| period(s.effective_period.as_ref()))
                    .find(|d| !d.is_empty())
                    .unwrap_or_default()
            } else {
                d
            }
        },
        quantity: {
            let q = quantity(r.quantity, r.unit_type);
            if q.is_empty() {
                r.services
                    .iter()
                    .map(|s| quantity(s.quantity, s.unit_type))
                    .filter(|q| !q.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                q
            }
        },
        patient: name_of(m.parties.effective_patient()),
        expiry: until.as_deref().and_then(|u| expiry(u, today)),
        until,
        clock,
        pair: request.map(|q| vec![q.id.clone()]).unwrap_or_default(),
    })
}

pub(super) fn auth_row(
    store: &dyn HubStore,
    rec: &Record,
    m: &Message,
    today: &str,
) -> anyhow::Result<Option<AuthRow>> {
    Ok(match &m.body {
        Body::PriorAuthRequest(r) => Some(request_row(store, rec, m, r, today)?),
        Body::PriorAuthResponse(r) => Some(response_row(store, rec, m, r, today)?),
        _ => None,
    })
}

/// `GET /prior-auths`.
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
    let parsed = list_query(&p, &ctx.clock, false).and_then(|q| {
        let status = choice(&p, "status", &["pending", "certified", "denied"])?.map(str::to_owned);
        Ok((q, status, yes_no(&p, "expiring")?))
    });
    let (q, status, expiring) = match parsed {
        Ok(x) => x,
        Err(e) => return bad_request(&ctx, &e),
    };
    let window = q.window();
    let today = ctx.clock.today();
    let h = hub.clone();
    let found = blocking(move || {
        scan::scan(
            &*h.store,
            &[Kind::PriorAuthRequest, Kind::PriorAuthResponse],
            &window,
            |rec, m| {
                let Some(row) = auth_row(&*h.store, rec, &m, &today)? else {
                    return Ok(None);
                };
                if status
                    .as_deref()
                    .is_some_and(|s| s != row.decision.as_str())
                {
                    return Ok(None);
                }
                if expiring.is_some_and(|e| e != matches!(row.expiry, Some(Expiry::Soon(_)))) {
                    return Ok(None);
                }
                Ok(Some(row))
            },
        )
    })
    .await;
    let found = match found {
        Ok(x) => x,
        Err(e) => return internal(&ctx, e),
    };
    let ids: Vec<String> = found.rows.iter().map(|r| r.id.clone()).collect();
    if let Err(r) = audit(
        &ctx,
        if q.csv {
            "prior_auths.export"
        } else {
            "prior_auths.list"
        },
        ids,
    )
    .await
    {
        return r;
    }
    let now = crate::store::record::now_ms();
    if q.csv {
        return export(&ctx, &found.rows, now);
    }
    let more = found.next_cursor.is_some();
    let body = html! {
        (filter_form(&p))
        (count_status(found.rows.len(), &count_text(found.rows.len(), "prior authorization messages (278)", more)))
        p { a href=(export_link(&p, "/prior-auths")) { "Export this list as CSV" } }
        table {
            caption { "Prior authorization requests and responses (278), newest first" }
            thead { tr {
                th scope="col" { "Type" }
                th scope="col" { "Status" }
                th scope="col" { "Authorization number" }
                th scope="col" { "Service type" }
                th scope="col" { "Service dates" }
                th scope="col" { "Quantity" }
                th scope="col" { "Patient" }
                th scope="col" { "Deadline or expiry" }
                th scope="col" { "Received" }
            } }
            tbody {
                @for r in &found.rows {
                    tr {
                        td { a href=(format!("/prior-auths/{}", r.id)) { @if r.request { "Request" } @else { "Response" } } }
                        td { span class=(r.decision.class()) { (r.decision.as_str()) } br; (r.status()) }
                        td { (ctx.phi(&r.auth_number)) }
                        td { @if let Some(t) = &r.service_type { (code_described(Table::ServiceType, t)) } }
                        td { (r.dates) }
                        td { (r.quantity) }
                        td { (ctx.phi(&r.patient)) }
                        td { (flags(&ctx, r, now)) }
                        td { (when(&ctx, r.received_ms)) }
                    }
                }
            }
        }
        (pager(&p, "/prior-auths", found.next_cursor.as_deref(), found.partial))
        (clock_note())
    };
    page(&ctx, "Prior authorizations (278)", "/prior-auths", body)
}

pub(super) fn clock_note() -> Markup {
    html! {
        p class="muted" {
            "Decision deadlines follow CMS-0057-F (Medicare Advantage, Medicaid, CHIP and federal-exchange plans, from 2026): "
            "72 hours for expedited (urgent) requests, 7 calendar days for standard ones, counted from when the hub recorded the request. "
            "Certifications ending within " (EXPIRY_DAYS) " days are flagged."
        }
    }
}

/// The clock and expiry cell.
pub(super) fn flags(ctx: &Ctx, r: &AuthRow, now: u64) -> Markup {
    html! {
        @if let Some(c) = r.clock {
            @let left = time_left(c.due_ms, now);
            @if left.starts_with("overdue") { strong class="error" { "⚠ Decision " (left) } } @else { strong { (left) } }
            br;
            span class="muted" { "due " (when(ctx, c.due_ms)) " (" @if c.expedited { "expedited, 72 hours" } @else { "standard, 7 days" } ")" }
        }
        @match (r.expiry, r.until.as_deref()) {
            (Some(Expiry::Soon(d)), Some(u)) => { strong class="error" { "⚠ Expires within " (EXPIRY_DAYS) " days" } br; span { "ends " (u) " (" (plural(d.unsigned_abs(), "day")) " left)" } },
            (Some(Expiry::Ended(_)), Some(u)) => { span class="muted" { "ended " (u) } },
            (_, Some(u)) => { span class="muted" { "until " (u) } },
            _ => {},
        }
    }
}

fn filter_form(p: &Params) -> Markup {
    let s = p.get("status");
    html! {
        form method="get" action="/prior-auths" class="filters" aria-label="Filter prior authorizations" {
            div {
                label for="a-status" { "Status" }
                select id="a-status" name="status" {
                    option value="" { "Any" }
                    option value="pending" selected[s == Some("pending")] { "Pending (awaiting decision, pended)" }
                    option value="certified" selected[s == Some("certified")] { "Certified" }
                    option value="denied" selected[s == Some("denied")] { "Denied (not certified)" }
                }
            }
            div {
                label for="a-expiring" { input type="checkbox" id="a-expiring" name="expiring" value="yes" checked[p.get("expiring") == Some("yes")]; " Expires within " (EXPIRY_DAYS) " days" }
            }
            div { button type="submit" { "Apply filters" } " " a href="/prior-auths" class="button secondary" { "Clear" } }
        }
    }
}

fn export(ctx: &Ctx, rows: &[AuthRow], now: u64) -> Response {
    let header = [
        "received",
        "type",
        "decision",
        "status",
        "authorization_number",
        "service_type",
        "service_dates",
        "quantity",
        "patient",
        "certified_until",
        "expires_within_14_days",
        "decision_due",
        "time_left",
        "message_id",
    ];
    let body = rows.iter().map(|r| {
        vec![
            ctx.clock.iso(r.received_ms),
            (if r.request { "request" } else { "response" }).to_owned(),
            r.decision.as_str().to_owned(),
            r.status(),
            ctx.phi(&r.auth_number).to_owned(),
            r.service_type
                .as_ref()
                .map(|c| c.code.clone())
                .unwrap_or_default(),
            r.dates.clone(),
            r.quantity.clone(),
            ctx.phi(&r.patient).to_owned(),
            r.until.clone().unwrap_or_default(),
            (if matches!(r.expiry, Some(Expiry::Soon(_))) {
                "yes"
            } else {
                "no"
            })
            .to_owned(),
            r.clock.map(|c| ctx.clock.iso(c.due_ms)).unwrap_or_default(),
            r.clock
                .map(|c| time_left(c.due_ms, now))
                .unwrap_or_default(),
            r.id.clone(),
        ]
    });
    csv::response("prior-auths.csv", &header, body)
}
