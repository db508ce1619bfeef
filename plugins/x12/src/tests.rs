//! Unit tests of the syntax layer.

use crate::syntax::{ErrorKind, parse, tokenize};

const SMALL: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\nBHT*0019*00*1*20240101*1200*CH~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000001~\n";

#[test]
fn reads_delimiters_and_positions() {
    let segments = tokenize(SMALL.as_bytes()).expect("tokenizes");
    assert_eq!(segments.len(), 7);
    let d = segments[0].delimiters;
    assert_eq!(
        (d.element, d.component, d.repetition, d.segment),
        ('*', ':', Some('^'), '~')
    );
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
        ErrorKind::IsaElementLength {
            expected: 10,
            found: 9
        }
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
    // SE02/GE02 mismatches are harmless (the counts hold): accepted, with a warning.
    let text = SMALL.replace("SE*3*0001", "SE*3*0002");
    let accepted = parse(text.as_bytes()).expect("SE02");
    assert_eq!(accepted.warnings.len(), 1);
    assert_eq!(
        accepted.warnings[0].kind,
        ErrorKind::ControlMismatch("ST02")
    );
    assert_eq!(accepted.warnings[0].position.segment_id, "SE");
    let text = SMALL.replace("GE*1*1", "GE*1*9");
    let accepted = parse(text.as_bytes()).expect("GE02");
    assert_eq!(
        accepted.warnings[0].kind,
        ErrorKind::ControlMismatch("GS06")
    );
    let error = parse(
        SMALL
            .replace("IEA*1*000000001", "IEA*1*000000002")
            .as_bytes(),
    )
    .expect_err("IEA02");
    assert_eq!(error.kind, ErrorKind::ControlMismatch("ISA13"));
    assert!(parse(SMALL.as_bytes()).expect("clean").warnings.is_empty());
    let error = parse(SMALL.replace("GE*1*1", "GE*2*1").as_bytes()).expect_err("GE01");
    assert!(matches!(
        error.kind,
        ErrorKind::CountMismatch { actual: 1, .. }
    ));
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

#[test]
fn decodes_a_rejected_999_with_segment_errors() {
    let input = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *240101*1200*^*00501*000000007*0*T*:~GS*FA*PAYER*SUBMITTER*20240101*1200*7*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*12*005010X222A1~AK2*837*0001*005010X222A1~IK3*NM1*9*2010AA*8~CTX*CLM01:TESTCLAIM1~IK4*2*1065*7~IK5*R*5~AK9*R*1*1*0~SE*9*0001~GE*1*7~IEA*1*000000007~";
    let messages = crate::decode::decode(input.as_bytes()).expect("decodes");
    let clearway_plugin_sdk::schemas::Body::ClaimAck(ack) = &messages[0].body else {
        panic!("not an ack");
    };
    assert!(!ack.all_accepted());
    let set = &ack.functional_groups[0].transaction_sets[0];
    assert_eq!(set.error_codes, vec!["5"]);
    assert_eq!(set.segment_errors[0].position, 9);
    assert_eq!(
        set.segment_errors[0].context[0].reference.as_deref(),
        Some("TESTCLAIM1")
    );
    assert_eq!(set.segment_errors[0].element_errors[0].error_code, "7");
    assert_eq!(
        messages[0].correlation.group_control_number.as_deref(),
        Some("12")
    );
    assert_eq!(
        messages[0]
            .correlation
            .transaction_control_number
            .as_deref(),
        Some("0001")
    );
}

#[test]
fn unsupported_transactions_are_named() {
    let input = SMALL.replace("ST*837*0001*005010X222A1", "ST*834*0001*005010X220A1");
    let error = crate::decode::decode(input.as_bytes()).expect_err("unsupported");
    assert!(
        error.to_string().contains("834 benefit enrollment"),
        "{error}"
    );
}

#[test]
fn walker_rejects_a_segment_no_loop_allows() {
    let input = SMALL.replace(
        "BHT*0019*00*1*20240101*1200*CH~",
        "BHT*0019*00*1*20240101*1200*CH~\nCLM*X*1~",
    );
    let input = input.replace("SE*3*", "SE*4*");
    let error = crate::decode::decode(input.as_bytes()).expect_err("CLM outside 2000B");
    let problem = &error.problems()[0];
    assert_eq!(problem.location.segment_id.as_deref(), Some("CLM"));
    assert_eq!(problem.location.loop_id.as_deref(), Some("HEADER"));
    assert_eq!(error.problems()[0].code, "x12.segment.unexpected");
}

#[test]
fn config_is_checked() {
    use crate::config::Config;
    let get = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let ok = Config::parse(&get(&[
        ("sender_id", "A"),
        ("receiver_id", "B"),
        ("usage", "P"),
    ]))
    .expect("valid");
    assert_eq!(ok.usage, 'P');
    assert!(Config::parse(&get(&[("sender_id", "A")])).is_err());
    assert!(
        Config::parse(&get(&[
            ("sender_id", "A"),
            ("receiver_id", "B"),
            ("usage", "X")
        ]))
        .is_err()
    );
    assert!(
        Config::parse(&get(&[
            ("sender_id", "A"),
            ("receiver_id", "B"),
            ("next_control_number", "0")
        ]))
        .is_err()
    );
    let dated = Config::parse(&get(&[
        ("sender_id", "A"),
        ("receiver_id", "B"),
        ("interchange_datetime", "202402291230"),
    ]))
    .expect("leap day");
    assert_eq!(
        dated.interchange_datetime,
        Some(("20240229".into(), "1230".into()))
    );
}

#[test]
fn encode_refuses_kinds_it_does_not_write() {
    use clearway_plugin_sdk::schemas::{Body, Coverage, Message};
    let config =
        crate::config::Config::parse(&|key| Some(key.to_owned()).filter(|k| k.ends_with("_id")))
            .expect("config");
    // Acknowledgments (TA1, 999, 277CA) are encoded now; coverage (834) is not.
    let message = Message::new(Body::Coverage(Coverage::default()));
    let error = crate::encode::encode(&[message], &config).expect_err("unsupported");
    assert!(matches!(
        error,
        clearway_plugin_sdk::ConnectorError::Unsupported(_)
    ));
}
