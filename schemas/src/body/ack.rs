//! [`ClaimAck`]: acknowledgment of submitted claims at interchange (TA1), functional group and
//! transaction set (999) and claim (277CA) level.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::codes::x12_enum;
use super::common::Trace;
use super::status::{LineStatus, StatusInfo};
use crate::value::{Code, Date, DateTime, Money, Period, Quantity, Time};

/// Which acknowledgment this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AckType {
    /// Interchange acknowledgment (`TA1`).
    #[serde(rename = "ta1")]
    Ta1,
    /// Implementation acknowledgment (999).
    #[serde(rename = "999")]
    Implementation999,
    /// Health care claim acknowledgment (277CA, `005010X214`).
    #[serde(rename = "277ca")]
    ClaimAck277,
}

x12_enum! {
    /// Interchange acknowledgment code. X12: `TA104`.
    InterchangeAckCode {
        /// Accepted with no errors.
        Accepted = "accepted" / "A",
        /// Accepted with errors.
        AcceptedWithErrors = "accepted_with_errors" / "E",
        /// Rejected because of errors.
        Rejected = "rejected" / "R",
    }
}

x12_enum! {
    /// Acceptance of a functional group or transaction set. X12: `AK901`, `IK501`.
    AckStatus {
        /// Accepted.
        Accepted = "accepted" / "A",
        /// Accepted, but errors were noted.
        AcceptedWithErrors = "accepted_with_errors" / "E",
        /// Rejected, message authentication code failed.
        RejectedAuthentication = "rejected_authentication" / "M",
        /// Partially accepted: at least one transaction set was rejected (`AK901` only).
        PartiallyAccepted = "partially_accepted" / "P",
        /// Rejected.
        Rejected = "rejected" / "R",
        /// Rejected, assurance failed validity tests.
        RejectedAssurance = "rejected_assurance" / "W",
        /// Rejected, content after decryption could not be analyzed.
        RejectedDecryption = "rejected_decryption" / "X",
    }
}

/// Result for one interchange. X12: `TA1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterchangeAck {
    /// Control number of the acknowledged interchange. X12: `TA101` (its `ISA13`).
    pub control_number: String,
    /// Interchange date. X12: `TA102`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Interchange time. X12: `TA103`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// Accepted, accepted with errors, or rejected. X12: `TA104`.
    pub ack_code: InterchangeAckCode,
    /// Interchange note code (`000` no error, `001` control numbers do not match, ...).
    /// X12: `TA105`.
    pub note_code: String,
}

/// Context of an error. X12: `CTX` (situational trigger or business unit identifier).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorContext {
    /// Context name (`SITUATIONAL TRIGGER`, `CLM01`, ...). X12: `CTX01-1`.
    pub name: String,
    /// Context reference (the business unit value, e.g. the patient control number).
    /// X12: `CTX01-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Segment id of the trigger. X12: `CTX02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    /// Segment position in the transaction set. X12: `CTX03`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_position: Option<u32>,
    /// Loop id. X12: `CTX04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_id: Option<String>,
    /// 1-based element position in the segment. X12: `CTX05-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_position: Option<u32>,
    /// Component position within the element. X12: `CTX05-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_position: Option<u32>,
    /// Repeating data element position. X12: `CTX05-3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repetition: Option<u32>,
    /// Data element reference number. X12: `CTX06-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_reference: Option<String>,
}

/// An error in one data element. X12: `IK4` with its `CTX`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementError {
    /// 1-based element position in the segment. X12: `IK401-1`.
    pub position: u32,
    /// Component position within a composite. X12: `IK401-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_position: Option<u32>,
    /// Repetition of a repeating element. X12: `IK401-3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repetition: Option<u32>,
    /// Data element reference number. X12: `IK402`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_reference: Option<String>,
    /// Element syntax error code (`1` required element missing, `7` invalid code value, ...).
    /// X12: `IK403`.
    pub error_code: String,
    /// Copy of the bad data element, as the receiver sent it. X12: `IK404`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_value: Option<String>,
    /// Context. X12: `CTX` after `IK4`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ErrorContext>,
}

/// An error in one segment. X12: `IK3` with its `CTX` and `IK4`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentError {
    /// Segment id, e.g. `CLM`. X12: `IK301`.
    pub segment_id: String,
    /// 1-based position of the segment in the transaction set (`ST` is 1). X12: `IK302`.
    pub position: u32,
    /// Loop id, e.g. `2300`. X12: `IK303`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_id: Option<String>,
    /// Segment syntax error code (`1` unrecognized segment, `8` segment has data element
    /// errors, `I6` implementation dependent segment missing, ...). X12: `IK304`.
    pub error_code: String,
    /// Context. X12: `CTX` after `IK3`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ErrorContext>,
    /// Errors in the segment's elements. X12: `IK4`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_errors: Vec<ElementError>,
}

/// Result for one transaction set. X12: `AK2` … `IK5`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionSetAck {
    /// Transaction set id, e.g. `837`. X12: `AK201`.
    pub transaction_set_id: String,
    /// Control number of the acknowledged transaction set (its `ST02`). X12: `AK202`.
    pub control_number: String,
    /// Implementation convention reference (its `ST03`, e.g. `005010X222A1`). X12: `AK203`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation_reference: Option<String>,
    /// Accepted, accepted with errors, or rejected. X12: `IK501`.
    pub status: AckStatus,
    /// Transaction set syntax error codes (`1` not supported, `5` segment has errors, ...).
    /// X12: `IK502`..`IK506`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<String>,
    /// Segment errors. X12: `IK3` loops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_errors: Vec<SegmentError>,
}

/// Result for one functional group. X12: `AK1` … `AK9`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupAck {
    /// Functional identifier code of the group, e.g. `HC` claims. X12: `AK101`.
    pub functional_id: String,
    /// Control number of the acknowledged group (its `GS06`). X12: `AK102`.
    pub control_number: String,
    /// Version of the group (its `GS08`). X12: `AK103`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Accepted, partially accepted, or rejected. X12: `AK901`.
    pub status: AckStatus,
    /// Number of transaction sets included. X12: `AK902`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_sets_included: Option<u32>,
    /// Number of transaction sets received. X12: `AK903`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_sets_received: Option<u32>,
    /// Number of transaction sets accepted. X12: `AK904`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_sets_accepted: Option<u32>,
    /// Functional group syntax error codes. X12: `AK905`..`AK909`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<String>,
    /// Per transaction set results. X12: `AK2` loops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transaction_sets: Vec<TransactionSetAck>,
}

x12_enum! {
    /// Level of a 277CA status: the hierarchical level (`HL03`) it sits under.
    AckLevel {
        /// Information source (payer or clearinghouse), loop 2200A.
        InformationSource = "information_source" / "20",
        /// Information receiver (submitter), loop 2200B.
        InformationReceiver = "information_receiver" / "21",
        /// Billing provider, loop 2200C.
        BillingProvider = "billing_provider" / "19",
        /// Patient (claim), loop 2200D.
        Claim = "claim" / "PT",
    }
}

/// A 277CA status at one level; for claims, with the claim's identifiers.
/// X12: loops 2200A-D (`TRN`, `STC`, `REF`, `DTP`) and 2220D (lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimAckStatus {
    /// Which level the status is about.
    pub level: AckLevel,
    /// Trace at this level; for claims, `TRN02` is the patient control number. X12: `TRN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Patient control number of the claim. X12: `TRN02` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_control_number: Option<String>,
    /// Payer claim control number assigned on acceptance. X12: `REF*1K` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_claim_control_number: Option<String>,
    /// Clearinghouse trace number. X12: `REF*D9` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearinghouse_trace_number: Option<String>,
    /// Type of bill (institutional). X12: `REF*BLT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_type: Option<Code>,
    /// Total charge of the claim. X12: `STC04` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_charge: Option<Money>,
    /// Claim service period. X12: `DTP*472` (2200D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<Period>,
    /// When the information source received the acknowledged batch. X12: `DTP*050` (2200A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_date: Option<Date>,
    /// When the information source processed the acknowledged batch. X12: `DTP*009` (2200A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_date: Option<Date>,
    /// Number of claims accepted at this level. X12: `QTY*90` (2200B), `QTY*QA` (2200C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_quantity: Option<Quantity>,
    /// Number of claims rejected at this level. X12: `QTY*AA` (2200B), `QTY*QC` (2200C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_quantity: Option<Quantity>,
    /// Total charge of the accepted claims. X12: `AMT*YU` (2200B, 2200C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_amount: Option<Money>,
    /// Total charge of the rejected claims. X12: `AMT*YY` (2200B, 2200C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_amount: Option<Money>,
    /// Statuses (category, status, entity, date, action). X12: `STC`.
    pub statuses: Vec<StatusInfo>,
    /// Line-level statuses. X12: loop 2220D.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineStatus>,
}

/// Control numbers this acknowledgment answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    /// Acknowledged interchange control number. X12: `TA101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interchange_control_number: Option<String>,
    /// Acknowledged group control numbers. X12: `AK102`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_control_numbers: Vec<String>,
    /// Acknowledged transaction set control numbers. X12: `AK202`, 277CA `REF` references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transaction_control_numbers: Vec<String>,
}

/// An acknowledgment of submitted claims. The acknowledging and acknowledged parties are in
/// the message's `parties` (`sender` is who acknowledges).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimAck {
    /// TA1, 999 or 277CA.
    pub ack_type: AckType,
    /// When the acknowledgment was created. X12: `ISA09`/`ISA10`, `BHT04`/`BHT05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime>,
    /// Control numbers answered.
    #[serde(default, skip_serializing_if = "Acknowledged::is_empty")]
    pub acknowledged: Acknowledged,
    /// Interchange-level result. X12: `TA1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interchange: Option<InterchangeAck>,
    /// Group and transaction set results. X12: 999 `AK1`..`AK9`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functional_groups: Vec<GroupAck>,
    /// Statuses at source, receiver, provider and claim level. X12: 277CA `STC`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claim_statuses: Vec<ClaimAckStatus>,
}

impl Acknowledged {
    /// Whether no control number is set.
    pub fn is_empty(&self) -> bool {
        self == &Acknowledged::default()
    }
}

impl ClaimAckStatus {
    /// A status of `level` with nothing else set.
    pub fn new(level: AckLevel) -> ClaimAckStatus {
        ClaimAckStatus {
            level,
            trace: None,
            patient_control_number: None,
            payer_claim_control_number: None,
            clearinghouse_trace_number: None,
            bill_type: None,
            total_charge: None,
            service_period: None,
            received_date: None,
            process_date: None,
            accepted_quantity: None,
            rejected_quantity: None,
            accepted_amount: None,
            rejected_amount: None,
            statuses: Vec::new(),
            lines: Vec::new(),
        }
    }
}

impl ClaimAck {
    /// An acknowledgment of this type with nothing else set.
    pub fn new(ack_type: AckType) -> ClaimAck {
        ClaimAck {
            ack_type,
            created: None,
            acknowledged: Acknowledged::default(),
            interchange: None,
            functional_groups: Vec::new(),
            claim_statuses: Vec::new(),
        }
    }

    /// Whether everything acknowledged was accepted: TA1 `A`, every group and transaction
    /// set `A`, and no 277CA status in category `A3`/`A4`/`A6`/`A7`/`A8`/`E0`-`E4`
    /// (returned, not found, rejected, or error).
    pub fn all_accepted(&self) -> bool {
        let interchange_ok = self
            .interchange
            .as_ref()
            .is_none_or(|i| i.ack_code == InterchangeAckCode::Accepted);
        let groups_ok = self.functional_groups.iter().all(|g| {
            g.status == AckStatus::Accepted
                && g.transaction_sets
                    .iter()
                    .all(|t| t.status == AckStatus::Accepted)
        });
        let rejected = |category: &str| {
            matches!(
                category,
                "A3" | "A4" | "A6" | "A7" | "A8" | "E0" | "E1" | "E2" | "E3" | "E4"
            )
        };
        let claims_ok = self.claim_statuses.iter().all(|c| {
            c.statuses.iter().all(|s| !rejected(&s.code.category.code))
                && c.lines
                    .iter()
                    .all(|l| l.statuses.iter().all(|s| !rejected(&s.code.category.code)))
        });
        interchange_ok && groups_ok && claims_ok
    }
}
