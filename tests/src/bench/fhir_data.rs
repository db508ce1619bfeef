//! A large FHIR R4 Bundle of Claims for `./bench.sh fhir`, built from a small one, and
//! the `claim.ack` messages the encode benchmark writes back as `ClaimResponse`s.
//!
//! The template's first Claim is repeated: each copy gets its own `id`, identifier and
//! `fullUrl`, and the Patients and Coverages it references (directly or through its
//! Coverage) travel with it as `contained` resources, re-identified, with the references
//! rewritten to `#id`. The other entries (Organizations, Practitioners, roles) are shared
//! reference targets and appear once. Numbers are carried as their exact JSON text (never
//! through `f64`): see [`protect_numbers`].

use std::collections::BTreeSet;

use anyhow::Context as _;
use serde_json::{Value, json};

/// A built Bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// The Bundle as compact JSON text.
    pub json: String,
    /// How many Claim entries it has.
    pub claims: usize,
    /// How many resources it holds: entries plus contained resources.
    pub resources: usize,
    /// How many entries it has.
    pub entries: usize,
}

/// How a protected number starts in JSON text: a string beginning with U+0000 and `n:`,
/// which no FHIR or normalized string holds.
const PROTECTED: &str = "\"\\u0000n:";

/// `text` with every JSON number literal turned into a string `"\u0000n:<literal>"`, so
/// that parsing into a [`Value`] keeps its exact text; [`restore_numbers`] undoes it.
pub fn protect_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '-' || c.is_ascii_digit() {
            out.push_str(PROTECTED);
            out.push(c);
            while let Some(&d) = chars.peek() {
                if !(d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-')) {
                    break;
                }
                out.push(d);
                chars.next();
            }
            out.push('"');
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Undoes [`protect_numbers`] on JSON text written by `serde_json`.
pub fn restore_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PROTECTED) {
        out.push_str(&rest[..at]);
        let number = &rest[at + PROTECTED.len()..];
        let end = number.find('"').unwrap_or(number.len());
        out.push_str(&number[..end]);
        rest = number.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The index of the entry `reference` points to: by `fullUrl`, else by `Type/id` at the
/// end of the reference.
fn find_entry(entries: &[Value], reference: &str) -> Option<usize> {
    entries
        .iter()
        .position(|e| e["fullUrl"].as_str() == Some(reference))
        .or_else(|| {
            entries.iter().position(|e| {
                let r = &e["resource"];
                match (r["resourceType"].as_str(), r["id"].as_str()) {
                    (Some(kind), Some(id)) => {
                        let typed = format!("{kind}/{id}");
                        reference == typed || reference.ends_with(&format!("/{typed}"))
                    }
                    _ => false,
                }
            })
        })
}

/// Every `reference` string inside `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("reference") {
                out.push(r.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Rewrites the references of `value` that point to a private entry to `#<local id>`.
fn rewrite(value: &mut Value, entries: &[Value], private: &[(usize, String)]) {
    match value {
        Value::Object(map) => {
            let local = map.get("reference").and_then(Value::as_str).and_then(|r| {
                let at = find_entry(entries, r)?;
                private
                    .iter()
                    .find(|(i, _)| *i == at)
                    .map(|(_, id)| format!("#{id}"))
            });
            if let Some(local) = local {
                map.insert("reference".to_owned(), Value::String(local));
            }
            map.values_mut().for_each(|v| rewrite(v, entries, private));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, entries, private)),
        _ => {}
    }
}

/// Appends `-<k>` to each `identifier[].value` of `resource` and to `subscriberId`.
fn reidentify(resource: &mut Value, k: usize) {
    // `get_mut`, not indexing: indexing a missing key would insert a `null`.
    if let Some(ids) = resource.get_mut("identifier").and_then(Value::as_array_mut) {
        for id in ids {
            if let Some(v) = id["value"].as_str() {
                id["value"] = Value::String(format!("{v}-{k}"));
            }
        }
    }
    if let Some(v) = resource["subscriberId"].as_str() {
        resource["subscriberId"] = Value::String(format!("{v}-{k}"));
    }
}

/// A Bundle of `claims` Claims from `template`, a Bundle holding at least one Claim.
///
/// # Errors
///
/// When the template is not a Bundle with a Claim entry.
pub fn claims_bundle(template: &str, claims: usize) -> anyhow::Result<BundleFile> {
    let bundle: Value =
        serde_json::from_str(&protect_numbers(template)).context("the template is not JSON")?;
    anyhow::ensure!(
        bundle["resourceType"] == "Bundle",
        "the template is not a Bundle"
    );
    let entries = bundle["entry"]
        .as_array()
        .context("the template Bundle has no entries")?;
    let claim_at = entries
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Claim")
        .context("the template Bundle has no Claim")?;

    // The Patients and Coverages reachable from the Claim travel with each copy.
    let mut private: Vec<(usize, String)> = Vec::new();
    let mut seen = BTreeSet::from([claim_at]);
    let mut queue = vec![claim_at];
    while let Some(at) = queue.pop() {
        let mut found = Vec::new();
        references(&entries[at]["resource"], &mut found);
        for reference in found {
            let Some(target) = find_entry(entries, &reference) else {
                continue;
            };
            let kind = entries[target]["resource"]["resourceType"]
                .as_str()
                .unwrap_or_default();
            if matches!(kind, "Patient" | "Coverage") && seen.insert(target) {
                let id = entries[target]["resource"]["id"]
                    .as_str()
                    .map(str::to_owned);
                private.push((target, id.unwrap_or_else(|| format!("r{target}"))));
                queue.push(target);
            }
        }
    }

    let mut out_entries = Vec::with_capacity(claims + entries.len());
    for k in 0..claims {
        let mut entry = entries[claim_at].clone();
        let mut claim = entry["resource"].take();
        rewrite(&mut claim, entries, &private);
        claim["id"] = Value::String(format!("claim-{k}"));
        if let Some(ids) = claim.get_mut("identifier").and_then(Value::as_array_mut) {
            for id in ids {
                id["value"] = Value::String(format!("BENCH{k:09}"));
            }
        }
        let mut contained: Vec<Value> = claim["contained"].as_array().cloned().unwrap_or_default();
        for (at, id) in &private {
            let mut resource = entries[*at]["resource"].clone();
            rewrite(&mut resource, entries, &private);
            resource["id"] = Value::String(id.clone());
            reidentify(&mut resource, k);
            contained.push(resource);
        }
        claim["contained"] = Value::Array(contained);
        entry["resource"] = claim;
        entry["fullUrl"] = Value::String(format!("urn:uuid:00000000-0000-4000-8000-{k:012}"));
        out_entries.push(entry);
    }
    let shared: Vec<Value> = entries
        .iter()
        .enumerate()
        .filter(|(at, e)| {
            *at != claim_at
                && e["resource"]["resourceType"] != "Claim"
                && !private.iter().any(|(p, _)| p == at)
        })
        .map(|(_, e)| e.clone())
        .collect();
    let shared_count = shared.len();
    out_entries.extend(shared);

    let mut bundle = bundle.clone();
    let entry_count = out_entries.len();
    bundle["entry"] = Value::Array(out_entries);
    let text = serde_json::to_string(&bundle).context("serializing the Bundle")?;
    Ok(BundleFile {
        json: restore_numbers(&text),
        claims,
        resources: claims * (1 + private.len()) + shared_count,
        entries: entry_count,
    })
}

/// One `claim.ack` message (a 277CA-style acceptance, `ClaimResponse` in FHIR) per decoded
/// `claim` message in `claims` (normalized JSON texts): same claim id, payer and provider,
/// accepted for adjudication (`A1`/`20`), with payer claim number `ICN<9 digits>`.
///
/// # Errors
///
/// When a text is not a normalized claim message.
pub fn claim_acks(claims: &[String]) -> anyhow::Result<Vec<String>> {
    claims
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let claim: Value = serde_json::from_str(&protect_numbers(text))
                .with_context(|| format!("decoded message {k} is not JSON"))?;
            anyhow::ensure!(
                claim["kind"] == "claim",
                "decoded message {k} is not a claim"
            );
            let total = claim["body"]["total_charge"].clone();
            let mut parties = serde_json::Map::new();
            for role in ["payer", "provider"] {
                if let Some(party) = claim["parties"].get(role) {
                    parties.insert(role.to_owned(), party.clone());
                }
            }
            let ack = json!({
                "schema_version": claim["schema_version"],
                "kind": "claim.ack",
                "correlation": { "claim_id": claim["correlation"]["claim_id"] },
                "parties": parties,
                "body": {
                    "ack_type": "277ca",
                    "created": "2024-03-06T08:15:00Z",
                    "claim_statuses": [{
                        "level": "claim",
                        "patient_control_number": claim["body"]["patient_control_number"],
                        "payer_claim_control_number": format!("ICN{k:09}"),
                        "total_charge": total,
                        "statuses": [{
                            "code": {
                                "category": { "system": "x12-claim-status-category", "code": "A1" },
                                "status": { "system": "x12-claim-status", "code": "20" }
                            },
                            "charge": total
                        }]
                    }]
                }
            });
            Ok(restore_numbers(&serde_json::to_string(&ack)?))
        })
        .collect()
}

#[cfg(test)]
mod tests;
