//! What keeps an `eligibility.request` from a TR3-valid 270, or an `eligibility.response`
//! from a 271 (005010X279A1): each problem names a JSON pointer into the `encode` input and
//! the rule, never a value.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::RejectionLevel;
use clearway_plugin_sdk::schemas::{Body, CodeSystem, Message, Party};

use super::write::{is_person, last_or_organization, nm1_id};

/// `NM108` qualifiers of the information source (2100A), in order of preference.
pub const PAYER_IDS: &[&str] = &["PI", "XV", "XX", "FI", "NI", "24", "46"];
/// `NM108` qualifiers of the information receiver (2100B), in order of preference.
pub const PROVIDER_IDS: &[&str] = &["XX", "SV", "FI", "PI", "XV", "PP", "24", "34"];

/// Problem code for something the TR3 requires that the message lacks.
pub const REQUIRED: &str = "x12.encode.required";
/// Problem code for something the message carries that the TR3 has no place for.
pub const NOT_ALLOWED: &str = "x12.encode.not_allowed";

/// A problem at `path` with `code`.
pub fn problem(code: &str, path: String, message: String) -> Problem {
    Problem::error(code, message).at_path(path)
}

/// Adds a "requires" problem when `present` is false.
pub fn require(out: &mut Vec<Problem>, present: bool, path: String, tx: &str, what: &str) {
    if !present {
        out.push(problem(
            REQUIRED,
            path,
            format!("a {tx} requires {what}, which the message does not carry"),
        ));
    }
}

/// Checks a name loop's party: present, named (`NM103`) and identified (`NM108`/`NM109`)
/// with one of `ids`.
pub fn check_party(
    out: &mut Vec<Problem>,
    (base, role): (&str, &str),
    party: Option<&Party>,
    (tx, loop_id): (&str, &str),
    ids: &[&'static str],
) {
    let Some(party) = party else {
        require(
            out,
            false,
            format!("{base}/parties/{role}"),
            tx,
            &format!("the {role} (loop {loop_id})"),
        );
        return;
    };
    let name = if is_person(party) {
        "last_name"
    } else {
        "name"
    };
    require(
        out,
        last_or_organization(party).is_some_and(|n| !n.is_empty()),
        format!("{base}/parties/{role}/{name}"),
        tx,
        &format!("the {role} name (loop {loop_id} NM103)"),
    );
    if !ids.is_empty() {
        let field = match ids[0] {
            "XX" => "npi",
            "MI" => "member_id",
            _ => "payer_id",
        };
        require(
            out,
            nm1_id(party, ids).is_some(),
            format!("{base}/parties/{role}/{field}"),
            tx,
            &format!(
                "an identifier of the {role} (loop {loop_id} NM109, qualifier one of {})",
                ids.join(", ")
            ),
        );
    }
}

/// Whether a 271 has a loop for a rejection at `level`, given which of the provider,
/// subscriber and patient the message names.
fn writable(level: RejectionLevel, (provider, subscriber, patient): (bool, bool, bool)) -> bool {
    match level {
        RejectionLevel::InformationSource => true,
        RejectionLevel::InformationReceiver => provider,
        RejectionLevel::Subscriber | RejectionLevel::SubscriberInquiry => subscriber,
        RejectionLevel::Dependent | RejectionLevel::DependentInquiry => patient,
        _ => false,
    }
}

/// What keeps eligibility message `index` from a TR3-valid 270 (`response` false) or 271.
pub fn problems(index: usize, message: &Message, response: bool) -> Vec<Problem> {
    let tx = if response { "271" } else { "270" };
    let base = format!("/{index}");
    let p = &message.parties;
    let mut out = Vec::new();
    check_party(
        &mut out,
        (&base, "payer"),
        p.payer.as_ref(),
        (tx, "2100A"),
        PAYER_IDS,
    );
    let subscriber = p.subscriber.is_some();
    // A 271 rejecting the inquiry at the payer (2100A) may name no information receiver.
    if !response || subscriber || p.provider.is_some() {
        let provider = p.provider.as_ref();
        check_party(
            &mut out,
            (&base, "provider"),
            provider,
            (tx, "2100B"),
            PROVIDER_IDS,
        );
    }
    let patient = p.patient.is_some();
    if !response || patient {
        require(
            &mut out,
            subscriber,
            format!("{base}/parties/subscriber"),
            tx,
            "the subscriber (loop 2100C)",
        );
    }
    let traces = match &message.body {
        Body::EligibilityRequest(request) => &request.traces,
        Body::EligibilityResponse(response) => &response.traces,
        _ => return out,
    };
    let most = if response { 3 } else { 2 };
    if traces.len() > most || (!traces.is_empty() && !subscriber) {
        out.push(problem(
            NOT_ALLOWED,
            format!("{base}/body/traces"),
            format!("a {tx} carries at most {most} trace numbers (TRN), at a subscriber level"),
        ));
    }
    for (k, trace) in traces.iter().enumerate() {
        require(
            &mut out,
            trace.originator.as_ref().is_some_and(|o| o.len() == 10),
            format!("{base}/body/traces/{k}/originator"),
            tx,
            "the ten-character trace assigning entity identifier (TRN03)",
        );
    }
    match &message.body {
        Body::EligibilityRequest(request) => {
            if request.diagnoses.len() > 8 {
                out.push(problem(
                    NOT_ALLOWED,
                    format!("{base}/body/diagnoses"),
                    "a 270 carries at most eight diagnoses (one HI)".into(),
                ));
            }
            for (k, dx) in request.diagnoses.iter().enumerate() {
                let icd = dx.system == CodeSystem::Icd10Cm
                    || dx.system == CodeSystem::Other(crate::p837::ICD9.to_owned());
                require(
                    &mut out,
                    icd,
                    format!("{base}/body/diagnoses/{k}/system"),
                    tx,
                    "ICD-10-CM or ICD-9-CM diagnosis codes (HI)",
                );
            }
        }
        Body::EligibilityResponse(body) => {
            for (k, r) in body.rejections.iter().enumerate() {
                let at = format!("{base}/body/rejections/{k}");
                if !writable(r.level, (p.provider.is_some(), subscriber, patient)) {
                    out.push(problem(
                        NOT_ALLOWED,
                        format!("{at}/level"),
                        "a 271 has no loop for this rejection level with these parties".into(),
                    ));
                }
                require(
                    &mut out,
                    r.valid_request.is_some(),
                    format!("{at}/valid_request"),
                    tx,
                    "AAA01",
                );
                require(
                    &mut out,
                    r.follow_up_action.is_some(),
                    format!("{at}/follow_up_action"),
                    tx,
                    "the follow-up action (AAA04)",
                );
            }
            if !body.benefits.is_empty() && !subscriber {
                out.push(problem(
                    NOT_ALLOWED,
                    format!("{base}/body/benefits"),
                    "a 271 states benefits (EB) only for a subscriber or dependent".into(),
                ));
            }
            for (b, benefit) in body.benefits.iter().enumerate() {
                for (k, id) in benefit.identifiers.iter().enumerate() {
                    let path = format!("{base}/body/benefits/{b}/identifiers/{k}/qualifier");
                    require(&mut out, id.qualifier.is_some(), path, tx, "REF01");
                }
                for (r, party) in benefit.related_entities.iter().enumerate() {
                    let path = format!("{base}/body/benefits/{b}/related_entities/{r}/role");
                    let what = "the related entity's role (loop 2120 NM101)";
                    require(&mut out, party.role.is_some(), path, tx, what);
                }
            }
        }
        _ => {}
    }
    out
}
