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
    message.id.as_deref().and_then(ulid_time).ok_or_else(|| {
        Problem::error(
            REQUIRED,
            "FHIR requires a creation date-time: the message has no creation date and no \
                 ULID id to take it from",
        )
        .at_path(format!("/{index}/id"))
        .into()
    })
}

/// The RFC 3339 UTC time (millisecond precision) of a ULID's 48-bit timestamp.
pub fn ulid_time(ulid: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if ulid.len() != 26 {
        return None;
    }
    let mut millis: u64 = 0;
    for byte in ulid.bytes().take(10) {
        let digit = ALPHABET
            .iter()
            .position(|&c| c == byte.to_ascii_uppercase())?;
        millis = millis
            .checked_mul(32)?
            .checked_add(u64::try_from(digit).ok()?)?;
    }
    let seconds = millis / 1000;
    let days = i64::try_from(seconds / 86_400).ok()?;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        millis % 1000
    ))
}

/// (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_timestamps_become_utc_date_times() {
        assert_eq!(
            ulid_time("01ARZ3NDEKTSV4RRFFQ69G5FAV").as_deref(),
            Some("2016-07-30T23:54:10.259Z")
        );
        assert_eq!(
            ulid_time("0000000000ZZZZZZZZZZZZZZZZ").as_deref(),
            Some("1970-01-01T00:00:00.000Z")
        );
        assert_eq!(ulid_time("short"), None);
    }

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
