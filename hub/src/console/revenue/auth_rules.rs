//! The rules the prior authorization pages apply: how a decision (HCR01)
//! sorts, the CMS-0057-F decision clock, and when a certification ends.
//!
//! CMS-0057-F (the Interoperability and Prior Authorization final rule)
//! requires the payers it covers (Medicare Advantage, Medicaid, CHIP, plans on
//! the federal exchanges), from 2026, to decide expedited requests within 72
//! hours and standard ones within 7 calendar days. The console counts from when
//! the hub recorded the request; an urgent or emergency level of service
//! (`UM06` `U` or `03`) makes it expedited.

use clearway_codes::Table;
use clearway_schemas::PriorAuthResponse;
use clearway_schemas::body::prior_auth::CertificationAction;

const HOUR_MS: u64 = 3_600_000;
/// CMS-0057-F: an expedited request is decided within 72 hours.
pub const EXPEDITED_MS: u64 = 72 * HOUR_MS;
/// CMS-0057-F: a standard request is decided within 7 calendar days.
pub const STANDARD_MS: u64 = 7 * 24 * HOUR_MS;
/// A certification ending within this many days is flagged.
pub const EXPIRY_DAYS: i64 = 14;

/// Where a review stands, as the status filter sorts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No decision yet: no response, pended, or "contact the payer".
    Pending,
    /// Certified in total or in part, or modified.
    Certified,
    /// Not certified.
    Denied,
    /// Cancelled, or no authorization needed.
    Other,
}

impl Decision {
    /// The filter's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Certified => "certified",
            Decision::Denied => "denied",
            Decision::Other => "other",
        }
    }

    pub(super) fn class(self) -> &'static str {
        match self {
            Decision::Pending => "state pending",
            Decision::Certified => "state paid",
            Decision::Denied => "state denied",
            Decision::Other => "state submitted",
        }
    }
}

/// How HCR01 sorts.
pub fn decision(a: CertificationAction) -> Decision {
    use CertificationAction as A;
    match a {
        A::CertifiedInTotal | A::CertifiedPartial | A::Modified => Decision::Certified,
        A::NotCertified => Decision::Denied,
        A::Pended | A::ContactPayer => Decision::Pending,
        A::Cancelled | A::NoActionRequired => Decision::Other,
    }
}

/// Whether a level of service (`UM06`) makes a request expedited: urgent (`U`)
/// or emergency (`03`).
pub fn is_expedited(level: Option<&str>) -> bool {
    matches!(level.map(str::trim), Some("U" | "03"))
}

/// When a decision is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Unix ms.
    pub due_ms: u64,
    /// 72 hours rather than 7 days.
    pub expedited: bool,
}

/// The CMS-0057-F deadline of a request received at `received_ms`.
pub fn deadline(received_ms: u64, expedited: bool) -> Deadline {
    Deadline {
        due_ms: received_ms + if expedited { EXPEDITED_MS } else { STANDARD_MS },
        expedited,
    }
}

pub(super) fn plural(n: u64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Time left until `due_ms` at `now_ms`: hours under three days (an expedited
/// request's whole window), days beyond, or `overdue`.
pub fn time_left(due_ms: u64, now_ms: u64) -> String {
    if now_ms >= due_ms {
        let late = (now_ms - due_ms) / HOUR_MS;
        return match late {
            0 => "overdue".into(),
            h if h < 48 => format!("overdue by {}", plural(h, "hour")),
            h => format!("overdue by {}", plural(h / 24, "day")),
        };
    }
    match (due_ms - now_ms) / HOUR_MS {
        0 => "less than an hour left".into(),
        h if h < 72 => format!("{} left", plural(h, "hour")),
        h => format!("{} left", plural(h / 24, "day")),
    }
}

/// When a certification ends, against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Ended this many days ago.
    Ended(i64),
    /// Ends within [`EXPIRY_DAYS`]: this many days left (0: today).
    Soon(i64),
    /// Ends later.
    Later,
}

/// How end date `end` stands on `today` (both `YYYY-MM-DD`); `None` if either
/// is not a date.
pub fn expiry(end: &str, today: &str) -> Option<Expiry> {
    let end: jiff::civil::Date = end.parse().ok()?;
    let today: jiff::civil::Date = today.parse().ok()?;
    let days = i64::from((end - today).get_days());
    Some(match days {
        d if d < 0 => Expiry::Ended(-d),
        d if d <= EXPIRY_DAYS => Expiry::Soon(d),
        _ => Expiry::Later,
    })
}

/// The last day a response certifies: its own period's end, else the earliest
/// end among its certified services.
pub fn certified_until(r: &PriorAuthResponse) -> Option<String> {
    if let Some(end) = r.effective_period.as_ref().and_then(|p| p.end.as_ref()) {
        return Some(end.as_str().to_owned());
    }
    r.services
        .iter()
        .filter(|s| decision(s.action) == Decision::Certified)
        .filter_map(|s| s.effective_period.as_ref().and_then(|p| p.end.as_ref()))
        .map(|d| d.as_str().to_owned())
        .min()
}

/// HCR01 as `A1 — Certified total`.
pub(super) fn action_text(a: CertificationAction) -> String {
    format!(
        "{} — {}",
        a.x12_code(),
        Table::CertificationAction.describe(a.x12_code())
    )
}

#[cfg(test)]
mod tests {
    use clearway_schemas::{Body, Message};

    use super::*;

    const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    #[test]
    fn the_clock_is_72_hours_expedited_and_7_days_standard() {
        assert!(is_expedited(Some("U")));
        assert!(is_expedited(Some("03")));
        assert!(!is_expedited(Some("E")));
        assert!(!is_expedited(None));
        let e = deadline(T0, true);
        assert_eq!(e.due_ms - T0, 72 * HOUR_MS);
        let s = deadline(T0, false);
        assert_eq!(s.due_ms - T0, 7 * 24 * HOUR_MS);
        assert_eq!(time_left(e.due_ms, T0), "3 days left");
        assert_eq!(time_left(e.due_ms, T0 + 30 * HOUR_MS), "42 hours left");
        assert_eq!(time_left(e.due_ms, T0 + 71 * HOUR_MS), "1 hour left");
        assert_eq!(time_left(e.due_ms, e.due_ms - 1), "less than an hour left");
        assert_eq!(time_left(e.due_ms, e.due_ms), "overdue");
        assert_eq!(
            time_left(e.due_ms, e.due_ms + 5 * HOUR_MS),
            "overdue by 5 hours"
        );
        assert_eq!(
            time_left(s.due_ms, s.due_ms + 72 * HOUR_MS),
            "overdue by 3 days"
        );
    }

    #[test]
    fn certifications_ending_within_14_days_are_flagged() {
        assert_eq!(expiry("2026-01-15", "2026-01-01"), Some(Expiry::Soon(14)));
        assert_eq!(expiry("2026-01-16", "2026-01-01"), Some(Expiry::Later));
        assert_eq!(expiry("2026-01-01", "2026-01-01"), Some(Expiry::Soon(0)));
        assert_eq!(expiry("2025-12-30", "2026-01-01"), Some(Expiry::Ended(2)));
        assert_eq!(expiry("soon", "2026-01-01"), None);
    }

    #[test]
    fn actions_sort_into_the_status_filter() {
        use CertificationAction as A;
        assert_eq!(decision(A::CertifiedInTotal), Decision::Certified);
        assert_eq!(decision(A::CertifiedPartial), Decision::Certified);
        assert_eq!(decision(A::Modified), Decision::Certified);
        assert_eq!(decision(A::NotCertified), Decision::Denied);
        assert_eq!(decision(A::Pended), Decision::Pending);
        assert_eq!(decision(A::ContactPayer), Decision::Pending);
        assert_eq!(decision(A::Cancelled), Decision::Other);
        assert_eq!(action_text(A::NotCertified), "A3 — Not certified");
    }

    #[test]
    fn the_certified_period_comes_from_the_header_else_the_earliest_service() {
        let path = format!(
            "{}/../schemas/examples/prior_auth.response.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let m: Message = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let Body::PriorAuthResponse(mut r) = m.body else {
            unreachable!("a 278 response")
        };
        assert_eq!(certified_until(&r).as_deref(), Some("2024-05-30"));
        r.effective_period = None;
        r.services[0].effective_period.as_mut().unwrap().end = Some("2024-04-30".parse().unwrap());
        assert_eq!(certified_until(&r).as_deref(), Some("2024-04-30"));
        r.services[0].action = CertificationAction::NotCertified;
        assert_eq!(certified_until(&r), None);
    }
}
