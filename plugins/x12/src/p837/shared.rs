//! What the three 837 variants' loops 2300 and 2400 build alike, with each variant's
//! differences as parameters: reading a claim (its `CLM`, segments and child loops), the
//! leading `CLM` elements, reading a service line (its `LX`, the line segments every variant
//! maps and its child loops), and the qualified segments (`AMT`, `REF`, `DTP*472`, `NTE`).

use clearway_plugin_sdk::schemas::body::claim::ServiceLine;
use clearway_plugin_sdk::schemas::body::{Note, QualifiedAmount};
use clearway_plugin_sdk::schemas::{Claim, Message, Parties};
use serde_json::{Map, Value};

use super::common::{claim_refs, common_segment, in_loop};
use super::hierarchy::{Context, carry_all, finish};
use crate::decode::EnvelopeIds;
use crate::syntax::{ErrorKind, Segment, Writer, X12Error};
use crate::values::{Unmapped, money, period, write_period, yes_no};
use crate::walker::Node;

/// The `CLM05` composite of a professional or dental claim: place of service, `B`, the
/// claim frequency (`1`, original, when the claim does not say).
pub fn place_location(w: &mut Writer, claim: &Claim) -> String {
    w.comp(&[
        claim
            .place_of_service
            .as_ref()
            .map_or("", |c| c.code.as_str()),
        "B",
        claim.frequency.map_or("1", |f| f.x12_code()),
    ])
}

/// `CLM01`-`CLM09`: the patient control number, the total charge, `location` as `CLM05`, and
/// the required `CLM06`-`CLM09`. A claim that does not say takes the values most claims carry
/// (TR3-common defaults): provider signature on file `Y` (only when `signature`, else
/// `CLM06` stays empty: the 837I does not use it), assignment accepted `A`, benefits
/// assigned `Y`, release of information signed `Y`.
pub fn clm_head(claim: &Claim, location: String, signature: bool) -> Vec<String> {
    let provider_signature = if signature {
        claim
            .provider_signature_on_file
            .map_or("Y", |v| yes_no(Some(v)))
    } else {
        ""
    };
    vec![
        claim.patient_control_number.clone(),
        claim.total_charge.to_string(),
        String::new(),
        String::new(),
        location,
        provider_signature.to_owned(),
        claim.assignment.map_or("A", |a| a.x12_code()).to_owned(),
        claim
            .benefits_assignment
            .map_or("Y", |a| a.x12_code())
            .to_owned(),
        claim
            .release_of_information
            .map_or("Y", |a| a.x12_code())
            .to_owned(),
    ]
}

/// `CLM01`-`CLM12` of a professional or dental claim: [`clm_head`] with the place of
/// service, then `patient_signature` as `CLM10`, the related causes (`CLM11`, with the auto
/// accident state and country) and the special program (`CLM12`).
pub fn clm_professional(w: &mut Writer, claim: &Claim, patient_signature: String) -> Vec<String> {
    let location = place_location(w, claim);
    let causes = claim.related_causes.as_ref().map(|r| {
        let mut parts: Vec<&str> = r.causes.iter().map(|c| c.x12_code()).collect();
        parts.resize(3, "");
        parts.push(r.auto_accident_state.as_deref().unwrap_or_default());
        parts.push(r.auto_accident_country.as_deref().unwrap_or_default());
        w.comp(&parts)
    });
    let mut clm = clm_head(claim, location, true);
    clm.extend([
        patient_signature,
        causes.unwrap_or_default(),
        claim.special_program.clone().unwrap_or_default(),
    ]);
    clm
}

/// `(qualifier, [qualifier, value])` pairs for [`super::common::write_ordered`].
pub fn qualified(
    qualifier: &str,
    values: impl IntoIterator<Item = String>,
) -> Vec<(&str, Vec<String>)> {
    values
        .into_iter()
        .map(|v| (qualifier, vec![qualifier.to_owned(), v]))
        .collect()
}

/// The loop 2300 `REF` segments of [`claim_refs`] for [`super::common::write_ordered`].
pub fn claim_ref_pairs(claim: &Claim) -> Vec<(&'static str, Vec<String>)> {
    claim_refs(claim)
        .into_iter()
        .map(|(q, v)| (q, vec![q.to_owned(), v.to_owned()]))
        .collect()
}

/// The `AMT` segments of `amounts` for [`super::common::write_ordered`], by qualifier.
pub fn amounts(amounts: &[QualifiedAmount]) -> Vec<(&str, Vec<String>)> {
    amounts
        .iter()
        .map(|a| {
            (
                a.qualifier.as_str(),
                vec![a.qualifier.clone(), a.amount.to_string()],
            )
        })
        .collect()
}

/// The line's `DTP*472` (its service period) for [`super::common::write_ordered`].
pub fn line_dates(line: &ServiceLine) -> Vec<(&'static str, Vec<String>)> {
    line.service_period
        .iter()
        .map(|p| {
            let (format, value) = write_period(p);
            ("472", vec!["472".to_owned(), format, value])
        })
        .collect()
}

/// Writes the line's notes; `NTE01` is required, `default` when the note has no code.
pub fn write_line_notes(w: &mut Writer, line: &ServiceLine, default: &str) {
    for note in &line.notes {
        w.seg(
            "NTE",
            &[note.code.as_deref().unwrap_or(default), note.text.as_str()],
        );
    }
}

/// The service line procedure composite (`SV101`, `SV301`): `qualifier`, the code, four
/// modifiers and the description.
pub fn procedure_composite(w: &mut Writer, line: &ServiceLine, qualifier: &str) -> String {
    let mut parts = vec![
        qualifier,
        line.procedure.as_ref().map_or("", |p| p.code.as_str()),
    ];
    for m in 0..4 {
        parts.push(line.modifiers.get(m).map_or("", String::as_str));
    }
    parts.push(line.description.as_deref().unwrap_or_default());
    w.comp(&parts)
}

/// Reads the modifiers (components 3-6) and description (component 7) of the procedure
/// composite at element `n` (`SV101`, `SV202`, `SV301`) into `line`.
pub fn read_modifiers(segment: &Segment<'_>, n: usize, line: &mut ServiceLine) {
    line.modifiers = (3..=6)
        .map(|m| segment.comp(n, m))
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    line.description = Some(segment.comp(n, 7))
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
}

/// Maps a loop 2400 segment every variant reads alike: `DTP*472`, `REF*6R`, `AMT`, `NTE`,
/// and `REF*G1` when `prior_authorization`. `false` for others.
fn line_segment(
    segment: &Segment<'_>,
    line: &mut ServiceLine,
    prior_authorization: bool,
) -> Result<bool, X12Error> {
    match (segment.id, segment.el(1)) {
        ("DTP", "472") => line.service_period = Some(period(segment, 2)?),
        ("REF", "G1") if prior_authorization => line
            .prior_authorization_numbers
            .push(segment.el(2).to_owned()),
        ("REF", "6R") => line.line_item_control_number = segment.opt(2).map(str::to_owned),
        ("AMT", qualifier) => line.other_amounts.push(QualifiedAmount {
            qualifier: qualifier.to_owned(),
            amount: money(segment, 2)?,
        }),
        ("NTE", _) => line.notes.push(Note {
            code: segment.opt(1).map(str::to_owned),
            text: segment.el(2).to_owned(),
        }),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Maps one child loop of service line `number` into the line: `Ok(true)` when mapped.
pub type ChildReader =
    dyn Fn(&Node<'_, '_, '_>, &mut ServiceLine, u32, &mut Unmapped) -> Result<bool, X12Error>;

/// How a variant reads its service lines: its own line segments (`SV1`, `SV2`, `SV3`,
/// `TOO`; `Ok(true)` when mapped) and child loops (`Ok(true)` when mapped; the others are
/// carried), and whether it maps `REF*G1`.
pub struct LineReader<'f> {
    /// Maps one of the variant's own segments into the line.
    pub segment: &'f dyn Fn(&Segment<'_>, &mut ServiceLine) -> Result<bool, X12Error>,
    /// Maps one child loop of line `number` into the line.
    pub child: &'f ChildReader,
    /// Whether `REF*G1` (prior authorization) is mapped on the line.
    pub prior_authorization: bool,
}

/// Reads one loop 2400: `LX01`, the variant's segments and the common ones (their errors
/// located in loop 2400; the others carried), then its child loops.
///
/// # Errors
///
/// A bad `LX01`, or what the segment and child readers report.
pub fn read_line(
    node: &Node<'_, '_, '_>,
    unmapped: &mut Unmapped,
    reader: &LineReader<'_>,
) -> Result<ServiceLine, X12Error> {
    let located = |e: X12Error| e.in_loop("2400");
    let lx = node.segments()[0];
    let number: u32 = lx
        .el(1)
        .parse()
        .map_err(|_| located(lx.err("LX01", ErrorKind::InvalidNumber)))?;
    let mut line = ServiceLine {
        line_number: number,
        ..ServiceLine::default()
    };
    for segment in node.segments().iter().skip(1) {
        let mapped = match (reader.segment)(segment, &mut line) {
            Ok(false) => line_segment(segment, &mut line, reader.prior_authorization),
            outcome => outcome,
        };
        if !mapped.map_err(located)? {
            unmapped.push("2400", Some(number), segment);
        }
    }
    for child in node.children() {
        if !(reader.child)(&child, &mut line, number, unmapped)? {
            carry_all(&child, Some(number), unmapped);
        }
    }
    Ok(line)
}

/// Maps a child loop of loop 2300 (providers, service lines) into the claim or the
/// parties: `Ok(true)` when mapped.
pub type ClaimChild =
    dyn Fn(&Node<'_, '_, '_>, &mut Claim, &mut Parties, &mut Unmapped) -> Result<bool, X12Error>;

/// How a variant reads its loop 2300.
pub struct ClaimLoop<'f> {
    /// Reads the `CLM` into a new claim.
    pub clm: &'f dyn Fn(&Segment<'_>) -> Result<Claim, X12Error>,
    /// Maps one of the variant's own segments (see [`claim_segments`]).
    pub segment: &'f dyn Fn(&mut Claim, &Segment<'_>) -> Result<bool, X12Error>,
    /// Checks and completes the claim once its segments are read, given its `CLM`.
    pub after: &'f dyn Fn(&mut Claim, &Segment<'_>) -> Result<(), X12Error>,
    /// Maps one child loop; the others are carried.
    pub child: &'f ClaimChild,
}

/// One `claim` message from loop 2300 under its hierarchy: the `CLM` (its errors located in
/// the loop), the segments ([`claim_segments`]), the variant's completion, the child loops,
/// then the message ([`finish`]).
///
/// # Errors
///
/// What the variant's readers report.
pub fn read_claim(
    node: &Node<'_, '_, '_>,
    (context, bht, ids): (&Context, &Map<String, Value>, &EnvelopeIds),
    reader: &ClaimLoop<'_>,
) -> Result<Message, X12Error> {
    let trigger = node.segments()[0];
    let mut claim = (reader.clm)(trigger).map_err(in_loop(node))?;
    let mut unmapped = context.unmapped.clone();
    let mut parties = context.parties.clone();
    claim_segments(node, &mut claim, &mut unmapped, reader.segment)?;
    (reader.after)(&mut claim, trigger)?;
    for child in node.children() {
        if !(reader.child)(&child, &mut claim, &mut parties, &mut unmapped)? {
            carry_all(&child, None, &mut unmapped);
        }
    }
    Ok(finish(claim, parties, context, bht, ids, &unmapped))
}

/// The role code of the provider loop `loop_id` among `providers` (`(loop id, NM101)`).
pub fn provider_role<'p>(providers: &[(&str, &'p str)], loop_id: &str) -> Option<&'p str> {
    providers
        .iter()
        .find(|(id, _)| *id == loop_id)
        .map(|(_, role)| *role)
}

/// Maps the segments of loop 2300 after its `CLM` into `claim`: the variant's own first
/// (`own`: `DTP`, `HI`, `CL1`, `DN1`, ...; `Ok(true)` when mapped), then the ones every
/// variant maps ([`common_segment`]); the others are carried. Errors are located in the
/// loop.
///
/// # Errors
///
/// What `own` or [`common_segment`] reports.
pub fn claim_segments(
    node: &Node<'_, '_, '_>,
    claim: &mut Claim,
    unmapped: &mut Unmapped,
    own: &dyn Fn(&mut Claim, &Segment<'_>) -> Result<bool, X12Error>,
) -> Result<(), X12Error> {
    let located = in_loop(node);
    for segment in node.segments().iter().skip(1) {
        let mapped = own(claim, segment).map_err(&located)?
            || common_segment(claim, segment).map_err(&located)?;
        if !mapped {
            unmapped.push("2300", None, segment);
        }
    }
    Ok(())
}
