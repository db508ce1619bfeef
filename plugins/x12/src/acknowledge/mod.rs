//! `acknowledge`: the TA1 and 999 that an inbound interchange calls for, as a
//! clearinghouse sends them back.
//!
//! - The interchange is read leniently ([`read`], [`interchange`]): problems become codes
//!   instead of stopping the reading.
//! - A TA1 ([`isa`]) reports the `ISA`/`IEA` problems: `TA104` `R` when one rejects the
//!   interchange, `E` when they are only noted, and `A`/`000` only when the sender asked
//!   (`ISA14` `1`). Its own interchange, one payload.
//! - Unless the TA1 rejects the interchange, one 999 per functional group ([`set`]) in one
//!   interchange (one payload): `AK1`, per transaction set `AK2`, the `IK3`/`IK4`/`CTX` of
//!   the element syntax ([`elements`]) and TR3 problems ([`tr3`]: the connector's own
//!   decoder), `IK5`, then `AK9`. Groups of acknowledgments (`GS01` `FA`) are not
//!   acknowledged.
//! - No `ISA` at all (empty input, or another segment first): nothing can be answered (a
//!   TA1 needs `ISA13` and the sender's id), so the call fails with the same `Malformed`
//!   problem as `decode`. A broken fixed-length `ISA` whose ids and control number can
//!   still be read loosely gets a TA1 `R` with the broken element's note code; otherwise
//!   the call fails the same way.
//!
//! The answers go from the inbound `ISA08` (qualifier `ISA07`) to its `ISA06` (`ISA05`),
//! `GS02`/`GS03` reversed from the first inbound group, `ISA15` mirrored. Their control
//! numbers come from [`ControlNumbers`] for that partner pair; their creation date and time
//! from the config's `interchange_datetime`, else the inbound `GS04`/`GS05`, else its
//! `ISA09`/`ISA10`, else when the hub received it (connectors have no clock).

pub mod elements;
pub mod interchange;
pub mod isa;
pub mod read;
pub mod set;
pub mod tr3;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_999;

use clearway_plugin_sdk::schemas::body::ack::{
    AckType, GroupAck, InterchangeAck, InterchangeAckCode,
};
use clearway_plugin_sdk::schemas::{Body, ClaimAck, Message};
use clearway_plugin_sdk::{ConnectorError, InboundMeta, Payload, log};

use crate::ack::VERSION_999;
use crate::ack::encode::write_999;
use crate::ack::envelope::{self, Header, Side};
use crate::config::{Config, RECEIVER_ID, SENDER_ID};
use crate::encode::CONTENT_TYPE;
use crate::numbers::ControlNumbers;
use crate::syntax::{ErrorKind, Segment, X12Error};
use crate::values::{parse_date, parse_time};
use isa::{Inbound, Note, Severity};
use read::{Reading, Seg};

/// `CCYYMMDD` and `HHMM` from the digits of an RFC 3339 time.
fn from_rfc3339(text: &str) -> Option<(String, String)> {
    let digits: String = text.chars().filter(char::is_ascii_digit).take(12).collect();
    (digits.len() == 12 && parse_date(&digits[..8]).is_some() && parse_time(&digits[8..]).is_some())
        .then(|| (digits[..8].to_owned(), digits[8..].to_owned()))
}

/// The creation date and time of the answers (see the module documentation).
fn creation(
    config: &Config,
    inbound: &Inbound,
    gs: Option<&Seg<'_>>,
    meta: &InboundMeta,
) -> Result<(String, String), ConnectorError> {
    let group = gs.and_then(|gs| {
        let (date, time) = (gs.trimmed(4), gs.trimmed(5).get(..4)?);
        (parse_date(date).is_some() && parse_time(time).is_some())
            .then(|| (date.to_owned(), time.to_owned()))
    });
    config
        .interchange_datetime
        .clone()
        .or(group)
        .or_else(|| inbound.date_time())
        .or_else(|| from_rfc3339(&meta.received_at))
        .or_else(|| {
            clearway_plugin_sdk::time::ulid_time(&meta.inbound_id).and_then(|t| from_rfc3339(&t))
        })
        .ok_or_else(|| {
            ConnectorError::Config(format!(
                "the interchange carries no usable date: set config key `{}` (connectors \
                 have no clock)",
                crate::config::INTERCHANGE_DATETIME
            ))
        })
}

/// The error for an `ISA` whose answer cannot be addressed: the first empty id, qualifier
/// or control number.
fn unaddressable(isa: &Segment<'_>) -> X12Error {
    let n = [5, 6, 7, 8, 13]
        .into_iter()
        .find(|&n| isa.el(n).trim().is_empty())
        .unwrap_or(13);
    isa.err(
        isa.elref(n),
        ErrorKind::MissingElement("interchange id, qualifier or control number"),
    )
}

/// Who answers whom, when, and with which numbers.
struct Reply<'m> {
    /// The answering side (the inbound receiver).
    sender: Side,
    /// The answered side (the inbound sender).
    receiver: Side,
    /// `ISA15`.
    usage: char,
    /// Creation date and time.
    created: (String, String),
    /// Control numbers for the pair.
    numbers: ControlNumbers,
    /// The inbound metadata (its id names the answers for derived numbers).
    meta: &'m InboundMeta,
}

impl<'m> Reply<'m> {
    /// The reply to `inbound` (first group `gs`), with the config read through `get`.
    fn new(
        inbound: &Inbound,
        gs: Option<&Seg<'_>>,
        meta: &'m InboundMeta,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Reply<'m>, ConnectorError> {
        let config = Config::parse(&|key| match key {
            SENDER_ID => Some(inbound.receiver.1.clone()),
            RECEIVER_ID => Some(inbound.sender.1.clone()),
            other => get(other),
        })?;
        let application = |n: usize, id: &str| {
            let code = gs.map_or("", |gs| gs.trimmed(n));
            if code.is_empty() { id } else { code }.to_owned()
        };
        Ok(Reply {
            sender: Side {
                qualifier: inbound.receiver.0.clone(),
                id: inbound.receiver.1.clone(),
                application: application(3, &inbound.receiver.1),
            },
            receiver: Side {
                qualifier: inbound.sender.0.clone(),
                id: inbound.sender.1.clone(),
                application: application(2, &inbound.sender.1),
            },
            usage: inbound.usage.unwrap_or(config.usage),
            created: creation(&config, inbound, gs, meta)?,
            numbers: ControlNumbers::new(&config),
            meta,
        })
    }

    /// The header of the next answer, numbered for `ack` (named `what` for derived numbers).
    fn header(&mut self, ack: ClaimAck, what: &str) -> Result<Header, ConnectorError> {
        let mut message = Message::new(Body::ClaimAck(ack));
        message.id = Some(format!("{}/{what}", self.meta.inbound_id));
        Ok(Header {
            sender: self.sender.clone(),
            receiver: self.receiver.clone(),
            usage: self.usage,
            date: self.created.0.clone(),
            time: self.created.1.clone(),
            control: self.numbers.next(&[&message])?,
        })
    }

    /// The TA1 interchange: `TA102`/`TA103` echo the inbound `ISA09`/`ISA10`.
    fn ta1(
        &mut self,
        inbound: &Inbound,
        code: InterchangeAckCode,
        note: &str,
    ) -> Result<Payload, ConnectorError> {
        let mut ack = ClaimAck::new(AckType::Ta1);
        ack.acknowledged.interchange_control_number = Some(inbound.control.clone());
        ack.interchange = Some(InterchangeAck {
            control_number: inbound.control.clone(),
            date: None,
            time: None,
            ack_code: code,
            note_code: note.to_owned(),
        });
        let header = self.header(ack, "ta1")?;
        let echo = |value: &str, fallback: &str| {
            if value.is_empty() { fallback } else { value }.to_owned()
        };
        let elements = vec![
            inbound.control.clone(),
            echo(&inbound.date, &header.date[2..]),
            echo(&inbound.time, &header.time),
            code.x12_code().to_owned(),
            note.to_owned(),
        ];
        let text = envelope::write(&header, &[elements], None, |_, _| {})?;
        Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
            .with_filename_hint(format!("ta1-{:09}.x12", header.control)))
    }

    /// The 999 interchange: one transaction set per group result.
    fn implementation(&mut self, groups: &[GroupAck]) -> Result<Payload, ConnectorError> {
        let mut ack = ClaimAck::new(AckType::Implementation999);
        ack.functional_groups = groups.to_vec();
        let header = self.header(ack, "999")?;
        let text = envelope::write(
            &header,
            &[],
            Some((("FA", "999", VERSION_999), groups.len())),
            |w, index| write_999(w, &groups[index]),
        )?;
        Ok(Payload::new(text.into_bytes(), CONTENT_TYPE)
            .with_filename_hint(format!("999-{:09}.x12", header.control)))
    }
}

/// The TA1 code and note for `notes`: `R` with the first rejecting note, else `E` with the
/// first note, else `A`/`000`.
fn verdict(notes: &[Note]) -> (InterchangeAckCode, &'static str) {
    match notes.iter().find(|n| n.severity == Severity::Rejected) {
        Some(note) => (InterchangeAckCode::Rejected, note.code),
        None => match notes.first() {
            Some(note) => (InterchangeAckCode::AcceptedWithErrors, note.code),
            None => (InterchangeAckCode::Accepted, "000"),
        },
    }
}

/// The acknowledgments of `input`: a TA1 payload when the interchange has problems or asks
/// for one, then a 999 payload unless the TA1 rejects the interchange or no group calls for
/// one. Config keys other than the ids are read through `get`.
///
/// # Errors
///
/// [`ConnectorError::Malformed`] when there is no `ISA` to answer (or it is too broken to
/// address an answer), [`ConnectorError::Config`] for a bad config value or no usable
/// creation date, [`ConnectorError::Invalid`] when an echoed value holds a delimiter of the
/// answer.
pub fn acknowledge(
    input: &[u8],
    meta: &InboundMeta,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Payload>, ConnectorError> {
    let text = String::from_utf8_lossy(input);
    let segments = match read::read(&text)? {
        Reading::BrokenIsa { error, elements } => {
            let Some(inbound) = elements.as_deref().and_then(Inbound::from_elements) else {
                return Err(error.into());
            };
            let note = isa::read_error_note(&error);
            log::info!("acknowledge: the ISA cannot be read, TA1 R {note}");
            let mut reply = Reply::new(&inbound, None, meta, get)?;
            return Ok(vec![reply.ta1(
                &inbound,
                InterchangeAckCode::Rejected,
                note,
            )?]);
        }
        Reading::Whole(segments) => segments,
    };
    let isa = &segments[0];
    let inbound = Inbound::from_isa(&isa.segment).ok_or_else(|| unaddressable(&isa.segment))?;
    let envelope = interchange::read(&segments);
    let mut notes = isa::value_notes(&isa.segment);
    notes.extend(envelope.notes.iter().copied());
    let mut reply = Reply::new(&inbound, envelope.groups.first().map(|g| g.gs), meta, get)?;
    let mut payloads = Vec::new();
    let (code, note) = verdict(&notes);
    if !notes.is_empty() || inbound.requested {
        payloads.push(reply.ta1(&inbound, code, note)?);
    }
    let mut answered = 0;
    if code != InterchangeAckCode::Rejected {
        let groups: Vec<GroupAck> = envelope
            .groups
            .iter()
            .filter(|g| g.gs.trimmed(1) != "FA")
            .map(|g| set::acknowledge_group(isa, g))
            .collect();
        answered = groups.len();
        if !groups.is_empty() {
            payloads.push(reply.implementation(&groups)?);
        }
    }
    log::info!(
        "acknowledge: interchange {} {note}, 999 for {answered} of {} functional groups",
        code.x12_code(),
        envelope.groups.len()
    );
    Ok(payloads)
}
