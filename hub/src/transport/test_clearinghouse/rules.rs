//! What every answer of the test clearinghouse shares: the payer's rules, the day it
//! answers on, deterministic reference numbers, status codes and the parties it names.

use clearway_schemas::body::status::{StatusCode, StatusInfo};
use clearway_schemas::{Code, CodeSystem, Date, DateTime, EntityType, Message, Party};
use rust_decimal::Decimal;
use sha2::Digest as _;

use super::config::TestClearinghouse;

/// The payer the test clearinghouse plays when a request names none.
pub const PAYER_NAME: &str = "CLEARWAY TEST PAYER";
/// Its payer id.
pub const PAYER_ID: &str = "CLEARWAYTEST";
/// The plan it covers every active member under.
pub const PLAN_NAME: &str = "Clearway Test PPO";
/// `TRN03` of its check numbers: `1` and a (fictitious) EIN.
pub const PAYER_TRACE_ORIGINATOR: &str = "1999999999";

/// How the payer adjudicates, from the endpoint's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Procedure codes whose lines are denied with CARC 50 (compared ignoring case).
    pub deny_procedures: Vec<String>,
    /// Allowed amount as a percentage of the charge.
    pub allowed_percent: Decimal,
    /// Coinsurance as a percentage of the allowed amount.
    pub coinsurance_percent: Decimal,
}

impl Rules {
    /// The rules of an endpoint.
    pub fn of(cfg: &TestClearinghouse) -> Rules {
        Rules {
            deny_procedures: cfg.deny_procedures.clone(),
            allowed_percent: cfg.allowed_percent,
            coinsurance_percent: cfg.coinsurance_percent,
        }
    }

    /// Whether `code` is one of the denied procedures.
    pub fn denies(&self, code: Option<&Code>) -> bool {
        code.is_some_and(|c| {
            self.deny_procedures
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&c.code))
        })
    }
}

impl Default for Rules {
    /// The defaults of `clearway.toml`: deny 97110, allow 80 %, coinsurance 20 %.
    fn default() -> Rules {
        Rules {
            deny_procedures: vec!["97110".into()],
            allowed_percent: Decimal::from(80),
            coinsurance_percent: Decimal::from(20),
        }
    }
}

/// When the answers are made: the day (dates in them) and the instant (`created`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Today {
    /// The calendar day, UTC.
    pub date: Date,
    /// The instant, RFC 3339 UTC.
    pub created: DateTime,
}

impl Today {
    /// Now, UTC.
    pub fn now() -> Today {
        let now = time::OffsetDateTime::now_utc();
        let date = Date::from_ymd(
            u32::try_from(now.year()).unwrap_or(1970),
            u32::from(u8::from(now.month())),
            u32::from(now.day()),
        )
        .unwrap_or_else(|_| "1970-01-01".parse().expect("a valid date"));
        let created = format!(
            "{}T{:02}:{:02}:{:02}Z",
            date,
            now.hour(),
            now.minute(),
            now.second()
        )
        .parse()
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".parse().expect("a valid instant"));
        Today { date, created }
    }

    /// A fixed day (tests).
    pub fn on(date: &str) -> Today {
        Today {
            date: date.parse().expect("a valid date"),
            created: format!("{date}T12:00:00Z")
                .parse()
                .expect("a valid instant"),
        }
    }
}

/// A reference number derived from `parts`: `prefix` and 12 upper-case hex digits of their
/// SHA-256. The same parts always give the same number.
pub fn reference(prefix: &str, parts: &[&str]) -> String {
    let mut hash = sha2::Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0x1f]);
    }
    let digest = hex::encode_upper(hash.finalize());
    format!("{prefix}{}", &digest[..12])
}

/// A claim status code triple: category (`A1`), status (`19`) and entity (`PR`).
pub fn status_code(category: &str, status: &str, entity: Option<&str>) -> StatusCode {
    StatusCode {
        category: Code::new(CodeSystem::X12ClaimStatusCategory, category),
        status: Some(Code::new(CodeSystem::X12ClaimStatus, status)),
        entity: entity.map(|e| Code::new(CodeSystem::X12EntityIdentifier, e)),
    }
}

/// A status with its code, effective `date`, action and charge.
pub fn status_info(
    code: StatusCode,
    date: &Date,
    action: Option<&str>,
    charge: Option<clearway_schemas::Money>,
) -> StatusInfo {
    let mut info = StatusInfo::new(code.category, code.status);
    info.code.entity = code.entity;
    info.effective_date = Some(date.clone());
    info.action = action.map(str::to_owned);
    info.charge = charge;
    info
}

/// The payer a message names (name, payer id and address only), else the test payer.
pub fn payer_of(named: Option<&Party>) -> Party {
    Party {
        entity_type: Some(EntityType::Organization),
        name: Some(
            named
                .and_then(|p| p.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| PAYER_NAME.into()),
        ),
        payer_id: Some(
            named
                .and_then(|p| p.payer_id.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| PAYER_ID.into()),
        ),
        address: named.and_then(|p| p.address.clone()),
        ..Party::default()
    }
}

/// A party cut to what a name segment carries: type, names and one id.
pub fn named(party: &Party) -> Party {
    Party {
        entity_type: party.entity_type,
        name: party.name.clone(),
        last_name: party.last_name.clone(),
        first_name: party.first_name.clone(),
        middle_name: party.middle_name.clone(),
        npi: party.npi.clone(),
        tax_id: party.tax_id.clone(),
        member_id: party.member_id.clone().filter(|m| !m.trim().is_empty()),
        ..Party::default()
    }
}

/// The subscriber's member id, when it is there and not blank.
pub fn member_id(message: &Message) -> Option<&str> {
    message
        .parties
        .subscriber
        .as_ref()
        .and_then(|s| s.member_id.as_deref())
        .map(str::trim)
        .filter(|m| !m.is_empty())
}

/// Whether `text` starts with `prefix`, ignoring ASCII case.
pub fn starts_with(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}
