//! What the ledger keeps per claim: one [`Event`] per linked message (what that
//! message says about this claim) and per coordinator action (note, assignment,
//! resolution). A claim's row is a fold of its events ([`super::derive`]).

use clearway_schemas::value::{Date, Money};
use serde::{Deserialize, Serialize};

/// One step in a claim's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The message's id, or (actions) a ULID of its own.
    pub id: String,
    /// When the hub recorded it (Unix ms).
    pub at_ms: u64,
    /// What it says.
    #[serde(flatten)]
    pub what: What,
}

/// What one event says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum What {
    /// The claim was submitted (an 837 or a FHIR Claim: a `claim` message).
    Submitted(Submission),
    /// A TA1 or 999 answered the file (interchange or transaction set) the claim was in.
    FileAck(FileAck),
    /// A 277CA answered the claim.
    ClaimAck(ClaimAckEvent),
    /// A 277 (claim status response) about the claim.
    Status(StatusEvent),
    /// An 835 paid, denied or reversed the claim.
    Payment(PaymentEvent),
    /// A coordinator's note.
    Note {
        /// Who wrote it.
        by: String,
        /// The note.
        text: String,
    },
    /// Assigned to someone on a worklist (or unassigned: `to` empty).
    Assigned {
        /// Who assigned it.
        by: String,
        /// To whom.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// Marked resolved on its worklist.
    Resolved {
        /// Who.
        by: String,
    },
    /// Reopened after being resolved.
    Reopened {
        /// Who.
        by: String,
    },
}

/// A status code triple (277/277CA `STC01`): category, status, entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTriple {
    /// Claim status category code (`A1`, `A7`, `F1`, ...).
    pub category: String,
    /// Claim status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Entity identifier code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

/// What a submitted claim says (the parts the console lists and searches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// `professional`, `institutional` or `dental`.
    pub claim_type: String,
    /// Claim frequency code (`1` original, `7` replacement, `8` void).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// Patient control number.
    pub pcn: String,
    /// Total charge.
    pub billed: Money,
    /// Billing provider NPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_npi: Option<String>,
    /// Billing provider name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// Payer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_id: Option<String>,
    /// Payer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    /// Patient name, "LAST, FIRST".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_name: Option<String>,
    /// Subscriber member id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// First service date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_from: Option<Date>,
    /// Last service date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_to: Option<Date>,
    /// Prior authorization numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_numbers: Vec<String>,
    /// Service lines.
    pub lines: u32,
    /// The message's delivery status when last seen (`queued`, `delivered`, `dead`, ...).
    pub delivery: String,
}

/// A TA1 or 999 result for the file a claim was in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAck {
    /// `ta1` or `999`.
    pub ack_type: String,
    /// Whether it accepted the claim's transaction set (or interchange).
    pub accepted: bool,
    /// The acknowledgment code (`IK501`, or `TA104`).
    pub code: String,
    /// Error codes: `IK502..` for a transaction set, `AK905..` for the group, `TA105`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<String>,
    /// Segment and element errors (`IK3`/`IK4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<AckError>,
}

/// One `IK3` (with its first `IK4`, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckError {
    /// Segment id (`NM1`).
    pub segment: String,
    /// Segment position in the transaction set.
    pub position: u32,
    /// Loop id (`2010BA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_id: Option<String>,
    /// `IK304` segment syntax error code.
    pub segment_code: String,
    /// `IK401` element position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<u32>,
    /// `IK403` element syntax error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_code: Option<String>,
}

/// A 277CA result for one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAckEvent {
    /// The patient control number the answer names.
    pub pcn: String,
    /// Accepted (A1/A2/A0/A5) or rejected (A3/A4/A6/A7/A8, E*).
    pub accepted: bool,
    /// Every `STC` of the claim.
    pub statuses: Vec<StatusTriple>,
    /// The payer's claim control number, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_icn: Option<String>,
}

/// A 277 claim status response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// The patient control number the answer names.
    pub pcn: String,
    /// Every status.
    pub statuses: Vec<StatusTriple>,
    /// Paid amount, if the payer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    /// Check or EFT number, if paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_number: Option<String>,
}

/// An 835 claim payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentEvent {
    /// The patient control number the answer names.
    pub pcn: String,
    /// `CLP02` claim status code (`1`, `2`, `4` denied, `22` reversal, ...).
    pub status: String,
    /// `CLP03` charge.
    pub charge: Money,
    /// `CLP04` paid.
    pub paid: Money,
    /// `CLP05` patient responsibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_responsibility: Option<Money>,
    /// Every adjustment, claim level and line level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// Remark codes (RARC), claim and line level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<String>,
    /// Check or EFT trace number (`TRN02`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_number: Option<String>,
    /// Payment date (`BPR16`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<Date>,
    /// The payer's claim control number (`CLP07`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_icn: Option<String>,
    /// Payer name as the 835 gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
}

/// One `CAS` adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// Group code (`CO`, `PR`, `OA`, `PI`, `CR`).
    pub group: String,
    /// CARC.
    pub carc: String,
    /// Amount.
    pub amount: Money,
    /// Service line number (1-based) for a line adjustment; none at claim level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}
