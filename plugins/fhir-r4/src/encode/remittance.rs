//! `remittance` to a `PaymentReconciliation` (the payment and provider-level adjustments)
//! and one `ExplanationOfBenefit` per claim payment (adjudication per item, each adjustment
//! with its group as category and its CARC as reason).

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::remittance::{
    ClaimPayment, ClaimPaymentStatus, ServicePayment,
};
use clearway_plugin_sdk::schemas::body::{Adjustment, Trace};
use clearway_plugin_sdk::schemas::{Code, CodeSystem, Message, Money, Remittance};

use super::common::{self, X12_PROVIDER_ADJUSTMENT, identifier_reference, party_reference};
use crate::codes::{ADJUDICATION, CLAIM_TYPE, PAYMENT_TYPE};
use crate::write::{self, Json, concept, concept_of, identifier, text_concept};

/// `payment-type` codes of reconciliation details.
const DETAIL_TYPE: &str = "http://terminology.hl7.org/CodeSystem/payment-type";

/// Encodes a remittance as its resources: the PaymentReconciliation first, then the EOBs.
///
/// # Errors
///
/// A problem when no payment date or creation date is known.
pub fn encode(
    message: &Message,
    body: &Remittance,
    index: usize,
) -> Result<Vec<Json>, Box<Problem>> {
    let created = common::created(
        message,
        body.production_date.as_ref().map(|d| d.as_str()),
        index,
    )?;
    let payment_date = body
        .payment
        .date
        .as_ref()
        .or(body.production_date.as_ref())
        .map_or_else(
            || created.get(..10).unwrap_or_default().to_owned(),
            |d| d.as_str().to_owned(),
        );
    let payer = party_reference(message.parties.payer.as_ref(), "payer not identified");
    let mut details: Vec<Json> = body
        .claims
        .iter()
        .map(|claim| {
            Json::obj()
                .with("type", concept_of(DETAIL_TYPE, "payment"))
                .with(
                    "request",
                    identifier_reference(Some(&claim.patient_control_number), "claim"),
                )
                .with("amount", write::money(claim.paid))
        })
        .collect();
    details.extend(body.provider_adjustments.iter().map(|adjustment| {
        Json::obj()
            .with(
                "identifier",
                identifier(Some(X12_PROVIDER_ADJUSTMENT), &adjustment.reason),
            )
            .with("type", concept_of(DETAIL_TYPE, "adjustment"))
            .with_opt(
                "date",
                adjustment.fiscal_period_end.as_ref().map(write::date),
            )
            .with("amount", write::money(-adjustment.amount))
    }));
    let reconciliation = Json::obj()
        .with("resourceType", Json::str("PaymentReconciliation"))
        .with_opt(
            "identifier",
            body.payment
                .trace
                .as_ref()
                .map(|t| Json::Arr(vec![trace_identifier(t)])),
        )
        .with("status", Json::str("active"))
        .with("created", Json::str(created.clone()))
        .with("paymentIssuer", payer.clone())
        .with("outcome", Json::str("complete"))
        .with("paymentDate", Json::str(payment_date.clone()))
        .with("paymentAmount", write::money(body.payment.amount))
        .with_opt(
            "paymentIdentifier",
            body.payment.trace.as_ref().map(trace_identifier),
        )
        .with_list("detail", details);
    let mut resources = vec![reconciliation];
    resources.extend(
        body.claims
            .iter()
            .map(|claim| explanation(message, body, claim, &created, &payment_date, &payer)),
    );
    Ok(resources)
}

/// The payment trace as an `Identifier`.
fn trace_identifier(trace: &Trace) -> Json {
    identifier(None, &trace.reference)
}

/// One claim payment as an ExplanationOfBenefit.
fn explanation(
    message: &Message,
    body: &Remittance,
    claim: &ClaimPayment,
    created: &str,
    payment_date: &str,
    payer: &Json,
) -> Json {
    let institutional = claim.drg.is_some() || claim.inpatient.is_some();
    let patient = claim
        .patient
        .as_ref()
        .or(message.parties.effective_patient());
    let outcome = match claim.status {
        ClaimPaymentStatus::NotOurClaimForwarded => "error",
        _ => "complete",
    };
    let coverage = identifier_reference(
        claim
            .insured
            .as_ref()
            .or(claim.patient.as_ref())
            .and_then(|p| p.member_id.as_deref()),
        "coverage not identified",
    );
    let mut totals = vec![
        amount("submitted", claim.charge),
        amount("benefit", claim.paid),
    ];
    if let Some(patient_pays) = claim.patient_responsibility {
        totals.push(
            Json::obj()
                .with("category", text_concept("patient responsibility"))
                .with("amount", write::money(patient_pays)),
        );
    }
    Json::obj()
        .with("resourceType", Json::str("ExplanationOfBenefit"))
        .with_opt(
            "identifier",
            claim
                .payer_claim_control_number
                .as_deref()
                .map(|n| Json::Arr(vec![identifier(None, n)])),
        )
        .with("status", Json::str("active"))
        .with(
            "type",
            concept_of(
                CLAIM_TYPE,
                if institutional {
                    "institutional"
                } else {
                    "professional"
                },
            ),
        )
        .with("use", Json::str("claim"))
        .with(
            "patient",
            party_reference(patient, "patient not identified"),
        )
        .with_opt(
            "billablePeriod",
            claim.statement_period.as_ref().map(write::period),
        )
        .with("created", Json::str(created))
        .with("insurer", payer.clone())
        .with(
            "provider",
            party_reference(
                message
                    .parties
                    .payee
                    .as_ref()
                    .or(message.parties.provider.as_ref()),
                "provider not identified",
            ),
        )
        .with(
            "claim",
            identifier_reference(Some(&claim.patient_control_number), "claim"),
        )
        .with("outcome", Json::str(outcome))
        .with(
            "disposition",
            Json::str(claim.status.as_str().replace('_', " ")),
        )
        .with(
            "insurance",
            Json::Arr(vec![
                Json::obj()
                    .with("focal", Json::Bool(true))
                    .with("coverage", coverage),
            ]),
        )
        .with_list(
            "item",
            claim
                .service_lines
                .iter()
                .enumerate()
                .map(|(n, line)| item(n, line))
                .collect(),
        )
        .with_list(
            "adjudication",
            claim.adjustments.iter().map(adjustment).collect(),
        )
        .with("total", Json::Arr(totals))
        .with(
            "payment",
            Json::obj()
                .with("type", concept_of(PAYMENT_TYPE, "complete"))
                .with("date", Json::str(payment_date))
                .with("amount", write::money(claim.paid))
                .with_opt(
                    "identifier",
                    body.payment.trace.as_ref().map(trace_identifier),
                ),
        )
}

/// One service line payment.
fn item(index: usize, line: &ServicePayment) -> Json {
    let product = line
        .procedure
        .as_ref()
        .or(line.revenue_code.as_ref())
        .map_or_else(|| text_concept("service not identified"), concept);
    let mut adjudication = vec![amount("submitted", line.charge)];
    if let Some(allowed) = line.allowed_amount {
        adjudication.push(amount("eligible", allowed));
    }
    adjudication.push(amount("benefit", line.paid));
    adjudication.extend(line.adjustments.iter().map(adjustment));
    let mut item = Json::obj()
        .with(
            "sequence",
            Json::uint(u32::try_from(index + 1).unwrap_or(u32::MAX)),
        )
        .with_opt(
            "revenue",
            line.revenue_code
                .as_ref()
                .filter(|_| line.procedure.is_some())
                .map(concept),
        )
        .with("productOrService", product)
        .with_list(
            "modifier",
            line.modifiers
                .iter()
                .map(|m| concept(&Code::new(CodeSystem::Modifier, m.as_str())))
                .collect(),
        );
    if let Some(period) = &line.service_period {
        item = match (&period.start, period.is_single_day()) {
            (Some(start), true) => item.with("servicedDate", write::date(start)),
            _ => item.with("servicedPeriod", write::period(period)),
        };
    }
    item.with_opt(
        "quantity",
        line.units_paid
            .map(|q| Json::obj().with("value", write::decimal(q))),
    )
    .with("adjudication", Json::Arr(adjudication))
}

/// An adjustment: its group (CAGC) as category, its CARC as reason.
fn adjustment(adjustment: &Adjustment) -> Json {
    let group = Code::new(CodeSystem::Cagc, adjustment.group.x12_code());
    Json::obj()
        .with("category", concept(&group))
        .with("reason", concept(&adjustment.reason))
        .with("amount", write::money(adjustment.amount))
        .with_opt("value", adjustment.quantity.map(write::decimal))
}

/// An adjudication or total entry of an `adjudication` category.
fn amount(category: &str, money: Money) -> Json {
    Json::obj()
        .with("category", concept_of(ADJUDICATION, category))
        .with("amount", write::money(money))
}
