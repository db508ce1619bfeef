//! `GET /v1/endpoints`: every endpoint with what an operator watches: inbound
//! endpoints, whether they take work now (and why not); outbound ones, their queue
//! depth, pacing and circuit breaker. No message content.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::pipeline::{Hub, HubError};

/// The list, in name order.
pub async fn list(State(hub): State<Arc<Hub>>) -> Json<Value> {
    let now = std::time::Instant::now();
    let endpoints: Vec<Value> = hub
        .config
        .endpoints
        .iter()
        .map(|(name, ep)| {
            let mut v = json!({
                "name": name,
                "transport": ep.transport.kind_name(),
                "connector": ep.connector,
                "direction": if ep.transport.is_inbound() { "inbound" } else { "outbound" },
            });
            if ep.transport.is_inbound() {
                v["accepting"] = match hub.accepting(name) {
                    Ok(()) => json!({ "ok": true }),
                    Err(e) => {
                        json!({ "ok": false, "reason": refusal_code(&e), "message": e.to_string() })
                    }
                };
            } else {
                let d = ep.delivery;
                v["queue_depth"] = json!(hub.store.queue_depth(name));
                v["delivery"] = json!({
                    "concurrency": d.concurrency,
                    "rate_per_second": d.rate_per_second,
                    "breaker_failures": d.breaker_failures,
                    "breaker_cooldown_ms": d.breaker_cooldown_ms,
                    "ordered": d.ordered,
                });
                if let Some(b) = hub.breakers.get(name) {
                    v["circuit"] = serde_json::to_value(b.view(now)).unwrap_or(Value::Null);
                }
            }
            v
        })
        .collect();
    Json(json!({ "endpoints": endpoints }))
}

/// The machine code of a refusal, as the inbound API answers it.
fn refusal_code(e: &HubError) -> &'static str {
    use crate::pipeline::pressure::Refusal;
    match e {
        HubError::NotReady => "starting",
        HubError::Refused(Refusal::DiskFull { .. }) => "insufficient_storage",
        HubError::Refused(_) => "backpressure",
        HubError::Store(crate::store::StoreError::Unhealthy { .. }) => "store_unhealthy",
        _ => "error",
    }
}
