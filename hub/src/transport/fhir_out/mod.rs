//! `fhir-out`: creates or updates the resources a FHIR connector encodes on an EHR's FHIR
//! REST API (`base_url`), the way a FHIR client would:
//!
//! - a resource with an `id`: `PUT {base}/{type}/{id}` (update-or-create, safe to retry);
//! - a resource without one: `POST {base}/{type}`, with `If-None-Exist: identifier=...`
//!   when it has an identifier, so a retry after a lost answer does not create it twice;
//! - a `transaction` or `batch` Bundle: `POST {base}`;
//! - a `collection` Bundle (several resources from one encode): by the endpoint's
//!   `collections`: one `transaction` (default) or `batch` Bundle whose entries carry the
//!   requests above, or each resource on its own request, in order.
//!
//! 2xx is delivered (the history notes the status and the `Location` the server gave);
//! 408, 429, 5xx and network failures are retried; a redirect (3xx, never followed) and
//! any other status are rejections; an answer longer than `max_response_kib` fails the
//! delivery without being read further (see [`super::http_out`]). A
//! rejection's text names the status and the `OperationOutcome`'s issue codes and FHIRPath
//! expressions, never its `diagnostics` (servers quote submitted values there).
//!
//! Transports never parse formats, except that this one reads the top-level
//! `resourceType`, `id`, `identifier`, `type` and `entry` of the payload to address it.

pub mod config;
#[cfg(test)]
mod tests;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

pub use self::config::{FhirCollections, FhirOut};
use super::DeliveryError;
use super::http_out::{execute, read_bounded, status_error};
use crate::runtime::Payload;

/// The FHIR JSON media type, sent and accepted.
const FHIR_JSON: &str = "application/fhir+json";

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Create (`POST`), optionally conditional on no match for the search.
    Post {
        /// The `If-None-Exist` search (`identifier=system|value`).
        if_none_exist: Option<String>,
    },
    /// Update or create by id (`PUT`).
    Put,
}

/// One HTTP request of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `POST` or `PUT`.
    pub method: Method,
    /// The path below the base URL: empty (the base itself), `Type` or `Type/id`.
    pub path: String,
    /// The resource or Bundle sent.
    pub body: Value,
    /// Whether the answer is a `transaction-response`/`batch-response` Bundle to check.
    pub bundle: bool,
}

/// The requests that deliver `payload`, in order.
///
/// # Errors
///
/// A permanent [`DeliveryError`] when the payload is not a FHIR resource (not JSON, no
/// valid `resourceType`) or is a `message` Bundle.
pub fn plan(
    dest: &str,
    collections: FhirCollections,
    data: &[u8],
) -> Result<Vec<Request>, DeliveryError> {
    let bad = |what: &str| {
        DeliveryError::permanent(
            "delivery.fhir_payload",
            format!("{dest}: the connector's payload {what}"),
        )
    };
    let resource: Value = serde_json::from_slice(data).map_err(|_| bad("is not JSON"))?;
    let kind = resource_type(&resource).ok_or_else(|| bad("has no valid `resourceType`"))?;
    if kind != "Bundle" {
        return Ok(vec![single(resource)]);
    }
    match resource.get("type").and_then(Value::as_str) {
        Some("transaction" | "batch") => Ok(vec![Request {
            method: Method::Post {
                if_none_exist: None,
            },
            path: String::new(),
            body: resource,
            bundle: true,
        }]),
        Some("collection") => {
            let entries = resource
                .get("entry")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut resources = Vec::with_capacity(entries.len());
            for (n, entry) in entries.into_iter().enumerate() {
                let Some(inner) = entry.get("resource").filter(|r| resource_type(r).is_some())
                else {
                    return Err(bad(&format!("has no valid resource in Bundle.entry[{n}]")));
                };
                resources.push((entry.get("fullUrl").cloned(), inner.clone()));
            }
            if resources.is_empty() {
                return Err(bad("is an empty collection Bundle"));
            }
            Ok(match collections {
                FhirCollections::Entries => resources.into_iter().map(|(_, r)| single(r)).collect(),
                FhirCollections::Transaction => vec![bundle_of("transaction", resources)],
                FhirCollections::Batch => vec![bundle_of("batch", resources)],
            })
        }
        Some("message") => Err(bad(
            "is a `message` Bundle, which fhir-out does not send (use a $process-message endpoint)",
        )),
        // document, searchset, history: stored as a Bundle resource.
        _ => Ok(vec![single(resource)]),
    }
}

/// The request for one resource: `PUT` by id, else (conditional) `POST`.
fn single(resource: Value) -> Request {
    let kind = resource_type(&resource).unwrap_or_default().to_owned();
    match resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| is_id(id))
    {
        Some(id) => Request {
            method: Method::Put,
            path: format!("{kind}/{id}"),
            body: resource,
            bundle: false,
        },
        None => Request {
            method: Method::Post {
                if_none_exist: if_none_exist(&resource),
            },
            path: kind,
            body: resource,
            bundle: false,
        },
    }
}

/// A `transaction` or `batch` Bundle carrying `resources` with their requests.
fn bundle_of(kind: &str, resources: Vec<(Option<Value>, Value)>) -> Request {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|(full_url, resource)| {
            let request = single(resource);
            let mut req = json!({ "url": request.path });
            match &request.method {
                Method::Put => req["method"] = json!("PUT"),
                Method::Post { if_none_exist } => {
                    req["method"] = json!("POST");
                    if let Some(search) = if_none_exist {
                        req["ifNoneExist"] = json!(search);
                    }
                }
            }
            let mut entry = json!({ "resource": request.body, "request": req });
            if let Some(full_url) = full_url {
                entry["fullUrl"] = full_url;
            }
            entry
        })
        .collect();
    Request {
        method: Method::Post {
            if_none_exist: None,
        },
        path: String::new(),
        body: json!({ "resourceType": "Bundle", "type": kind, "entry": entry }),
        bundle: true,
    }
}

/// The resource's type when it is a valid FHIR type name (letters, starting upper case).
fn resource_type(resource: &Value) -> Option<&str> {
    resource
        .get("resourceType")
        .and_then(Value::as_str)
        .filter(|t| {
            t.len() <= 64
                && t.starts_with(|c: char| c.is_ascii_uppercase())
                && t.bytes().all(|b| b.is_ascii_alphabetic())
        })
}

/// A FHIR logical id: `[A-Za-z0-9-.]{1,64}`.
fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `identifier=system|value` (or `identifier=value`) from the first identifier with a value.
fn if_none_exist(resource: &Value) -> Option<String> {
    let identifiers = match resource.get("identifier")? {
        Value::Array(list) => list.iter().collect::<Vec<_>>(),
        one @ Value::Object(_) => vec![one],
        _ => return None,
    };
    identifiers.into_iter().find_map(|identifier| {
        let value = identifier
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())?;
        Some(match identifier.get("system").and_then(Value::as_str) {
            Some(system) => format!("identifier={}|{}", encode(system), encode(value)),
            None => format!("identifier={}", encode(value)),
        })
    })
}

/// Percent-encodes a search parameter value (RFC 3986 unreserved characters pass).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Delivers one payload: every request of its [`plan`], in order, stopping at the first
/// failure. Returns the note for the message's history.
pub async fn send(
    client: &reqwest::Client,
    dest: &str,
    cfg: &FhirOut,
    payload: &Payload,
) -> Result<String, DeliveryError> {
    let requests = plan(dest, cfg.collections, &payload.data)?;
    let mut notes = Vec::with_capacity(requests.len());
    for request in requests {
        let url = if request.path.is_empty() {
            cfg.base_url.clone()
        } else {
            format!("{}/{}", cfg.base_url, request.path)
        };
        let mut builder = match &request.method {
            Method::Put => client.put(&url),
            Method::Post { if_none_exist } => {
                let builder = client.post(&url);
                match if_none_exist {
                    Some(search) => builder.header("If-None-Exist", search.as_str()),
                    None => builder,
                }
            }
        };
        builder = builder
            .header(CONTENT_TYPE, FHIR_JSON)
            .header(ACCEPT, FHIR_JSON)
            .body(request.body.to_string());
        let resp = execute(dest, &cfg.http, builder).await?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| relative(&cfg.base_url, l));
        // The answer is read up to `max_response_kib`: past it a success fails
        // (`delivery.response_too_large`); a failure keeps its status, without a summary.
        // An answer cut off counts as no answer.
        let answer: Value = match read_bounded(dest, &cfg.http, resp).await {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            Err(e) if status.is_success() && !e.retryable => return Err(e),
            Err(_) => Value::Null,
        };
        if !status.is_success() {
            return Err(status_error(dest, status, outcome_summary(&answer)));
        }
        if request.bundle {
            notes.push(bundle_note(dest, status, &answer)?);
        } else {
            notes.push(match location {
                Some(location) => format!("HTTP {} {location}", status.as_u16()),
                None => format!("HTTP {}", status.as_u16()),
            });
        }
    }
    Ok(notes.join("; "))
}

/// `Location` below the base URL (`Claim/7/_history/1`), or as given when elsewhere.
fn relative(base: &str, location: &str) -> String {
    location
        .strip_prefix(base)
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(location)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// Checks every entry of a `transaction-response`/`batch-response`: all must be 2xx.
fn bundle_note(dest: &str, status: StatusCode, answer: &Value) -> Result<String, DeliveryError> {
    let entries = answer
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut codes = Vec::with_capacity(entries.len());
    for (n, entry) in entries.iter().enumerate() {
        let text = entry
            .pointer("/response/status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let code = text
            .split_whitespace()
            .next()
            .and_then(|c| c.parse::<u16>().ok());
        match code.and_then(|c| StatusCode::from_u16(c).ok()) {
            Some(code) if code.is_success() => codes.push(code.as_u16().to_string()),
            Some(code) => {
                let detail = format!(
                    " for Bundle.entry[{n}]{}",
                    outcome_summary(entry.pointer("/response/outcome").unwrap_or(&Value::Null))
                );
                return Err(status_error(dest, code, detail));
            }
            None => {
                return Err(DeliveryError::permanent(
                    "delivery.fhir_response",
                    format!(
                        "{dest}: the server's Bundle response has no HTTP status for entry[{n}]"
                    ),
                ));
            }
        }
    }
    Ok(format!(
        "HTTP {} Bundle: {} entries ({})",
        status.as_u16(),
        entries.len(),
        codes.join(", ")
    ))
}

/// `: OperationOutcome error/required at Claim.item[0]; ...` from an `OperationOutcome`'s
/// severities, codes and expressions (never its diagnostics or text), or nothing.
fn outcome_summary(outcome: &Value) -> String {
    if outcome.get("resourceType").and_then(Value::as_str) != Some("OperationOutcome") {
        return String::new();
    }
    let issues: Vec<String> = outcome
        .get("issue")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .take(5)
        .map(|issue| {
            let word = |key: &str| {
                issue
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|w| {
                        w.len() <= 40 && w.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
                    })
                    .unwrap_or("?")
            };
            let paths: Vec<&str> = issue
                .get("expression")
                .or_else(|| issue.get("location"))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .filter(|p| {
                    p.len() <= 200 && !p.contains(['\'', '"']) && !p.chars().any(char::is_control)
                })
                .collect();
            match paths.is_empty() {
                true => format!("{}/{}", word("severity"), word("code")),
                false => format!(
                    "{}/{} at {}",
                    word("severity"),
                    word("code"),
                    paths.join(", ")
                ),
            }
        })
        .collect();
    if issues.is_empty() {
        String::new()
    } else {
        format!(": OperationOutcome {}", issues.join("; "))
    }
}
