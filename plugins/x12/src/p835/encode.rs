//! A `remittance` message to an 835 (005010X221A1) transaction body: `BPR` through `PLB`.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::remittance::{BankAccount, Payment, ProviderAdjustment};
use clearway_plugin_sdk::schemas::{Message, Party, Remittance};
use serde_json::Value;

use super::PAYER_CONTACT_FUNCTIONS;
use super::write_claims::write_claim;
use crate::parties;
use crate::syntax::Writer;
use crate::values::{UNMAPPED, Unmapped, write_date, write_trace};

/// The four elements of a bank account (empty strings when absent).
fn account(account: Option<&BankAccount>) -> [String; 4] {
    let get = |f: fn(&BankAccount) -> &Option<String>| {
        account.and_then(|a| f(a).clone()).unwrap_or_default()
    };
    [
        get(|a| &a.dfi_qualifier),
        get(|a| &a.dfi_number),
        get(|a| &a.account_qualifier),
        get(|a| &a.account_number),
    ]
}

/// Writes `BPR` and `TRN`.
fn write_payment(w: &mut Writer, payment: &Payment) {
    let mut bpr = vec![
        payment.handling.x12_code().to_owned(),
        payment.amount.to_string(),
        payment
            .credit_debit
            .map(|c| c.x12_code().to_owned())
            .unwrap_or_default(),
        payment.method.x12_code().to_owned(),
        payment.format.clone().unwrap_or_default(),
    ];
    bpr.extend(account(payment.sender_account.as_ref()));
    bpr.push(payment.originating_company_id.clone().unwrap_or_default());
    bpr.push(
        payment
            .originating_company_supplemental
            .clone()
            .unwrap_or_default(),
    );
    bpr.extend(account(payment.receiver_account.as_ref()));
    bpr.push(payment.date.as_ref().map(write_date).unwrap_or_default());
    w.seg("BPR", &bpr);
    if let Some(trace) = &payment.trace {
        write_trace(w, trace);
    }
}

/// `N103`/`N104` for a party, in the order of preference of the role, and what was used.
fn n1_id(party: &Party, payer: bool) -> (&'static str, String) {
    let candidates = [
        ("XV", &party.payer_id),
        ("XX", &party.npi),
        ("FI", &party.tax_id),
    ];
    let order: [usize; 3] = if payer { [0, 1, 2] } else { [1, 2, 0] };
    order
        .iter()
        .find_map(|&i| {
            candidates[i]
                .1
                .as_ref()
                .map(|id| (candidates[i].0, id.clone()))
        })
        .unwrap_or(("", String::new()))
}

/// Writes an `N1` loop (1000A payer or 1000B payee): `N1`, `N3`, `N4`, `REF`, `PER`.
fn write_n1(w: &mut Writer, role: &str, party: &Party, functions: &[&str]) {
    let payer = role == "PR";
    let (qualifier, id) = n1_id(party, payer);
    w.seg(
        "N1",
        &[
            role,
            party.name.as_deref().unwrap_or_default(),
            qualifier,
            id.as_str(),
        ],
    );
    if let Some(address) = &party.address {
        parties::write_address(w, address);
    }
    if qualifier != "FI"
        && let Some(tax_id) = &party.tax_id
    {
        w.seg("REF", &["EI", tax_id.as_str()]);
    }
    parties::write_refs(w, party, None);
    for (index, contact) in party.contacts.iter().enumerate() {
        let function = functions.get(index).copied().unwrap_or_else(|| {
            let web_only = contact.url.is_some()
                && contact.phone.is_none()
                && contact.email.is_none()
                && contact.fax.is_none();
            if web_only { "IC" } else { "BL" }
        });
        parties::write_contact(w, function, contact);
    }
}

/// Writes `PLB` segments: consecutive adjustments of one provider and fiscal period share a
/// segment, six pairs at most.
fn write_plb(w: &mut Writer, adjustments: &[ProviderAdjustment]) {
    let mut rest = adjustments;
    while let Some(first) = rest.first() {
        let run = rest
            .iter()
            .take(6)
            .take_while(|a| {
                a.provider_id == first.provider_id && a.fiscal_period_end == first.fiscal_period_end
            })
            .count();
        let mut elements = vec![
            first.provider_id.clone(),
            first
                .fiscal_period_end
                .as_ref()
                .map(write_date)
                .unwrap_or_default(),
        ];
        for adjustment in &rest[..run] {
            let reason = w.comp(&[
                adjustment.reason.as_str(),
                adjustment.reference.as_deref().unwrap_or_default(),
            ]);
            elements.push(reason);
            elements.push(adjustment.amount.to_string());
        }
        w.seg("PLB", &elements);
        rest = &rest[run..];
    }
}

/// Writes the carried segments of `loop_id` (optionally only those with segment id `id`).
pub(super) fn carried(
    w: &mut Writer,
    unmapped: &Unmapped,
    (loop_id, claim, line): (&str, Option<u32>, Option<u32>),
    id: Option<&str>,
) {
    for text in unmapped.of_at(loop_id, claim, line) {
        if id.is_none_or(|id| text.split('*').next() == Some(id)) {
            w.raw(text);
        }
    }
}

/// What an 835 requires that the model leaves optional, for message `index` of an encode:
/// the trace (`TRN02`), the payment date (`BPR16`), payer and payee names (`N102`) and every
/// service payment's procedure (`SVC01`). Problems name JSON pointers, never values.
pub fn problems(index: usize, message: &Message, remittance: &Remittance) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut require = |present: bool, path: String, what: &str| {
        if !present {
            out.push(
                Problem::error(
                    "x12.encode.required",
                    format!("an 835 requires {what}, which the message does not carry"),
                )
                .at_path(path),
            );
        }
    };
    let payment = &remittance.payment;
    require(
        payment.trace.is_some(),
        format!("/{index}/body/payment/trace"),
        "the check or EFT trace number (TRN02)",
    );
    require(
        payment.date.is_some(),
        format!("/{index}/body/payment/date"),
        "the check issue or EFT effective date (BPR16)",
    );
    for (role, party) in [
        ("payer", &message.parties.payer),
        ("payee", &message.parties.payee),
    ] {
        require(
            party.as_ref().is_some_and(|p| p.name.is_some()),
            format!("/{index}/parties/{role}/name"),
            &format!("the {role} name (N102)"),
        );
    }
    for (c, claim) in remittance.claims.iter().enumerate() {
        for (l, line) in claim.service_lines.iter().enumerate() {
            require(
                line.procedure.is_some(),
                format!("/{index}/body/claims/{c}/service_lines/{l}/procedure"),
                "the adjudicated procedure of every service payment (SVC01)",
            );
        }
    }
    out
}

/// Writes the body of one 835 transaction set for `message`.
pub fn write_body(w: &mut Writer, message: &Message, remittance: &Remittance) {
    let unmapped = Unmapped::from_value(message.extensions.get(UNMAPPED));
    let header = ("HEADER", None, None);
    write_payment(w, &remittance.payment);
    carried(w, &unmapped, header, Some("TRN"));
    carried(w, &unmapped, header, Some("CUR"));
    if let Some(receiver) = &remittance.receiver_id {
        w.seg("REF", &["EV", receiver.as_str()]);
    }
    carried(w, &unmapped, header, Some("REF"));
    if let Some(date) = &remittance.production_date {
        w.seg("DTM", &["405", write_date(date).as_str()]);
    }
    carried(w, &unmapped, header, Some("DTM"));
    let functions: Vec<&str> = message
        .extensions
        .get(PAYER_CONTACT_FUNCTIONS)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let payer = message.parties.payer.clone().unwrap_or_default();
    write_n1(w, "PR", &payer, &functions);
    let payee = message.parties.payee.clone().unwrap_or_default();
    write_n1(w, "PE", &payee, &[]);
    carried(w, &unmapped, ("1000B", None, None), None);
    let mut previous: Option<u32> = None;
    for (index, claim) in remittance.claims.iter().enumerate() {
        let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let number = claim.header_number.unwrap_or(1);
        let group = ("2000", Some(position), None);
        let carries_2000 = unmapped.of_at(group.0, group.1, group.2).next().is_some();
        if previous != Some(number) || carries_2000 {
            w.seg("LX", &[number.to_string()]);
            carried(w, &unmapped, group, Some("TS3"));
            carried(w, &unmapped, group, Some("TS2"));
            previous = Some(number);
        }
        write_claim(w, claim, position, &unmapped);
    }
    write_plb(w, &remittance.provider_adjustments);
}
