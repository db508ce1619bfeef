//! The message bodies, one per [`Kind`](crate::Kind), and the parts they share.

pub mod ack;
pub mod adjudication;
mod balance;
pub mod benefit;
pub mod claim;
pub mod claim_detail;
pub mod claim_line;
pub mod codes;
pub mod common;
pub mod coverage;
pub mod eligibility;
pub mod prior_auth;
pub mod remittance;
pub mod status;

pub use ack::ClaimAck;
pub use claim::Claim;
pub use codes::{AdjustmentGroup, ClaimFrequency, DrugUnit, PayerSequence, UnitType, YesNoUnknown};
pub use common::{
    Adjustment, Diagnosis, DiagnosisRole, Note, PresentOnAdmission, QualifiedAmount, Rejection,
    RejectionLevel, Trace,
};
pub use coverage::Coverage;
pub use eligibility::{EligibilityRequest, EligibilityResponse};
pub use prior_auth::{PriorAuthRequest, PriorAuthResponse};
pub use remittance::Remittance;
pub use status::{ClaimStatusRequest, ClaimStatusResponse};
