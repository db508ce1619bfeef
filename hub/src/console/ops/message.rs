//! `GET /messages/{id}`: one record (its facts, correlation keys, deliveries per
//! destination), its whole status history, the normalized JSON for the roles that
//! may read it, the raw payload only for admin and operator
//! ([`Access::Allowed`]), and the replay for the roles that may replay. Audited as
//! `GET /v1/messages/{id}` is: `payload.read` when the raw payload is shown,
//! `message.read` otherwise, nothing for a viewer (who is shown no PHI).

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::{REPLAY_PATH, blocking, made_ms, may_replay, status_badge, type_name, when, when_text};
use crate::api::Caller;
use crate::auth::Access;
use crate::console::{Ctx, error_page, internal, page};
use crate::pipeline::Hub;
use crate::store::{DeliveryState, Record, RecordType, StoreError};

/// Most of a raw payload shown.
pub const RAW_SHOWN: usize = 64 * 1024;
/// Most of a normalized message shown (pretty-printed).
const NORMALIZED_SHOWN: usize = 256 * 1024;

/// A payload as the page shows it.
enum Payload {
    /// Not for this role.
    Withheld,
    /// None is kept (a record type without one).
    None,
    /// Destroyed by retention.
    Destroyed,
    /// Part or all of it.
    Text {
        /// The text shown.
        text: String,
        /// How many bytes of it are shown.
        shown: usize,
        /// Its full size in bytes.
        size: usize,
        /// The record it belongs to.
        of: String,
    },
}

/// What the page reads from the store.
struct Loaded {
    record: Record,
    normalized: Payload,
    raw: Payload,
}

fn payload(
    read: Result<Option<Vec<u8>>, StoreError>,
    cap: usize,
    of: &str,
) -> Result<Payload, StoreError> {
    match read {
        Ok(Some(bytes)) => {
            let shown = bytes.len().min(cap);
            Ok(Payload::Text {
                text: String::from_utf8_lossy(&bytes[..shown]).into_owned(),
                shown,
                size: bytes.len(),
                of: of.to_owned(),
            })
        }
        Ok(None) => Ok(Payload::None),
        Err(StoreError::Destroyed { .. }) => Ok(Payload::Destroyed),
        Err(e) => Err(e),
    }
}

fn load(hub: &Hub, id: &str, access: Access) -> Result<Option<Loaded>, StoreError> {
    let Some(record) = hub.store.get(id)? else {
        return Ok(None);
    };
    let normalized = match (access, record.record_type) {
        (Access::Masked, _) => Payload::Withheld,
        (_, RecordType::Message) => {
            let read = hub.store.normalized(id).map(|n| {
                n.map(|n| {
                    serde_json::from_str::<serde_json::Value>(&n)
                        .ok()
                        .and_then(|v| serde_json::to_string_pretty(&v).ok())
                        .unwrap_or(n)
                        .into_bytes()
                })
            });
            payload(read, NORMALIZED_SHOWN, id)?
        }
        _ => Payload::None,
    };
    // A message's raw payload is that of the inbound payload it came from.
    let raw_of = match record.record_type {
        RecordType::Message => record.parent.clone(),
        RecordType::Inbound | RecordType::Ack => Some(record.id.clone()),
    };
    let raw = match (access, raw_of) {
        (Access::Allowed, Some(of)) => payload(hub.store.raw(&of), RAW_SHOWN, &of)?,
        (Access::Allowed, None) => Payload::None,
        _ => Payload::Withheld,
    };
    Ok(Some(Loaded {
        record,
        normalized,
        raw,
    }))
}

/// `GET /messages/{id}`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    if ulid::Ulid::from_string(&id).is_err() {
        return error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            "No such message: a message id is a 26-character ULID.",
        );
    }
    let (h, i, access) = (hub.clone(), id.clone(), ctx.caller.access);
    let loaded = match blocking(move || load(&h, &i, access)).await {
        Ok(Some(l)) => l,
        Ok(None) => return error_page(&ctx, StatusCode::NOT_FOUND, "No such message."),
        Err(e) => return internal(&ctx, e),
    };
    if !ctx.masked() {
        let (action, ids) = match &loaded.raw {
            Payload::Text { of, .. } if *of != id => ("payload.read", vec![id.clone(), of.clone()]),
            Payload::Text { .. } => ("payload.read", vec![id.clone()]),
            _ => ("message.read", vec![id.clone()]),
        };
        if let Err(e) = ctx.caller.audit(action, ids, "ok").await {
            return internal(&ctx, e.message);
        }
    }
    let r = &loaded.record;
    let body = html! {
        (facts(&ctx, r))
        (correlation(&ctx, r))
        (deliveries(&ctx, r))
        (history(&ctx, r))
        section aria-labelledby="norm-h" {
            h2 id="norm-h" { "Normalized message" }
            (shown(&loaded.normalized, &r.id, "normalized JSON", "A viewer is not shown message content."))
        }
        section aria-labelledby="raw-h" {
            h2 id="raw-h" { "Raw payload" }
            (shown(&loaded.raw, &r.id, "raw payload", "The raw payload is shown to admins and operators only."))
        }
        @if may_replay(&ctx) {
            section aria-labelledby="replay-h" {
                h2 id="replay-h" { "Replay" }
                form method="post" action=(REPLAY_PATH) {
                    (ctx.csrf_field())
                    input type="hidden" name="id" value=(r.id);
                    p { (replay_effect(r)) }
                    p { button type="submit" { "Replay this message…" } " " span class="muted" { "(you confirm on the next page)" } }
                }
            }
        }
        p { a href="/messages" { "Back to messages" } }
    };
    page(&ctx, &format!("Message {}", r.id), "/messages", body)
}

/// What a replay does to this record.
pub fn replay_effect(r: &Record) -> &'static str {
    match r.record_type {
        RecordType::Inbound => {
            "Replaying decodes the inbound payload again and routes the messages it gives."
        }
        RecordType::Message => {
            "Replaying routes the message again with the current routes and queues it for each destination."
        }
        RecordType::Ack => "Replaying queues the acknowledgment again for its destination.",
    }
}

fn facts(ctx: &Ctx, r: &Record) -> Markup {
    html! {
        dl class="facts" {
            dt { "Id" } dd { code { (r.id) } }
            dt { "Type" } dd { (type_name(r.record_type)) }
            @if let Some(k) = r.kind { dt { "Kind" } dd { (k.as_str()) } }
            dt { "Endpoint" } dd { (r.endpoint) }
            dt { "Status" } dd { (status_badge(r.status)) }
            dt { "Created" } dd { (when(ctx, made_ms(r))) }
            dt { "Updated" } dd { (when_text(ctx, &r.updated_at)) }
            @if let Some(p) = &r.parent {
                dt { "From inbound payload" } dd { a href=(format!("/messages/{p}")) { code { (p) } } }
            }
            @if !r.children.is_empty() {
                dt { "Messages decoded from it" }
                dd { ul { @for c in &r.children { li { a href=(format!("/messages/{c}")) { code { (c) } } } } } }
            }
            @if let Some(c) = &r.content_type { dt { "Content type" } dd { (c) } }
            @if let Some(f) = &r.filename { dt { "File name" } dd { (ctx.phi(f)) } }
            @if r.record_type != RecordType::Message { dt { "Size" } dd { (r.size) " bytes" } }
        }
    }
}

fn correlation(ctx: &Ctx, r: &Record) -> Markup {
    html! {
        @if !r.correlation.is_empty() {
            table {
                caption { "Correlation keys" }
                thead { tr { th scope="col" { "Key" } th scope="col" { "Value" } } }
                tbody {
                    @for (k, v) in &r.correlation { tr { th scope="row" { (k) } td { (ctx.phi(v)) } } }
                }
            }
        }
    }
}

fn state_name(s: DeliveryState) -> &'static str {
    match s {
        DeliveryState::Queued => "queued",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Retrying => "retrying",
        DeliveryState::Dead => "dead",
    }
}

fn deliveries(ctx: &Ctx, r: &Record) -> Markup {
    html! {
        @if !r.deliveries.is_empty() {
            table {
                caption { "Deliveries per destination" }
                thead {
                    tr {
                        th scope="col" { "Destination" }
                        th scope="col" { "State" }
                        th scope="col" class="num" { "Attempts" }
                        th scope="col" { "Next attempt" }
                        th scope="col" { "Delivered" }
                        th scope="col" { "Last error" }
                    }
                }
                tbody {
                    @for (dest, d) in &r.deliveries {
                        tr {
                            th scope="row" { (dest) }
                            td { (state_name(d.state)) }
                            td class="num" { (d.attempts) }
                            td { @if let Some(t) = &d.next_attempt_at { (when_text(ctx, t)) } }
                            td { @if let Some(t) = &d.delivered_at { (when_text(ctx, t)) } }
                            td { @if let Some(e) = &d.last_error { code { (e.code) } " " (e.message) } }
                        }
                    }
                }
            }
        }
    }
}

fn history(ctx: &Ctx, r: &Record) -> Markup {
    html! {
        table {
            caption { "Status history, oldest first" }
            thead {
                tr {
                    th scope="col" { "Time" }
                    th scope="col" { "Status" }
                    th scope="col" { "By" }
                    th scope="col" { "Destination" }
                    th scope="col" { "Error" }
                    th scope="col" { "Note" }
                }
            }
            tbody {
                @for c in &r.history {
                    tr {
                        td { (when_text(ctx, &c.at)) }
                        td { (status_badge(c.status)) }
                        td { (c.actor) }
                        td { (c.destination.as_deref().unwrap_or("")) }
                        td { @if let Some(e) = &c.error { code { (e.code) } " " (e.message) } }
                        td { (c.note.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}

fn shown(p: &Payload, page_id: &str, what: &str, withheld: &str) -> Markup {
    html! {
        @match p {
            Payload::Withheld => p class="muted" { (withheld) },
            Payload::None => p class="muted" { "No " (what) " is kept for this record." },
            Payload::Destroyed => p class="muted" { "The " (what) " was destroyed by retention." },
            Payload::Text { text, shown, size, of } => {
                @if of != page_id {
                    p class="muted" { "Of the inbound payload " a href=(format!("/messages/{of}")) { code { (of) } } "." }
                }
                @if shown < size {
                    p class="muted" { "The first " (shown) " of " (size) " bytes." }
                }
                pre class="raw" tabindex="0" aria-label=(what) { (text) }
            }
        }
    }
}
