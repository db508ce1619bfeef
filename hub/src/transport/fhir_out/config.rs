//! Settings of a `fhir-out` endpoint: the FHIR base URL and how collections are sent;
//! the rest is [`HttpSettings`], as for `http-out`.

use std::path::Path;

use crate::config::{Fields, Report};
use crate::transport::http_out::config::{HttpSettings, check_target, parse_http_settings};

/// Keys of a `fhir-out` endpoint.
pub(crate) const KEYS: &[&str] = &[
    "transport",
    "connector",
    "base_url",
    "collections",
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
/// Settings of an outbound `fhir-out` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirOut {
    /// The EHR's FHIR base URL (`http://` or `https://`, no credentials, no trailing `/`).
    pub base_url: String,
    /// How a `collection` Bundle from the connector is sent.
    pub collections: FhirCollections,
    /// Timeout, headers, token, retries and batch size.
    pub http: HttpSettings,
}

/// How `fhir-out` sends a `collection` Bundle (several resources from one encode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FhirCollections {
    /// One `transaction` Bundle POSTed to the base URL: all resources or none (the default).
    #[default]
    Transaction,
    /// One `batch` Bundle POSTed to the base URL; every entry must succeed.
    Batch,
    /// Each resource on its own request, in order.
    Entries,
}

/// Reads the `fhir-out` keys of an endpoint table.
pub(crate) fn parse(
    report: &mut Report<'_>,
    fields: &Fields<'_, '_>,
    base_dir: &Path,
) -> Option<FhirOut> {
    let base_url = fields.required_str(report, "base_url");
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
    if let Some(url) = &base_url {
        let text = url.get_ref();
        let rule = check_target(text, http.allow_plaintext).err().or_else(|| {
            (text.contains('?') || text.contains('#'))
                .then_some("must be a FHIR base URL, without a query or fragment")
        });
        if let Some(rule) = rule {
            fields.invalid(report, "base_url", &url.span(), rule);
        }
    }
    Some(FhirOut {
        base_url: base_url?.get_ref().trim_end_matches('/').to_string(),
        collections,
        http,
    })
}
