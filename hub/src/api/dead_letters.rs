//! Dead letters: the messages whose delivery failed for good (status `dead`).
//! `GET /v1/dead-letters` lists them with the destinations where they are dead and
//! why (that delivery's last error), counted by destination and reason;
//! `POST /v1/dead-letters/replay` replays some by id or by filter through
//! [`Hub::replay`] and audits `message.replay`.
//!
//! The query and the replay are the console's too (`/dead-letters`,
//! `/dead-letters/replay`): [`Row`], [`groups`], [`scan_dead`] and [`replay_all`]
//! are the one reading of "dead where, and why" and the one bulk replay.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::params::Params;
use super::{ApiError, Caller};
use crate::pipeline::{Hub, HubError};
use crate::store::record::{parse_time_ms, rfc3339_ms};
use crate::store::{DeliveryState, ErrorInfo, Filter, Record, Status, StoreError};

/// Most messages one bulk replay takes (the oldest first).
pub const BULK_MAX: usize = 1000;
/// Most dead letters one listing reads.
const MAX_SCAN: usize = 50_000;
/// How long the scan behind one listing may take before it says it was cut.
const SCAN_BUDGET: Duration = Duration::from_secs(3);
/// Store pages of this many records are read at a time.
const SCAN_PAGE: usize = 1000;

/// The parameters of `GET /v1/dead-letters`.
const LIST_PARAMS: [&str; 7] = [
    "destination",
    "reason",
    "kind",
    "since",
    "until",
    "limit",
    "cursor",
];
/// The filter fields of a replay by filter.
const FILTER_FIELDS: [&str; 5] = ["destination", "reason", "kind", "since", "until"];

/// One destination where a message is dead.
#[derive(Debug, Clone)]
pub struct DeadAt {
    /// The destination endpoint.
    pub destination: String,
    /// Attempts made there.
    pub attempts: u32,
    /// Why: the last error the history records for this destination (or for
    /// the message as a whole), else the delivery's `last_error`.
    pub error: Option<ErrorInfo>,
    /// When it went dead there (Unix ms), from the history.
    pub dead_ms: Option<u64>,
}

impl DeadAt {
    /// The reason: the error code, or empty.
    pub fn reason(&self) -> &str {
        self.error.as_ref().map_or("", |e| e.code.as_str())
    }
}

/// A dead letter: the record and where it is dead.
#[derive(Debug, Clone)]
pub struct Row {
    /// The record.
    pub record: Record,
    /// The destinations where it is dead.
    pub dests: Vec<DeadAt>,
    /// For a record dead at no destination: its last error code, or empty.
    pub own_reason: String,
}

/// Which dead letters (beyond the store filter): at a destination, for a reason
/// (an error code or a dotted prefix of one), gone dead in a time range.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The destination endpoint.
    pub destination: Option<String>,
    /// `delivery.http_status` matches that code and `delivery.http_status.*`;
    /// `delivery` matches every `delivery.*` code.
    pub reason: Option<String>,
    /// Gone dead at or after (Unix ms).
    pub dead_since_ms: Option<u64>,
    /// Gone dead before (Unix ms).
    pub dead_until_ms: Option<u64>,
}

/// Whether error `code` is `wanted` or starts with `wanted` and a dot.
pub fn reason_matches(code: &str, wanted: &str) -> bool {
    code == wanted
        || code
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('.') && !wanted.is_empty())
}

impl Selection {
    fn takes(&self, d: &DeadAt) -> bool {
        self.destination
            .as_deref()
            .is_none_or(|w| d.destination == w)
            && self
                .reason
                .as_deref()
                .is_none_or(|w| reason_matches(d.reason(), w))
            && self
                .dead_since_ms
                .is_none_or(|s| d.dead_ms.is_some_and(|t| t >= s))
            && self
                .dead_until_ms
                .is_none_or(|u| d.dead_ms.is_some_and(|t| t < u))
    }

    fn is_empty(&self) -> bool {
        self.destination.is_none()
            && self.reason.is_none()
            && self.dead_since_ms.is_none()
            && self.dead_until_ms.is_none()
    }
}

/// The last error in a record's history (what `/v1/messages` calls `last_error`).
fn last_error(r: &Record) -> Option<&ErrorInfo> {
    r.history.iter().rev().find_map(|h| h.error.as_ref())
}

impl Row {
    /// The row of a dead record.
    pub fn of(record: Record) -> Row {
        let dests = record
            .deliveries
            .iter()
            .filter(|(_, d)| d.state == DeliveryState::Dead)
            .map(|(n, d)| {
                // The history's changes about this destination, or about the
                // message as a whole; newest first.
                let mut about = record
                    .history
                    .iter()
                    .rev()
                    .filter(|h| h.destination.as_deref().is_none_or(|x| x == n.as_str()));
                let error = about
                    .clone()
                    .find_map(|h| h.error.clone())
                    .or_else(|| d.last_error.clone());
                let dead_ms = about
                    .find(|h| h.status == Status::Dead)
                    .and_then(|h| parse_time_ms(&h.at));
                DeadAt {
                    destination: n.clone(),
                    attempts: d.attempts,
                    error,
                    dead_ms,
                }
            })
            .collect();
        let own_reason = last_error(&record)
            .map(|e| e.code.clone())
            .unwrap_or_default();
        Row {
            record,
            dests,
            own_reason,
        }
    }

    /// Whether it is dead at `destination` (any, for none) for `reason` (any, for
    /// none; a code or a dotted prefix of one), both at the same destination.
    pub fn matches(&self, destination: Option<&str>, reason: Option<&str>) -> bool {
        self.selected(&Selection {
            destination: destination.map(str::to_owned),
            reason: reason.map(str::to_owned),
            ..Selection::default()
        })
    }

    /// Whether `sel` takes it: one of its dead destinations satisfies all of it.
    pub fn selected(&self, sel: &Selection) -> bool {
        if self.dests.is_empty() {
            return sel.is_empty()
                || (sel.destination.is_none()
                    && sel.dead_since_ms.is_none()
                    && sel.dead_until_ms.is_none()
                    && sel
                        .reason
                        .as_deref()
                        .is_some_and(|w| reason_matches(&self.own_reason, w)));
        }
        self.dests.iter().any(|d| sel.takes(d))
    }

    /// The (destination, reason) pairs `sel` takes; (empty, own reason) for a
    /// record dead at no destination.
    fn pairs<'a>(&'a self, sel: &'a Selection) -> Vec<(&'a str, &'a str)> {
        if self.dests.is_empty() {
            return if self.selected(sel) {
                vec![("", self.own_reason.as_str())]
            } else {
                Vec::new()
            };
        }
        self.dests
            .iter()
            .filter(|d| sel.takes(d))
            .map(|d| (d.destination.as_str(), d.reason()))
            .collect()
    }

    /// Every reason it is dead for (the codes, without duplicates).
    pub fn reasons(&self) -> Vec<&str> {
        let mut out: Vec<&str> = if self.dests.is_empty() {
            vec![self.own_reason.as_str()]
        } else {
            self.dests.iter().map(DeadAt::reason).collect()
        };
        out.retain(|r| !r.is_empty());
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Dead letters counted by (destination, reason); a record dead at several
/// destinations counts at each, one dead at none under an empty destination.
pub fn groups(rows: &[Row]) -> BTreeMap<(String, String), usize> {
    groups_of(rows.iter(), &Selection::default())
}

fn groups_of<'a>(
    rows: impl Iterator<Item = &'a Row>,
    sel: &Selection,
) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        for (d, reason) in r.pairs(sel) {
            *out.entry((d.to_owned(), reason.to_owned())).or_default() += 1;
        }
    }
    out
}

/// Every dead letter of a store filter, newest first; whether the scan was cut
/// (by its time budget or [`MAX_SCAN`]), with the oldest id it read.
pub struct Scan {
    /// The dead letters read.
    pub rows: Vec<Row>,
    /// `Some(oldest id read)` when the scan stopped before the end.
    pub cut: Option<Option<String>>,
}

/// Read the dead letters of `filter` (its status set to dead), a store page at a
/// time off the async workers.
pub async fn scan_dead(hub: &Arc<Hub>, filter: &Filter) -> Result<Scan, String> {
    let store = hub.store.clone();
    let mut filter = filter.clone();
    filter.status = Some(Status::Dead);
    let scanned = tokio::task::spawn_blocking(move || -> Result<Scan, StoreError> {
        let started = Instant::now();
        let (mut rows, mut cursor, mut seen) = (Vec::new(), None::<String>, 0usize);
        loop {
            if started.elapsed() > SCAN_BUDGET || seen >= MAX_SCAN {
                return Ok(Scan {
                    rows,
                    cut: Some(cursor),
                });
            }
            let page = store.list(&filter, cursor.as_deref(), SCAN_PAGE)?;
            seen += page.items.len();
            // The index may lag a change by nothing, but the record decides.
            rows.extend(
                page.items
                    .into_iter()
                    .filter(|r| r.status == Status::Dead)
                    .map(Row::of),
            );
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(Scan { rows, cut: None }),
            }
        }
    })
    .await;
    match scanned {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("store task: {e}")),
    }
}

/// What became of each replay: (id, status now) and (id, why not).
pub struct Outcome {
    /// Replayed, with the status each has now.
    pub replayed: Vec<(String, Status)>,
    /// Not replayed, with the reason (no internals).
    pub failed: Vec<(String, String)>,
}

/// Replay each of `ids` with [`Hub::replay`] (what `POST /v1/messages/{id}/replay`
/// does), then audit `message.replay`: one entry for the replayed ones (`ok`), one
/// for the others (`failed`).
pub async fn replay_all(
    hub: &Arc<Hub>,
    caller: &Caller,
    ids: Vec<String>,
) -> Result<Outcome, String> {
    let mut out = Outcome {
        replayed: Vec::new(),
        failed: Vec::new(),
    };
    for id in ids {
        match hub.replay(&id).await {
            Ok(r) => out.replayed.push((id, r.status)),
            Err(e) => {
                tracing::warn!(record_id = %id, error = %e, "replay failed");
                out.failed.push((id, why(&e)));
            }
        }
    }
    let ok: Vec<String> = out.replayed.iter().map(|(id, _)| id.clone()).collect();
    let failed: Vec<String> = out.failed.iter().map(|(id, _)| id.clone()).collect();
    for (ids, outcome) in [(ok, "ok"), (failed, "failed")] {
        if !ids.is_empty() {
            caller
                .audit("message.replay", ids, outcome)
                .await
                .map_err(|e| e.message)?;
        }
    }
    tracing::info!(replayed = out.replayed.len(), failed = out.failed.len(), actor = %caller.principal.name, "replayed dead letters");
    Ok(out)
}

/// Why a replay failed, for a person (the detail is in the log).
fn why(e: &HubError) -> String {
    match e {
        HubError::NotFound(_) => "it is no longer in the store (or its payload is missing)".into(),
        HubError::Store(StoreError::Destroyed { .. }) => {
            "its payload was destroyed by retention".into()
        }
        HubError::UnknownEndpoint(ep) => format!("its endpoint `{ep}` is no longer configured"),
        HubError::NotReady => {
            "the hub is still recovering after a restart: try again shortly".into()
        }
        HubError::Refused(r) => format!("the hub refuses new work for now: {r}"),
        HubError::Store(_) => "the store failed; the error is in the hub's log".into(),
        HubError::Task(_) => "an internal task failed; the error is in the hub's log".into(),
    }
}

/// The store filter and the selection of checked filter parameters
/// (`destination`, `reason`, `kind`, `since`, `until`): `since` and `until` are
/// when a message went dead (RFC 3339, or a date: that UTC day's start).
fn query_of(p: &Params) -> Result<(Filter, Selection), ApiError> {
    for name in ["destination", "reason"] {
        if p.get(name).is_some_and(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!("`{name}` is empty")));
        }
    }
    let mut filter = Filter {
        status: Some(Status::Dead),
        kind: p
            .get("kind")
            .map(|s| s.parse())
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("`kind`: {e}")))?,
        ..Filter::default()
    };
    let sel = Selection {
        destination: p.get("destination").cloned(),
        reason: p.get("reason").cloned(),
        dead_since_ms: p.time("since")?,
        dead_until_ms: p.time("until")?,
    };
    // A message goes dead after it is made: one dead before `until` was made before it.
    filter.until_ms = sel.dead_until_ms;
    Ok((filter, sel))
}

/// A dead letter's JSON: the `/v1/messages` item, with `dead`: where and why.
fn item(row: &Row, masked: bool) -> Value {
    let mut v = super::summary(&row.record);
    if masked {
        super::mask(&mut v);
    }
    v["dead"] = row
        .dests
        .iter()
        .map(|d| {
            json!({
                "destination": d.destination,
                "attempts": d.attempts,
                "dead_at": d.dead_ms.map(rfc3339_ms),
                "reason": d.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
            })
        })
        .collect();
    v
}

/// The groups as JSON, largest first.
fn groups_json(groups: BTreeMap<(String, String), usize>) -> Value {
    let mut sorted: Vec<((String, String), usize)> = groups.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let opt = |s: String| if s.is_empty() { Value::Null } else { json!(s) };
    sorted
        .into_iter()
        .map(|((d, r), n)| json!({"destination": opt(d), "reason": opt(r), "count": n}))
        .collect()
}

/// `GET /v1/dead-letters`: newest first, a page at a time, with the counts by
/// destination and reason of every dead letter the filters take.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = Params::new(query, &LIST_PARAMS)?;
    let (filter, sel) = query_of(&p)?;
    let limit = p.limit(50)?;
    let cursor = p.ulid_cursor()?;
    let scan = scan_dead(&hub, &filter).await.map_err(ApiError::internal)?;
    let matched: Vec<&Row> = scan.rows.iter().filter(|r| r.selected(&sel)).collect();
    let groups = groups_of(matched.iter().copied(), &sel);
    let after: Vec<&Row> = matched
        .iter()
        .filter(|r| cursor.as_deref().is_none_or(|c| r.record.id.as_str() < c))
        .take(limit + 1)
        .copied()
        .collect();
    let next = (after.len() > limit).then(|| after[limit - 1].record.id.clone());
    let page = &after[..after.len().min(limit)];
    if !caller.masked() {
        let ids = page.iter().map(|r| r.record.id.clone()).collect();
        caller.audit("messages.list", ids, "ok").await?;
    }
    let items: Vec<Value> = page.iter().map(|r| item(r, caller.masked())).collect();
    // `partial`: the scan ran out of its budget; older dead letters are not counted.
    Ok(Json(json!({
        "items": items,
        "next_cursor": next,
        "total": matched.len(),
        "groups": groups_json(groups),
        "partial": scan.cut.is_some(),
    })))
}

/// The body of `POST /v1/dead-letters/replay`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayBody {
    /// Replay these (each must be dead).
    ids: Option<Vec<String>>,
    destination: Option<String>,
    reason: Option<String>,
    kind: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// Needed for a replay by filter.
    #[serde(default)]
    confirm: bool,
    /// Most a replay by filter takes (the oldest first), 1 to [`BULK_MAX`].
    max: Option<usize>,
}

impl ReplayBody {
    fn filter_fields(&self) -> Vec<(&'static str, &String)> {
        [
            ("destination", &self.destination),
            ("reason", &self.reason),
            ("kind", &self.kind),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect()
    }
}

fn parse_body(body: &[u8]) -> Result<ReplayBody, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ReplayBody::default());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not what this route takes at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
}

/// `POST /v1/dead-letters/replay`: by `ids`, or by filter with `"confirm": true`.
pub async fn replay(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let b = parse_body(&body)?;
    let fields = b.filter_fields();
    let (ids, matched, partial, not_dead) = match &b.ids {
        Some(ids) => {
            if let Some((k, _)) = fields.first() {
                return Err(ApiError::bad_request(format!(
                    "give either `ids` or filter fields, not both (`{k}` with `ids`)"
                )));
            }
            if b.max.is_some() {
                return Err(ApiError::bad_request(
                    "`max` bounds a replay by filter; `ids` names the messages",
                ));
            }
            if ids.is_empty() || ids.len() > BULK_MAX {
                return Err(ApiError::bad_request(format!(
                    "`ids` must list 1 to {BULK_MAX} message ids"
                )));
            }
            if let Some(bad) = ids.iter().find(|i| ulid::Ulid::from_string(i).is_err()) {
                return Err(ApiError::bad_request(format!(
                    "`ids`: `{bad}` is not a message id (a 26-character ULID)"
                )));
            }
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            let (store, wanted) = (hub.store.clone(), unique);
            let records = tokio::task::spawn_blocking(move || {
                wanted
                    .into_iter()
                    .map(|id| store.get(&id).map(|r| (id, r)))
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await
            .map_err(ApiError::internal)??;
            let (mut dead, mut refused) = (Vec::new(), Vec::new());
            for (id, r) in records {
                match r {
                    Some(r) if r.status == Status::Dead => dead.push(id),
                    Some(r) => refused.push((
                        id,
                        format!(
                            "it is not dead (it is {}): replay it with POST /v1/messages/{{id}}/replay",
                            r.status.as_str()
                        ),
                    )),
                    None => refused.push((id, "no such message".to_owned())),
                }
            }
            let matched = dead.len() + refused.len();
            (dead, matched, false, refused)
        }
        None => {
            if fields.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "say which dead letters to replay: `ids`, or at least one filter field ({})",
                    FILTER_FIELDS.map(|f| format!("`{f}`")).join(", ")
                )));
            }
            if !b.confirm {
                return Err(ApiError::bad_request(
                    "a replay by filter needs `\"confirm\": true` (GET /v1/dead-letters with the same filter says how many it takes)",
                ));
            }
            let max = match b.max {
                None => BULK_MAX,
                Some(n) if (1..=BULK_MAX).contains(&n) => n,
                Some(_) => {
                    return Err(ApiError::bad_request(format!(
                        "`max` must be from 1 to {BULK_MAX}"
                    )));
                }
            };
            let map: HashMap<String, String> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
                .collect();
            let p = Params::new(Ok(Query(map)), &FILTER_FIELDS)?;
            let (filter, sel) = query_of(&p)?;
            let scan = scan_dead(&hub, &filter).await.map_err(ApiError::internal)?;
            // Oldest first: the order they failed in.
            let mut ids: Vec<String> = scan
                .rows
                .iter()
                .rev()
                .filter(|r| r.selected(&sel))
                .map(|r| r.record.id.clone())
                .collect();
            let matched = ids.len();
            ids.truncate(max);
            (ids, matched, scan.cut.is_some(), Vec::new())
        }
    };
    if !not_dead.is_empty() {
        let refused = not_dead.iter().map(|(id, _)| id.clone()).collect();
        caller.audit("message.replay", refused, "failed").await?;
    }
    // In a task of its own: a client that goes away mid-replay neither stops it
    // halfway nor loses its audit entries.
    let (h, c) = (hub.clone(), caller.clone());
    let outcome = tokio::spawn(async move { replay_all(&h, &c, ids).await })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let failed: Vec<Value> = not_dead
        .iter()
        .chain(outcome.failed.iter())
        .map(|(id, why)| json!({"id": id, "error": why}))
        .collect();
    Ok(Json(json!({
        "replayed": outcome.replayed.len(),
        "ids": outcome.replayed.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        "failed": failed,
        "matched": matched,
        "left": matched.saturating_sub(outcome.replayed.len() + failed.len()),
        "partial": partial,
    })))
}

#[cfg(test)]
mod tests {
    use super::reason_matches;

    #[test]
    fn a_reason_is_a_code_or_a_dotted_prefix_of_one() {
        assert!(reason_matches(
            "delivery.http_status",
            "delivery.http_status"
        ));
        assert!(reason_matches("delivery.http_status", "delivery"));
        assert!(reason_matches(
            "delivery.test_clearinghouse.answer",
            "delivery.test_clearinghouse"
        ));
        assert!(!reason_matches("delivery.http_status", "delivery.http"));
        assert!(!reason_matches("timeout", "delivery"));
        assert!(!reason_matches("delivery", "delivery.http_status"));
        assert!(!reason_matches("", "delivery"));
    }
}
