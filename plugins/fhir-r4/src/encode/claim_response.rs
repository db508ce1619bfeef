//! `claim.ack`, `claim.status.response` and `prior_auth.response` to `ClaimResponse`
//! (status without `Task`: `outcome`, `disposition`, `error`, `processNote`).

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::ack::{AckLevel, ClaimAckStatus};
use clearway_plugin_sdk::schemas::body::prior_auth::CertificationAction;
use clearway_plugin_sdk::schemas::body::status::{LineStatus, StatusInfo};
use clearway_plugin_sdk::schemas::{
    ClaimAck, ClaimStatusResponse, Code, Message, Money, PriorAuthResponse,
};

use super::common::{
    self, X12_REJECT_REASON, X12_REVIEW_ACTION, identifier_reference, party_reference,
};
use crate::codes::{ADJUDICATION, CLAIM_TYPE, PAYMENT_TYPE};
use crate::write::{self, Json, concept, concept_of, identifier};

/// What one ClaimResponse says, before it is written.
struct Response<'a> {
    /// The message it answers for.
    message: &'a Message,
    /// `claim` or `preauthorization`.
    use_: &'static str,
    /// `created`.
    created: String,
    /// `queued`, `complete`, `error` or `partial`.
    outcome: &'static str,
    /// Human-readable outcome.
    disposition: Option<String>,
    /// The payer's claim number.
    payer_claim_number: Option<String>,
    /// The provider's claim number (the request).
    request: Option<String>,
    /// Whether the claim is institutional.
    institutional: bool,
}

impl Response<'_> {
    /// The resource's header elements, in R4 order up to `outcome`.
    fn header(&self) -> Json {
        let parties = &self.message.parties;
        Json::obj()
            .with("resourceType", Json::str("ClaimResponse"))
            .with_opt(
                "identifier",
                self.payer_claim_number
                    .as_deref()
                    .map(|n| Json::Arr(vec![identifier(None, n)])),
            )
            .with("status", Json::str("active"))
            .with(
                "type",
                concept_of(
                    CLAIM_TYPE,
                    if self.institutional {
                        "institutional"
                    } else {
                        "professional"
                    },
                ),
            )
            .with("use", Json::str(self.use_))
            .with(
                "patient",
                party_reference(parties.effective_patient(), "patient not identified"),
            )
            .with("created", Json::str(self.created.clone()))
            .with(
                "insurer",
                party_reference(
                    parties.payer.as_ref().or(parties.sender.as_ref()),
                    "payer not identified",
                ),
            )
            .with_opt(
                "requestor",
                parties
                    .provider
                    .as_ref()
                    .map(|p| party_reference(Some(p), "provider")),
            )
            .with(
                "request",
                identifier_reference(self.request.as_deref(), "claim not identified"),
            )
            .with("outcome", Json::str(self.outcome))
            .with_opt("disposition", self.disposition.as_deref().map(Json::str))
    }
}

/// Encodes a claim acknowledgment: one ClaimResponse per acknowledged claim (277CA), or one
/// for the whole interchange or group (TA1, 999).
///
/// # Errors
///
/// A problem when FHIR's required `created` cannot be dated.
pub fn ack(message: &Message, body: &ClaimAck, index: usize) -> Result<Vec<Json>, Box<Problem>> {
    let created = common::created(message, body.created.as_ref().map(|c| c.as_str()), index)?;
    let claims: Vec<&ClaimAckStatus> = body
        .claim_statuses
        .iter()
        .filter(|s| s.level == AckLevel::Claim)
        .collect();
    if claims.is_empty() {
        let accepted = body.all_accepted();
        let response = Response {
            message,
            use_: "claim",
            created,
            outcome: if accepted { "queued" } else { "error" },
            disposition: Some(if accepted { "accepted" } else { "rejected" }.to_owned()),
            payer_claim_number: None,
            request: message.correlation.claim_id.clone(),
            institutional: false,
        };
        return Ok(vec![response.header()]);
    }
    Ok(claims
        .into_iter()
        .map(|status| {
            let rejected = status
                .statuses
                .iter()
                .any(|s| is_error(&s.code.category.code));
            let response = Response {
                message,
                use_: "claim",
                created: created.clone(),
                outcome: if rejected { "error" } else { "queued" },
                disposition: Some(if rejected { "rejected" } else { "accepted" }.to_owned()),
                payer_claim_number: status.payer_claim_control_number.clone(),
                request: status
                    .patient_control_number
                    .clone()
                    .or_else(|| message.correlation.claim_id.clone()),
                institutional: status.bill_type.is_some(),
            };
            finish(
                response.header(),
                &status.statuses,
                &status.lines,
                status.total_charge,
                None,
            )
        })
        .collect())
}

/// Encodes a claim status response.
///
/// # Errors
///
/// A problem when FHIR's required `created` cannot be dated.
pub fn status(
    message: &Message,
    body: &ClaimStatusResponse,
    index: usize,
) -> Result<Json, Box<Problem>> {
    let created = common::created(message, None, index)?;
    let categories: Vec<&str> = body
        .statuses
        .iter()
        .map(|s| s.code.category.code.as_str())
        .collect();
    let outcome = if categories.iter().any(|c| is_error(c)) {
        "error"
    } else if !categories.is_empty() && categories.iter().all(|c| c.starts_with('F')) {
        "complete"
    } else {
        "queued"
    };
    let response = Response {
        message,
        use_: "claim",
        created,
        outcome,
        disposition: None,
        payer_claim_number: body
            .payer_claim_control_number
            .clone()
            .or_else(|| message.correlation.payer_claim_control_number.clone()),
        request: body
            .patient_control_number
            .clone()
            .or_else(|| message.correlation.claim_id.clone()),
        institutional: body.bill_type.is_some(),
    };
    let charge = body.statuses.iter().find_map(|s| s.charge);
    let payment = body.statuses.iter().find(|s| s.paid.is_some()).map(payment);
    Ok(finish(
        response.header(),
        &body.statuses,
        &body.lines,
        charge,
        payment,
    ))
}

/// Encodes a prior authorization response: `preAuthRef`, `preAuthPeriod`, one item per
/// service decision (HCR01 action as the adjudication category, HCR03 reasons).
///
/// # Errors
///
/// A problem when FHIR's required `created` cannot be dated.
pub fn prior_auth(
    message: &Message,
    body: &PriorAuthResponse,
    index: usize,
) -> Result<Json, Box<Problem>> {
    let created = common::created(message, None, index)?;
    let outcome = if !body.rejections.is_empty() {
        "error"
    } else {
        match body.action {
            CertificationAction::Pended => "queued",
            CertificationAction::CertifiedPartial | CertificationAction::Modified => "partial",
            _ => "complete",
        }
    };
    let response = Response {
        message,
        use_: "preauthorization",
        created,
        outcome,
        disposition: Some(body.action.as_str().replace('_', " ")),
        payer_claim_number: None,
        request: body
            .trace
            .as_ref()
            .map(|t| t.reference.clone())
            .or_else(|| message.correlation.trace_numbers.first().cloned()),
        institutional: false,
    };
    let items: Vec<Json> = body
        .services
        .iter()
        .map(|service| {
            let adjudication = Json::obj()
                .with(
                    "category",
                    concept_of(X12_REVIEW_ACTION, service.action.x12_code()),
                )
                .with_opt("reason", service.reasons.first().map(concept))
                .with_opt("value", service.quantity.map(write::decimal));
            Json::obj()
                .with("itemSequence", Json::uint(service.line_number))
                .with("adjudication", Json::Arr(vec![adjudication]))
        })
        .collect();
    let notes: Vec<Json> = body
        .notes
        .iter()
        .enumerate()
        .map(|(n, note)| note_json(n, &note.text))
        .collect();
    let errors: Vec<Json> = body
        .rejections
        .iter()
        .map(|r| Json::obj().with("code", concept_of(X12_REJECT_REASON, &r.reason_code)))
        .collect();
    Ok(response
        .header()
        .with_opt(
            "preAuthRef",
            body.authorization_number.as_deref().map(Json::str),
        )
        .with_opt(
            "preAuthPeriod",
            body.effective_period.as_ref().map(write::period),
        )
        .with_list("item", items)
        .with_list("processNote", notes)
        .with_list("error", errors))
}

/// Whether a claim status category means the claim was rejected or in error (A3, A4, A6, A7,
/// A8, E0-E4, D0).
fn is_error(category: &str) -> bool {
    matches!(category, "A3" | "A4" | "A6" | "A7" | "A8" | "D0") || category.starts_with('E')
}

/// Adds items, totals, payment, notes and errors of statuses to a ClaimResponse header.
fn finish(
    header: Json,
    statuses: &[StatusInfo],
    lines: &[LineStatus],
    charge: Option<Money>,
    payment: Option<Json>,
) -> Json {
    let items: Vec<Json> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, line)| {
            let mut adjudication = Vec::new();
            if let Some(charge) = line.charge {
                adjudication.push(amount("submitted", charge));
            }
            if let Some(paid) = line.paid {
                adjudication.push(amount("benefit", paid));
            }
            (!adjudication.is_empty()).then(|| {
                Json::obj()
                    .with(
                        "itemSequence",
                        Json::uint(u32::try_from(n + 1).unwrap_or(u32::MAX)),
                    )
                    .with("adjudication", Json::Arr(adjudication))
            })
        })
        .collect();
    let mut totals = Vec::new();
    if let Some(charge) = charge {
        totals.push(amount("submitted", charge));
    }
    let notes: Vec<Json> = statuses
        .iter()
        .filter_map(|s| s.message.as_deref())
        .enumerate()
        .map(|(n, text)| note_json(n, text))
        .collect();
    let errors: Vec<Json> = statuses
        .iter()
        .filter(|s| is_error(&s.code.category.code))
        .map(|s| {
            let codes: Vec<&Code> = std::iter::once(&s.code.category)
                .chain(s.code.status.as_ref())
                .collect();
            Json::obj().with(
                "code",
                Json::obj().with(
                    "coding",
                    Json::Arr(codes.into_iter().map(write::coding).collect()),
                ),
            )
        })
        .collect();
    header
        .with_list("item", items)
        .with_list("total", totals)
        .with_opt("payment", payment)
        .with_list("processNote", notes)
        .with_list("error", errors)
}

/// An adjudication or total entry of an `adjudication` category.
fn amount(category: &str, money: Money) -> Json {
    Json::obj()
        .with("category", concept_of(ADJUDICATION, category))
        .with("amount", write::money(money))
}

/// `payment` from a status with a paid amount.
fn payment(status: &StatusInfo) -> Json {
    Json::obj()
        .with("type", concept_of(PAYMENT_TYPE, "complete"))
        .with_opt("date", status.payment_date.as_ref().map(write::date))
        .with_opt("amount", status.paid.map(write::money))
        .with_opt(
            "identifier",
            status.check_number.as_deref().map(|n| identifier(None, n)),
        )
}

/// A `processNote` (numbered from 1).
fn note_json(index: usize, text: &str) -> Json {
    Json::obj()
        .with(
            "number",
            Json::uint(u32::try_from(index + 1).unwrap_or(u32::MAX)),
        )
        .with("text", Json::str(text))
}
