//! Encode: normalized messages to one X12 interchange per transaction type.
//!
//! [`encode`] sorts the messages into [`Transaction`]s (in the order each first appears),
//! then writes one interchange per transaction type. Each interchange takes its number
//! (`ISA13`, also `GS06`) from [`ControlNumbers`] (the hub's persistent sequence when the
//! capability is granted); transaction sets count from `0001` inside it.

use clearway_plugin_sdk::schemas::body::ack::AckType;
use clearway_plugin_sdk::schemas::body::claim::ClaimType;
use clearway_plugin_sdk::schemas::{Body, Message, Remittance};
use clearway_plugin_sdk::{ConnectorError, Payload};
use serde_json::Value;

use crate::config::Config;
use crate::numbers::ControlNumbers;
use crate::syntax::{Delimiters, Writer};
use crate::values::write_date;
use crate::{p835, p837};

/// Media type of what `encode` writes.
pub const CONTENT_TYPE: &str = "application/edi-x12";

/// `CCYYMMDD` and `HHMM` (UTC) of when the hub recorded `message`: the time in its ULID id.
pub fn recorded(message: &Message) -> Option<(String, String)> {
    let time = clearway_plugin_sdk::time::ulid_time(message.id.as_deref()?)?;
    let digits: String = time.chars().filter(char::is_ascii_digit).collect();
    Some((digits[..8].to_owned(), digits[8..12].to_owned()))
}

/// `BHT04`/`BHT05` of the first message, else the configured creation date and time, else
/// when the hub recorded the first message (its ULID id, UTC).
pub fn creation(first: &Message, config: &Config) -> Result<(String, String), ConnectorError> {
    let bht = |e: &str| {
        first
            .extensions
            .get(p837::decode::BHT)
            .and_then(|v| v.get(e))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match (bht("BHT04"), bht("BHT05"), &config.interchange_datetime) {
        (Some(date), Some(time), _) if date.len() == 8 && time.len() >= 4 => {
            Ok((date, time[..4].to_owned()))
        }
        (_, _, Some((date, time))) => Ok((date.clone(), time.clone())),
        _ => recorded(first).ok_or_else(|| {
            ConnectorError::Config(format!(
                "the messages carry no creation date and no ULID id: set config key `{}` \
                 (connectors have no clock)",
                crate::config::INTERCHANGE_DATETIME
            ))
        }),
    }
}

/// What goes in a functional group: `GS01`, `ST01` and the implementation convention.
pub type GroupKind<'v> = (&'v str, &'v str, &'v str);

/// Writes `ISA` and `GS`, then `count` transaction sets (`ST`, `body(writer, index)`, `SE`;
/// `ST02` counts from `0001`), then `GE` and `IEA`.
pub fn envelope(
    config: &Config,
    control: u32,
    (date, time): (&str, &str),
    (functional_id, st01, version): GroupKind<'_>,
    count: usize,
    mut body: impl FnMut(&mut Writer, usize),
) -> Result<String, ConnectorError> {
    let d = Delimiters::default();
    let mut w = Writer::new(d, true);
    let isa = format!(
        "ISA*00*{:10}*00*{:10}*ZZ*{:15}*ZZ*{:15}*{}*{}*{}*00501*{control:09}*0*{}*{}",
        "",
        "",
        config.sender_id,
        config.receiver_id,
        &date[2..],
        time,
        d.repetition.unwrap_or('^'),
        config.usage,
        d.component,
    );
    w.raw(&isa);
    let control = control.to_string();
    w.seg(
        "GS",
        &[
            functional_id,
            &config.sender_id,
            &config.receiver_id,
            date,
            time,
            &control,
            "X",
            version,
        ],
    );
    // The 835 TR3 marks ST03 "not used"; the others require it.
    let st03 = if st01 == "835" { "" } else { version };
    for index in 0..count {
        let start = w.count();
        let number = format!("{:04}", index + 1);
        w.seg("ST", &[st01, number.as_str(), st03]);
        body(&mut w, index);
        let segments = (w.count() - start + 1).to_string();
        w.seg("SE", &[segments.as_str(), number.as_str()]);
    }
    w.seg("GE", &[count.to_string().as_str(), control.as_str()]);
    w.seg(
        "IEA",
        &[
            "1",
            format!("{:09}", control.parse::<u32>().unwrap_or(0)).as_str(),
        ],
    );
    w.finish().map_err(|what| {
        ConnectorError::Invalid(vec![clearway_plugin_sdk::Problem::error(
            "x12.encode.delimiter",
            what,
        )])
    })
}

/// The creation date and time of an 835: the configured one, else the production date, else
/// the payment date (time `0000`).
pub fn remittance_creation(
    first: &Remittance,
    config: &Config,
) -> Result<(String, String), ConnectorError> {
    if let Some((date, time)) = &config.interchange_datetime {
        return Ok((date.clone(), time.clone()));
    }
    first
        .production_date
        .as_ref()
        .or(first.payment.date.as_ref())
        .map(|date| (write_date(date), "0000".to_owned()))
        .ok_or_else(|| {
            ConnectorError::Config(format!(
                "the remittance carries no production or payment date: set config key `{}` \
                 (connectors have no clock)",
                crate::config::INTERCHANGE_DATETIME
            ))
        })
}

/// The implementation convention to write for `first`: the one it came with when it is a
/// release of the same guide (`default` up to its addenda letters, e.g. `005010X222`), else
/// `default`.
pub fn version_of<'m>(first: &'m Message, default: &'m str) -> &'m str {
    let guide = &default[..default.len().min(10)];
    first
        .extensions
        .get(crate::decode::IMPLEMENTATION)
        .and_then(Value::as_str)
        .filter(|v| {
            v.starts_with(guide) && v.len() <= 12 && v.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .unwrap_or(default)
}

/// What an interchange is written as: one per transaction type in an `encode` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transaction {
    /// 837P professional claims (005010X222A1), all in one transaction set.
    Professional,
    /// 835 remittances (005010X221A1), one transaction set each.
    Remittance,
    /// 837I institutional claims (005010X223A2), all in one transaction set.
    Institutional,
    /// 837D dental claims (005010X224A2), all in one transaction set.
    Dental,
    /// 999 implementation acknowledgments (005010X231A1), one transaction set per group.
    Ack999,
    /// TA1 interchange acknowledgments, all in one interchange without groups.
    Ta1,
    /// 277CA claim acknowledgments (005010X214), one transaction set each.
    ClaimAck277,
    /// 270 eligibility inquiries (005010X279A1).
    EligibilityRequest,
    /// 271 eligibility responses (005010X279A1).
    EligibilityResponse,
    /// 276 claim status requests (005010X212).
    ClaimStatusRequest,
    /// 277 claim status responses (005010X212).
    ClaimStatusResponse,
    /// 278 services review requests (005010X217), one transaction set each.
    PriorAuthRequest,
    /// 278 services review responses (005010X217), one transaction set each.
    PriorAuthResponse,
}

/// The transaction `message` is written as.
///
/// # Errors
///
/// [`ConnectorError::Unsupported`] for a kind (or claim type) the connector does not write.
pub fn transaction_of(message: &Message) -> Result<Transaction, ConnectorError> {
    match &message.body {
        Body::Remittance(_) => Ok(Transaction::Remittance),
        Body::EligibilityRequest(_) => Ok(Transaction::EligibilityRequest),
        Body::EligibilityResponse(_) => Ok(Transaction::EligibilityResponse),
        Body::ClaimStatusRequest(_) => Ok(Transaction::ClaimStatusRequest),
        Body::ClaimStatusResponse(_) => Ok(Transaction::ClaimStatusResponse),
        Body::PriorAuthRequest(_) => Ok(Transaction::PriorAuthRequest),
        Body::PriorAuthResponse(_) => Ok(Transaction::PriorAuthResponse),
        Body::ClaimAck(ack) => Ok(match ack.ack_type {
            AckType::Implementation999 => Transaction::Ack999,
            AckType::Ta1 => Transaction::Ta1,
            AckType::ClaimAck277 => Transaction::ClaimAck277,
        }),
        Body::Claim(claim) if claim.claim_type == ClaimType::Professional => {
            Ok(Transaction::Professional)
        }
        Body::Claim(claim) if claim.claim_type == ClaimType::Institutional => {
            Ok(Transaction::Institutional)
        }
        Body::Claim(_) => Ok(Transaction::Dental),
        other => Err(ConnectorError::Unsupported(format!(
            "encoding `{}` messages to X12 is not supported yet",
            other.kind()
        ))),
    }
}

/// The messages of one interchange, with their indexes in the `encode` input.
#[derive(Debug, Default)]
pub struct Batch<'m> {
    /// The messages, in input order.
    pub messages: Vec<&'m Message>,
    /// Their indexes in the `encode` input (what the payload carries).
    pub indexes: Vec<u32>,
}

/// Encodes `messages`: one interchange per [`Transaction`] type, in the order each type
/// first appears, each with the next control number.
///
/// # Errors
///
/// [`ConnectorError::Unsupported`] for a kind (or claim type) not encoded,
/// [`ConnectorError::Config`] when no creation date is known, [`ConnectorError::Invalid`]
/// when a value holds an X12 delimiter or a message lacks what its TR3 requires (e.g. the
/// billing provider's address), each problem naming the JSON pointer.
pub fn encode(messages: &[Message], config: &Config) -> Result<Vec<Payload>, ConnectorError> {
    let mut batches: Vec<(Transaction, Batch<'_>)> = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let transaction = transaction_of(message)?;
        let at = match batches.iter().position(|(t, _)| *t == transaction) {
            Some(at) => at,
            None => {
                batches.push((transaction, Batch::default()));
                batches.len() - 1
            }
        };
        let batch = &mut batches[at].1;
        batch.messages.push(message);
        batch.indexes.push(u32::try_from(index).unwrap_or(u32::MAX));
    }
    let mut numbers = ControlNumbers::new(config);
    let mut payloads = Vec::with_capacity(batches.len());
    for (transaction, batch) in batches {
        payloads.push(match transaction {
            Transaction::Professional => {
                encode_claims(batch, config, &mut numbers, &p837::INTERCHANGE)?
            }
            Transaction::Remittance => encode_remittances(batch, config, &mut numbers)?,
            Transaction::Institutional => {
                encode_claims(batch, config, &mut numbers, &crate::p837i::INTERCHANGE)?
            }
            Transaction::Dental => {
                encode_claims(batch, config, &mut numbers, &crate::p837d::INTERCHANGE)?
            }
            Transaction::Ack999 => crate::ack::encode::encode_999(batch, config, &mut numbers)?,
            Transaction::Ta1 => crate::ack::encode::encode_ta1(batch, config, &mut numbers)?,
            Transaction::ClaimAck277 => crate::p277ca::encode::encode(batch, config, &mut numbers)?,
            Transaction::EligibilityRequest => {
                crate::p270::encode::encode(batch, config, &mut numbers, false)?
            }
            Transaction::EligibilityResponse => {
                crate::p270::encode::encode(batch, config, &mut numbers, true)?
            }
            Transaction::ClaimStatusRequest => {
                crate::p276::encode::encode(batch, config, &mut numbers, false)?
            }
            Transaction::ClaimStatusResponse => {
                crate::p276::encode::encode(batch, config, &mut numbers, true)?
            }
            Transaction::PriorAuthRequest => {
                crate::p278::encode::encode(batch, config, &mut numbers, false)?
            }
            Transaction::PriorAuthResponse => {
                crate::p278::encode::encode(batch, config, &mut numbers, true)?
            }
        });
    }
    Ok(payloads)
}

/// Writes all claims of one variant into one 837 interchange (one transaction set).
fn encode_claims(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
    variant: &p837::interchange::Variant,
) -> Result<Payload, ConnectorError> {
    p837::interchange::encode(batch, config, numbers, variant)
}

/// Writes all remittances into one 835 interchange, one transaction set each.
fn encode_remittances(
    batch: Batch<'_>,
    config: &Config,
    numbers: &mut ControlNumbers,
) -> Result<Payload, ConnectorError> {
    let mut remittances = Vec::with_capacity(batch.messages.len());
    let mut problems = Vec::new();
    for (message, &index) in batch.messages.iter().zip(&batch.indexes) {
        if let Body::Remittance(remittance) = &message.body {
            problems.extend(p835::encode::problems(index as usize, message, remittance));
            remittances.push((*message, remittance));
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let (date, time) = remittance_creation(remittances[0].1, config)?;
    let control = numbers.next(&batch.messages)?;
    let text = envelope(
        config,
        control,
        (&date, &time),
        ("HP", "835", version_of(batch.messages[0], p835::VERSION)),
        remittances.len(),
        |w, index| {
            let (message, remittance) = remittances[index];
            p835::encode::write_body(w, message, remittance);
        },
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("835-{control:09}.x12"))
        .carrying(batch.indexes))
}
