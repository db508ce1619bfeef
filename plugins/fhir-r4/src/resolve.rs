//! Resolving FHIR `Reference`s: to a contained resource (`#id`), to a Bundle entry (by
//! `fullUrl`, or by `Type/id` against the entries' types and ids), or not at all (the
//! reference's `identifier` and `display` are then all there is).

use std::collections::HashMap;

use crate::node::Node;

/// The resources a reference can point to: the Bundle's entries, indexed once so that
/// resolving is a lookup, not a scan (a 1,000-claim Bundle resolves thousands of
/// references).
#[derive(Debug, Default)]
pub struct Resolver<'a> {
    /// Each Bundle entry's resource, in Bundle order.
    entries: Vec<Node<'a>>,
    /// Entry index by `fullUrl` (the first entry with it).
    by_full_url: HashMap<&'a str, usize>,
    /// Entry index by (type, id): from the resource's `resourceType` and `id`, or from the
    /// `.../Type/id` a `fullUrl` ends with (the first entry that matches either way).
    by_type_and_id: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> Resolver<'a> {
    /// A resolver over Bundle entries: (fullUrl, resource).
    pub fn new(entries: Vec<(Option<&'a str>, Node<'a>)>) -> Resolver<'a> {
        let mut resolver = Resolver::default();
        for (index, (full_url, node)) in entries.into_iter().enumerate() {
            if let Some(url) = full_url {
                resolver.by_full_url.entry(url).or_insert(index);
            }
            if let (Some(kind), Some(id)) = (node.str("resourceType"), node.str("id")) {
                resolver.by_type_and_id.entry((kind, id)).or_insert(index);
            }
            if let Some(key) = full_url
                .filter(|url| url.contains('/'))
                .and_then(type_and_id)
            {
                resolver.by_type_and_id.entry(key).or_insert(index);
            }
            resolver.entries.push(node);
        }
        resolver
    }

    /// The resource `reference` (a FHIR `Reference` element) points to, looked up in the
    /// `contained` resources of `from` first, then in the Bundle.
    pub fn resolve(&self, from: &Node<'a>, reference: &Node<'a>) -> Option<Node<'a>> {
        let target = reference.str("reference")?;
        if let Some(id) = target.strip_prefix('#') {
            return from
                .items("contained")
                .into_iter()
                .find(|contained| contained.str("id") == Some(id));
        }
        let index = match self.by_full_url.get(target) {
            Some(&index) => index,
            None => *self.by_type_and_id.get(&type_and_id(target)?)?,
        };
        self.entries.get(index).cloned()
    }

    /// Whether `reference` (a `Reference` element) points at `target`, a Bundle entry.
    pub fn points_to(&self, from: &Node<'a>, reference: &Node<'a>, target: &Node<'a>) -> bool {
        self.resolve(from, reference)
            .is_some_and(|found| found.path() == target.path())
    }
}

/// `Type/id` of a relative or absolute reference (`Patient/1`,
/// `http://example.org/fhir/Patient/1`, `Patient/1/_history/2`).
fn type_and_id(reference: &str) -> Option<(&str, &str)> {
    let trimmed = match reference.find("/_history/") {
        Some(at) => &reference[..at],
        None => reference,
    };
    let mut parts = trimmed.rsplitn(3, '/');
    let id = parts.next()?;
    let kind = parts.next()?;
    let looks_like_type = kind.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    (looks_like_type && !id.is_empty()).then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn references_resolve_to_contained_and_bundle_entries() {
        let parsed = parse(
            br##"{"resourceType": "Bundle", "entry": [
                {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Claim", "id": "c",
                  "contained": [{"resourceType": "Patient", "id": "p1"}],
                  "patient": {"reference": "#p1"}, "provider": {"reference": "Organization/o"},
                  "insurer": {"reference": "urn:uuid:3"}, "enterer": {"reference": "Practitioner/none"}}},
                {"fullUrl": "http://x.org/fhir/Organization/o", "resource": {"resourceType": "Organization", "id": "o"}},
                {"fullUrl": "urn:uuid:3", "resource": {"resourceType": "Organization"}}]}"##,
        )
        .expect("valid JSON");
        let root = Node::root(&parsed.value, "Bundle", &parsed.numbers);
        let entries: Vec<_> = root
            .items("entry")
            .into_iter()
            .filter_map(|e| Some((e.str("fullUrl"), e.get("resource")?)))
            .collect();
        let claim = entries[0].1.clone();
        let resolver = Resolver::new(entries);
        let resolved = |key: &str| {
            let reference = claim.get(key).expect("reference");
            resolver
                .resolve(&claim, &reference)
                .map(|n| n.path().to_owned())
        };
        assert_eq!(
            resolved("patient").as_deref(),
            Some("Bundle.entry[0].resource.contained[0]")
        );
        assert_eq!(
            resolved("provider").as_deref(),
            Some("Bundle.entry[1].resource")
        );
        assert_eq!(
            resolved("insurer").as_deref(),
            Some("Bundle.entry[2].resource")
        );
        assert_eq!(resolved("enterer"), None);
    }

    #[test]
    fn type_and_id_of_references() {
        assert_eq!(type_and_id("Patient/1"), Some(("Patient", "1")));
        assert_eq!(
            type_and_id("http://a/fhir/Coverage/9/_history/2"),
            Some(("Coverage", "9"))
        );
        assert_eq!(type_and_id("urn:uuid:1234"), None);
    }
}
