//! `fhir-out` endpoints: base URL, collections, and the HTTP settings shared with
//! `http-out`.

use super::super::{ConfigValue, FhirCollections, Transport};
use super::{BASE, ok, only, problems, triples};

/// A `fhir-out` endpoint on line 12 with `extra` after its `base_url` (line 15).
fn fhir_out(base_url: &str, extra: &str) -> String {
    format!(
        "{BASE}[endpoints.ehr]\ntransport = \"fhir-out\"\nconnector = \"json\"\nbase_url = \"{base_url}\"\n{extra}"
    )
}

#[test]
fn a_fhir_out_endpoint_has_defaults_and_a_trimmed_base() {
    let cfg = ok(&fhir_out("https://ehr.example.org/fhir/", ""));
    let Transport::FhirOut(ehr) = &cfg.endpoints["ehr"].transport else {
        panic!("a fhir-out endpoint")
    };
    assert_eq!(ehr.base_url, "https://ehr.example.org/fhir");
    assert_eq!(ehr.collections, FhirCollections::Transaction);
    assert_eq!((ehr.http.timeout_ms, ehr.http.batch_size), (10_000, 100));
    assert!(!cfg.endpoints["ehr"].transport.is_inbound());
    assert_eq!(cfg.endpoints["ehr"].transport.kind_name(), "fhir-out");

    let cfg = ok(&fhir_out(
        "http://ehr:8080/r4",
        "collections = \"entries\"\nbearer_token = \"env:EHR_TOKEN\"\ntimeout_ms = 2000\nallow_plaintext = true\nmax_response_kib = 64\n",
    ));
    let Transport::FhirOut(ehr) = &cfg.endpoints["ehr"].transport else {
        panic!("a fhir-out endpoint")
    };
    assert_eq!(ehr.collections, FhirCollections::Entries);
    assert_eq!(
        ehr.http.bearer_token,
        Some(ConfigValue::Env("EHR_TOKEN".into()))
    );
    assert_eq!(ehr.http.timeout_ms, 2000);
    assert_eq!(
        (ehr.http.allow_plaintext, ehr.http.max_response_kib),
        (true, 64)
    );
}

#[test]
fn a_fhir_out_endpoint_may_be_a_routes_destination() {
    let text = format!(
        "{}\n[[routes]]\nfrom = \"inbox\"\nto = [\"ehr\"]\n",
        fhir_out("https://ehr/fhir", "")
    );
    assert_eq!(ok(&text).routes[0].to, vec!["ehr".to_string()]);
}

#[test]
fn fhir_out_problems_name_the_key_and_place() {
    assert_eq!(
        only(&fhir_out("https://ehr/fhir?_format=json", "")),
        (
            15,
            12,
            "`base_url` in [endpoints.ehr] must be a FHIR base URL, without a query or fragment"
                .into()
        )
    );
    assert_eq!(
        only(&fhir_out("ftp://ehr/fhir", "")),
        (
            15,
            12,
            "`base_url` in [endpoints.ehr] must be an `http://` or `https://` URL".into()
        )
    );
    let (line, _, message) = only(&fhir_out("https://ehr/fhir", "collections = \"all\"\n"));
    assert_eq!(line, 16);
    assert!(
        message.contains("`collections`") && message.contains("transaction"),
        "{message}"
    );
    let (line, _, message) = only(&fhir_out("https://ehr/fhir", "bearer_token = \"abc\"\n"));
    assert_eq!(line, 16);
    assert!(message.contains("never a literal token"), "{message}");
    let (line, _, message) = only(&fhir_out("https://ehr/fhir", "url = \"https://x/\"\n"));
    assert_eq!(line, 16);
    assert!(message.contains("`url`"), "{message}");
    let missing =
        format!("{BASE}[endpoints.ehr]\ntransport = \"fhir-out\"\nconnector = \"json\"\n");
    let found = triples(&problems(&missing));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].2.contains("`base_url`"), "{found:?}");
}

#[test]
fn acknowledgments_go_to_an_outbound_endpoint() {
    let with = |target: &str| {
        format!(
            "{BASE}[endpoints.clearinghouse]\ntransport = \"http\"\nconnector = \"json\"\nacknowledgments = \"{target}\"\n"
        )
    };
    let cfg = ok(&with("outbox"));
    assert_eq!(
        cfg.endpoints["clearinghouse"].acknowledgments.as_deref(),
        Some("outbox")
    );
    assert_eq!(cfg.endpoints["inbox"].acknowledgments, None);
    assert_eq!(
        only(&with("nowhere")),
        (15, 19, "`acknowledgments` in [endpoints.clearinghouse] names endpoint `nowhere`, which is not defined".into())
    );
    assert_eq!(
        only(&with("inbox")),
        (15, 19, "`acknowledgments` in [endpoints.clearinghouse] names endpoint `inbox`, which is inbound (transport `http`); acknowledgments go to an outbound endpoint (dir-out, http-out)".into())
    );
    let outbound = format!(
        "{BASE}[endpoints.ehr]\ntransport = \"fhir-out\"\nconnector = \"json\"\nbase_url = \"https://ehr/fhir\"\nacknowledgments = \"outbox\"\n"
    );
    let (line, _, message) = only(&outbound);
    assert_eq!(line, 16);
    assert!(message.contains("`acknowledgments`"), "{message}");
}
