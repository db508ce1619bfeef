//! Settings of an `http-out` endpoint (URL, method), and what it shares with `fhir-out`
//! ([`HttpSettings`]): timeout, headers, token, retries, batch size, plaintext, the
//! answer's size limit, the endpoints replies come back through.

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeValue;

use crate::config::{
    ConfigValue, EndpointConfig, Fields, Pos, Report, RetryPolicy, Transport, is_inbound,
    parse_batch_size, parse_retry,
};

/// Keys of an `http-out` endpoint.
pub(crate) const KEYS: &[&str] = &[
    "transport",
    "connector",
    "url",
    "method",
    "timeout_ms",
    "headers",
    "bearer_token",
    "retry",
    "batch_size",
    "delivery",
    "allow_plaintext",
    "max_response_kib",
    "replies_from",
];
/// Settings of an outbound `http-out` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOut {
    /// Target URL, `http://` or `https://`, without credentials.
    pub url: String,
    /// Request method.
    pub method: HttpMethod,
    /// Timeout, headers, token, retries and batch size.
    pub http: HttpSettings,
}

/// What every outbound HTTP transport (`http-out`, `fhir-out`) sets besides its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Deadline of one request, in milliseconds.
    pub timeout_ms: u64,
    /// Extra request headers, by name.
    pub headers: BTreeMap<String, ConfigValue>,
    /// Where each header value was written, by name.
    pub headers_at: BTreeMap<String, Pos>,
    /// Token sent as `Authorization: Bearer ...`; always a reference.
    pub bearer_token: Option<ConfigValue>,
    /// Where `bearer_token` was written.
    pub bearer_token_at: Option<Pos>,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// Most messages handed to the connector's `encode` at once.
    pub batch_size: usize,
    /// Whether a plain `http://` URL to a host other than loopback is accepted.
    pub allow_plaintext: bool,
    /// Most of the receiver's answer read, in KiB; a longer answer fails the delivery.
    pub max_response_kib: u64,
    /// Inbound endpoints through which this partner's replies to request/reply
    /// requests arrive (`replies_from`); empty: see the route's `request_reply`.
    pub replies_from: Vec<String>,
    /// Where each name of `replies_from` was written.
    pub replies_from_at: BTreeMap<String, Pos>,
}

/// Request method of an `http-out` endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpMethod {
    /// `POST` (the default).
    #[default]
    Post,
    /// `PUT`.
    Put,
}

impl HttpMethod {
    /// The method as sent on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }
}

/// Reads the `http-out` keys of an endpoint table.
pub(crate) fn parse(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<HttpOut> {
    let url = fields.required_str(report, "url");
    let method = fields.choice(
        report,
        "method",
        &[("POST", HttpMethod::Post), ("PUT", HttpMethod::Put)],
        HttpMethod::default(),
    );
    let http = parse_http_settings(report, fields, base_dir);
    if let Some(url) = &url
        && let Err(rule) = check_target(url.get_ref(), http.allow_plaintext)
    {
        fields.invalid(report, "url", &url.span(), rule);
    }
    Some(HttpOut {
        url: url?.get_ref().to_string(),
        method,
        http,
    })
}

/// Reads what `http-out` and `fhir-out` share: `timeout_ms`, `headers`, `bearer_token`,
/// `retry`, `batch_size`, `allow_plaintext`, `max_response_kib`, `replies_from`.
pub(crate) fn parse_http_settings(
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
    let allow_plaintext = fields.bool(report, "allow_plaintext", false);
    let max_response_kib = fields.uint(report, "max_response_kib", 1, MAX_RESPONSE_KIB, 1024);
    let mut replies_from = Vec::new();
    let mut replies_from_at = BTreeMap::new();
    for name in fields
        .str_array(report, "replies_from")
        .map(|a| a.into_inner())
        .unwrap_or_default()
    {
        let text = name.get_ref().to_string();
        if replies_from_at.contains_key(&text) {
            fields.invalid(
                report,
                "replies_from",
                &name.span(),
                &format!("names endpoint `{text}` twice"),
            );
            continue;
        }
        replies_from_at.insert(text.clone(), report.pos(&name.span()));
        replies_from.push(text);
    }
    HttpSettings {
        timeout_ms,
        headers,
        headers_at,
        bearer_token_at: token.as_ref().map(|token| report.pos(&token.span())),
        bearer_token,
        retry,
        batch_size,
        allow_plaintext,
        max_response_kib,
        replies_from,
        replies_from_at,
    }
}

/// The largest `max_response_kib`: 1 GiB.
const MAX_RESPONSE_KIB: u64 = 1024 * 1024;

/// Checks that every name in the `replies_from` of an `http-out` or `fhir-out` endpoint
/// is a defined inbound endpoint. `transports` holds every endpoint defined, with its
/// transport when known (see `Endpoints::transports`).
pub(crate) fn check_replies_from(
    report: &mut Report<'_>,
    built: &BTreeMap<String, EndpointConfig>,
    transports: &BTreeMap<String, Option<&'static str>>,
) {
    for endpoint in built.values() {
        let http = match &endpoint.transport {
            Transport::HttpOut(h) => &h.http,
            Transport::FhirOut(f) => &f.http,
            _ => continue,
        };
        for name in &http.replies_from {
            let place = format!("`replies_from` in [endpoints.{}]", endpoint.name);
            let problem = match transports.get(name) {
                None => format!("{place} names endpoint `{name}`, which is not defined"),
                Some(Some(transport)) if !is_inbound(transport) => format!(
                    "{place} names endpoint `{name}`, which is outbound (transport `{transport}`); replies arrive through an inbound endpoint (http, fhir, dir)"
                ),
                Some(_) => continue,
            };
            report.push(http.replies_from_at.get(name).copied(), problem);
        }
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

/// Why a URL is not acceptable as an `http-out` or `fhir-out` target: [`check_url`], and
/// a plain `http://` URL to a host that is not loopback unless `allow_plaintext`.
pub(crate) fn check_target(url: &str, allow_plaintext: bool) -> Result<(), &'static str> {
    let target = check_url(url)?;
    if target.plaintext && !allow_plaintext && !is_loopback(&target.host) {
        return Err(
            "is a plain `http://` URL to a host that is not loopback: use `https://`, or set `allow_plaintext = true` for a network where plaintext PHI is acceptable",
        );
    }
    Ok(())
}

/// What [`check_url`] found in a URL.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// `http://` rather than `https://`.
    pub(crate) plaintext: bool,
    /// The host, lower case, without the brackets of an IPv6 address.
    pub(crate) host: String,
}

/// Why a URL is not acceptable as an `http-out` or `fhir-out` target. The URL itself is
/// never repeated: it may carry credentials.
pub(crate) fn check_url(url: &str) -> Result<Target, &'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters");
    }
    let lower = url.to_ascii_lowercase();
    let (plaintext, rest) = match lower.strip_prefix("https://") {
        Some(rest) => (false, rest),
        None => (
            true,
            lower
                .strip_prefix("http://")
                .ok_or("must be an `http://` or `https://` URL")?,
        ),
    };
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
    Ok(Target {
        plaintext,
        host: host.to_string(),
    })
}

/// Whether `host` (lower case, IPv6 without brackets) is this machine: `localhost`,
/// 127.0.0.0/8 or `::1` (also as an IPv4-mapped address).
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host == "localhost" {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// An HTTP header name (RFC 9110 token).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
