//! `/eligibility`: one row per 271 answer; `/eligibility/{id}`: one answer with
//! its coverage banner, plan and dates, benefits by service type, and the
//! payer's rejections (AAA) with what to do about them.

use std::sync::Arc;

use axum::extract::{Extension, Path, Request, State};
use axum::response::Response;
use clearway_codes::Table;
use clearway_schemas::body::benefit::{Benefit, Network};
use clearway_schemas::body::eligibility::EligibilityStatus;
use clearway_schemas::{Body, Code, EligibilityResponse, Kind, Message};
use maud::{Markup, html};

use super::super::detail::described;
use super::super::text::Params;
use super::super::{Ctx, count_status, csv, internal, page};
use super::{
    Loaded, audit, bad_request, blocking, choice, code_described, count_text, export_link, fact,
    list_query, load, member_id, money, name_of, not_found, pager, payer_of, period, raw_section,
    received_ms, scan, when,
};
use crate::api::Caller;
use crate::auth::Access;
use crate::pipeline::Hub;

/// The parameters `/eligibility` takes.
const PARAMS: &[&str] = &["status", "from", "to", "cursor", "limit", "format"];

/// What a 271 says about coverage, as the console sorts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Active coverage.
    Active,
    /// Inactive coverage.
    Inactive,
    /// The payer rejected the request (AAA) and stated no active coverage.
    Rejected,
    /// The answer states neither.
    Unknown,
}

impl Standing {
    /// The status filter's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Active => "active",
            Standing::Inactive => "inactive",
            Standing::Rejected => "error",
            Standing::Unknown => "unknown",
        }
    }

    /// What to do about it (a rejection's steps are with its reasons).
    pub fn next_step(self) -> Option<&'static str> {
        match self {
            Standing::Active => None,
            Standing::Inactive => Some(
                "Coverage is inactive: ask the patient for their current insurance card and check for other coverage before the visit; otherwise treat the visit as self-pay.",
            ),
            Standing::Rejected => Some(
                "The payer could not answer the request: correct what each rejection below names and ask again.",
            ),
            Standing::Unknown => Some(
                "The answer does not say whether coverage is active: call the payer or check its portal before the visit.",
            ),
        }
    }

    /// The banner's words.
    pub fn banner(self) -> &'static str {
        match self {
            Standing::Active => "Active coverage",
            Standing::Inactive => "Inactive coverage",
            Standing::Rejected => "Eligibility request rejected",
            Standing::Unknown => "Coverage not stated: the answer says neither active nor inactive",
        }
    }
}

/// How a 271 stands: active if the payer says so; else rejected if it has AAA
/// errors; else inactive or unknown as stated.
pub fn standing(r: &EligibilityResponse) -> Standing {
    match r.effective_status() {
        EligibilityStatus::Active => Standing::Active,
        _ if !r.rejections.is_empty() => Standing::Rejected,
        EligibilityStatus::Inactive => Standing::Inactive,
        EligibilityStatus::Unknown => Standing::Unknown,
    }
}

/// The plan's name: the coverage's, else the first benefit's plan description.
fn plan_of(r: &EligibilityResponse) -> String {
    r.coverage
        .as_ref()
        .and_then(|c| c.plan_name.clone().or_else(|| c.group_name.clone()))
        .or_else(|| r.benefits.iter().find_map(|b| b.plan_description.clone()))
        .unwrap_or_default()
}

struct EligRow {
    id: String,
    received_ms: u64,
    patient: String,
    subscriber: String,
    member_id: String,
    payer: String,
    standing: Standing,
    plan: String,
    errors: usize,
}

fn elig_row(id: &str, at: u64, m: &Message, r: &EligibilityResponse) -> EligRow {
    let patient = name_of(m.parties.effective_patient());
    let subscriber = name_of(m.parties.subscriber.as_ref());
    EligRow {
        id: id.to_owned(),
        received_ms: at,
        subscriber: if subscriber == patient {
            String::new()
        } else {
            subscriber
        },
        patient,
        member_id: {
            let id = member_id(m);
            if id.is_empty() {
                r.coverage
                    .as_ref()
                    .and_then(|c| c.subscriber_id.clone())
                    .unwrap_or_default()
            } else {
                id
            }
        },
        payer: payer_of(m).0,
        standing: standing(r),
        plan: plan_of(r),
        errors: r.rejections.len(),
    }
}

/// `GET /eligibility`.
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
    let (q, status) = match list_query(&p, &ctx.clock, true).and_then(|q| {
        Ok((
            q,
            choice(&p, "status", &["active", "inactive", "error"])?.map(str::to_owned),
        ))
    }) {
        Ok(x) => x,
        Err(e) => return bad_request(&ctx, &e),
    };
    let window = q.window();
    let h = hub.clone();
    let found = blocking(move || {
        scan::scan(
            &*h.store,
            &[Kind::EligibilityResponse],
            &window,
            |rec, m| {
                let Body::EligibilityResponse(r) = &m.body else {
                    return Ok(None);
                };
                let row = elig_row(&rec.id, received_ms(rec), &m, r);
                Ok(status
                    .as_deref()
                    .is_none_or(|s| s == row.standing.as_str())
                    .then_some(row))
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
            "eligibility.export"
        } else {
            "eligibility.list"
        },
        ids,
    )
    .await
    {
        return r;
    }
    if q.csv {
        return export(&ctx, &found.rows);
    }
    let more = found.next_cursor.is_some();
    let body = html! {
        (filter_form(&p))
        (count_status(found.rows.len(), &count_text(found.rows.len(), "eligibility answers (271)", more)))
        p { a href=(export_link(&p, "/eligibility")) { "Export these answers as CSV" } }
        table {
            caption { "Eligibility answers (271), newest first" }
            thead { tr {
                th scope="col" { "Received" }
                th scope="col" { "Patient" }
                th scope="col" { "Member id" }
                th scope="col" { "Payer" }
                th scope="col" { "Coverage" }
                th scope="col" { "Plan" }
                th scope="col" class="num" { "Errors (AAA)" }
            } }
            tbody {
                @for r in &found.rows {
                    tr {
                        td { a href=(format!("/eligibility/{}", r.id)) { (when(&ctx, r.received_ms)) } }
                        td { (ctx.phi(&r.patient)) @if !r.subscriber.is_empty() { br; span class="muted" { "subscriber " (ctx.phi(&r.subscriber)) } } }
                        td { (ctx.phi(&r.member_id)) }
                        td { (r.payer) }
                        td { (standing_badge(r.standing)) }
                        td { (r.plan) }
                        td class="num" { (r.errors) }
                    }
                }
            }
        }
        (pager(&p, "/eligibility", found.next_cursor.as_deref(), found.partial))
    };
    page(&ctx, "Eligibility (271)", "/eligibility", body)
}

fn standing_badge(s: Standing) -> Markup {
    let class = match s {
        Standing::Active => "state paid",
        Standing::Inactive | Standing::Rejected => "state denied",
        Standing::Unknown => "state pending",
    };
    let text = match s {
        Standing::Rejected => "rejected",
        other => other.as_str(),
    };
    html! { span class=(class) { (text) } }
}

fn filter_form(p: &Params) -> Markup {
    let s = p.get("status");
    html! {
        form method="get" action="/eligibility" class="filters" aria-label="Filter eligibility answers" {
            div {
                label for="e-status" { "Coverage" }
                select id="e-status" name="status" {
                    option value="" { "Any" }
                    option value="active" selected[s == Some("active")] { "Active" }
                    option value="inactive" selected[s == Some("inactive")] { "Inactive" }
                    option value="error" selected[s == Some("error")] { "Request rejected (AAA)" }
                }
            }
            div {
                label for="e-from" { "Received from" }
                input type="date" id="e-from" name="from" value=[p.get("from")];
            }
            div {
                label for="e-to" { "Received to" }
                input type="date" id="e-to" name="to" value=[p.get("to")];
            }
            div { button type="submit" { "Apply filters" } " " a href="/eligibility" class="button secondary" { "Clear" } }
        }
    }
}

fn export(ctx: &Ctx, rows: &[EligRow]) -> Response {
    let header = [
        "received",
        "patient",
        "subscriber",
        "member_id",
        "payer",
        "coverage",
        "plan",
        "aaa_errors",
        "message_id",
    ];
    let body = rows.iter().map(|r| {
        vec![
            ctx.clock.iso(r.received_ms),
            ctx.phi(&r.patient).to_owned(),
            ctx.phi(&r.subscriber).to_owned(),
            ctx.phi(&r.member_id).to_owned(),
            r.payer.clone(),
            r.standing.as_str().to_owned(),
            r.plan.clone(),
            r.errors.to_string(),
            r.id.clone(),
        ]
    });
    csv::response("eligibility.csv", &header, body)
}

/// `GET /eligibility/{id}`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let with_raw = ctx.caller.access == Access::Allowed;
    let h = hub.clone();
    let i = id.clone();
    let l = match blocking(move || Ok(load(&*h.store, &i, &[Kind::EligibilityResponse], with_raw)?))
        .await
    {
        Ok(Some(l)) => l,
        Ok(None) => return not_found(&ctx, "eligibility answer"),
        Err(e) => return internal(&ctx, e),
    };
    let Body::EligibilityResponse(r) = &l.message.body else {
        return not_found(&ctx, "eligibility answer");
    };
    if let Err(resp) = audit(&ctx, "eligibility.read", vec![id.clone()]).await {
        return resp;
    }
    let s = standing(r);
    let body = html! {
        p class=(if s == Standing::Active { "banner ok" } else { "banner bad" }) { (s.banner()) }
        @if let Some(step) = s.next_step() { p class="next" { (step) } }
        (facts(&ctx, &l, r))
        (super::aaa_section(&r.rejections))
        (benefits(r))
        (raw_section(&ctx, l.raw.as_deref()))
        p { a href="/eligibility" { "Back to eligibility" } }
    };
    page(&ctx, "Eligibility answer", "/eligibility", body)
}

fn facts(ctx: &Ctx, l: &Loaded, r: &EligibilityResponse) -> Markup {
    let m = &l.message;
    let c = r.coverage.as_ref();
    let patient = m.parties.effective_patient();
    let subscriber = m.parties.subscriber.as_ref();
    let (payer, payer_id) = payer_of(m);
    let member = elig_row(&l.record.id, 0, m, r).member_id;
    html! {
        dl class="facts" {
            dt { "Patient" } dd { (ctx.phi(&name_of(patient))) }
            @if m.parties.patient.is_some() { dt { "Subscriber" } dd { (ctx.phi(&name_of(subscriber))) } }
            dt { "Member id" } dd { (ctx.phi(&member)) }
            @if let Some(b) = patient.and_then(|p| p.birth_date.as_ref()) { dt { "Birth date" } dd { (ctx.phi(b.as_str())) } }
            dt { "Payer" } dd { (payer) " " span class="muted" { (payer_id) } }
            dt { "Provider" } dd { (name_of(m.parties.provider.as_ref())) @if let Some(npi) = m.parties.provider.as_ref().and_then(|p| p.npi.as_deref()) { " " span class="muted" { "NPI " (npi) } } }
            (fact("Plan", &[plan_of(r), c.and_then(|c| c.plan_id.clone()).unwrap_or_default()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" · ")))
            (fact("Group", &[c.and_then(|c| c.group_number.clone()), c.and_then(|c| c.group_name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" · ")))
            (fact("Insurance type", c.and_then(|c| c.insurance_type.as_deref()).unwrap_or("")))
            (fact("Coverage dates", &period(c.and_then(|c| c.period.as_ref()))))
            (fact("Date of service asked about", &period(r.date_of_service.as_ref())))
            dt { "Trace numbers" } dd { (r.traces.iter().map(|t| t.reference.as_str()).collect::<Vec<_>>().join(", ")) }
            dt { "Received" } dd { (when(ctx, received_ms(&l.record))) }
            dt { "Message" } dd { a href=(format!("/messages/{}", l.record.id)) { (l.record.id) } }
        }
    }
}

/// The benefits grouped by service type, in the order types first appear; a
/// benefit naming several types appears under each, one naming none under `None`.
pub fn by_service_type(benefits: &[Benefit]) -> Vec<(Option<&Code>, Vec<&Benefit>)> {
    let mut groups: Vec<(Option<&Code>, Vec<&Benefit>)> = Vec::new();
    for b in benefits {
        let types: Vec<Option<&Code>> = if b.service_types.is_empty() {
            vec![None]
        } else {
            b.service_types.iter().map(Some).collect()
        };
        for t in types {
            let key = t.map(|c| c.code.as_str());
            match groups
                .iter_mut()
                .find(|(g, _)| g.map(|c| c.code.as_str()) == key)
            {
                Some((_, list)) => list.push(b),
                None => groups.push((t, vec![b])),
            }
        }
    }
    groups
}

fn network_label(n: Network) -> &'static str {
    match n {
        Network::InNetwork => "in network",
        Network::OutOfNetwork => "out of network",
        Network::Both => "in and out of network",
        Network::Unknown => "unknown",
    }
}

/// What a benefit amounts to: money, a percent, a quantity.
fn amount_of(b: &Benefit) -> String {
    let mut parts = Vec::new();
    if let Some(a) = b.amount {
        parts.push(money(a));
    }
    if let Some(p) = b.percent {
        parts.push(format!(
            "{}%",
            (p.0 * rust_decimal::Decimal::ONE_HUNDRED).normalize()
        ));
    }
    if let Some(q) = &b.quantity {
        parts.push(format!("{} ({})", q.value, q.qualifier));
    }
    parts.join(", ")
}

fn benefits(r: &EligibilityResponse) -> Markup {
    html! {
        section aria-labelledby="ben-h" {
            h2 id="ben-h" { "Benefits by service type" }
            @if r.benefits.is_empty() { p class="muted" { "The answer lists no benefits." } }
            @for (t, list) in by_service_type(&r.benefits) {
                table {
                    caption {
                        @match t {
                            Some(c) => { "Service type " (code_described(Table::ServiceType, c)) },
                            None => "Benefits for no particular service type",
                        }
                    }
                    thead { tr {
                        th scope="col" { "Benefit (EB01)" }
                        th scope="col" { "Coverage level" }
                        th scope="col" { "Network" }
                        th scope="col" class="num" { "Amount" }
                        th scope="col" { "Period (EB06)" }
                        th scope="col" { "Authorization required" }
                        th scope="col" { "Plan and notes" }
                    } }
                    tbody {
                        @for b in list {
                            tr {
                                td { (described(Table::BenefitInfo, b.info.x12_code())) }
                                td { @if let Some(l) = b.coverage_level { (described(Table::CoverageLevel, l.x12_code())) } }
                                td { (b.network.map(network_label).unwrap_or("")) }
                                td class="num" { (amount_of(b)) }
                                td { @if let Some(tp) = b.time_period { (described(Table::TimePeriod, tp.x12_code())) } }
                                td { (b.authorization_required.map(|a| a.as_str()).unwrap_or("")) }
                                td {
                                    (b.plan_description.as_deref().unwrap_or(""))
                                    @if let Some(pr) = &b.procedure { " " span class="muted" { (super::plain_code(pr)) } }
                                    @for msg in &b.messages { br; span class="muted" { (msg) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> EligibilityResponse {
        let path = format!(
            "{}/../schemas/examples/eligibility.response.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let m: Message = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        match m.body {
            Body::EligibilityResponse(r) => r,
            _ => unreachable!("the example is a 271"),
        }
    }

    fn rejection(code: &str) -> clearway_schemas::body::Rejection {
        serde_json::from_value(serde_json::json!({"level": "subscriber", "valid_request": false, "reason_code": code, "follow_up_action": "C"})).unwrap()
    }

    #[test]
    fn standing_follows_status_then_rejections() {
        let mut r = example();
        assert_eq!(standing(&r), Standing::Active);
        r.status = Some(EligibilityStatus::Inactive);
        assert_eq!(standing(&r), Standing::Inactive);
        r.rejections.push(rejection("72"));
        assert_eq!(standing(&r), Standing::Rejected);
        r.status = None;
        r.benefits.clear();
        assert_eq!(standing(&r), Standing::Rejected);
        r.rejections.clear();
        assert_eq!(standing(&r), Standing::Unknown);
        // Active coverage wins over a rejection at another level.
        let mut a = example();
        a.rejections.push(rejection("72"));
        assert_eq!(standing(&a), Standing::Active);
    }

    #[test]
    fn benefits_group_by_service_type_in_first_seen_order() {
        let r = example();
        let g = by_service_type(&r.benefits);
        let codes: Vec<&str> = g
            .iter()
            .map(|(c, _)| c.map_or("-", |c| c.code.as_str()))
            .collect();
        assert_eq!(codes, ["30", "98"]);
        assert_eq!(g[0].1.len(), 5);
        assert_eq!(amount_of(g[0].1[3]), "20%");
        assert_eq!(amount_of(g[0].1[4]), "$6,000.00");
    }
}
