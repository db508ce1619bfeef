//! Unit tests of the 999 codes `acknowledge` maps: `IK502` from the transaction set
//! envelope, `AK905` from the group's, `IK304`/`IK403` from the element checks and the TR3
//! decoders, `CTX`, and the `IK501`/`AK901` verdicts.

use super::tests::{CLAIM, answer, decoded};

/// The 999 (the last answer) for `CLAIM` with each `(from, to)` replaced once.
fn nine99(edits: &[(&str, &str)]) -> String {
    let mut input = CLAIM.to_owned();
    for (from, to) in edits {
        assert!(input.contains(from), "the fixture has no `{from}`");
        input = input.replacen(from, to, 1);
    }
    answer(&input).pop().expect("a 999")
}

/// The `IK3` ... `AK9` lines of a 999, joined with `~`.
fn results(text: &str) -> String {
    text.lines()
        .filter(|l| {
            ["IK3", "CTX", "IK4", "IK5", "AK9"]
                .iter()
                .any(|s| l.starts_with(s))
        })
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn a_clean_claim_is_accepted() {
    let text = nine99(&[]);
    assert!(text.contains("AK1*HC*101*005010X222A1~\nAK2*837*0001*005010X222A1~"));
    assert_eq!(results(&text), "IK5*A~AK9*A*1*1*1~");
}

#[test]
fn transaction_set_trailer_problems() {
    let count = nine99(&[("SE*42*0001", "SE*41*0001")]);
    assert_eq!(results(&count), "IK5*R*4~AK9*R*1*1*0~");
    let control = nine99(&[("SE*42*0001", "SE*42*0002")]);
    assert_eq!(results(&control), "IK5*E*3~AK9*E*1*1*1~");
    let missing = nine99(&[("SE*42*0001~\n", "")]);
    assert_eq!(results(&missing), "IK5*R*2~AK9*R*1*1*0~");
}

#[test]
fn transaction_set_header_problems() {
    let short = nine99(&[("ST*837*0001*", "ST*837*01*"), ("SE*42*0001", "SE*42*01")]);
    assert!(short.contains("AK2*837*01*005010X222A1~"));
    assert_eq!(results(&short), "IK5*E*7~AK9*E*1*1*1~");
    let announced = nine99(&[("GS*HC*", "GS*HP*")]);
    assert!(announced.contains("AK1*HP*101*"));
    assert_eq!(results(&announced), "IK5*E*6~AK9*E*1*1*1~");
    let id = nine99(&[("ST*837*", "ST*8X7*")]);
    assert!(
        id.contains("AK2*837*0001*"),
        "AK201 falls back to what GS01 announces"
    );
    assert_eq!(results(&id), "IK5*R*6~AK9*R*1*1*0~");
    let unsupported = nine99(&[
        ("GS*HC*", "GS*BE*"),
        ("ST*837*0001*005010X222A1", "ST*834*0001*005010X220A1"),
    ]);
    assert_eq!(results(&unsupported), "IK5*R*1~AK9*R*1*1*0~");
}

#[test]
fn functional_group_trailer_problems() {
    let missing = nine99(&[("GE*1*101~\n", "")]);
    assert_eq!(results(&missing), "IK5*A~AK9*R*1*1*1*3~");
    let control = nine99(&[("GE*1*101", "GE*1*102")]);
    assert_eq!(results(&control), "IK5*A~AK9*E*1*1*1*4~");
    let count = nine99(&[("GE*1*101", "GE*2*101")]);
    assert_eq!(results(&count), "IK5*A~AK9*R*2*1*1*5~");
    let syntax = nine99(&[("*0930*101*X*", "*0930*A1*X*"), ("GE*1*101", "GE*1*A1")]);
    assert!(syntax.contains("AK1*HC*A1*"));
    assert_eq!(results(&syntax), "IK5*A~AK9*E*1*1*1*6~");
}

#[test]
fn one_rejected_set_of_two_is_a_partial_acceptance() {
    let set = &CLAIM[CLAIM.find("ST*").expect("ST")..CLAIM.find("GE*").expect("GE")];
    let bad = set
        .replace("ST*837*0001", "ST*837*0002")
        .replace("SE*42*0001", "SE*40*0002");
    let input = CLAIM.replace("GE*1*101", &format!("{bad}GE*2*101"));
    let text = answer(&input).pop().expect("a 999");
    assert_eq!(results(&text), "IK5*A~IK5*R*4~AK9*P*2*2*1~");
    let group = &decoded(&text)[0].functional_groups[0];
    assert_eq!(group.transaction_sets[1].control_number, "0002");
}

#[test]
fn segment_level_codes() {
    let id = nine99(&[("N3*100 TEST AVENUE~\nN4*", "N3*100 TEST AVENUE~\nNd4*")]);
    assert!(id.contains("IK3*ND4*10**1~"), "{id}");
    assert!(id.contains("IK5*R*5~"), "{id}");
    let twice = nine99(&[
        (
            "BHT*0019*00*BATCH101*20240315*0930*CH~\n",
            "BHT*0019*00*BATCH101*20240315*0930*CH~\nBHT*0019*00*BATCH101*20240315*0930*CH~\n",
        ),
        ("SE*42*", "SE*43*"),
    ]);
    assert_eq!(results(&twice), "IK3*BHT*3**5~IK5*R*5~AK9*R*1*1*0~");
    let missing = nine99(&[("N3*100 TEST AVENUE~\n", ""), ("SE*42*", "SE*41*")]);
    assert_eq!(results(&missing), "IK3*N3*8**3~IK5*R*5~AK9*R*1*1*0~");
    let unexpected = nine99(&[("CH~\n", "CH~\nCLM*X*1~\n"), ("SE*42*", "SE*43*")]);
    assert_eq!(
        results(&unexpected),
        "IK3*CLM*3**2~CTX*CLM01:X~IK5*R*5~AK9*R*1*1*0~",
        "the claim is its own business unit"
    );
}

#[test]
fn element_codes_from_the_tr3_decoder() {
    let code = nine99(&[("NM1*85*2*", "NM1*85*3*")]);
    assert_eq!(
        results(&code),
        "IK3*NM1*8**8~IK4*2*1065*7~IK5*R*5~AK9*R*1*1*0~"
    );
    let parent = nine99(&[("HL*3*2*23*0", "HL*3*9*23*0")]);
    assert_eq!(
        results(&parent),
        "IK3*HL*19**8~IK4*2*734*7~IK5*R*5~AK9*R*1*1*0~"
    );
    let date = nine99(&[("DTP*472*D8*20240310", "DTP*472*D8*20241310")]);
    assert_eq!(
        results(&date),
        "IK3*DTP*35*2400*8~CTX*CLM01:TESTCLAIM1~IK4*3*1251*8~IK5*R*5~AK9*R*1*1*0~"
    );
    let missing = nine99(&[("HI*ABK:J069*", "HI*ABK:*")]);
    assert_eq!(
        results(&missing),
        "IK3*HI*30*2300*8~CTX*CLM01:TESTCLAIM1~IK4*1:2**1~IK5*R*5~AK9*R*1*1*0~"
    );
}

#[test]
fn element_syntax_is_noted_when_the_decoder_accepts_it() {
    let character = nine99(&[("N3*100 TEST AVENUE", "N3*100 TEST AVEN\u{dc}E")]);
    assert_eq!(
        results(&character),
        "IK3*N3*9**8~IK4*1*166*6~IK5*E*5~AK9*E*1*1*1~"
    );
    let long = "A".repeat(56);
    let too_long = nine99(&[("N3*100 TEST AVENUE", &format!("N3*{long}"))]);
    assert_eq!(
        results(&too_long),
        "IK3*N3*9**8~IK4*1*166*5~IK5*E*5~AK9*E*1*1*1~"
    );
    let short = nine99(&[(
        "TEST AVENUE~\nN4*SPRINGFIELD*IL*627010000",
        "TEST AVENUE~\nN4*SPRINGFIELD*IL*62",
    )]);
    assert_eq!(
        results(&short),
        "IK3*N4*10**8~IK4*3*116*4~IK5*E*5~AK9*E*1*1*1~"
    );
    let many = nine99(&[("N3*100 TEST AVENUE", "N3*100 TEST AVENUE*SUITE 1*EXTRA")]);
    assert_eq!(results(&many), "IK3*N3*9**8~IK4*3**3~IK5*E*5~AK9*E*1*1*1~");
    let time = nine99(&[("*BATCH101*20240315*0930*", "*BATCH101*20240315*0960*")]);
    assert!(
        results(&time).starts_with("IK3*BHT*2**8~IK4*5*337*9~"),
        "{time}"
    );
}

#[test]
fn a_number_the_decoder_refuses_is_one_element_error_and_a_rejection() {
    let text = nine99(&[("SV1*HC:99213:25*120.00", "SV1*HC:99213:25*12O.00")]);
    assert_eq!(
        results(&text),
        "IK3*SV1*34*2400*8~CTX*CLM01:TESTCLAIM1~IK4*2*782*6~IK5*R*5~AK9*R*1*1*0~"
    );
}

#[test]
fn every_decoder_error_kind_maps_onto_an_ik3_and_ik4() {
    use super::tr3::segment_error;
    use crate::syntax::{ErrorKind, Position, X12Error};
    let at = |id: &str, element: Option<&str>, loop_id: &str| Position {
        segment: 12,
        segment_id: id.into(),
        element: element.map(Into::into),
        loop_id: Some(loop_id.into()),
        ..Position::default()
    };
    /// `IK4`: position, component, reference, code.
    type Element = Option<(u32, Option<u32>, Option<&'static str>, &'static str)>;
    /// `IK3`: id, loop, code.
    type Segment = (&'static str, Option<&'static str>, &'static str);
    let cases: Vec<(ErrorKind, Position, Segment, Element)> = vec![
        (
            ErrorKind::SegmentNotAllowed,
            at("CLM", None, "HEADER"),
            ("CLM", None, "2"),
            None,
        ),
        (
            ErrorKind::BadSegmentId,
            at("NM1", None, "1000A"),
            ("NM1", Some("1000A"), "1"),
            None,
        ),
        (
            ErrorKind::MissingSegment("segment N3".into()),
            at("NM1", None, "2010AA"),
            ("N3", Some("2010AA"), "3"),
            None,
        ),
        (
            ErrorKind::MissingSegment("loop 2010AA".into()),
            at("HL", None, "2000A"),
            ("NM1", Some("2010AA"), "3"),
            None,
        ),
        (
            ErrorKind::MissingElement("facility code"),
            at("CLM", Some("CLM05-1"), "2300"),
            ("CLM", Some("2300"), "8"),
            Some((5, Some(1), None, "1")),
        ),
        (
            ErrorKind::InvalidCode("entity type qualifier"),
            at("NM1", Some("NM102"), "2010AA"),
            ("NM1", Some("2010AA"), "8"),
            Some((2, None, Some("1065"), "7")),
        ),
        (
            ErrorKind::InvalidDate,
            at("DTP", Some("DTP03"), "2400"),
            ("DTP", Some("2400"), "8"),
            Some((3, None, Some("1251"), "8")),
        ),
        (
            ErrorKind::InvalidTime,
            at("BHT", Some("BHT05"), "HEADER"),
            ("BHT", None, "8"),
            Some((5, None, Some("337"), "9")),
        ),
        (
            ErrorKind::InvalidNumber,
            at("AMT", Some("AMT02"), "2300"),
            ("AMT", Some("2300"), "8"),
            Some((2, None, Some("782"), "6")),
        ),
        (
            ErrorKind::BadHlParent,
            at("HL", Some("HL02"), "2000B"),
            ("HL", Some("2000B"), "8"),
            Some((2, None, Some("734"), "7")),
        ),
    ];
    for (kind, position, (id, loop_id, code), element) in cases {
        let error = segment_error(
            &X12Error::new(position, kind.clone()),
            7,
            ("837", "005010X222A1"),
        );
        assert_eq!(
            (
                error.segment_id.as_str(),
                error.loop_id.as_deref(),
                error.error_code.as_str()
            ),
            (id, loop_id, code),
            "{kind:?}"
        );
        assert_eq!(error.position, 7);
        let got = error.element_errors.first().map(|e| {
            (
                e.position,
                e.component_position,
                e.element_reference.clone(),
                e.error_code.clone(),
            )
        });
        let want = element.map(|(p, c, r, code)| (p, c, r.map(str::to_owned), code.to_owned()));
        assert_eq!(got, want, "{kind:?}");
    }
}

#[test]
fn bytes_that_are_not_text_are_invalid_characters() {
    let input = CLAIM.replacen("N3*100 TEST AVENUE", "N3*100 TEST AVEN\u{1}E", 1);
    let mut bytes = input.into_bytes();
    let at = bytes.iter().position(|&b| b == 1).expect("marker");
    bytes[at] = 0xff;
    let payloads = super::acknowledge(&bytes, &super::tests::meta(), &|_| None).expect("answers");
    let text = String::from_utf8(payloads[0].data.clone()).expect("ASCII");
    assert_eq!(
        results(&text),
        "IK3*N3*9**8~IK4*1*166*6~IK5*E*5~AK9*E*1*1*1~"
    );
}
