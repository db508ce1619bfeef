//! Eligibility requests (270) to responses (271), by the subscriber's member id:
//!
//! - missing, blank or starting with `BAD`: `AAA*N**72*C` (invalid/missing member id, correct
//!   and resubmit) at the subscriber level, no benefits;
//! - starting with `INACT`: inactive coverage (`EB*6`);
//! - anything else: active coverage (`EB*1`) under "Clearway Test PPO", in network: office
//!   visit copay 25.00 (`EB*B`, service type 98), coinsurance 20 % (`EB*A`), deductible
//!   1500.00 a calendar year with 350.00 remaining (`EB*C`, periods 23 and 29), out of pocket
//!   5000.00 with 4200.00 remaining (`EB*G`).
//!
//! The response echoes every trace number of the request (`TRN01` 2), so the hub's
//! request/reply matching pairs them.

use clearway_schemas::body::benefit::{Benefit, BenefitInfo, CoverageLevel, Network, TimePeriod};
use clearway_schemas::body::common::{Rejection, RejectionLevel, Trace};
use clearway_schemas::body::coverage::CoverageStatus;
use clearway_schemas::body::eligibility::EligibilityStatus;
use clearway_schemas::{
    Body, Code, CodeSystem, Correlation, Coverage, EligibilityRequest, EligibilityResponse,
    Message, Money, Parties, Party, Percent,
};
use rust_decimal::Decimal;

use super::rules::{PLAN_NAME, member_id, payer_of, reference, starts_with};

/// `TRN03` of an echoed trace that came without one (ten characters, as X279A1 wants).
const UNKNOWN_ORIGINATOR: &str = "9999999999";

/// What the payer says about a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Covered.
    Active,
    /// Known, not covered.
    Inactive,
    /// Not a valid member id: `AAA` 72.
    InvalidMember,
}

/// How the payer sees the subscriber of `request`.
pub fn standing(request: &Message) -> Standing {
    match member_id(request) {
        None => Standing::InvalidMember,
        Some(id) if starts_with(id, "BAD") => Standing::InvalidMember,
        Some(id) if starts_with(id, "INACT") => Standing::Inactive,
        Some(_) => Standing::Active,
    }
}

/// Cents.
fn money(cents: i64) -> Money {
    Money::from(Decimal::new(cents, 2))
}

/// A benefit of the plan's health benefit coverage (service type 30), individual, in network.
fn benefit(info: BenefitInfo, service_type: &str) -> Benefit {
    let mut b = Benefit::new(info);
    b.coverage_level = Some(CoverageLevel::Individual);
    b.service_types = vec![Code::new(CodeSystem::X12ServiceType, service_type)];
    b.network = Some(Network::InNetwork);
    b
}

/// The benefits of an active member.
pub fn active_benefits() -> Vec<Benefit> {
    let mut active = Benefit::new(BenefitInfo::ActiveCoverage);
    active.coverage_level = Some(CoverageLevel::Individual);
    active.service_types = vec![Code::new(CodeSystem::X12ServiceType, "30")];
    active.plan_description = Some(PLAN_NAME.into());
    let mut copay = benefit(BenefitInfo::CoPayment, "98");
    copay.time_period = Some(TimePeriod::Visit);
    copay.amount = Some(money(2500));
    let mut coinsurance = benefit(BenefitInfo::CoInsurance, "30");
    coinsurance.percent = Some(Percent::from(Decimal::new(20, 2)));
    let amount = |info, period, cents| {
        let mut b = benefit(info, "30");
        b.time_period = Some(period);
        b.amount = Some(money(cents));
        b
    };
    vec![
        active,
        copay,
        coinsurance,
        amount(BenefitInfo::Deductible, TimePeriod::CalendarYear, 150_000),
        amount(BenefitInfo::Deductible, TimePeriod::Remaining, 35_000),
        amount(BenefitInfo::OutOfPocket, TimePeriod::CalendarYear, 500_000),
        amount(BenefitInfo::OutOfPocket, TimePeriod::Remaining, 420_000),
    ]
}

/// The request's traces, echoed (`TRN01` 2); a request without one gets a trace derived
/// from its subscriber.
fn echoed_traces(request: &Message, body: &EligibilityRequest) -> Vec<Trace> {
    let mut traces: Vec<Trace> = body
        .traces
        .iter()
        .map(|t| Trace {
            trace_type: Some("2".into()),
            reference: t.reference.clone(),
            originator: Some(
                t.originator
                    .clone()
                    .filter(|o| o.len() == 10)
                    .unwrap_or_else(|| UNKNOWN_ORIGINATOR.into()),
            ),
            supplemental: t.supplemental.clone(),
        })
        .collect();
    for number in &request.correlation.trace_numbers {
        if !traces.iter().any(|t| &t.reference == number) {
            traces.push(Trace {
                trace_type: Some("2".into()),
                reference: number.clone(),
                originator: Some(UNKNOWN_ORIGINATOR.into()),
                supplemental: None,
            });
        }
    }
    if traces.is_empty() {
        traces.push(Trace {
            trace_type: Some("2".into()),
            reference: reference("TCH", &[member_id(request).unwrap_or_default()]),
            originator: Some(UNKNOWN_ORIGINATOR.into()),
            supplemental: None,
        });
    }
    traces
}

/// The 271 answering eligibility request `request`, or `None` when it is not one.
pub fn respond(request: &Message) -> Option<Message> {
    let Body::EligibilityRequest(body) = &request.body else {
        return None;
    };
    let traces = echoed_traces(request, body);
    let standing = standing(request);
    let subscriber = request
        .parties
        .subscriber
        .clone()
        .unwrap_or_else(|| Party::person("UNKNOWN", "MEMBER"));
    let mut response = EligibilityResponse {
        traces: traces.clone(),
        date_of_service: body.date_of_service.clone(),
        ..EligibilityResponse::default()
    };
    match standing {
        Standing::Active | Standing::Inactive => {
            let active = standing == Standing::Active;
            response.status = Some(if active {
                EligibilityStatus::Active
            } else {
                EligibilityStatus::Inactive
            });
            response.coverage = Some(Coverage {
                subscriber_id: member_id(request).map(str::to_owned),
                group_number: subscriber.group_number.clone(),
                plan_name: Some(PLAN_NAME.into()),
                status: Some(if active {
                    CoverageStatus::Active
                } else {
                    CoverageStatus::Cancelled
                }),
                ..Coverage::default()
            });
            response.benefits = if active {
                active_benefits()
            } else {
                let mut inactive = Benefit::new(BenefitInfo::Inactive);
                inactive.coverage_level = Some(CoverageLevel::Individual);
                inactive.service_types = vec![Code::new(CodeSystem::X12ServiceType, "30")];
                inactive.plan_description = Some(PLAN_NAME.into());
                vec![inactive]
            };
        }
        Standing::InvalidMember => {
            response.status = Some(EligibilityStatus::Unknown);
            response.rejections = vec![Rejection {
                level: RejectionLevel::Subscriber,
                valid_request: Some(false),
                reason_code: "72".into(),
                follow_up_action: Some("C".into()),
            }];
        }
    }
    let mut message = Message::new(Body::EligibilityResponse(response));
    message.parties = Parties {
        payer: Some({
            let mut p = payer_of(request.parties.payer.as_ref());
            p.address = None;
            p
        }),
        provider: request.parties.provider.clone(),
        subscriber: Some(subscriber),
        patient: request.parties.patient.clone(),
        ..Parties::default()
    };
    message.correlation = Correlation {
        trace_numbers: traces.into_iter().map(|t| t.reference).collect(),
        ..Correlation::default()
    };
    Some(message)
}
