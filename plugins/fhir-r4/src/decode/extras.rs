//! Carrying what the model has no place for in `Message.extensions`, keyed by the FHIRPath
//! of the element relative to its resource (`fhir.Claim.item[0].productOrService`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::node::Node;

/// Elements every resource has that are never carried by [`carry_unmapped`]: the type
/// (implied by the message), the narrative (a rendering of the data) and the contained
/// resources (see [`carry_contained`]).
const NEVER: &[&str] = &["resourceType", "text", "contained"];

/// Contained resource types whose content the decoders read into parties and coverage.
const READ: &[&str] = &[
    "Patient",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Coverage",
];

/// The extension key of `node`, an element of `resource`.
pub fn key(resource: &Node<'_>, node: &Node<'_>) -> String {
    let kind = resource.str("resourceType").unwrap_or("Resource");
    let relative = node
        .path()
        .strip_prefix(resource.path())
        .unwrap_or(node.path());
    format!("fhir.{kind}{relative}")
}

/// Carries one element as it was written.
pub fn carry(extensions: &mut BTreeMap<String, Value>, resource: &Node<'_>, node: &Node<'_>) {
    extensions.insert(key(resource, node), node.value.clone());
}

/// Carries every member of `node` (an element of `resource`, or the resource itself) that
/// is not in `mapped`: `id`, `meta`, `extension` and the rest the model has no field for.
pub fn carry_unmapped(
    extensions: &mut BTreeMap<String, Value>,
    resource: &Node<'_>,
    node: &Node<'_>,
    mapped: &[&str],
) {
    let Some(object) = node.value.as_object() else {
        return;
    };
    for name in object.keys() {
        if NEVER.contains(&name.as_str()) || mapped.contains(&name.as_str()) {
            continue;
        }
        if let Some(member) = node.get(name) {
            carry(extensions, resource, &member);
        }
    }
}

/// Carries the contained resources of types the decoders do not read (a `Device`, a
/// `ServiceRequest`, ...); the others are in the message's parties and coverage.
pub fn carry_contained(extensions: &mut BTreeMap<String, Value>, resource: &Node<'_>) {
    for contained in resource.items("contained") {
        if !contained
            .str("resourceType")
            .is_some_and(|kind| READ.contains(&kind))
        {
            carry(extensions, resource, &contained);
        }
    }
}
