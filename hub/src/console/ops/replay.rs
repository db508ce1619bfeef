//! `POST /dead-letters/replay`: first says exactly how many messages a replay
//! takes (one by `id`, or the dead letters of a filter) and stops; only with
//! `confirm=yes` (and the count it confirmed, `expect`) replays them with
//! [`replay_all`], what `POST /v1/dead-letters/replay` calls ([`Hub::replay`]
//! for each, audited `message.replay`). Admin and operator only (policy).

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::dead::{BULK_MAX, FILTER_FIELDS, dead_query, link, scan_dead};
use super::{REPLAY_PATH, bad_request, blocking, field, form_pairs, status_badge};
use crate::api::Caller;
use crate::api::dead_letters::{Outcome, replay_all};
use crate::console::{Ctx, error_page, internal, page};
use crate::pipeline::Hub;
use crate::store::Record;

/// The fields of `POST /dead-letters/replay`.
const FORM: &[&str] = &[
    "_csrf",
    "id",
    "destination",
    "reason",
    "kind",
    "since",
    "until",
    "confirm",
    "expect",
];

/// What a replay request is about.
enum Target {
    /// One record, by id.
    One(Box<Record>),
    /// The dead letters of a filter (oldest first, at most [`BULK_MAX`]), how many
    /// matched in all, and whether the scan was cut.
    Filter {
        ids: Vec<String>,
        matched: usize,
        cut: bool,
        given: Vec<(String, String)>,
    },
}

impl Target {
    fn ids(&self) -> Vec<String> {
        match self {
            Target::One(r) => vec![r.id.clone()],
            Target::Filter { ids, .. } => ids.clone(),
        }
    }

    /// Where "cancel" and "back" go.
    fn back(&self) -> String {
        match self {
            Target::One(r) => format!("/messages/{}", r.id),
            Target::Filter { given, .. } => format!("/dead-letters{}", link(given, &[])),
        }
    }

    fn fields(&self) -> Markup {
        match self {
            Target::One(r) => html! { input type="hidden" name="id" value=(r.id); },
            Target::Filter { given, .. } => {
                html! { @for (k, v) in given { input type="hidden" name=(k) value=(v); } }
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "message" } else { "messages" }
}

/// `POST /dead-letters/replay`.
pub async fn replay(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let Some(form) = form_pairs(req).await else {
        return error_page(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The replay form is at most 64 KiB.",
        );
    };
    if let Some((k, _)) = form.iter().find(|(k, _)| !FORM.contains(&k.as_str())) {
        return bad_request(
            &ctx,
            &format!("unknown field `{k}` (this form takes: {})", FORM.join(", ")),
        );
    }
    let confirmed = match field(&form, "confirm") {
        None => false,
        Some("yes") => true,
        Some(_) => return bad_request(&ctx, "`confirm` must be yes"),
    };
    let expect = match field(&form, "expect").map(str::parse::<usize>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return bad_request(&ctx, "`expect` must be a whole number"),
    };
    let target = match field(&form, "id") {
        Some(id) => {
            if form
                .iter()
                .any(|(k, v)| FILTER_FIELDS.contains(&k.as_str()) && !v.trim().is_empty())
            {
                return bad_request(&ctx, "give either `id` or filter fields, not both");
            }
            if ulid::Ulid::from_string(id).is_err() {
                return bad_request(&ctx, "`id` must be a message id (a 26-character ULID)");
            }
            let (store, i) = (hub.store.clone(), id.to_owned());
            match blocking(move || store.get(&i)).await {
                Ok(Some(r)) => Target::One(Box::new(r)),
                Ok(None) => return error_page(&ctx, StatusCode::NOT_FOUND, "No such message."),
                Err(e) => return internal(&ctx, e),
            }
        }
        None => {
            let q = match dead_query(&form, &ctx.clock) {
                Ok(q) => q,
                Err(e) => return bad_request(&ctx, &e),
            };
            let s = match scan_dead(&hub, &q.filter).await {
                Ok(s) => s,
                Err(e) => return internal(&ctx, e),
            };
            // Oldest first: the order they failed in.
            let mut ids: Vec<String> = s
                .rows
                .iter()
                .rev()
                .filter(|r| r.matches(q.destination.as_deref(), q.reason.as_deref()))
                .map(|r| r.record.id.clone())
                .collect();
            let matched = ids.len();
            ids.truncate(BULK_MAX);
            Target::Filter {
                ids,
                matched,
                cut: s.cut.is_some(),
                given: q.given,
            }
        }
    };
    let n = target.ids().len();
    if !confirmed {
        return confirm_page(&ctx, &target, None);
    }
    if let (Target::Filter { .. }, Some(e)) = (&target, expect)
        && e != n
    {
        let mut r = confirm_page(&ctx, &target, Some(e));
        *r.status_mut() = StatusCode::CONFLICT;
        return r;
    }
    // In a task of its own: a browser that goes away mid-replay neither stops it
    // halfway nor loses its audit entries.
    let (h, c, ids) = (hub.clone(), ctx.caller.clone(), target.ids());
    let done = tokio::spawn(async move { replay_all(&h, &c, ids).await }).await;
    match done {
        Ok(Ok(outcome)) => result_page(&ctx, &target, &outcome),
        Ok(Err(e)) => internal(&ctx, e),
        Err(e) => internal(&ctx, e),
    }
}

/// A filter field's label, as the dead-letter form has it.
fn label(name: &str) -> &str {
    match name {
        "destination" => "Destination",
        "reason" => "Reason (last error code)",
        "kind" => "Kind",
        "since" => "Made on or after",
        "until" => "Made on or before",
        other => other,
    }
}

fn describe(target: &Target) -> Markup {
    match target {
        Target::One(r) => html! {
            dl class="facts" {
                dt { "Message" } dd { a href=(format!("/messages/{}", r.id)) { code { (r.id) } } }
                dt { "Status now" } dd { (status_badge(r.status)) }
            }
            p { (super::message::replay_effect(r)) }
        },
        Target::Filter { given, .. } => html! {
            dl class="facts" {
                dt { "Status" } dd { "dead" }
                @for name in FILTER_FIELDS {
                    dt { (label(name)) }
                    dd { (given.iter().find(|(k, _)| k == name).map_or("any", |(_, v)| v.as_str())) }
                }
            }
        },
    }
}

fn confirm_page(ctx: &Ctx, target: &Target, changed_from: Option<usize>) -> Response {
    let n = target.ids().len();
    let body = html! {
        @if let Some(was) = changed_from {
            p class="banner bad" role="alert" {
                "The number of matching messages changed from " (was) " to " (n) " since you confirmed. Check and confirm again."
            }
        }
        @if n == 0 {
            p class="banner ok" role="status" { "No dead letter matches this filter: there is nothing to replay." }
        } @else {
            p class="banner ok" role="status" { (n) " " (plural(n)) " will be replayed." }
        }
        (describe(target))
        @if let Target::Filter { matched, cut, .. } = target {
            @if *matched > n {
                p class="notice" { (matched) " dead letters match; one replay takes the oldest " (BULK_MAX) ". Replay again for the rest." }
            }
            @if *cut {
                p class="notice" { "The count stopped at its time budget: older dead letters of this filter are not included." }
            }
        }
        @if n > 0 {
            form method="post" action=(REPLAY_PATH) {
                (ctx.csrf_field())
                (target.fields())
                input type="hidden" name="expect" value=(n);
                input type="hidden" name="confirm" value="yes";
                button type="submit" class="danger" { "Replay " (n) " " (plural(n)) }
                " "
                a href=(target.back()) class="button secondary" { "Cancel" }
            }
        } @else {
            p { a href=(target.back()) { "Back" } }
        }
    };
    page(ctx, "Confirm replay", "/dead-letters", body)
}

fn result_page(ctx: &Ctx, target: &Target, o: &Outcome) -> Response {
    let body = html! {
        p class="banner ok" role="status" { "Replayed " (o.replayed.len()) " " (plural(o.replayed.len())) "." }
        @if !o.failed.is_empty() {
            p class="banner bad" role="alert" { (o.failed.len()) " " (plural(o.failed.len())) " could not be replayed." }
        }
        @if !o.replayed.is_empty() {
            table {
                caption { "Replayed" }
                thead { tr { th scope="col" { "Message" } th scope="col" { "Status now" } } }
                tbody { @for (id, s) in &o.replayed { tr { td { a href=(format!("/messages/{id}")) { code { (id) } } } td { (status_badge(*s)) } } } }
            }
        }
        @if !o.failed.is_empty() {
            table {
                caption { "Not replayed" }
                thead { tr { th scope="col" { "Message" } th scope="col" { "Why" } } }
                tbody { @for (id, w) in &o.failed { tr { td { a href=(format!("/messages/{id}")) { code { (id) } } } td { (w) } } } }
            }
        }
        p {
            a href="/dead-letters" { "Back to dead letters" }
            @if let Target::One(r) = target { " · " a href=(format!("/messages/{}", r.id)) { "Back to the message" } }
        }
    };
    page(ctx, "Replay done", "/dead-letters", body)
}
