//! Descriptions and next steps for the X12 code lists a coordinator reads.
//!
//! Each [`Table`] is a data file under `codes/tables/`, embedded at compile
//! time and parsed once on first use. Every file names, in its header, the
//! public source it was built from, that source's version, the licence that
//! allows us to redistribute it, and the day it was built; [`Table::source`]
//! returns the first three. Next steps are Clearway's own text.
//!
//! ```
//! use clearway_codes::Table;
//!
//! assert_eq!(Table::ClaimStatusCategory.describe("A2").split(" - ").next(),
//!            Some("Acknowledgement/Acceptance into adjudication system"));
//! let a7 = Table::ClaimStatusCategory.lookup("A7").unwrap();
//! assert!(a7.next_step.unwrap().contains("new claim (frequency 1)"));
//! assert_eq!(Table::Carc.describe("not-a-code"), clearway_codes::NO_DESCRIPTION);
//! ```
//!
//! The denial and rejection helpers ([`carc_is_contractual`],
//! [`carc_is_patient_responsibility`], [`denial_category`],
//! [`rejection_root_cause`]) are Clearway rules, documented on each function
//! and in `codes/README.md`.

mod classify;
mod parse;

use std::sync::OnceLock;

pub use classify::{
    DENIAL_CATEGORIES, REJECTION_ROOT_CAUSES, carc_is_contractual, carc_is_patient_responsibility,
    denial_category, rejection_root_cause,
};
pub use parse::{ParseError, Problem};

/// What [`Table::describe`] returns for a code the table does not hold.
pub const NO_DESCRIPTION: &str = "no description";

/// One code of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The code as it appears in the X12 element (`45`, `N290`, `A7`).
    pub code: &'static str,
    /// What the code means, from the table's source (or Clearway's wording
    /// where the file says so; see [`Table::provenance`]).
    pub description: &'static str,
    /// What a coordinator should do next, when we have written it.
    pub next_step: Option<&'static str>,
}

/// Where a table came from, as named in its file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// The source: repository and file, or document title.
    pub name: &'static str,
    /// The source's version: commit and date, or edition.
    pub version: &'static str,
    /// The licence under which we redistribute it.
    pub licence: &'static str,
}

/// A code list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Claim Adjustment Reason Codes (835 CAS02, CAS05, ...).
    Carc,
    /// Claim adjustment group codes (835 CAS01: CO, CR, OA, PI, PR).
    GroupCode,
    /// Remittance Advice Remark Codes (835 LQ02, MIA, MOA).
    Rarc,
    /// Claim status category codes (277 STC01-1).
    ClaimStatusCategory,
    /// Claim status codes (277 STC01-2).
    ClaimStatus,
    /// Entity identifier codes (277 STC01-3, NM101).
    EntityIdentifier,
    /// 999 segment syntax error codes (IK304).
    SegmentSyntaxError,
    /// 999 element syntax error codes (IK403).
    ElementSyntaxError,
    /// 999 acknowledgment codes (IK501, AK901).
    AckCode,
    /// 999 transaction set syntax error codes (IK502 to IK506).
    TransactionSetError,
    /// 999 functional group syntax error codes (AK905 to AK909).
    GroupError,
    /// TA1 interchange note codes (TA105).
    InterchangeNote,
    /// TA1 interchange acknowledgment codes (TA104).
    InterchangeAck,
    /// AAA reject reason codes (AAA03 in 271, 277, 278).
    AaaReason,
    /// AAA follow-up action codes (AAA04).
    AaaFollowUp,
    /// Eligibility or benefit information codes (271 EB01).
    BenefitInfo,
    /// Service type codes (270 EQ01, 271 EB03).
    ServiceType,
    /// Time period qualifiers (271 EB06).
    TimePeriod,
    /// Coverage level codes (271 EB02).
    CoverageLevel,
    /// Certification action codes (278 HCR01).
    CertificationAction,
    /// Review decision reason codes (278 HCR03).
    ReviewReason,
}

const ALL: [Table; 21] = [
    Table::Carc,
    Table::GroupCode,
    Table::Rarc,
    Table::ClaimStatusCategory,
    Table::ClaimStatus,
    Table::EntityIdentifier,
    Table::SegmentSyntaxError,
    Table::ElementSyntaxError,
    Table::AckCode,
    Table::TransactionSetError,
    Table::GroupError,
    Table::InterchangeNote,
    Table::InterchangeAck,
    Table::AaaReason,
    Table::AaaFollowUp,
    Table::BenefitInfo,
    Table::ServiceType,
    Table::TimePeriod,
    Table::CoverageLevel,
    Table::CertificationAction,
    Table::ReviewReason,
];

static PARSED: [OnceLock<parse::Parsed>; ALL.len()] = [const { OnceLock::new() }; ALL.len()];

/// The embedded file of a table: its path from the workspace root and its text.
macro_rules! table_file {
    ($name:literal) => {
        (
            concat!("codes/tables/", $name),
            include_str!(concat!("../tables/", $name)),
        )
    };
}

impl Table {
    /// Every table, in declaration order.
    pub fn all() -> &'static [Table] {
        &ALL
    }

    /// A short name for screens and logs, e.g. `"CARC"`; the file's `TABLE` header.
    pub fn name(self) -> &'static str {
        match self {
            Table::Carc => "CARC",
            Table::GroupCode => "Claim adjustment group code",
            Table::Rarc => "RARC",
            Table::ClaimStatusCategory => "Claim status category",
            Table::ClaimStatus => "Claim status",
            Table::EntityIdentifier => "Entity identifier",
            Table::SegmentSyntaxError => "999 segment syntax error",
            Table::ElementSyntaxError => "999 element syntax error",
            Table::AckCode => "999 acknowledgment code",
            Table::TransactionSetError => "999 transaction set syntax error",
            Table::GroupError => "999 functional group syntax error",
            Table::InterchangeNote => "TA1 interchange note",
            Table::InterchangeAck => "TA1 interchange acknowledgment",
            Table::AaaReason => "AAA reject reason",
            Table::AaaFollowUp => "AAA follow-up action",
            Table::BenefitInfo => "Eligibility or benefit information",
            Table::ServiceType => "Service type",
            Table::TimePeriod => "Time period qualifier",
            Table::CoverageLevel => "Coverage level",
            Table::CertificationAction => "Certification action",
            Table::ReviewReason => "Review decision reason",
        }
    }

    /// The code with its description and next step; `None` for an unknown code.
    /// The code is trimmed, then matched exactly (X12 codes are case-sensitive).
    pub fn lookup(self, code: &str) -> Option<Entry> {
        let parsed = self.parsed();
        parsed.index.get(code.trim()).map(|&i| parsed.rows[i].entry)
    }

    /// The description of a code, or [`NO_DESCRIPTION`] for an unknown code.
    pub fn describe(self, code: &str) -> &'static str {
        self.lookup(code).map_or(NO_DESCRIPTION, |e| e.description)
    }

    /// The source the table was built from, as named in its file header.
    pub fn source(self) -> Source {
        self.parsed().source
    }

    /// Where one code's description comes from: the table's source name, or
    /// the header's `ORIGIN` text when the row names another origin (another
    /// public source, or Clearway's own wording). `None` for an unknown code.
    pub fn provenance(self, code: &str) -> Option<&'static str> {
        let parsed = self.parsed();
        let row = &parsed.rows[*parsed.index.get(code.trim())?];
        Some(match row.origin {
            None => parsed.source.name,
            Some(key) => parsed
                .origins
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |(_, v)| v),
        })
    }

    /// The X12 elements the codes appear in, e.g. `"999 IK304"`.
    pub fn elements(self) -> &'static str {
        self.parsed().elements
    }

    /// The date the table file was built (`BUILT` header), `YYYY-MM-DD`.
    pub fn built(self) -> &'static str {
        self.parsed().built
    }

    /// Every code in file order.
    pub fn entries(self) -> impl Iterator<Item = Entry> {
        self.parsed().rows.iter().map(|row| row.entry)
    }

    /// Problems found while parsing this table's file: empty for a good file.
    /// The unit tests require every table to be empty here; at run time a bad
    /// line is skipped, never a panic.
    pub fn problems(self) -> &'static [ParseError] {
        &self.parsed().problems
    }

    fn parsed(self) -> &'static parse::Parsed {
        PARSED[self as usize].get_or_init(|| {
            let (file, text) = self.file();
            parse::parse(file, self.name(), text)
        })
    }

    /// The table's path from the workspace root and its embedded text.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Table::Carc => table_file!("carc.tsv"),
            Table::GroupCode => table_file!("group-codes.tsv"),
            Table::Rarc => table_file!("rarc.tsv"),
            Table::ClaimStatusCategory => table_file!("claim-status-category.tsv"),
            Table::ClaimStatus => table_file!("claim-status.tsv"),
            Table::EntityIdentifier => table_file!("entity-identifier.tsv"),
            Table::SegmentSyntaxError => table_file!("999-segment-error.tsv"),
            Table::ElementSyntaxError => table_file!("999-element-error.tsv"),
            Table::AckCode => table_file!("999-ack-code.tsv"),
            Table::TransactionSetError => table_file!("999-transaction-set-error.tsv"),
            Table::GroupError => table_file!("999-group-error.tsv"),
            Table::InterchangeNote => table_file!("ta1-note.tsv"),
            Table::InterchangeAck => table_file!("ta1-ack.tsv"),
            Table::AaaReason => table_file!("aaa-reason.tsv"),
            Table::AaaFollowUp => table_file!("aaa-follow-up.tsv"),
            Table::BenefitInfo => table_file!("eb01-benefit-info.tsv"),
            Table::ServiceType => table_file!("eb03-service-type.tsv"),
            Table::TimePeriod => table_file!("eb06-time-period.tsv"),
            Table::CoverageLevel => table_file!("eb02-coverage-level.tsv"),
            Table::CertificationAction => table_file!("hcr01-certification-action.tsv"),
            Table::ReviewReason => table_file!("hcr03-review-reason.tsv"),
        }
    }
}

#[cfg(test)]
mod tests;
