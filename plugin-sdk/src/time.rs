//! Time without a clock: connectors get none, but every message the hub records has a
//! ULID `id` whose first 48 bits are the time the hub recorded it.

/// The RFC 3339 UTC time (millisecond precision) of a ULID's 48-bit timestamp, e.g.
/// `2016-07-30T23:54:10.259Z`; `None` when `ulid` is not a ULID.
///
/// ```
/// use clearway_plugin_sdk::time::ulid_time;
/// assert_eq!(ulid_time("01ARZ3NDEKTSV4RRFFQ69G5FAV").as_deref(), Some("2016-07-30T23:54:10.259Z"));
/// ```
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
        assert_eq!(
            ulid_time("01KAB00000ZZZZZZZZZZZZZZZZ").map(|t| t[..4].to_owned()),
            Some("2025".to_owned())
        );
        assert_eq!(ulid_time("short"), None);
        assert_eq!(
            ulid_time("01ARZ3NDEKTSV4RRFFQ69G5FA!"),
            Some("2016-07-30T23:54:10.259Z".into())
        );
        assert_eq!(ulid_time("0!ARZ3NDEKTSV4RRFFQ69G5FAV"), None);
    }
}
