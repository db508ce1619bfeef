//! What the connector encodes passes the external validator pyx12 4.0.0 (`x12valid`): the
//! 835 (005010X221A1) and the 837P (005010X222A1).
//!
//! pyx12 lives in a virtual environment under the cargo target dir (`$CARGO_TARGET_DIR`, else
//! `<workspace>/target`), `validators/pyx12`, which `scripts/validators.sh` (run by
//! `./test.sh` before the tests) creates; when it is missing (a bare `cargo test`) it is
//! created here with `python3 -m venv` and `pip install pyx12==4.0.0`. When it cannot be created the tests are skipped
//! with a note, except under `CI=true`, where they fail.

mod common;

use std::path::{Path, PathBuf};

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::{Address, Message};
use clearway_x12::config::Config;
use clearway_x12::decode::IMPLEMENTATION;
use clearway_x12::encode::encode;
use common::{corpus_file as corpus, corpus_path, fixture, inbound_meta, messages, run_validator};

/// The `x12valid` script, creating the venv when needed; `None` (with a note) when it cannot
/// be created outside CI.
fn x12valid() -> Option<PathBuf> {
    common::validator("pyx12", "x12valid", &["pyx12==4.0.0"], "pyx12")
}

/// Validates `interchange` with pyx12: `Ok` when its last line says `FILE: OK`, else the
/// error lines it printed.
fn validate(script: &Path, name: &str, interchange: &[u8]) -> Result<(), String> {
    assert!(
        interchange.is_ascii(),
        "{name}: the interchange is not ASCII"
    );
    let output = run_validator(script, "pyx12", name, interchange, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if last.ends_with(": OK") {
        return Ok(());
    }
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    Err(format!(
        "{name}: pyx12 says `{last}`\n{}\n--- interchange ---\n{}",
        errors.join("\n"),
        String::from_utf8_lossy(interchange)
    ))
}

/// The encode config of these tests.
fn config() -> Config {
    common::config(&[("next_control_number", "7")])
}

/// Encodes `messages` to one interchange.
fn encoded(messages: &[Message]) -> Vec<u8> {
    common::encoded(messages, &config())
}

#[test]
fn encoded_835_passes_pyx12() {
    let Some(script) = x12valid() else { return };
    let mut failures = Vec::new();
    let mut inputs = vec![("remit_basic", fixture("remit_basic.x12"))];
    inputs.extend(corpus("pyx12_835_mult_loops.x12").map(|p| ("pyx12_835_mult_loops", p)));
    for (name, path) in inputs {
        let interchange = encoded(&messages(&path));
        let text = String::from_utf8_lossy(&interchange);
        assert!(
            text.contains("GS*HP*") && text.contains("*005010X221A1~"),
            "{name}"
        );
        failures.extend(validate(&script, name, &interchange).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn encoded_837p_passes_pyx12() {
    let Some(script) = x12valid() else { return };
    let mut claims = messages(&fixture("claim_patient_drug.x12"));
    for name in [
        "lfh_837p_example1.x12",
        "lfh_837p_autoaccident.x12",
        "lfh_837p_drug_example10_1.x12",
    ] {
        claims.extend(corpus(name).map(|p| messages(&p)).unwrap_or_default());
    }
    // pyx12 has a map for X222A1 only: write every claim under that convention.
    for claim in &mut claims {
        claim
            .extensions
            .insert(IMPLEMENTATION.into(), "005010X222A1".into());
    }
    let mut failures = Vec::new();
    let single = encoded(&claims[..1]);
    failures.extend(validate(&script, "claim_patient_drug", &single).err());
    let all = encoded(&claims);
    assert!(String::from_utf8_lossy(&all).contains("ST*837*0001*005010X222A1~"));
    failures.extend(validate(&script, "claims_837p", &all).err());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn encoded_837i_passes_pyx12() {
    let Some(script) = x12valid() else { return };
    let mut claims = messages(&fixture("837i-inpatient.x12"));
    claims.extend(messages(&fixture("837i-outpatient-patient.x12")));
    if let Some(path) = corpus("lfh_837i_institutional.x12") {
        let mut lfh = messages(&path);
        // The source's billing provider ZIP has five digits; the TR3 (and pyx12) want nine.
        let provider = lfh[0].parties.provider.as_mut().expect("billing provider");
        let address = provider.address.as_mut().expect("billing address");
        address.postal_code = Some("171110000".into());
        claims.extend(lfh);
    }
    // pyx12 has a map for X223A2 only (the corpus file came as X223A3).
    for claim in &mut claims {
        claim
            .extensions
            .insert(IMPLEMENTATION.into(), "005010X223A2".into());
    }
    let mut failures = Vec::new();
    let single = encoded(&claims[..1]);
    failures.extend(validate(&script, "837i_inpatient", &single).err());
    let all = encoded(&claims);
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("ST*837*0001*005010X223A2~"), "{text}");
    assert_eq!(text.matches("CLM*").count(), claims.len(), "{text}");
    failures.extend(validate(&script, "claims_837i", &all).err());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The normalized claim the FHIR connector decodes from its professional claim bundle.
fn fhir_claim() -> Vec<Message> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fhir-r4/tests/fixtures/claim-professional-bundle.normalized.json"
    ));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The config of the FHIR-derived tests: ids and a creation time, no control number.
fn fhir_config() -> Config {
    common::config(&[("interchange_datetime", "202401010000")])
}

#[test]
fn fhir_claim_without_billing_address_is_refused_by_pointer() {
    let claims = fhir_claim();
    assert!(
        claims[0]
            .parties
            .provider
            .as_ref()
            .is_some_and(|p| p.address.is_none()),
        "the fixture's billing provider has no address"
    );
    match encode(&claims, &fhir_config()) {
        Err(ConnectorError::Invalid(problems)) => {
            let paths: Vec<_> = problems
                .iter()
                .map(|p| p.location.path.as_deref())
                .collect();
            assert_eq!(paths, [Some("/0/parties/provider/address")]);
        }
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn encoded_fhir_claim_passes_pyx12() {
    let Some(script) = x12valid() else { return };
    let mut claims = fhir_claim();
    // The 837P requires the billing provider's N3/N4, which the FHIR bundle does not carry.
    let provider = claims[0].parties.provider.as_mut().expect("provider");
    provider.address = Some(Address {
        lines: vec!["100 Clinic Road".into()],
        city: Some("Springfield".into()),
        state: Some("OR".into()),
        postal_code: Some("974770001".into()),
        ..Address::default()
    });
    let payloads = encode(&claims, &fhir_config()).expect("encodes");
    assert_eq!(payloads.len(), 1);
    let interchange = &payloads[0].data;
    let text = String::from_utf8_lossy(interchange);
    for expected in [
        "NM1*41*2*CLEARWAY*****46*CLEARWAY~",
        "NM1*40*2*PARTNER*****46*PARTNER~",
        "CLM*PCN-1001*174.50***11:B:1*Y*A*Y*Y**AA:::OR~",
        "NTE*ADD*Follow-up visit~",
        "SV1*HC:J7613*24.50*UN*2***1~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    assert!(!text.contains("Dr."), "NM106 is not used in the 837P");
    assert_eq!(text.matches("DTP*472*").count(), 2, "line-level only");
    validate(&script, "fhir_claim", interchange).unwrap_or_else(|e| panic!("{e}"));
}

/// Encodes the acknowledgments of each fixture and corpus file named and validates them.
fn encoded_acks_pass(prefix: &str, fixtures: &[&str], corpus_files: &[&str]) -> Vec<String> {
    let Some(script) = x12valid() else {
        return Vec::new();
    };
    let mut inputs: Vec<(String, PathBuf)> = fixtures
        .iter()
        .map(|name| ((*name).to_owned(), fixture(name)))
        .collect();
    for name in corpus_files {
        inputs.extend(corpus(name).map(|p| ((*name).to_owned(), p)));
    }
    let mut failures = Vec::new();
    for (name, path) in inputs {
        let interchange = encoded(&messages(&path));
        let text = String::from_utf8_lossy(&interchange);
        assert!(text.contains(prefix), "{name}: no `{prefix}` in\n{text}");
        let label = format!("encoded-{}", name.trim_end_matches(".x12"));
        failures.extend(validate(&script, &label, &interchange).err());
    }
    failures
}

#[test]
fn encoded_277ca_passes_pyx12() {
    let failures = encoded_acks_pass(
        "GS*HN*CLEARWAY*PARTNER*",
        &["ack_277ca.x12", "277ca-rejected.x12"],
        &[],
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn encoded_999_passes_pyx12() {
    let failures = encoded_acks_pass(
        "GS*FA*CLEARWAY*PARTNER*",
        &["999-partial.x12", "999-accepted.x12"],
        &[
            "ims_999_rejected.x12",
            "pyx12_999_834_ls_le_ls.x12",
            "pyx12_999_834_lui_id.x12",
        ],
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn acknowledge_999_passes_pyx12() {
    let Some(script) = x12valid() else { return };
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "edi" || e == "x12"))
        .collect();
    let shared = corpus_path();
    for folder in [shared.clone(), shared.join("invalid")] {
        if let Ok(entries) = std::fs::read_dir(folder) {
            inputs.extend(
                entries
                    .map(|e| e.expect("entry").path())
                    .filter(|p| p.is_file()),
            );
        }
    }
    inputs.sort();
    let (mut failures, mut accepted, mut rejected) = (Vec::new(), 0, 0);
    for path in inputs {
        let bytes = std::fs::read(&path).expect("read");
        let Ok(payloads) =
            clearway_x12::acknowledge::acknowledge(&bytes, &inbound_meta(), &|_| None)
        else {
            continue;
        };
        for payload in payloads {
            if !payload
                .filename_hint
                .as_deref()
                .is_some_and(|n| n.starts_with("999-"))
            {
                continue;
            }
            let text = String::from_utf8_lossy(&payload.data);
            accepted += text.matches("IK5*A~").count();
            rejected += text.matches("IK5*R").count();
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let label = format!("ack-{}", stem.unwrap_or_default());
            failures.extend(validate(&script, &label, &payload.data).err());
        }
    }
    assert!(
        accepted > 0 && rejected > 0,
        "{accepted} accepted, {rejected} rejected"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
