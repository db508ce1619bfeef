//! The shared corpus: every R4 file of a type the connector takes decodes; the invalid and
//! STU3 files are rejected with the FHIRPath of the problem.

use clearway_fhir_r4::decode::decode;
use clearway_plugin_sdk::{ConnectorError, Kind};
use serde_json::Value;

use crate::support::{corpus_dir, json_files};

/// The kind a resource of a taken type decodes to.
fn kind_of(resource: &Value) -> Option<Kind> {
    match resource["resourceType"].as_str()? {
        "Claim" if resource["use"] == "preauthorization" => Some(Kind::PriorAuthRequest),
        "Claim" => Some(Kind::Claim),
        "Coverage" => Some(Kind::Coverage),
        "CoverageEligibilityRequest" => Some(Kind::EligibilityRequest),
        _ => None,
    }
}

#[test]
fn every_r4_file_of_a_taken_type_decodes_and_the_rest_are_unsupported() {
    let mut decoded = 0;
    let mut unsupported = 0;
    for folder in ["r4-spec", "carin-bb", "peer-msft-converter"] {
        let Some(dir) = corpus_dir(folder) else {
            return;
        };
        for file in json_files(&dir) {
            let bytes = std::fs::read(&file).expect("readable corpus file");
            let value: Value = serde_json::from_slice(&bytes).expect("corpus file is JSON");
            // The corpus Bundles hold no Claim, so each of their Coverages is a message.
            let expected: Vec<Kind> = if value["resourceType"] == "Bundle" {
                value["entry"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|entry| kind_of(&entry["resource"]))
                    .collect()
            } else {
                kind_of(&value).into_iter().collect()
            };
            let result = decode(&bytes);
            if expected.is_empty() {
                match result {
                    Err(ConnectorError::Unsupported(_)) => unsupported += 1,
                    other => panic!("{}: expected unsupported, got {other:?}", file.display()),
                }
            } else {
                let messages = result.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                let kinds: Vec<Kind> = messages.iter().map(|m| m.kind()).collect();
                assert_eq!(kinds, expected, "{}", file.display());
                decoded += 1;
            }
        }
    }
    assert_eq!(
        decoded, 24,
        "15 Claims, 5 Coverages, 2 eligibility requests, 2 Bundles"
    );
    // 19 spec examples and 5 CARIN files of other types (Patient, Organization, EOB, ...).
    assert_eq!(unsupported, 24);
}

#[test]
fn the_invalid_file_is_rejected_with_the_path_of_the_problem() {
    let Some(dir) = corpus_dir("invalid") else {
        return;
    };
    let bytes = std::fs::read(dir.join("carin_eob_missing_procedure_sequence.json"))
        .expect("invalid corpus file");
    let Err(ConnectorError::Invalid(problems)) = decode(&bytes) else {
        panic!("the invalid EOB must be rejected as invalid");
    };
    let paths: Vec<_> = problems
        .iter()
        .filter_map(|p| p.location.path.as_deref())
        .collect();
    assert_eq!(paths, ["ExplanationOfBenefit.procedure[0].sequence"]);
}

#[test]
fn the_stu3_bundle_is_rejected_as_stu3_with_paths() {
    let Some(dir) = corpus_dir("non-r4") else {
        return;
    };
    let bytes = std::fs::read(dir.join("synthea_stu3_bundle_with_claims.json"))
        .expect("non-r4 corpus file");
    let Err(ConnectorError::Invalid(problems)) = decode(&bytes) else {
        panic!("the STU3 bundle must be rejected as invalid");
    };
    assert!(
        problems
            .iter()
            .all(|p| p.code == clearway_fhir_r4::version::STU3),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.location.path.as_deref() == Some("Bundle.entry[3].resource.use"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.location.path.as_deref() == Some("Bundle.entry[3].resource.organization"))
    );
    for problem in &problems {
        assert!(
            problem
                .location
                .path
                .as_deref()
                .is_some_and(|p| p.starts_with("Bundle.entry["))
        );
    }
}
