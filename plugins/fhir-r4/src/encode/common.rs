//! What every encoder needs: references to parties, the `created` date-time, X12 code
//! systems that have no FHIR URI in the model.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::{Message, Party};

use crate::codes::NPI;
use crate::write::{Json, identifier};

/// Problem code for a message that lacks something FHIR requires.
pub const REQUIRED: &str = "fhir.encode.required";

/// X12 reject reason codes (`AAA03`, element 901).
pub const X12_REJECT_REASON: &str = "https://x12.org/codes/reject-reason-codes";
/// X12 health care services review action codes (`HCR01`, element 306).
pub const X12_REVIEW_ACTION: &str =
    "https://x12.org/codes/health-care-services-review-action-codes";
/// X12 provider adjustment reason codes (`PLB03-1`).
pub const X12_PROVIDER_ADJUSTMENT: &str = "https://x12.org/codes/provider-adjustment-reason-codes";

/// A `Reference` to a party by what is known of it: NPI, payer id or member id as
/// `identifier`, and its name as `display`. `fallback` is the display when nothing is known.
pub fn party_reference(party: Option<&Party>, fallback: &str) -> Json {
    let Some(party) = party else {
        return Json::obj().with("display", Json::str(fallback));
    };
    let identifier_json = if let Some(npi) = &party.npi {
        Some(identifier(Some(NPI), npi))
    } else if let Some(id) = party.payer_id.as_ref().or(party.member_id.as_ref()) {
        Some(identifier(None, id))
    } else {
        party
            .identifiers
            .first()
            .map(|i| identifier(i.system.as_deref(), &i.value))
    };
    let name = party.name.clone().or_else(|| {
        let parts: Vec<&str> = [party.first_name.as_deref(), party.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let display = match (&identifier_json, name) {
        (_, Some(name)) => Some(name),
        (None, None) => Some(fallback.to_owned()),
        (Some(_), None) => None,
    };
    Json::obj()
        .with_opt("identifier", identifier_json)
        .with_opt("display", display.map(Json::str))
}

/// A `Reference` by business identifier only.
pub fn identifier_reference(value: Option<&str>, fallback: &str) -> Json {
    match value {
        Some(value) => Json::obj().with("identifier", identifier(None, value)),
        None => Json::obj().with("display", Json::str(fallback)),
    }
}

/// The `created` date-time of a response: `given` when the message carries one, else the
/// time the hub recorded the message (the timestamp of its ULID `id`).
///
/// # Errors
///
/// A problem at `/{index}/id` when the message has neither.
pub fn created(
    message: &Message,
    given: Option<&str>,
    index: usize,
) -> Result<String, Box<Problem>> {
    if let Some(given) = given {
        return Ok(given.to_owned());
    }
    message
        .id
        .as_deref()
        .and_then(clearway_plugin_sdk::time::ulid_time)
        .ok_or_else(|| {
            Problem::error(
                REQUIRED,
                "FHIR requires a creation date-time: the message has no creation date and no \
                 ULID id to take it from",
            )
            .at_path(format!("/{index}/id"))
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_what_is_known() {
        let party = Party {
            npi: Some("1234567893".into()),
            ..Party::organization("Acme Clinic")
        };
        let text = party_reference(Some(&party), "x").to_pretty();
        assert!(text.contains(NPI) && text.contains("Acme Clinic"));
        assert!(party_reference(None, "payer").to_pretty().contains("payer"));
    }
}
