//! Tests of the embedded tables, the parser and the classification rules.

use crate::parse::{Problem, parse};
use crate::*;

/// Every problem of every table, one per line, so a failure names the file
/// and the line to fix.
#[test]
fn every_table_parses_without_problems() {
    let problems: Vec<String> = Table::all()
        .iter()
        .flat_map(|t| t.problems())
        .map(|p| p.to_string())
        .collect();
    assert!(
        problems.is_empty(),
        "table problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_table_has_entries_with_descriptions_and_unique_codes() {
    for &table in Table::all() {
        let entries: Vec<Entry> = table.entries().collect();
        assert!(!entries.is_empty(), "{table:?} is empty");
        let mut codes: Vec<&str> = entries.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), entries.len(), "{table:?} has a duplicate code");
        for entry in &entries {
            assert!(
                !entry.description.trim().is_empty(),
                "{table:?} {}",
                entry.code
            );
            assert_eq!(
                table.lookup(entry.code),
                Some(*entry),
                "{table:?} {}",
                entry.code
            );
            if let Some(step) = entry.next_step {
                assert!(!step.trim().is_empty(), "{table:?} {}", entry.code);
            }
        }
    }
}

#[test]
fn every_header_names_source_version_licence_and_build_date() {
    for &table in Table::all() {
        let source = table.source();
        assert!(!source.name.is_empty(), "{table:?} source");
        assert!(!source.version.is_empty(), "{table:?} version");
        assert!(!source.licence.is_empty(), "{table:?} licence");
        let built = table.built().as_bytes();
        let is_date = built.len() == 10
            && built.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        assert!(
            is_date,
            "{table:?} BUILT is not YYYY-MM-DD: {}",
            table.built()
        );
        assert!(!table.elements().is_empty(), "{table:?} elements");
        // A version names a commit or a list edition, not just "latest".
        assert!(
            source.version.chars().any(|c| c.is_ascii_digit()),
            "{table:?} version has no commit or date: {}",
            source.version
        );
    }
}

#[test]
fn every_row_can_say_where_its_description_comes_from() {
    for &table in Table::all() {
        for entry in table.entries() {
            let provenance = table.provenance(entry.code).unwrap_or_default();
            assert!(!provenance.is_empty(), "{table:?} {}", entry.code);
        }
    }
    assert_eq!(
        Table::Carc.provenance("45"),
        Some(Table::Carc.source().name)
    );
    let a7 = Table::ClaimStatusCategory.provenance("A7").unwrap();
    assert!(a7.contains("written for Clearway"), "{a7}");
    assert_eq!(Table::Carc.provenance("nope"), None);
}

#[test]
fn table_names_are_distinct() {
    let mut names: Vec<&str> = Table::all().iter().map(|t| t.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Table::all().len());
}

/// `describe` output for a code, lower-cased, for meaning checks.
fn meaning(table: Table, code: &str) -> String {
    table.describe(code).to_lowercase()
}

#[test]
fn well_known_carcs_mean_what_they_should() {
    assert!(meaning(Table::Carc, "1").contains("deductible"));
    assert!(meaning(Table::Carc, "2").contains("coinsurance"));
    assert!(meaning(Table::Carc, "3").contains("co-pay"));
    assert!(meaning(Table::Carc, "16").contains("lacks information"));
    assert!(meaning(Table::Carc, "18").contains("duplicate"));
    assert!(meaning(Table::Carc, "29").contains("time limit for filing"));
    assert!(meaning(Table::Carc, "45").contains("fee"));
    assert!(meaning(Table::Carc, "50").contains("medical necessity"));
    assert!(meaning(Table::Carc, "97").contains("included in allowance for another"));
    assert!(meaning(Table::Carc, "197").contains("authorization"));
    assert!(meaning(Table::Carc, "253").contains("sequestration"));
    assert!(meaning(Table::Carc, "B7").contains("certified"));
    // The source reaches past 300; the full list is about 300 active codes.
    assert!(Table::Carc.entries().count() >= 300);
    assert!(Table::Carc.lookup("308").is_some());
}

#[test]
fn group_codes_are_the_five_x12_groups() {
    let codes: Vec<&str> = Table::GroupCode.entries().map(|e| e.code).collect();
    assert_eq!(codes, ["CO", "CR", "OA", "PI", "PR"]);
    assert!(meaning(Table::GroupCode, "PR").starts_with("patient responsibility"));
    assert!(meaning(Table::GroupCode, "CO").starts_with("contractual obligation"));
}

#[test]
fn well_known_rarcs_mean_what_they_should() {
    assert!(meaning(Table::Rarc, "N290").contains("rendering provider primary identifier"));
    assert!(meaning(Table::Rarc, "M15").contains("bundled"));
    assert!(meaning(Table::Rarc, "MA130").contains("unprocessable"));
    assert!(meaning(Table::Rarc, "M76").contains("diagnosis"));
    assert!(Table::Rarc.lookup("N290").unwrap().next_step.is_some());
    assert!(Table::Rarc.entries().count() >= 1000);
    // Restored from the FileMan export's double quotes.
    assert!(Table::Rarc.describe("M11").contains("patient's"));
}

#[test]
fn claim_status_categories_mean_what_they_should() {
    let a7 = Table::ClaimStatusCategory.lookup("A7").unwrap();
    assert!(a7.description.contains("Rejected for Invalid Information"));
    assert!(
        a7.next_step
            .unwrap()
            .contains("new claim (frequency 1), not a replacement")
    );
    assert!(meaning(Table::ClaimStatusCategory, "A1").contains("received"));
    assert!(meaning(Table::ClaimStatusCategory, "F1").contains("paid"));
    assert!(meaning(Table::ClaimStatusCategory, "A2").contains("accepted"));
    // Every category has a next step.
    for entry in Table::ClaimStatusCategory.entries() {
        assert!(
            entry.next_step.is_some(),
            "category {} has no next step",
            entry.code
        );
    }
}

#[test]
fn well_known_claim_statuses_mean_what_they_should() {
    assert!(meaning(Table::ClaimStatus, "21").contains("missing or invalid information"));
    assert!(meaning(Table::ClaimStatus, "33").contains("subscriber id not found"));
    assert!(meaning(Table::ClaimStatus, "164").contains("contract/member number"));
    assert!(meaning(Table::ClaimStatus, "562").contains("national provider identifier"));
    assert!(meaning(Table::ClaimStatus, "8").contains("inactive"));
    for code in [
        "0", "1", "2", "3", "15", "16", "19", "20", "35", "88", "97", "107", "116",
    ] {
        assert!(Table::ClaimStatus.lookup(code).is_some(), "status {code}");
    }
    for code in [
        "117", "125", "145", "187", "247", "249", "252", "453", "495", "718",
    ] {
        assert!(Table::ClaimStatus.lookup(code).is_some(), "status {code}");
    }
}

#[test]
fn entity_identifiers_cover_the_health_care_roles() {
    let expect = [
        ("40", "receiver"),
        ("41", "submitter"),
        ("71", "attending"),
        ("72", "operating"),
        ("77", "service location"),
        ("82", "rendering"),
        ("85", "billing"),
        ("87", "pay-to"),
        ("DK", "ordering"),
        ("DN", "referring"),
        ("FA", "facility"),
        ("GB", "other insured"),
        ("IL", "subscriber"),
        ("PR", "payer"),
        ("QC", "patient"),
    ];
    for (code, word) in expect {
        assert!(
            meaning(Table::EntityIdentifier, code).contains(word),
            "entity {code}"
        );
    }
}

#[test]
fn acknowledgment_codes_mean_what_they_should() {
    assert!(meaning(Table::SegmentSyntaxError, "8").contains("data element errors"));
    assert!(meaning(Table::SegmentSyntaxError, "3").contains("required segment is missing"));
    assert!(meaning(Table::ElementSyntaxError, "7").contains("invalid code value"));
    assert!(meaning(Table::ElementSyntaxError, "1").contains("required data element is missing"));
    assert!(meaning(Table::AckCode, "R").starts_with("rejected"));
    assert!(meaning(Table::AckCode, "P").starts_with("partially accepted"));
    assert!(meaning(Table::TransactionSetError, "5").contains("segments are in error"));
    assert!(meaning(Table::GroupError, "5").contains("count"));
    assert!(meaning(Table::InterchangeNote, "000").contains("no error"));
    assert!(meaning(Table::InterchangeNote, "024").contains("invalid interchange content"));
    assert!(meaning(Table::InterchangeAck, "R").contains("rejected"));
    let ta105: Vec<&str> = Table::InterchangeNote.entries().map(|e| e.code).collect();
    let expected: Vec<String> = (0..=31).map(|n| format!("{n:03}")).collect();
    assert_eq!(ta105, expected);
    let ik304 = [
        "1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9",
    ];
    for code in ik304 {
        assert!(
            Table::SegmentSyntaxError.lookup(code).is_some(),
            "IK304 {code}"
        );
    }
    for table in [
        Table::SegmentSyntaxError,
        Table::ElementSyntaxError,
        Table::AckCode,
        Table::TransactionSetError,
        Table::GroupError,
        Table::InterchangeNote,
        Table::InterchangeAck,
    ] {
        for entry in table.entries() {
            assert!(
                entry.next_step.is_some(),
                "{table:?} {} has no next step",
                entry.code
            );
        }
    }
}

#[test]
fn aaa_codes_mean_what_they_should() {
    let aaa72 = Table::AaaReason.lookup("72").unwrap();
    assert!(
        aaa72
            .description
            .to_lowercase()
            .contains("subscriber/insured id")
    );
    assert!(
        aaa72
            .next_step
            .unwrap()
            .contains("member id on the patient's card")
    );
    assert!(meaning(Table::AaaReason, "73").contains("subscriber/insured name"));
    assert!(meaning(Table::AaaReason, "75").contains("subscriber/insured not found"));
    assert!(meaning(Table::AaaReason, "42").contains("unable to respond"));
    assert!(meaning(Table::AaaReason, "69").contains("patient's age"));
    for entry in Table::AaaReason.entries() {
        assert!(
            entry.next_step.is_some(),
            "AAA03 {} has no next step",
            entry.code
        );
    }
    let follow_up: Vec<&str> = Table::AaaFollowUp.entries().map(|e| e.code).collect();
    assert_eq!(follow_up, ["C", "N", "P", "R", "S", "W", "X", "Y"]);
    assert!(meaning(Table::AaaFollowUp, "W").contains("30 days"));
}

#[test]
fn eligibility_and_278_codes_mean_what_they_should() {
    assert!(meaning(Table::BenefitInfo, "1").contains("active coverage"));
    assert!(meaning(Table::BenefitInfo, "6").contains("inactive"));
    assert!(meaning(Table::ServiceType, "30").contains("health benefit plan"));
    assert!(meaning(Table::ServiceType, "MH").contains("mental health"));
    assert!(meaning(Table::ServiceType, "UC").contains("urgent care"));
    assert!(meaning(Table::TimePeriod, "23").contains("calendar year"));
    assert!(meaning(Table::TimePeriod, "29").contains("remaining"));
    assert!(meaning(Table::CoverageLevel, "FAM").contains("family"));
    assert_eq!(Table::CoverageLevel.entries().count(), 9);
    assert!(meaning(Table::CertificationAction, "A1").contains("certified total"));
    assert!(meaning(Table::CertificationAction, "A3").contains("not certified"));
    assert!(meaning(Table::ReviewReason, "0F").contains("not medically necessary"));
}

#[test]
fn unknown_codes_have_no_entry_and_no_description() {
    for &table in Table::all() {
        assert_eq!(table.lookup("ZZZ-not-a-code"), None, "{table:?}");
        assert_eq!(table.lookup(""), None, "{table:?}");
        assert_eq!(
            table.describe("ZZZ-not-a-code"),
            NO_DESCRIPTION,
            "{table:?}"
        );
    }
}

#[test]
fn lookups_trim_but_match_exactly() {
    assert_eq!(Table::Carc.lookup(" 45 ").map(|e| e.code), Some("45"));
    assert_eq!(
        Table::Rarc.describe("\tN290\n"),
        Table::Rarc.describe("N290")
    );
    // X12 codes are upper case; a lower-case code is another code.
    assert_eq!(Table::Rarc.lookup("n290"), None);
    // No leading-zero folding: "045" is not CARC 45.
    assert_eq!(Table::Carc.lookup("045"), None);
}

#[test]
fn contractual_adjustments_are_not_denials() {
    assert!(carc_is_contractual("CO", "45"));
    assert!(carc_is_contractual(" co ", "253"));
    assert!(carc_is_contractual("CO", "59"));
    assert!(carc_is_contractual("CO", "94"));
    assert!(carc_is_contractual("CO", "144"));
    assert_eq!(denial_category("45"), None);
    assert_eq!(denial_category("253"), None);
    // The same code under another group is not a contract write-off.
    assert!(!carc_is_contractual("PR", "45"));
    assert!(!carc_is_contractual("OA", "45"));
    // A denial under CO is still a denial.
    assert!(!carc_is_contractual("CO", "50"));
    assert!(!carc_is_contractual("CO", "16"));
}

#[test]
fn patient_responsibility_follows_the_group_code() {
    for carc in ["1", "2", "3", "66", "204"] {
        assert!(carc_is_patient_responsibility("PR", carc), "PR-{carc}");
    }
    assert!(carc_is_patient_responsibility("pr", " 2 "));
    assert!(!carc_is_patient_responsibility("CO", "2"));
    assert!(!carc_is_patient_responsibility("CO", "45"));
    assert!(!carc_is_patient_responsibility("PR", ""));
    assert!(!carc_is_patient_responsibility("", "1"));
}

#[test]
fn denial_categories_for_common_carcs() {
    let expect = [
        ("50", "medical necessity"),
        ("16", "missing information"),
        ("252", "missing information"),
        ("18", "duplicate"),
        ("29", "timely filing"),
        ("27", "eligibility"),
        ("197", "authorization"),
        ("97", "bundling"),
        ("236", "bundling"),
        ("22", "coordination of benefits"),
        ("96", "non-covered"),
        ("204", "non-covered"),
        ("4", "coding"),
        ("11", "coding"),
        ("181", "coding"),
        ("185", "provider eligibility"),
        ("b7", "provider eligibility"),
    ];
    for (carc, category) in expect {
        assert_eq!(denial_category(carc), Some(category), "CARC {carc}");
    }
    for carc in ["1", "2", "3", "45", "253", "", "nope"] {
        assert_eq!(denial_category(carc), None, "CARC {carc}");
    }
}

#[test]
fn every_classified_carc_is_in_the_carc_table_and_the_category_list() {
    for &carc in crate::classify::CONTRACTUAL {
        assert!(
            Table::Carc.lookup(carc).is_some(),
            "contractual CARC {carc}"
        );
        assert_eq!(denial_category(carc), None, "contractual CARC {carc}");
    }
    for &(carc, category) in crate::classify::DENIALS {
        assert!(Table::Carc.lookup(carc).is_some(), "denial CARC {carc}");
        assert!(DENIAL_CATEGORIES.contains(&category), "{category}");
    }
}

#[test]
fn rejection_root_causes_for_common_277ca_rejections() {
    let expect = [
        (("A7", "562", Some("85")), "provider NPI/taxonomy"),
        (("A7", "145", Some("82")), "provider NPI/taxonomy"),
        (("A7", "33", None), "subscriber id"),
        (("A7", "164", Some("IL")), "subscriber id"),
        (("A7", "164", Some("GB")), "coordination of benefits"),
        (("A6", "158", Some("QC")), "patient demographics"),
        (("A7", "125", Some("IL")), "patient demographics"),
        (("A7", "503", Some("85")), "provider name/address"),
        (("A7", "116", Some("PR")), "payer id"),
        (("A7", "26", Some("PR")), "payer id"),
        (("A7", "255", None), "diagnosis code"),
        (("A7", "454", None), "procedure code"),
        (("A8", "474", None), "procedure code"),
        (("A7", "187", None), "dates of service"),
        (("A3", "54", None), "duplicate"),
        (("A6", "252", None), "authorization"),
        (("A7", "21", None), "other"),
        (("a7", " 562 ", Some(" 85 ")), "provider NPI/taxonomy"),
        (("A2", "20", None), "not a rejection"),
        (("F1", "65", None), "not a rejection"),
    ];
    for ((category, status, entity), cause) in expect {
        assert_eq!(
            rejection_root_cause(category, status, entity),
            cause,
            "{category}:{status}:{entity:?}"
        );
    }
}

#[test]
fn rejection_root_causes_stay_in_the_documented_list() {
    let entities = [
        None,
        Some("85"),
        Some("IL"),
        Some("QC"),
        Some("PR"),
        Some("GB"),
        Some("41"),
    ];
    for status in Table::ClaimStatus.entries() {
        for entity in entities {
            let cause = rejection_root_cause("A7", status.code, entity);
            assert!(
                REJECTION_ROOT_CAUSES.contains(&cause),
                "{} {entity:?}: {cause}",
                status.code
            );
        }
    }
}

// The parser on bad input: each problem names its line.

const GOOD_HEADER: &str = "# TABLE: T\n# SOURCE: s\n# VERSION: v1\n# LICENCE: l\n# BUILT: b\n";

fn problems_of(text: &'static str) -> Vec<(usize, Problem)> {
    parse("codes/tables/test.tsv", "T", text)
        .problems
        .into_iter()
        .map(|p| (p.line, p.problem))
        .collect()
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[test]
fn parser_accepts_a_good_file() {
    let text = leak(format!(
        "{GOOD_HEADER}# ORIGIN cw: ours\n# NOTE: n\nA\tAlpha\n\nB\tBeta\tDo it\nC\tGamma\t\tcw\n"
    ));
    let parsed = parse("codes/tables/test.tsv", "T", text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rows.len(), 3);
    assert_eq!(parsed.rows[1].entry.next_step, Some("Do it"));
    assert_eq!(parsed.rows[2].entry.next_step, None);
    assert_eq!(parsed.rows[2].origin, Some("cw"));
    assert_eq!(parsed.source.version, "v1");
}

#[test]
fn parser_reports_bad_lines_with_their_line_numbers() {
    let text = leak(format!(
        "{GOOD_HEADER}A\tAlpha\nB\nC\t\nA\tAgain\nD E\tSpace\nF\t Padded\nG\tGee\tstep\tnope\nH\ta\tb\tc\td\n# LATE: header\n"
    ));
    let problems = problems_of(text);
    let expect = vec![
        (7, Problem::FieldCount(1)),
        (8, Problem::EmptyDescription("C")),
        (
            9,
            Problem::DuplicateCode {
                code: "A",
                first_line: 6,
            },
        ),
        (10, Problem::BadCode("D E")),
        (11, Problem::Untrimmed(" Padded")),
        (13, Problem::FieldCount(5)),
        (14, Problem::HeaderAfterData),
        (12, Problem::UnknownOrigin("nope")),
    ];
    assert_eq!(problems, expect);
}

#[test]
fn parser_reports_missing_and_wrong_headers() {
    let problems = problems_of("# TABLE: Other\n# SOURCE: s\n# SOURCE: t\n# WHAT: x\nA\tAlpha\n");
    let expect = vec![
        (3, Problem::DuplicateHeader("SOURCE")),
        (4, Problem::UnknownHeader("# WHAT: x")),
        (0, Problem::MissingHeader("VERSION")),
        (0, Problem::MissingHeader("LICENCE")),
        (0, Problem::MissingHeader("BUILT")),
        (
            0,
            Problem::TableName {
                expected: "T",
                found: "Other",
            },
        ),
    ];
    assert_eq!(problems, expect);
    assert_eq!(
        problems_of(leak(GOOD_HEADER.to_string())),
        vec![(0, Problem::NoEntries)]
    );
}

#[test]
fn parse_errors_display_file_and_line() {
    let text = leak(format!("{GOOD_HEADER}A\n"));
    let parsed = parse("codes/tables/test.tsv", "T", text);
    assert_eq!(
        parsed.problems[0].to_string(),
        "codes/tables/test.tsv:6: 1 tab-separated field(s), expected 2 to 4"
    );
}

#[test]
fn a_bad_line_is_skipped_not_fatal() {
    let text = leak(format!("{GOOD_HEADER}A\tAlpha\nbroken line\nB\tBeta\n"));
    let parsed = parse("codes/tables/test.tsv", "T", text);
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.problems.len(), 1);
}
