//! `decode`: a FHIR R4 resource or Bundle (JSON) to normalized messages.
//!
//! - `Claim` with `use = claim` gives a `claim` message, with `use = preauthorization` a
//!   `prior_auth.request` (`predetermination` is unsupported: the model has no kind for it).
//! - `CoverageEligibilityRequest` gives an `eligibility.request`, `Coverage` a `coverage`.
//! - A Bundle (`collection`, `transaction`, `batch`, `searchset`) gives one message per such
//!   entry, in entry order. A Coverage referenced by a Claim or CoverageEligibilityRequest of
//!   the same Bundle is read into that message instead of giving its own. Other entries (Patient, Organization, ...) are only reference targets.
//! - A lone `Patient`, `Organization`, `Practitioner` or `PractitionerRole` is not a message:
//!   `Unsupported`, as is any other resource type.
//!
//! Before mapping, every resource of a type the connector knows is checked: FHIR STU3
//! content ([`crate::version`]), then R4 structure ([`crate::typed`]). All problems of all
//! resources are reported together, located by FHIRPath (`Bundle.entry[3].resource.item[0]`).

mod claim;
mod coverage;
mod eligibility;
mod extras;
mod lines;
mod prior_auth;

use clearway_plugin_sdk::{ConnectorError, Message, Problem};
use serde_json::Value;

use crate::node::Node;
use crate::parse::{self, Parsed};
use crate::resolve::Resolver;
use crate::{typed, version};

/// Problem code for something that is not a FHIR resource.
pub const RESOURCE: &str = "fhir.resource";
/// Problem code for an R4 rule the connector relies on (cardinality, required coding).
pub const RULE: &str = "fhir.rule";

/// Bundle types whose entries are decoded.
const BUNDLE_TYPES: &[&str] = &["collection", "transaction", "batch", "searchset"];

/// The financial resource status codes (required binding of `status`).
const STATUSES: &[&str] = &["active", "cancelled", "draft", "entered-in-error"];

/// `Claim.use` codes (required binding).
const CLAIM_USES: &[&str] = &["claim", "preauthorization", "predetermination"];

/// Resource types that become messages.
const MESSAGE_TYPES: &[&str] = &["Claim", "CoverageEligibilityRequest", "Coverage"];

/// Decodes FHIR JSON into normalized messages.
///
/// # Errors
///
/// `Malformed` for bytes that are not JSON (line and column); `Invalid` with every problem
/// found (FHIRPath in `location.path`); `Unsupported` for a resource or Bundle type that
/// carries no message the connector produces.
pub fn decode(input: &[u8]) -> Result<Vec<Message>, ConnectorError> {
    let Parsed { value, numbers } = parse::parse(input)?;
    let Some(root_type) = value.get("resourceType").and_then(Value::as_str) else {
        return Err(ConnectorError::invalid(
            Problem::error(
                RESOURCE,
                "the input must be a FHIR resource: a JSON object with a `resourceType`",
            )
            .at_path("resourceType"),
        ));
    };
    let root = Node::root(&value, root_type, &numbers);
    let (entries, resources) = if root_type == "Bundle" {
        bundle_entries(&root)?
    } else {
        (Vec::new(), vec![root.clone()])
    };
    let mut problems = Vec::new();
    for resource in &resources {
        check(resource, &mut problems);
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let resolver = Resolver::new(entries);
    let mut messages = Vec::new();
    let mut unsupported = None;
    for resource in &resources {
        let kind = resource.str("resourceType").unwrap_or_default();
        let result = match kind {
            "Claim" => claim::decode(resource, &resolver, &mut problems),
            "CoverageEligibilityRequest" => eligibility::decode(resource, &resolver, &mut problems),
            "Coverage" if !supporting(resource, &resources, &resolver) => {
                coverage::decode(resource, &resolver, &mut problems)
            }
            _ => continue,
        };
        match result {
            Ok(message) => messages.push(message),
            Err(reason) => unsupported = unsupported.or(Some(reason)),
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(distinct(problems)));
    }
    if let Some(reason) = unsupported {
        return Err(ConnectorError::Unsupported(reason));
    }
    if messages.is_empty() {
        return Err(ConnectorError::Unsupported(nothing_to_decode(root_type)));
    }
    Ok(messages)
}

/// Why a document without any message-bearing resource is unsupported.
fn nothing_to_decode(root_type: &str) -> String {
    let what = match root_type {
        "Bundle" => "the Bundle has no Claim, CoverageEligibilityRequest or Coverage entry",
        "Patient" | "Organization" | "Practitioner" | "PractitionerRole" => {
            "a lone Patient, Organization, Practitioner or PractitionerRole is not a message"
        }
        _ => "this resource type carries no message the connector decodes",
    };
    format!(
        "{what}: send a Claim, CoverageEligibilityRequest or Coverage, alone or in a \
         collection, transaction, batch or searchset Bundle"
    )
}

/// The Bundle's entries (fullUrl, resource) and their resources, after checking the Bundle
/// itself.
#[allow(clippy::type_complexity, reason = "a private pair of lists")]
fn bundle_entries<'a>(
    bundle: &Node<'a>,
) -> Result<(Vec<(Option<&'a str>, Node<'a>)>, Vec<Node<'a>>), ConnectorError> {
    if !bundle
        .str("type")
        .is_some_and(|t| BUNDLE_TYPES.contains(&t))
    {
        return Err(ConnectorError::Unsupported(
            "Bundle.type must be collection, transaction, batch or searchset".to_owned(),
        ));
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for entry in bundle.items("entry") {
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        if resource.str("resourceType").is_none() {
            problems.push(
                Problem::error(RESOURCE, "an entry's resource must have a `resourceType`")
                    .at_path(resource.child_path("resourceType")),
            );
            continue;
        }
        entries.push((entry.str("fullUrl"), resource));
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let resources = entries.iter().map(|(_, r)| r.clone()).collect();
    Ok((entries, resources))
}

/// Checks one resource: STU3 content, then R4 structure for the types the connector knows.
fn check(resource: &Node<'_>, problems: &mut Vec<Problem>) {
    let kind = resource.str("resourceType").unwrap_or_default();
    if version::is_stu3_only_type(kind) {
        problems.push(
            Problem::error(
                version::STU3,
                "this resource type exists only in FHIR STU3; this connector reads FHIR R4 (4.0.1)",
            )
            .at_path(resource.child_path("resourceType")),
        );
        return;
    }
    let markers = version::stu3_markers(kind, resource);
    if !markers.is_empty() {
        problems.extend(markers);
        return;
    }
    problems.extend(typed::check(kind, resource.value, resource.path()).unwrap_or_default());
    if MESSAGE_TYPES.contains(&kind)
        && resource
            .str("status")
            .is_some_and(|s| !STATUSES.contains(&s))
    {
        problems.push(
            Problem::error(
                RULE,
                "status must be one of active, cancelled, draft, entered-in-error",
            )
            .at_path(resource.child_path("status")),
        );
    }
    if kind == "Claim"
        && resource
            .str("use")
            .is_some_and(|u| !CLAIM_USES.contains(&u))
    {
        problems.push(
            Problem::error(
                RULE,
                "use must be one of claim, preauthorization, predetermination",
            )
            .at_path(resource.child_path("use")),
        );
    }
}

/// Whether a Coverage entry only supports another entry (referenced by a Claim's or an
/// eligibility request's `insurance.coverage`).
fn supporting(coverage: &Node<'_>, resources: &[Node<'_>], resolver: &Resolver<'_>) -> bool {
    resources.iter().any(|other| {
        MESSAGE_TYPES[..2].contains(&other.str("resourceType").unwrap_or_default())
            && other.items("insurance").iter().any(|insurance| {
                insurance
                    .get("coverage")
                    .is_some_and(|reference| resolver.points_to(other, &reference, coverage))
            })
    })
}

/// The problems without repeats (a contained resource referenced twice is checked twice).
fn distinct(problems: Vec<Problem>) -> Vec<Problem> {
    let mut kept: Vec<Problem> = Vec::with_capacity(problems.len());
    for problem in problems {
        if !kept.contains(&problem) {
            kept.push(problem);
        }
    }
    kept
}
