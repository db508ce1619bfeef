//! `GET /endpoints`: one row per configured endpoint with its transport,
//! connector and direction, when it last saw a message, its records by status
//! (inbound: by the store's endpoint index), its queue depth and dead letters
//! (outbound), and its error rate over the last 24 hours; each count links to the
//! messages or dead letters behind it. The scans share one time budget and the
//! page says when a count was cut off by it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::response::Response;
use maud::{Markup, html};
use rust_decimal::Decimal;

use super::{Budget, PAGE_BUDGET, bad_request, blocking, made_ms, scan, when};
use crate::api::Caller;
use crate::console::text::{self, Params, percent};
use crate::console::{Ctx, count_status, csv, internal, page};
use crate::pipeline::Hub;
use crate::store::record::now_ms;
use crate::store::{DeliveryState, Filter, HubStore, Record, Status, StoreError};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// One endpoint's figures.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The endpoint.
    pub name: String,
    /// `transport = "..."`.
    pub transport: &'static str,
    /// Its connector.
    pub connector: String,
    /// Messages enter through it (else it is a destination).
    pub inbound: bool,
    /// When it last saw a record (inbound) or a message for it was made (outbound).
    pub last_ms: Option<u64>,
    /// Inbound: its records by status.
    pub by_status: BTreeMap<Status, usize>,
    /// Outbound: messages waiting in its queue.
    pub queue_depth: usize,
    /// Outbound: messages dead at it.
    pub dead: usize,
    /// Its records (inbound) or messages for it (outbound) of the last 24 hours.
    pub recent: usize,
    /// Of those, decode failures and dead letters.
    pub recent_errors: usize,
    /// Its counts were cut off by the time budget.
    pub cut: bool,
}

impl Figures {
    /// Every record of an inbound endpoint.
    pub fn total(&self) -> usize {
        self.by_status.values().sum()
    }
}

/// `errors` of `total` as a percentage to one decimal place (no floats); `None`
/// for no records.
pub fn error_rate(errors: usize, total: usize) -> Option<Decimal> {
    if total == 0 {
        return None;
    }
    let rate = Decimal::from(errors as u64) * Decimal::ONE_HUNDRED / Decimal::from(total as u64);
    let mut rate =
        rate.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    // Always one decimal place: `75.0%`, not `75%`.
    rate.rescale(1);
    Some(rate)
}

/// Whether a record counts as an error of an inbound endpoint.
fn inbound_error(r: &Record) -> bool {
    matches!(r.status, Status::DecodeFailed | Status::Dead)
}

/// Tally one record for the outbound endpoints it was routed to.
fn tally_outbound(out: &mut BTreeMap<String, Figures>, r: &Record, recent: bool) {
    for (dest, d) in &r.deliveries {
        if let Some(f) = out.get_mut(dest) {
            f.last_ms.get_or_insert_with(|| made_ms(r));
            if recent {
                f.recent += 1;
                if d.state == DeliveryState::Dead {
                    f.recent_errors += 1;
                }
            }
        }
    }
}

/// Every endpoint's figures, newest records first within the page's budget.
fn figures(hub: &Hub, store: &dyn HubStore) -> Result<Vec<Figures>, StoreError> {
    let budget = Budget::new(PAGE_BUDGET);
    let since = now_ms().saturating_sub(DAY_MS);
    let mut inbound: BTreeMap<String, Figures> = BTreeMap::new();
    let mut outbound: BTreeMap<String, Figures> = BTreeMap::new();
    for (name, e) in &hub.config.endpoints {
        let f = Figures {
            name: name.clone(),
            transport: e.transport.kind_name(),
            connector: e.connector.clone(),
            inbound: e.transport.is_inbound(),
            ..Figures::default()
        };
        if f.inbound {
            inbound.insert(name.clone(), f);
        } else {
            outbound.insert(
                name.clone(),
                Figures {
                    queue_depth: store.queue_depth(name),
                    ..f
                },
            );
        }
    }
    if !outbound.is_empty() {
        // Dead letters by destination (the status index).
        let dead = Filter {
            status: Some(Status::Dead),
            ..Filter::default()
        };
        let (cut, _) = scan(store, &dead, &budget, usize::MAX, |r| {
            for (dest, d) in &r.deliveries {
                if let Some(f) = outbound.get_mut(dest)
                    && d.state == DeliveryState::Dead
                {
                    f.dead += 1;
                }
            }
            true
        })?;
        // The last 24 hours of every record, for the rates and the last times.
        let day = Filter {
            since_ms: Some(since),
            ..Filter::default()
        };
        let (cut_day, _) = scan(store, &day, &budget, usize::MAX, |r| {
            tally_outbound(&mut outbound, &r, true);
            true
        })?;
        for f in outbound.values_mut() {
            f.cut = cut || cut_day;
        }
    }
    for f in inbound.values_mut() {
        let by = Filter {
            endpoint: Some(f.name.clone()),
            ..Filter::default()
        };
        let (cut, _) = scan(store, &by, &budget, usize::MAX, |r| {
            let ms = made_ms(&r);
            f.last_ms.get_or_insert(ms);
            *f.by_status.entry(r.status).or_default() += 1;
            if ms >= since {
                f.recent += 1;
                if inbound_error(&r) {
                    f.recent_errors += 1;
                }
            }
            true
        })?;
        f.cut = cut;
    }
    // Outbound endpoints quiet for a day: their last message, further back while
    // the budget lasts.
    if outbound.values().any(|f| f.last_ms.is_none()) {
        let older = Filter {
            until_ms: Some(since),
            ..Filter::default()
        };
        let (cut, _) = scan(store, &older, &budget, usize::MAX, |r| {
            tally_outbound(&mut outbound, &r, false);
            outbound.values().any(|f| f.last_ms.is_none())
        })?;
        for f in outbound.values_mut().filter(|f| f.last_ms.is_none()) {
            f.cut |= cut;
        }
    }
    let mut all: Vec<Figures> = inbound
        .into_values()
        .chain(outbound.into_values())
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// `GET /endpoints`.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let ctx = Ctx::new(&hub, caller);
    let p = match Params::parse(req.uri().query(), &["format"]) {
        Ok(p) => p,
        Err(e) => return bad_request(&ctx, &e),
    };
    let csv = match p.get("format") {
        None => false,
        Some("csv") => true,
        Some(_) => return bad_request(&ctx, "`format` must be csv"),
    };
    let (h, store) = (hub.clone(), hub.store.clone());
    let rows = match blocking(move || figures(&h, &*store)).await {
        Ok(r) => r,
        Err(e) => return internal(&ctx, e),
    };
    if csv {
        return rows_csv(&ctx, &rows);
    }
    let cut: Vec<&str> = rows
        .iter()
        .filter(|f| f.cut)
        .map(|f| f.name.as_str())
        .collect();
    let body = html! {
        (count_status(rows.len(), if rows.len() == 1 { "endpoint configured" } else { "endpoints configured" }))
        @if !cut.is_empty() {
            p class="notice" {
                "Counts were cut off by the page's time budget of " (PAGE_BUDGET.as_secs()) " seconds for: " (cut.join(", "))
                ". They count the newest records only."
            }
        }
        p { a href="/endpoints?format=csv" { "Export as CSV" } }
        (table(&ctx, &rows))
        p class="muted" {
            "Error rate: decode failures and dead letters among the endpoint's records (inbound) or among the messages routed to it (outbound) made in the last 24 hours."
        }
    };
    page(&ctx, "Endpoints", "/endpoints", body)
}

fn rate_text(f: &Figures) -> String {
    match error_rate(f.recent_errors, f.recent) {
        Some(r) => format!("{} ({} of {})", percent(Some(r)), f.recent_errors, f.recent),
        None => percent(None),
    }
}

fn messages_link(endpoint: &str, status: Option<Status>) -> String {
    let mut pairs = vec![("endpoint", endpoint.to_owned())];
    if let Some(s) = status {
        pairs.push(("status", s.as_str().to_owned()));
    }
    format!("/messages{}", text::query(&pairs))
}

fn table(ctx: &Ctx, rows: &[Figures]) -> Markup {
    html! {
        table {
            caption { "Configured endpoints" }
            thead {
                tr {
                    th scope="col" { "Endpoint" }
                    th scope="col" { "Transport" }
                    th scope="col" { "Connector" }
                    th scope="col" { "Direction" }
                    th scope="col" { "Last message" }
                    th scope="col" { "Records by status" }
                    th scope="col" class="num" { "Queue depth" }
                    th scope="col" class="num" { "Dead letters" }
                    th scope="col" class="num" { "Error rate, 24 h" }
                }
            }
            tbody {
                @for f in rows {
                    tr {
                        th scope="row" { (f.name) }
                        td { (f.transport) }
                        td { (f.connector) }
                        td { @if f.inbound { "inbound" } @else { "outbound" } }
                        td { @match f.last_ms { Some(ms) => (when(ctx, ms)), None => span class="muted" { "none seen" } } }
                        td {
                            @if f.inbound {
                                ul class="chips" aria-label=(format!("Records of {} by status", f.name)) {
                                    li { a href=(messages_link(&f.name, None)) { "all: " (f.total()) } }
                                    @for (s, n) in &f.by_status {
                                        li { a href=(messages_link(&f.name, Some(*s))) { (s.as_str()) ": " (n) } }
                                    }
                                }
                            } @else {
                                span class="muted" { "(a destination: see its queue and dead letters)" }
                            }
                        }
                        td class="num" { @if f.inbound { "—" } @else { (f.queue_depth) } }
                        td class="num" {
                            @if f.inbound { "—" }
                            @else { a href=(format!("/dead-letters{}", text::query(&[("destination", f.name.clone())]))) aria-label=(format!("{} dead letters at {}", f.dead, f.name)) { (f.dead) } }
                        }
                        td class="num" { (rate_text(f)) }
                    }
                }
            }
        }
    }
}

fn rows_csv(ctx: &Ctx, rows: &[Figures]) -> Response {
    let mut header = vec![
        "endpoint",
        "transport",
        "connector",
        "direction",
        "last_message",
    ];
    header.extend(Status::ALL.iter().map(|s| s.as_str()));
    header.extend([
        "queue_depth",
        "dead_letters",
        "records_24h",
        "errors_24h",
        "error_rate_24h",
        "cut_off",
    ]);
    let body = rows.iter().map(|f| {
        let mut row = vec![
            f.name.clone(),
            f.transport.to_owned(),
            f.connector.clone(),
            if f.inbound { "inbound" } else { "outbound" }.to_owned(),
            f.last_ms.map(|ms| ctx.clock.iso(ms)).unwrap_or_default(),
        ];
        row.extend(Status::ALL.iter().map(|s| {
            if f.inbound {
                f.by_status.get(s).copied().unwrap_or(0).to_string()
            } else {
                String::new()
            }
        }));
        row.extend([
            if f.inbound {
                String::new()
            } else {
                f.queue_depth.to_string()
            },
            if f.inbound {
                String::new()
            } else {
                f.dead.to_string()
            },
            f.recent.to_string(),
            f.recent_errors.to_string(),
            error_rate(f.recent_errors, f.recent)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            f.cut.to_string(),
        ]);
        row
    });
    csv::response("endpoints.csv", &header, body)
}
