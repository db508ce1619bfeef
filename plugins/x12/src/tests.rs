//! Unit tests of the syntax layer.

use crate::syntax::{ErrorKind, parse, tokenize};

const SMALL: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\nBHT*0019*00*1*20240101*1200*CH~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000001~\n";

#[test]
fn reads_delimiters_and_positions() {
    let segments = tokenize(SMALL.as_bytes()).expect("tokenizes");
    assert_eq!(segments.len(), 7);
    let d = segments[0].delimiters;
    assert_eq!((d.element, d.component, d.repetition, d.segment), ('*', ':', Some('^'), '~'));
    assert_eq!(segments[2].id, "ST");
    assert_eq!(segments[2].position, 3);
    assert_eq!(segments[2].line, 3);
    assert_eq!(segments[3].comp(1, 1), "0019");
}

#[test]
fn tolerates_bom_and_indentation() {
    let input = format!("\u{feff}{}", SMALL.replace('\n', "\r\n  "));
    let interchange = parse(input.as_bytes()).expect("parses");
    assert_eq!(interchange.groups[0].transactions[0].body.len(), 1);
}

#[test]
fn rejects_short_isa04_with_its_position() {
    let input = SMALL.replacen("*00*          *ZZ", "*00*         *ZZ", 1);
    let error = tokenize(input.as_bytes()).expect_err("ISA04 too short");
    assert_eq!(error.position.element.as_deref(), Some("ISA04"));
    assert_eq!(error.position.segment, 1);
    assert_eq!(
        error.kind,
        ErrorKind::IsaElementLength { expected: 10, found: 9 }
    );
    assert_eq!(
        error.to_string(),
        "segment 1 (ISA), line 1: ISA04 must be 10 characters (the ISA is fixed length) but is 9"
    );
}

#[test]
fn checks_se_count() {
    let input = SMALL.replace("SE*3*", "SE*5*");
    let error = parse(input.as_bytes()).expect_err("count");
    assert_eq!(
        error.to_string(),
        "segment 5 (SE), line 5: SE01 count of segments is 5 but the envelope holds 3"
    );
}

#[test]
fn checks_control_numbers_and_trailers() {
    let error = parse(SMALL.replace("SE*3*0001", "SE*3*0002").as_bytes()).expect_err("SE02");
    assert_eq!(error.kind, ErrorKind::ControlMismatch("ST02"));
    let error = parse(SMALL.replace("GE*1*1", "GE*2*1").as_bytes()).expect_err("GE01");
    assert!(matches!(error.kind, ErrorKind::CountMismatch { actual: 1, .. }));
    let error = parse(SMALL.replace("IEA*1*000000001~\n", "").as_bytes()).expect_err("IEA");
    assert_eq!(error.kind, ErrorKind::MissingTrailer("IEA"));
    let error = parse(SMALL.replace("BHT", "Bh").as_bytes()).expect_err("id");
    assert_eq!(error.kind, ErrorKind::BadSegmentId);
    assert_eq!(error.position.segment, 4);
}

#[test]
fn rejects_input_without_isa() {
    let error = tokenize(b"GS*HC~").expect_err("no ISA");
    assert_eq!(error.kind, ErrorKind::NoIsa);
    assert_eq!(error.position.segment_id, "GS");
}
