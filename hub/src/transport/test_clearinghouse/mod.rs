//! `test-clearinghouse`: a clearinghouse and payer built into the hub, to try Clearway
//! with. It answers every payload delivered to it, deterministically from its content, by
//! ingesting its answers into its `replies_to` inbound endpoint as if a partner had sent
//! them: stored raw, decoded, routed and made durable like any partner file.
//!
//! For each payload (what the endpoint's connector encoded, e.g. an 837P interchange):
//!
//! 1. the connector of `replies_to` `acknowledge`s it (for X12: the TA1 and/or 999 a
//!    clearinghouse sends) and each acknowledgment is ingested; a rejected transaction set's
//!    claims go no further, and a rejected interchange stops here;
//! 2. the endpoint's connector decodes it; its claims get one 277CA ([`claims`]), its eligibility,
//!    claim status and services review requests their 271, 277 and 278 ([`eligibility`],
//!    [`status`]);
//! 3. the accepted claims get one 835 ([`remit`]) `remittance_delay_seconds` later, from a
//!    task of its own: a restart during the delay loses that 835 (this is a test payer).
//!
//! Everything the clearinghouse sends back (acknowledgments and answers) is made by the
//! connector of `replies_to`, the one that reads it back, so it is real outside-format
//! bytes numbered from one control-number sequence: give that endpoint a connector of its
//! own with the clearinghouse's ids (`sender_id`/`receiver_id` swapped) to have the
//! envelopes addressed from the clearinghouse. Failures name the stage and the connector's
//! error code, never a value from the payload.

mod answers;
mod check;
pub mod claims;
pub mod config;
pub mod eligibility;
pub mod remit;
pub mod rules;
pub mod status;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use clearway_schemas::{Body, Kind, Message};

pub use self::config::TestClearinghouse;
use super::{DeliveryError, IngestOutcome, Intake, Lookup, call_error_info};
use crate::runtime::{CallError, InboundMeta, OutboundMeta, Payload, Plugin};
use crate::store::Status;
use crate::store::record::now_rfc3339;
use answers::{Verdict, claim_state, read_ack};
pub use check::{Side, connector_problems};
use rules::{Rules, Today};

/// Answer one payload: see the module documentation. Returns the note for the delivery
/// history.
pub async fn deliver<H: Intake + Lookup>(
    hub: &H,
    dest: &str,
    cfg: &TestClearinghouse,
    payload: &Payload,
) -> Result<String, DeliveryError> {
    let reader = connector(hub, dest)?;
    let writer = connector(hub, &cfg.replies_to)?;
    let meta = InboundMeta {
        inbound_id: ulid::Ulid::new().to_string(),
        endpoint: dest.to_owned(),
        content_type: Some(payload.content_type.clone()),
        filename: payload.filename_hint.clone(),
        received_at: now_rfc3339(),
    };
    let mut notes = Vec::new();

    let mut verdict = Verdict::default();
    if writer.description().acknowledges {
        let acks = blocking(&writer, payload, &meta, Plugin::acknowledge)
            .await
            .map_err(|e| connector_failed(dest, "acknowledge", &e))?;
        for ack in acks {
            let outcome = ingest(hub, &cfg.replies_to, ack).await?;
            read_ack(hub, &outcome, &mut verdict);
        }
        notes.append(&mut verdict.notes);
    }
    if verdict.everything_rejected {
        notes.push("nothing adjudicated".into());
        return Ok(note(&notes));
    }

    let decoded = blocking(&reader, payload, &meta, Plugin::decode)
        .await
        .map_err(|e| connector_failed(dest, "decode", &e))?;
    let mut messages = Vec::with_capacity(decoded.len());
    for (i, text) in decoded.iter().enumerate() {
        let message: Message = serde_json::from_str(text).map_err(|e| {
            DeliveryError::permanent(
                "delivery.test_clearinghouse.bad_connector_output",
                format!(
                    "{dest}: connector `{}` decoded message {i} as something that is not a normalized message ({:?} error at line {} column {})",
                    reader.name(),
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        messages.push(message);
    }

    let today = Today::now();
    let rules = Rules::of(cfg);
    let in_rejected_set = |m: &Message| {
        m.correlation
            .transaction_control_number
            .as_ref()
            .is_some_and(|n| verdict.rejected_sets.contains(n))
    };
    let claims: Vec<Message> = messages
        .iter()
        .filter(|m| m.kind() == Kind::Claim && !in_rejected_set(m))
        .cloned()
        .collect();
    let mut answers = Vec::new();
    let mut remittance = None;
    if !claims.is_empty() {
        let ack = claims::acknowledge(&claims, &today);
        notes.push(format!(
            "{} claim(s): {} accepted, {} rejected",
            claims.len(),
            ack.accepted.len(),
            ack.rejected
        ));
        answers.push(ack.message);
        remittance = remit::remit(&ack.accepted, &rules, &today);
    }
    let mut counts = [0usize; 3];
    for request in messages.iter().filter(|m| !in_rejected_set(m)) {
        let answer = match &request.body {
            Body::EligibilityRequest(_) => {
                eligibility::respond(request).inspect(|_| counts[0] += 1)
            }
            Body::ClaimStatusRequest(_) => {
                let state = claim_state(hub, &cfg.replies_to, request);
                status::respond_status(request, &state, &today).inspect(|_| counts[1] += 1)
            }
            Body::PriorAuthRequest(_) => {
                status::respond_prior_auth(request, &rules, &today).inspect(|_| counts[2] += 1)
            }
            _ => None,
        };
        answers.extend(answer);
    }
    for (count, what) in counts.iter().zip(["271", "277", "278"]) {
        if *count > 0 {
            notes.push(format!("{count} {what}"));
        }
    }
    let mut undecoded = 0;
    if !answers.is_empty() {
        undecoded += send(hub, &cfg.replies_to, &writer, answers).await?;
    }
    if let Some(remittance) = remittance {
        let delay = cfg.remittance_delay_seconds;
        if delay == 0 {
            undecoded += send(hub, &cfg.replies_to, &writer, vec![remittance]).await?;
            notes.push("835 sent".into());
        } else {
            let (hub, replies_to) = (hub.clone(), cfg.replies_to.clone());
            let origin = dest.to_owned();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(delay)).await;
                if let Err(e) = send(&hub, &replies_to, &writer, vec![remittance]).await {
                    tracing::warn!(endpoint = %origin, code = %e.info.code, error = %e.info.message, "the test clearinghouse's 835 could not be sent");
                }
            });
            notes.push(format!("835 in {delay} s"));
        }
    }
    if undecoded > 0 {
        notes.push(format!(
            "{undecoded} answer(s) did not decode at `{}`",
            cfg.replies_to
        ));
    }
    if notes.is_empty() {
        notes.push("nothing to answer".into());
    }
    Ok(note(&notes))
}

/// The delivery note: `test clearinghouse: ` and the parts.
fn note(parts: &[String]) -> String {
    format!("test clearinghouse: {}", parts.join("; "))
}

/// The connector of endpoint `name`.
fn connector<H: Lookup>(hub: &H, name: &str) -> Result<Arc<Plugin>, DeliveryError> {
    hub.connector(name).ok_or_else(|| {
        DeliveryError::permanent(
            "delivery.no_endpoint",
            format!("endpoint `{name}` or its connector is no longer configured"),
        )
    })
}

/// Runs `call` (acknowledge or decode) on the blocking pool.
async fn blocking<T: Send + 'static>(
    plugin: &Arc<Plugin>,
    payload: &Payload,
    meta: &InboundMeta,
    call: fn(&Plugin, &[u8], &InboundMeta) -> Result<T, CallError>,
) -> Result<T, CallError> {
    let (p, data, m) = (plugin.clone(), payload.data.clone(), meta.clone());
    tokio::task::spawn_blocking(move || call(&p, &data, &m))
        .await
        .unwrap_or_else(|e| Err(CallError::Host(format!("the task failed: {e}"))))
}

/// The permanent failure of connector call `stage` on the payload for `dest`: the
/// connector's error code and its problems (which name places, never values).
fn connector_failed(dest: &str, stage: &str, e: &CallError) -> DeliveryError {
    let mut info = call_error_info(&format!("delivery.test_clearinghouse.{stage}"), e);
    info.message = format!(
        "{dest}: the test clearinghouse could not {stage} the payload: {}",
        info.message
    );
    DeliveryError {
        info,
        retryable: false,
    }
}

/// Ingest one answer into `replies_to`.
async fn ingest<H: Intake>(
    hub: &H,
    replies_to: &str,
    payload: Payload,
) -> Result<IngestOutcome, DeliveryError> {
    hub.ingest(
        replies_to,
        payload.data,
        Some(payload.content_type),
        payload.filename_hint,
        None,
    )
    .await
    .map_err(|e| {
        DeliveryError::transient(
            "delivery.test_clearinghouse.ingest",
            format!("storing an answer into `{replies_to}` failed: {e}"),
        )
    })
}

/// Encode `answers` with the connector of `replies_to` and ingest every payload it makes.
/// Returns how many of them `replies_to` could not decode (kept as `decode_failed`).
async fn send<H: Intake>(
    hub: &H,
    replies_to: &str,
    writer: &Arc<Plugin>,
    answers: Vec<Message>,
) -> Result<usize, DeliveryError> {
    let mut jsons = Vec::with_capacity(answers.len());
    for mut answer in answers {
        // A hub id dates the answer (connectors have no clock).
        answer.id = Some(ulid::Ulid::new().to_string());
        jsons.push(serde_json::to_string(&answer).map_err(|e| {
            DeliveryError::permanent("delivery.test_clearinghouse.answer", e.to_string())
        })?);
    }
    let meta = OutboundMeta {
        endpoint: replies_to.to_owned(),
    };
    let p = writer.clone();
    let encoded = tokio::task::spawn_blocking(move || p.encode(&jsons, &meta))
        .await
        .unwrap_or_else(|e| Err(CallError::Host(format!("the task failed: {e}"))))
        .map_err(|e| connector_failed(replies_to, "encode", &e))?;
    let mut undecoded = 0;
    for payload in encoded {
        let outcome = ingest(hub, replies_to, payload).await?;
        if outcome.status == Status::DecodeFailed {
            tracing::warn!(endpoint = %replies_to, inbound_id = %outcome.inbound_id, "an answer of the test clearinghouse did not decode");
            undecoded += 1;
        }
    }
    Ok(undecoded)
}
