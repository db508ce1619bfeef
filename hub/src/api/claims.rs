//! `GET /v1/claims` and `GET /v1/claims/{key}`: the claim ledger as JSON, from the
//! same query code as the console's claims list (`console::claims::claim_query`
//! over `ledger::query`), so a filter means the same on both.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Request, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{ApiError, Caller};
use crate::console::claims::{FILTERS, claim_query};
use crate::console::text::{Clock, Params};
use crate::ledger::Row;
use crate::pipeline::Hub;

/// A row as JSON, PHI masked for a viewer.
fn row_json(row: &Row, masked: bool) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if masked && let Value::Object(m) = &mut v {
        for k in ["pcn", "patient_name", "member_id", "payer_icn"] {
            if m.contains_key(k) {
                m.insert(k.into(), json!("[masked]"));
            }
        }
        if m.contains_key("authorization_numbers") {
            m.insert("authorization_numbers".into(), json!(["[masked]"]));
        }
    }
    v
}

/// `GET /v1/claims`: filters `state` (repeatable), `payer`, `provider`, `from`,
/// `to` (submission dates in the console's time zone), `sort`, `dir`, `limit`,
/// `cursor`, and the drill-down flags; the page, the total and the counts per state.
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let clock = Clock::new(&hub.config.console.time_zone);
    let p = Params::parse(req.uri().query(), FILTERS).map_err(ApiError::bad_request)?;
    if p.get("format").is_some() {
        return Err(ApiError::bad_request(
            "`format` is for the console's CSV export; this API answers JSON",
        ));
    }
    let q = claim_query(&p, &clock).map_err(ApiError::bad_request)?;
    let h = hub.clone();
    let page = tokio::task::spawn_blocking(move || h.ledger.list(&q))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let ids: Vec<String> = page.rows.iter().map(|r| r.key.clone()).collect();
    caller.audit("claims.list", ids, "ok").await?;
    let masked = caller.masked();
    let counts: serde_json::Map<String, Value> = page
        .counts
        .iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    Ok(Json(json!({
        "items": page.rows.iter().map(|r| row_json(r, masked)).collect::<Vec<_>>(),
        "total": page.total,
        "counts": counts,
        "next_cursor": page.next_cursor,
    })))
}

/// `GET /v1/claims/{key}`: the row and its events, oldest first.
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let h = hub.clone();
    let k = key.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<_, crate::ledger::LedgerError> {
        let Some(row) = h.ledger.row(&k)? else {
            return Ok(None);
        };
        Ok(Some((row, h.ledger.events(&k)?)))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let Some((row, events)) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no claim with this key",
        ));
    };
    caller.audit("claim.read", vec![key], "ok").await?;
    let masked = caller.masked();
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            if masked && let Value::Object(m) = &mut v {
                for k in ["pcn", "patient_name", "member_id", "payer_icn", "text"] {
                    if m.contains_key(k) {
                        m.insert(k.into(), json!("[masked]"));
                    }
                }
            }
            v
        })
        .collect();
    Ok(Json(
        json!({ "claim": row_json(&row, masked), "events": events }),
    ))
}
