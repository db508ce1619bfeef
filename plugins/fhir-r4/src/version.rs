//! Recognizing FHIR STU3 (3.0) content, so that it is rejected with a clear message instead
//! of a list of puzzling R4 structure errors.
//!
//! fhir-sdk accepts unknown elements silently, so an STU3 resource can look like an R4 one
//! with some elements missing. These are the STU3 elements and codes of the resources the
//! connector reads that R4 removed or renamed.

use clearway_plugin_sdk::Problem;

use crate::node::Node;

/// Problem code for FHIR STU3 content.
pub const STU3: &str = "fhir.version.stu3";

/// Resource types that exist in STU3 but not in R4 (replaced or removed).
const STU3_ONLY_TYPES: &[&str] = &[
    "EligibilityRequest",
    "EligibilityResponse",
    "ProcessRequest",
    "ProcessResponse",
    "ProcedureRequest",
    "ReferralRequest",
    "DeviceComponent",
    "ImagingManifest",
    "DataElement",
    "ServiceDefinition",
];

/// STU3 `Claim.use` codes (R4: `claim | preauthorization | predetermination`).
const STU3_CLAIM_USES: &[&str] = &["complete", "proposed", "exploratory", "other"];

/// Whether a resource type exists only in STU3.
pub fn is_stu3_only_type(resource_type: &str) -> bool {
    STU3_ONLY_TYPES.contains(&resource_type)
}

/// The STU3 markers found in a resource of type `resource_type` (empty for R4 content).
pub fn stu3_markers(resource_type: &str, resource: &Node<'_>) -> Vec<Problem> {
    let mut found = Vec::new();
    match resource_type {
        "Claim" => claim(resource, &mut found),
        "Coverage" => {
            removed(resource, &["grouping", "sequence"], &mut found);
        }
        "Patient" => removed(resource, &["animal"], &mut found),
        _ => {}
    }
    found
}

/// STU3 markers of a Claim.
fn claim(claim: &Node<'_>, found: &mut Vec<Problem>) {
    if claim
        .str("use")
        .is_some_and(|u| STU3_CLAIM_USES.contains(&u))
    {
        found.push(
            Problem::error(
                STU3,
                "this `use` code is FHIR STU3; R4 uses claim, preauthorization or predetermination",
            )
            .at_path(claim.child_path("use")),
        );
    }
    removed(
        claim,
        &[
            "organization",
            "information",
            "employmentImpacted",
            "hospitalization",
        ],
        found,
    );
    stu3_money(claim, "total", found);
    for item in claim.items("item") {
        removed(
            &item,
            &[
                "service",
                "diagnosisLinkId",
                "careTeamLinkId",
                "procedureLinkId",
                "informationLinkId",
            ],
            found,
        );
        stu3_money(&item, "net", found);
        stu3_money(&item, "unitPrice", found);
    }
}

/// Elements of `node` that R4 removed or renamed.
fn removed(node: &Node<'_>, names: &[&str], found: &mut Vec<Problem>) {
    for name in names {
        if node.get(name).is_some() {
            found.push(
                Problem::error(
                    STU3,
                    format!(
                        "`{name}` is a FHIR STU3 element that R4 removed or renamed; this \
                         connector reads FHIR R4 (4.0.1)"
                    ),
                )
                .at_path(node.child_path(name)),
            );
        }
    }
}

/// An STU3 `Money` (a Quantity with `system`/`code`) at `key`.
fn stu3_money(node: &Node<'_>, key: &str, found: &mut Vec<Problem>) {
    if let Some(money) = node.get(key)
        && (money.get("system").is_some() || money.get("code").is_some())
    {
        found.push(
            Problem::error(
                STU3,
                "Money with `system`/`code` is FHIR STU3; R4 Money has `value` and `currency`",
            )
            .at_path(money.path().to_owned()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn stu3_claims_are_recognized_by_their_elements() {
        let parsed = parse(
            br#"{"resourceType": "Claim", "use": "complete", "organization": {"reference": "x"},
                 "item": [{"sequence": 1, "net": {"value": 1.0, "system": "urn:iso:std:iso:4217", "code": "USD"}}]}"#,
        )
        .expect("valid JSON");
        let node = Node::root(&parsed.value, "Claim", &parsed.numbers);
        let paths: Vec<_> = stu3_markers("Claim", &node)
            .into_iter()
            .filter_map(|p| p.location.path)
            .collect();
        assert_eq!(
            paths,
            ["Claim.use", "Claim.organization", "Claim.item[0].net"]
        );
    }

    #[test]
    fn r4_content_has_no_markers() {
        let parsed = parse(br#"{"resourceType": "Claim", "use": "claim", "item": [{"net": {"value": 1, "currency": "USD"}}]}"#)
            .expect("valid JSON");
        let node = Node::root(&parsed.value, "Claim", &parsed.numbers);
        assert!(stu3_markers("Claim", &node).is_empty());
        assert!(is_stu3_only_type("EligibilityRequest"));
        assert!(!is_stu3_only_type("CoverageEligibilityRequest"));
    }
}
