//! Settings of the outbound HTTP endpoints: `http-out` (URL, method) and `fhir-out` (FHIR
//! base URL, how collections are sent), and what both share: timeout, headers, token,
//! retries, batch size.

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeValue;

use super::endpoints::{parse_batch_size, parse_retry};
use super::fields::Fields;
use super::model::{FhirCollections, FhirOut, HttpMethod, HttpOut, HttpSettings};
use super::problem::Report;
use super::value::ConfigValue;

/// Reads the `http-out` keys of an endpoint table.
pub(crate) fn parse_http_out(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<HttpOut> {
    let url = fields.required_str(report, "url");
    if let Some(url) = &url
        && let Err(rule) = check_url(url.get_ref())
    {
        fields.invalid(report, "url", &url.span(), rule);
    }
    let method = fields.choice(
        report,
        "method",
        &[("POST", HttpMethod::Post), ("PUT", HttpMethod::Put)],
        HttpMethod::default(),
    );
    let http = parse_http_settings(report, fields, base_dir);
    Some(HttpOut {
        url: url?.get_ref().to_string(),
        method,
        http,
    })
}

/// Reads the `fhir-out` keys of an endpoint table.
pub(crate) fn parse_fhir_out(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<FhirOut> {
    let base_url = fields.required_str(report, "base_url");
    if let Some(url) = &base_url {
        let text = url.get_ref();
        let rule = check_url(text).err().or_else(|| {
            (text.contains('?') || text.contains('#'))
                .then_some("must be a FHIR base URL, without a query or fragment")
        });
        if let Some(rule) = rule {
            fields.invalid(report, "base_url", &url.span(), rule);
        }
    }
    let collections = fields.choice(
        report,
        "collections",
        &[
            ("transaction", FhirCollections::Transaction),
            ("batch", FhirCollections::Batch),
            ("entries", FhirCollections::Entries),
        ],
        FhirCollections::default(),
    );
    let http = parse_http_settings(report, fields, base_dir);
    Some(FhirOut {
        base_url: base_url?.get_ref().trim_end_matches('/').to_string(),
        collections,
        http,
    })
}

/// Reads what `http-out` and `fhir-out` share: `timeout_ms`, `headers`, `bearer_token`,
/// `retry`, `batch_size`.
fn parse_http_settings(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> HttpSettings {
    let timeout_ms = fields.uint(report, "timeout_ms", 1, 600_000, 10_000);

    let mut headers = BTreeMap::new();
    let mut headers_at = BTreeMap::new();
    if let Some(table) = fields.map(report, "headers") {
        for (key, value) in table.entries() {
            let name = key.get_ref().to_string();
            if !is_header_name(&name) {
                report.at(
                    &key.span(),
                    format!(
                        "header name `{name}` in {} is not a valid HTTP header name",
                        table.place()
                    ),
                );
            }
            let DeValue::String(text) = value.get_ref() else {
                table.wrong_type(report, &name, value, "a string");
                continue;
            };
            match ConfigValue::from_text(text, base_dir) {
                Ok(ConfigValue::Literal(literal)) if literal.chars().any(char::is_control) => {
                    report.at(
                        &value.span(),
                        format!(
                            "the value of header `{name}` in {} must not contain line breaks or control characters",
                            table.place()
                        ),
                    );
                }
                Ok(parsed) => {
                    headers_at.insert(name.clone(), report.pos(&value.span()));
                    headers.insert(name, parsed);
                }
                Err(error) => report.at(
                    &value.span(),
                    format!("header `{name}` in {}: {}", table.place(), error.message()),
                ),
            }
        }
    }

    let token = fields.str(report, "bearer_token");
    let mut bearer_token = None;
    if let Some(token) = &token {
        match ConfigValue::from_text(token.get_ref(), base_dir) {
            Ok(value) if value.is_reference() => bearer_token = Some(value),
            Ok(_) => fields.invalid(
                report,
                "bearer_token",
                &token.span(),
                "must be a reference (`env:NAME` or `file:PATH`), never a literal token",
            ),
            Err(error) => fields.invalid(report, "bearer_token", &token.span(), error.message()),
        }
        if let Some(key) = header_key_span(fields, "authorization") {
            report.at(
                &key,
                format!(
                    "{} sets both `bearer_token` and an `Authorization` header; keep one",
                    fields.place()
                ),
            );
        }
    }

    let retry = parse_retry(report, fields);
    let batch_size = parse_batch_size(report, fields);
    HttpSettings {
        timeout_ms,
        headers,
        headers_at,
        bearer_token_at: token.as_ref().map(|token| report.pos(&token.span())),
        bearer_token,
        retry,
        batch_size,
    }
}

/// The span of the key of a header whose name equals `lower` ignoring
/// ASCII case.
fn header_key_span(fields: &Fields<'_, '_>, lower: &str) -> Option<std::ops::Range<usize>> {
    let DeValue::Table(headers) = fields.get("headers")?.get_ref() else {
        return None;
    };
    headers
        .iter()
        .find(|(key, _)| key.get_ref().eq_ignore_ascii_case(lower))
        .map(|(key, _)| key.span())
}

/// Why a URL is not acceptable as an `http-out` or `fhir-out` target. The URL itself is
/// never repeated: it may carry credentials.
pub(crate) fn check_url(url: &str) -> Result<(), &'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters");
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or("must be an `http://` or `https://` URL")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(
            "must not contain credentials; use `bearer_token` or `headers` with an `env:` or `file:` reference",
        );
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(inner) => {
            let (ip, after) = inner
                .split_once(']')
                .ok_or("has a `[` without a matching `]` in its host")?;
            if !after.is_empty() && !after.starts_with(':') {
                return Err("has text between its host and its port");
            }
            (ip, after.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err("must name a host");
    }
    if port.is_some_and(|port| {
        !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err()
    }) {
        return Err("has a port that is not a number from 0 to 65535");
    }
    Ok(())
}

/// An HTTP header name (RFC 9110 token).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
