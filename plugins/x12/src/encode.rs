//! Encode: normalized messages to one X12 interchange per transaction type.
//!
//! Control numbers: when the config sets `next_control_number`, the interchange (`ISA13`)
//! and group (`GS06`) take that number and transaction sets count from `0001`. Otherwise
//! the number is derived deterministically from the message ids (FNV-1a of the ids, or of
//! the patient control numbers when the hub has not assigned ids yet), so re-encoding the
//! same messages gives the same interchange. Persistent, monotonically increasing numbers
//! per partner need a host import (a later step).

use clearway_plugin_sdk::schemas::body::claim::ClaimType;
use clearway_plugin_sdk::schemas::{Body, Message, Remittance};
use clearway_plugin_sdk::{ConnectorError, Payload};
use serde_json::Value;

use crate::config::Config;
use crate::syntax::{Delimiters, Writer};
use crate::values::write_date;
use crate::{p835, p837};

/// Media type of what `encode` writes.
pub const CONTENT_TYPE: &str = "application/edi-x12";

/// FNV-1a over the message ids (or claim ids), reduced to 1..=999999999.
fn derived_control_number(messages: &[&Message]) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for message in messages {
        let key = message
            .id
            .as_deref()
            .or(message.correlation.claim_id.as_deref())
            .unwrap_or_default();
        for byte in key.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    u32::try_from(hash % 999_999_999).unwrap_or(0) + 1
}

/// `BHT04`/`BHT05` of the first message, else the configured creation date and time.
fn creation(first: &Message, config: &Config) -> Result<(String, String), ConnectorError> {
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
        _ => Err(ConnectorError::Config(format!(
            "the messages carry no creation date: set config key `{}` (connectors have no clock)",
            crate::config::INTERCHANGE_DATETIME
        ))),
    }
}

/// What goes in a functional group: `GS01`, `ST01` and the implementation convention.
type GroupKind<'v> = (&'v str, &'v str, &'v str);

/// Writes `ISA` and `GS`, then `count` transaction sets (`ST`, `body(writer, index)`, `SE`;
/// `ST02` counts from `0001`), then `GE` and `IEA`.
fn envelope(
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
fn remittance_creation(
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
fn version_of<'m>(first: &'m Message, default: &'m str) -> &'m str {
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

/// Writes all `remittances` into one 835 interchange, one transaction set each.
fn encode_remittances(
    remittances: &[(&Message, &Remittance)],
    indexes: Vec<u32>,
    config: &Config,
    control: Option<u32>,
) -> Result<Payload, ConnectorError> {
    let problems: Vec<_> = remittances
        .iter()
        .zip(&indexes)
        .flat_map(|((message, remittance), &index)| {
            p835::encode::problems(index as usize, message, remittance)
        })
        .collect();
    if !problems.is_empty() {
        return Err(ConnectorError::Invalid(problems));
    }
    let refs: Vec<&Message> = remittances.iter().map(|(m, _)| *m).collect();
    let control = control.unwrap_or_else(|| derived_control_number(&refs));
    let (date, time) = remittance_creation(remittances[0].1, config)?;
    let text = envelope(
        config,
        control,
        (&date, &time),
        ("HP", "835", version_of(remittances[0].0, p835::VERSION)),
        remittances.len(),
        |w, index| {
            let (message, remittance) = remittances[index];
            p835::encode::write_body(w, message, remittance);
        },
    )?;
    Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
        .with_filename_hint(format!("835-{control:09}.x12"))
        .carrying(indexes))
}

/// Encodes `messages`: all professional claims into one 837P interchange, all remittances
/// into one 835 interchange (one transaction set each). With `next_control_number` set and
/// both kinds present, the 835 takes the next number after the 837P's.
///
/// # Errors
///
/// [`ConnectorError::Unsupported`] for a kind (or claim type) not encoded yet,
/// [`ConnectorError::Config`] when no creation date is known, [`ConnectorError::Invalid`]
/// when a value holds an X12 delimiter or a claim lacks what the 837P requires (the billing
/// provider's address).
pub fn encode(messages: &[Message], config: &Config) -> Result<Vec<Payload>, ConnectorError> {
    let mut claims = Vec::new();
    let mut claim_indexes = Vec::new();
    let mut remittances = Vec::new();
    let mut remittance_indexes = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        match &message.body {
            Body::Remittance(remittance) => {
                remittances.push((message, remittance));
                remittance_indexes.push(u32::try_from(index).unwrap_or(u32::MAX));
            }
            Body::Claim(claim) if claim.claim_type == ClaimType::Professional => {
                claims.push((message, claim));
                claim_indexes.push(u32::try_from(index).unwrap_or(u32::MAX));
            }
            Body::Claim(_) => {
                return Err(ConnectorError::Unsupported(
                    "encoding institutional and dental claims (837I, 837D) is not supported yet"
                        .into(),
                ));
            }
            other => {
                return Err(ConnectorError::Unsupported(format!(
                    "encoding `{}` messages to X12 is not supported yet",
                    other.kind()
                )));
            }
        }
    }
    let mut payloads = Vec::new();
    if !claims.is_empty() {
        let problems: Vec<_> = claims
            .iter()
            .zip(&claim_indexes)
            .enumerate()
            .flat_map(|(n, ((message, _), &index))| {
                p837::header::problems(index as usize, message, n == 0)
            })
            .collect();
        if !problems.is_empty() {
            return Err(ConnectorError::Invalid(problems));
        }
        let refs: Vec<&Message> = claims.iter().map(|(m, _)| *m).collect();
        let control = config
            .next_control_number
            .unwrap_or_else(|| derived_control_number(&refs));
        let (date, time) = creation(claims[0].0, config)?;
        let reference = format!("{control}");
        let text = envelope(
            config,
            control,
            (&date, &time),
            ("HC", "837", version_of(claims[0].0, p837::VERSION)),
            1,
            |w, _| {
                p837::encode::write_body(
                    w,
                    &claims,
                    &reference,
                    (&date, &time),
                    (&config.sender_id, &config.receiver_id),
                );
            },
        )?;
        payloads.push(
            Payload::new(text.into_bytes(), CONTENT_TYPE)
                .with_filename_hint(format!("837p-{control:09}.x12"))
                .carrying(claim_indexes),
        );
    }
    if !remittances.is_empty() {
        let control = config.next_control_number.map(|n| {
            if claims.is_empty() {
                n
            } else {
                n % 999_999_999 + 1
            }
        });
        payloads.push(encode_remittances(
            &remittances,
            remittance_indexes,
            config,
            control,
        )?);
    }
    Ok(payloads)
}
