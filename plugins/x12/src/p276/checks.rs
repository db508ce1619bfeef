//! What keeps a `claim.status.request` from a TR3-valid 276, or a `claim.status.response`
//! from a 277 (005010X212): each problem names a JSON pointer into the `encode` input and the
//! rule, never a value.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::status::{LineStatus, StatusInfo};
use clearway_plugin_sdk::schemas::{Body, Message};

use crate::p270::checks::{check_party, require};

/// `NM108` qualifiers of the payer (2100A).
pub const PAYER_IDS: &[&str] = &["PI", "XV"];
/// `NM108` qualifiers of the service provider (2100C).
pub const PROVIDER_IDS: &[&str] = &["XX", "FI", "SV"];
/// `NM108` qualifiers of the subscriber (2100D).
pub const SUBSCRIBER_IDS: &[&str] = &["MI", "II", "24"];

/// Checks the `STC`s at `path`: at least one, each with its status code (`STC01-2`) and
/// effective date (`STC02`).
fn check_statuses(out: &mut Vec<Problem>, statuses: &[StatusInfo], path: &str) {
    require(
        out,
        !statuses.is_empty(),
        path.to_owned(),
        "277",
        "a status (STC)",
    );
    for (k, status) in statuses.iter().enumerate() {
        let at = format!("{path}/{k}");
        let code = "the health care claim status code (STC01-2)";
        require(
            out,
            status.code.status.is_some(),
            format!("{at}/code/status"),
            "277",
            code,
        );
        let date = "the status effective date (STC02)";
        require(
            out,
            status.effective_date.is_some(),
            format!("{at}/effective_date"),
            "277",
            date,
        );
        for (j, extra) in status.additional.iter().enumerate() {
            let path = format!("{at}/additional/{j}/status");
            require(
                out,
                extra.status.is_some(),
                path,
                "277",
                "the status code (STC10/11-2)",
            );
        }
    }
}

/// Checks a service line: its procedure or revenue code (`SVC01`), charge (`SVC02`) and date
/// (`DTP*472`); on a 277 also its payment (`SVC03`), units (`SVC07`) and statuses.
fn check_line(out: &mut Vec<Problem>, line: &LineStatus, at: &str, tx: &str) {
    let has_code = line.procedure.is_some() || line.revenue_code.is_some();
    let what = "the line's procedure or revenue code (SVC01)";
    require(out, has_code, format!("{at}/procedure"), tx, what);
    let what = "the line item charge (SVC02)";
    require(out, line.charge.is_some(), format!("{at}/charge"), tx, what);
    let dated = line
        .service_period
        .as_ref()
        .is_some_and(|p| p.start.is_some() || p.end.is_some());
    let what = "the service line date (DTP*472)";
    require(out, dated, format!("{at}/service_period"), tx, what);
    if tx == "277" {
        let what = "the line item payment (SVC03)";
        require(out, line.paid.is_some(), format!("{at}/paid"), tx, what);
        let what = "the units of service (SVC07)";
        require(out, line.units.is_some(), format!("{at}/units"), tx, what);
        check_statuses(out, &line.statuses, &format!("{at}/statuses"));
    }
}

/// What keeps claim status message `index` from a TR3-valid 276 (`response` false) or 277.
pub fn problems(index: usize, message: &Message, response: bool) -> Vec<Problem> {
    let tx = if response { "277" } else { "276" };
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
    let provider = p.provider.as_ref();
    check_party(
        &mut out,
        (&base, "provider"),
        provider,
        (tx, "2100C"),
        PROVIDER_IDS,
    );
    let subscriber = p.subscriber.as_ref();
    check_party(
        &mut out,
        (&base, "subscriber"),
        subscriber,
        (tx, "2100D"),
        SUBSCRIBER_IDS,
    );
    if let Some(patient) = &p.patient {
        check_party(
            &mut out,
            (&base, "patient"),
            Some(patient),
            (tx, "2100E"),
            &[],
        );
    }
    if !response {
        let (role, party, level) = match (&p.patient, &p.subscriber) {
            (Some(patient), _) => ("patient", Some(patient), "2000E"),
            (None, subscriber) => ("subscriber", subscriber.as_ref(), "2000D"),
        };
        if party.is_some() {
            require(
                &mut out,
                party.is_some_and(|p| p.birth_date.is_some()),
                format!("{base}/parties/{role}/birth_date"),
                tx,
                &format!("the patient's birth date (loop {level} DMG02)"),
            );
        }
    }
    let (trace, lines) = match &message.body {
        Body::ClaimStatusRequest(r) => (&r.trace, &r.lines),
        Body::ClaimStatusResponse(r) => {
            check_statuses(&mut out, &r.statuses, &format!("{base}/body/statuses"));
            (&r.trace, &r.lines)
        }
        _ => return out,
    };
    let what = "the claim status tracking number (TRN02)";
    require(
        &mut out,
        trace.is_some(),
        format!("{base}/body/trace"),
        tx,
        what,
    );
    for (l, line) in lines.iter().enumerate() {
        check_line(&mut out, line, &format!("{base}/body/lines/{l}"), tx);
    }
    out
}
