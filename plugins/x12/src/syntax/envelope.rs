//! The envelope: `ISA`/`IEA`, `GS`/`GE`, `ST`/`SE`, with counts and control numbers checked.

use super::error::{ErrorKind, X12Error};
use super::segment::Segment;

/// One transaction set: `ST`, its body, `SE`.
#[derive(Debug, Clone)]
pub struct Transaction<'a> {
    /// The `ST` header.
    pub st: Segment<'a>,
    /// The segments between `ST` and `SE`.
    pub body: Vec<Segment<'a>>,
    /// The `SE` trailer.
    pub se: Segment<'a>,
}

impl Transaction<'_> {
    /// The implementation convention: `ST03`, or the group's `GS08` when `ST03` is empty.
    pub fn version<'s>(&'s self, group: &'s Group<'_>) -> &'s str {
        self.st.opt(3).unwrap_or(group.gs.el(8))
    }
}

/// One functional group: `GS`, its transaction sets, `GE`.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The `GS` header.
    pub gs: Segment<'a>,
    /// The transaction sets.
    pub transactions: Vec<Transaction<'a>>,
    /// The `GE` trailer.
    pub ge: Segment<'a>,
}

/// One interchange: `ISA`, its functional groups and `TA1`s, `IEA`.
#[derive(Debug, Clone)]
pub struct Interchange<'a> {
    /// The `ISA` header.
    pub isa: Segment<'a>,
    /// Interchange acknowledgments (`TA1`) carried directly in the interchange.
    pub ta1s: Vec<Segment<'a>>,
    /// The functional groups.
    pub groups: Vec<Group<'a>>,
    /// The `IEA` trailer.
    pub iea: Segment<'a>,
    /// Harmless defects the parse accepted: a `SE02` or `GE02` that differs from its
    /// header's control number (the counts were right, so nothing is missing). A
    /// decoder reports them in a warning; `acknowledge` still flags them.
    pub warnings: Vec<X12Error>,
}

/// Checks that a trailer count element equals `actual`.
fn check_count(
    trailer: &Segment<'_>,
    n: usize,
    what: &'static str,
    actual: usize,
) -> Result<(), X12Error> {
    let declared = trailer.el(n).trim().parse::<u64>().ok();
    let actual = actual as u64;
    if declared == Some(actual) {
        Ok(())
    } else {
        Err(trailer.err(
            trailer.elref(n),
            ErrorKind::CountMismatch {
                what,
                declared,
                actual,
            },
        ))
    }
}

/// Checks that a trailer control number equals its header's.
fn check_control(
    trailer: &Segment<'_>,
    n: usize,
    header: &Segment<'_>,
    m: usize,
    header_ref: &'static str,
) -> Result<(), X12Error> {
    if trailer.el(n).trim() == header.el(m).trim() {
        Ok(())
    } else {
        Err(trailer.err(trailer.elref(n), ErrorKind::ControlMismatch(header_ref)))
    }
}

/// The error for a missing trailer, placed at the segment where it was expected.
fn missing(at: &Segment<'_>, trailer: &'static str) -> X12Error {
    X12Error::new(at.pos(), ErrorKind::MissingTrailer(trailer))
}

/// Builds the envelope from tokenized segments and checks its counts and control numbers.
///
/// # Errors
///
/// Segments out of envelope order, missing trailers, wrong `SE01`/`GE01`/`IEA01` counts,
/// an `IEA02` that differs from `ISA13`, data after the `IEA`. (`SE02`/`GE02` mismatches
/// are [`Interchange::warnings`].)
pub fn parse_envelope<'a>(segments: Vec<Segment<'a>>) -> Result<Interchange<'a>, X12Error> {
    let mut iter = segments.into_iter();
    let mut warnings = Vec::new();
    let isa = iter
        .next()
        .ok_or_else(|| X12Error::new(Default::default(), ErrorKind::Empty))?;
    let mut last = isa.clone();
    let mut ta1s = Vec::new();
    let mut groups = Vec::new();
    let iea = loop {
        let Some(segment) = iter.next() else {
            return Err(missing(&last, "IEA"));
        };
        last = segment.clone();
        match segment.id {
            "IEA" => break segment,
            "TA1" => ta1s.push(segment),
            "GS" => groups.push(parse_group(segment, &mut iter, &mut last, &mut warnings)?),
            _ => {
                return Err(X12Error::new(
                    segment.pos(),
                    ErrorKind::UnexpectedSegment("only GS, TA1 or IEA may follow the ISA or a GE"),
                ));
            }
        }
    };
    if let Some(extra) = iter.next() {
        return Err(X12Error::new(extra.pos(), ErrorKind::DataAfterIea));
    }
    check_count(&iea, 1, "functional groups", groups.len())?;
    check_control(&iea, 2, &isa, 13, "ISA13")?;
    Ok(Interchange {
        isa,
        ta1s,
        groups,
        iea,
        warnings,
    })
}

/// Reads one functional group after its `GS`.
fn parse_group<'a>(
    gs: Segment<'a>,
    iter: &mut impl Iterator<Item = Segment<'a>>,
    last: &mut Segment<'a>,
    warnings: &mut Vec<X12Error>,
) -> Result<Group<'a>, X12Error> {
    let mut transactions = Vec::new();
    let ge = loop {
        let Some(segment) = iter.next() else {
            return Err(missing(last, "GE"));
        };
        *last = segment.clone();
        match segment.id {
            "GE" => break segment,
            "ST" => transactions.push(parse_transaction(segment, iter, last, warnings)?),
            "GS" | "IEA" | "ISA" => return Err(missing(&segment, "GE")),
            _ => {
                return Err(X12Error::new(
                    segment.pos(),
                    ErrorKind::UnexpectedSegment("only ST or GE may follow the GS or an SE"),
                ));
            }
        }
    };
    check_count(&ge, 1, "transaction sets", transactions.len())?;
    warnings.extend(check_control(&ge, 2, &gs, 6, "GS06").err());
    Ok(Group {
        gs,
        transactions,
        ge,
    })
}

/// Reads one transaction set after its `ST`.
fn parse_transaction<'a>(
    st: Segment<'a>,
    iter: &mut impl Iterator<Item = Segment<'a>>,
    last: &mut Segment<'a>,
    warnings: &mut Vec<X12Error>,
) -> Result<Transaction<'a>, X12Error> {
    let mut body = Vec::new();
    let se = loop {
        let Some(segment) = iter.next() else {
            return Err(missing(last, "SE"));
        };
        *last = segment.clone();
        match segment.id {
            "SE" => break segment,
            "ST" | "GE" | "GS" | "IEA" | "ISA" => return Err(missing(&segment, "SE")),
            _ => body.push(segment),
        }
    };
    check_count(&se, 1, "segments", body.len() + 2)?;
    warnings.extend(check_control(&se, 2, &st, 2, "ST02").err());
    Ok(Transaction { st, body, se })
}
