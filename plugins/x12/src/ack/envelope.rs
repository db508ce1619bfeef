//! The interchange around what Clearway writes for acknowledgments (TA1, 999, 277CA): an
//! `ISA` with the given ids and qualifiers, the `TA1`s, at most one functional group, the
//! `IEA`.
//!
//! Unlike [`crate::encode::envelope`], the ids and their qualifiers are given rather than
//! taken from the config (`acknowledge` answers with the inbound `ISA` reversed), the group
//! is optional (a TA1 travels alone), and `GS05` keeps seconds when it has them.

use clearway_plugin_sdk::{ConnectorError, Problem};

use crate::encode::GroupKind;
use crate::syntax::{Delimiters, Writer};

/// One party of an interchange: `ISA05`/`ISA06` and `GS02` for the sender, `ISA07`/`ISA08`
/// and `GS03` for the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Interchange id qualifier, two characters (`ZZ` mutually defined, `01` DUNS, ...).
    pub qualifier: String,
    /// Interchange id, 1 to 15 characters.
    pub id: String,
    /// Application code of the functional group (`GS02`/`GS03`).
    pub application: String,
}

impl Side {
    /// A party known by a mutually defined (`ZZ`) id, also used as its application code.
    pub fn mutually_defined(id: &str) -> Side {
        Side {
            qualifier: "ZZ".into(),
            id: id.to_owned(),
            application: id.to_owned(),
        }
    }
}

/// What the `ISA` and `GS` of an acknowledgment interchange say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Who sends the acknowledgment.
    pub sender: Side,
    /// Who receives it.
    pub receiver: Side,
    /// `ISA15`: `T` test, `P` production (`I` information).
    pub usage: char,
    /// Creation date `CCYYMMDD` (`GS04`; `ISA09` takes the last six digits).
    pub date: String,
    /// Creation time `HHMM`, `HHMMSS` or with decimal seconds (`GS05`; `ISA10` takes `HHMM`).
    pub time: String,
    /// `ISA13` and `GS06`.
    pub control: u32,
}

/// The refusal of an envelope value that does not fit its fixed-length `ISA` element.
fn refuse(what: String) -> ConnectorError {
    ConnectorError::Invalid(vec![Problem::error("x12.encode.envelope", what)])
}

/// `value` padded to `width`, or a refusal naming the element when it is longer or empty.
fn fixed(value: &str, width: usize, element: &str) -> Result<String, ConnectorError> {
    if value.is_empty() || value.chars().count() > width || !value.is_ascii() {
        return Err(refuse(format!(
            "{element} must be 1 to {width} ASCII characters"
        )));
    }
    Ok(format!("{value:width$}"))
}

/// Checks the creation date and time and returns `(ISA09, ISA10)`.
fn isa_date_time(header: &Header) -> Result<(String, String), ConnectorError> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if header.date.len() != 8 || !digits(&header.date) {
        return Err(refuse("GS04 creation date must be CCYYMMDD".into()));
    }
    if header.time.len() < 4 || header.time.len() > 8 || !digits(&header.time) {
        return Err(refuse("GS05 creation time must be HHMM to HHMMSSDD".into()));
    }
    Ok((header.date[2..].to_owned(), header.time[..4].to_owned()))
}

/// A functional group of an acknowledgment interchange: its kind and how many transaction
/// sets it holds.
pub type GroupSpec<'v> = (GroupKind<'v>, usize);

/// Writes the interchange: `ISA` (`ISA14` `0`: no TA1 is asked for an acknowledgment),
/// then each of `ta1s` as a `TA1` segment, then the group if any (`ST02` counting from
/// `0001`, `body(writer, index)` writing each transaction set's content), then `IEA`.
///
/// # Errors
///
/// [`ConnectorError::Invalid`] when an id or qualifier does not fit its `ISA` element, the
/// date or time is malformed, or a value holds one of the delimiters `*`, `:`, `^`, `~`.
pub fn write(
    header: &Header,
    ta1s: &[Vec<String>],
    group: Option<GroupSpec<'_>>,
    mut body: impl FnMut(&mut Writer, usize),
) -> Result<String, ConnectorError> {
    let d = Delimiters::default();
    let (isa09, isa10) = isa_date_time(header)?;
    let isa = format!(
        "ISA*00*{:10}*00*{:10}*{}*{}*{}*{}*{isa09}*{isa10}*{}*00501*{:09}*0*{}*{}",
        "",
        "",
        fixed(&header.sender.qualifier, 2, "ISA05")?,
        fixed(&header.sender.id, 15, "ISA06")?,
        fixed(&header.receiver.qualifier, 2, "ISA07")?,
        fixed(&header.receiver.id, 15, "ISA08")?,
        d.repetition.unwrap_or('^'),
        header.control,
        header.usage,
        d.component,
    );
    let mut w = Writer::new(d, true);
    w.raw(&isa);
    for ta1 in ta1s {
        w.seg("TA1", ta1);
    }
    let control = header.control.to_string();
    if let Some(((functional_id, st01, version), count)) = group {
        w.seg(
            "GS",
            &[
                functional_id,
                header.sender.application.as_str(),
                header.receiver.application.as_str(),
                header.date.as_str(),
                header.time.as_str(),
                control.as_str(),
                "X",
                version,
            ],
        );
        for index in 0..count {
            let start = w.count();
            let number = format!("{:04}", index + 1);
            w.seg("ST", &[st01, number.as_str(), version]);
            body(&mut w, index);
            let segments = (w.count() - start + 1).to_string();
            w.seg("SE", &[segments.as_str(), number.as_str()]);
        }
        w.seg("GE", &[count.to_string().as_str(), control.as_str()]);
    }
    let groups = if group.is_some() { "1" } else { "0" };
    w.seg("IEA", &[groups, format!("{:09}", header.control).as_str()]);
    w.finish()
        .map_err(|what| ConnectorError::Invalid(vec![Problem::error("x12.encode.delimiter", what)]))
}
