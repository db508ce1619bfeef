//! 835 (005010X221A1) to one `remittance` message per transaction set.

use clearway_plugin_sdk::log;
use clearway_plugin_sdk::schemas::body::remittance::{
    BankAccount, CreditDebit, HandlingCode, Payment, PaymentMethod, ProviderAdjustment,
};
use clearway_plugin_sdk::schemas::{Body, EntityType, Identifier, Message, Party, Remittance};
use serde_json::Value;

use super::claims::claim_payment;
use super::spec::ROOT;
use super::{BALANCE_PROBLEMS, PAYER_CONTACT_FUNCTIONS};
use crate::decode::EnvelopeIds;
use crate::parties;
use crate::syntax::{ErrorKind, Segment, Transaction, X12Error};
use crate::values::{UNMAPPED, Unmapped, date, money, numbered, opt_date, read_trace};
use crate::walker::{Node, walk};

/// A bank account from four consecutive `BPR` elements, `None` when all are empty.
fn account(bpr: &Segment<'_>, first: usize) -> Option<BankAccount> {
    let some = |n: usize| bpr.opt(n).map(str::to_owned);
    let account = BankAccount {
        dfi_qualifier: some(first),
        dfi_number: some(first + 1),
        account_qualifier: some(first + 2),
        account_number: some(first + 3),
    };
    (account != BankAccount::default()).then_some(account)
}

/// Reads `BPR`.
fn bpr(segment: &Segment<'_>) -> Result<Payment, X12Error> {
    let handling = HandlingCode::from_x12_code(segment.req(1, "transaction handling code")?)
        .ok_or_else(|| segment.err("BPR01", ErrorKind::InvalidCode("transaction handling code")))?;
    let credit_debit = match segment.opt(3) {
        Some(code) => Some(CreditDebit::from_x12_code(code).ok_or_else(|| {
            segment.err("BPR03", ErrorKind::InvalidCode("credit or debit flag code"))
        })?),
        None => None,
    };
    let method = PaymentMethod::from_x12_code(segment.req(4, "payment method code")?)
        .ok_or_else(|| segment.err("BPR04", ErrorKind::InvalidCode("payment method code")))?;
    if segment.opt(2).is_none() {
        return Err(segment.err(
            "BPR02",
            ErrorKind::MissingElement("total actual provider payment amount"),
        ));
    }
    Ok(Payment {
        handling,
        amount: money(segment, 2)?,
        credit_debit,
        method,
        format: segment.opt(5).map(str::to_owned),
        sender_account: account(segment, 6),
        originating_company_id: segment.opt(10).map(str::to_owned),
        originating_company_supplemental: segment.opt(11).map(str::to_owned),
        receiver_account: account(segment, 12),
        date: Some({
            segment.req(16, "check issue or EFT effective date")?;
            date(segment, 16)?
        }),
        trace: None,
    })
}

/// Reads the `PLB` pairs.
fn plb(segment: &Segment<'_>, out: &mut Vec<ProviderAdjustment>) -> Result<(), X12Error> {
    let provider_id = segment.req(1, "provider identifier")?.to_owned();
    let fiscal_period_end = opt_date(segment, 2)?;
    let before = out.len();
    for pair in 0..6 {
        let n = 3 + pair * 2;
        match (segment.opt(n), segment.opt(n + 1)) {
            (None, None) => {}
            (Some(_), Some(_)) => {
                let reason = segment.comp(n, 1);
                if reason.is_empty() {
                    return Err(segment.err(
                        format!("PLB{n:02}-1"),
                        ErrorKind::MissingElement("adjustment reason code"),
                    ));
                }
                let reference = segment.comp(n, 2);
                out.push(ProviderAdjustment {
                    provider_id: provider_id.clone(),
                    fiscal_period_end: fiscal_period_end.clone(),
                    reason: reason.to_owned(),
                    reference: (!reference.is_empty()).then(|| reference.to_owned()),
                    amount: money(segment, n + 1)?,
                });
            }
            (None, Some(_)) => {
                return Err(segment.err(
                    segment.elref(n),
                    ErrorKind::MissingElement("provider adjustment identifier"),
                ));
            }
            (Some(_), None) => {
                return Err(segment.err(
                    segment.elref(n + 1),
                    ErrorKind::MissingElement("provider adjustment amount"),
                ));
            }
        }
    }
    if out.len() == before {
        return Err(segment.err(
            "PLB03",
            ErrorKind::MissingElement("provider adjustment identifier"),
        ));
    }
    Ok(())
}

/// The party of an `N1` loop (1000A payer, 1000B payee) with its `N3`/`N4`/`REF`/`PER`.
fn read_n1(node: &Node<'_, '_, '_>) -> Result<Party, X12Error> {
    let n1 = node.segments()[0];
    let mut party = Party {
        entity_type: Some(EntityType::Organization),
        name: Some(
            n1.req(2, "name")
                .map_err(|e| e.in_loop(node.id()))?
                .to_owned(),
        ),
        ..Party::default()
    };
    if let Some(id) = n1.opt(4) {
        let id = id.to_owned();
        match n1.el(3) {
            "XX" => party.npi = Some(id),
            "FI" => party.tax_id = Some(id),
            "XV" | "PI" => party.payer_id = Some(id),
            qualifier => party.identifiers.push(Identifier::qualified(qualifier, id)),
        }
    }
    parties::add_details(&mut party, node)?;
    Ok(party)
}

/// Decodes one 835 transaction set.
///
/// # Errors
///
/// Loop structure, required segments and elements, codes, dates and amounts, each with its
/// position. An 835 that does not balance is not an error (see the module documentation).
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Message, X12Error> {
    let tree = walk(&ROOT, &tx.body)?;
    let root = tree.root();
    let mut unmapped = Unmapped::default();
    let bpr_segment = root.first("BPR").ok_or_else(|| {
        X12Error::new(tx.st.pos(), ErrorKind::MissingSegment("segment BPR".into()))
    })?;
    let mut payment = bpr(bpr_segment).map_err(|e| e.in_loop("HEADER"))?;
    let mut remittance = Remittance {
        payment: payment.clone(),
        production_date: None,
        receiver_id: None,
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
    };
    for segment in root.segments() {
        let mapped = match (segment.id, segment.el(1)) {
            ("BPR", _) => std::ptr::eq(*segment, bpr_segment),
            ("TRN", _) if payment.trace.is_none() => {
                payment.trace = Some(
                    read_trace(segment, "check or EFT trace number")
                        .map_err(|e| e.in_loop("HEADER"))?,
                );
                true
            }
            ("REF", "EV") if remittance.receiver_id.is_none() => {
                remittance.receiver_id = segment.opt(2).map(str::to_owned);
                true
            }
            ("DTM", "405") if remittance.production_date.is_none() => {
                remittance.production_date =
                    Some(date(segment, 2).map_err(|e| e.in_loop("HEADER"))?);
                true
            }
            ("PLB", _) => {
                plb(segment, &mut remittance.provider_adjustments)
                    .map_err(|e| e.in_loop("HEADER"))?;
                true
            }
            _ => false,
        };
        if !mapped {
            unmapped.push("HEADER", None, segment);
        }
    }
    remittance.payment = payment;
    let mut message = Message::new(Body::Remittance(Remittance {
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
        ..remittance.clone()
    }));
    let mut position = 0u32;
    for node in root.children() {
        match node.id() {
            "1000A" => {
                message.parties.payer = Some(read_n1(&node)?);
                let functions: Vec<Value> = node
                    .all("PER")
                    .map(|per| Value::String(per.el(1).to_owned()))
                    .collect();
                if !functions.is_empty() {
                    message
                        .extensions
                        .insert(PAYER_CONTACT_FUNCTIONS.into(), Value::Array(functions));
                }
            }
            "1000B" => {
                message.parties.payee = Some(read_n1(&node)?);
                for segment in node.all("RDM") {
                    unmapped.push("1000B", None, segment);
                }
            }
            _ => {
                let lx = node.segments()[0];
                let header_number = lx
                    .el(1)
                    .parse::<u32>()
                    .map_err(|_| lx.err("LX01", ErrorKind::InvalidNumber).in_loop("2000"))?;
                let ts2 = node.first("TS2").is_some();
                for segment in node.segments().iter().skip(1) {
                    unmapped.push_at("2000", Some(position + 1), None, segment);
                }
                for child in node.children() {
                    position += 1;
                    let claim =
                        claim_payment(&child, Some(header_number), ts2, position, &mut unmapped)?;
                    remittance.claims.push(claim);
                }
            }
        }
    }
    correlate(&mut message, &remittance, ids);
    ids.record_version(&mut message);
    let problems = remittance.balance_problems();
    if !problems.is_empty() {
        log::warn!(
            "835 transaction set does not balance: {}",
            problems.join("; ")
        );
        message.extensions.insert(
            BALANCE_PROBLEMS.into(),
            Value::Array(problems.into_iter().map(Value::String).collect()),
        );
    }
    if let Some(value) = unmapped.to_value() {
        message.extensions.insert(UNMAPPED.into(), value);
    }
    message.body = Body::Remittance(remittance);
    Ok(message)
}

/// Sets the message's correlation keys: the trace number, the first claim's ids, and
/// `clp01.N` / `clp07.N` for every claim payment.
fn correlate(message: &mut Message, remittance: &Remittance, ids: &EnvelopeIds) {
    let correlation = &mut message.correlation;
    if let Some(trace) = &remittance.payment.trace {
        correlation.trace_numbers.push(trace.reference.clone());
    }
    if let Some(first) = remittance.claims.first() {
        correlation.claim_id = Some(first.patient_control_number.clone());
        correlation.payer_claim_control_number = first.payer_claim_control_number.clone();
    }
    for (index, claim) in remittance.claims.iter().enumerate() {
        let n = index as u64 + 1;
        correlation
            .other
            .insert(numbered("clp01.", n), claim.patient_control_number.clone());
        if let Some(icn) = &claim.payer_claim_control_number {
            correlation.other.insert(numbered("clp07.", n), icn.clone());
        }
    }
    ids.apply(correlation);
}
