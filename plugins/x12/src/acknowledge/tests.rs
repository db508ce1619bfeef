//! Unit tests of `acknowledge`: what is answered, to whom, when, and every TA1 note code.

use clearway_plugin_sdk::schemas::Body;
use clearway_plugin_sdk::schemas::body::ack::{ClaimAck, InterchangeAck};
use clearway_plugin_sdk::{ConnectorError, InboundMeta, Payload};

use super::acknowledge;

/// A valid 837P interchange (TA1 not requested).
pub(super) const CLAIM: &str = include_str!("../../tests/fixtures/claim_patient_drug.x12");

/// The inbound metadata of these tests.
pub(super) fn meta() -> InboundMeta {
    InboundMeta {
        inbound_id: "01HS0000000000000000000000".into(),
        endpoint: "clearinghouse-in".into(),
        received_at: "2024-03-17T08:30:00Z".into(),
        ..InboundMeta::default()
    }
}

/// The answers to `input` with config `pairs`.
pub(super) fn answer_with(
    input: &str,
    pairs: &[(&str, &str)],
) -> Result<Vec<Payload>, ConnectorError> {
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    };
    acknowledge(input.as_bytes(), &meta(), &get)
}

/// The answers to `input` as text, without config.
pub(super) fn answer(input: &str) -> Vec<String> {
    answer_with(input, &[])
        .unwrap_or_else(|e| panic!("acknowledge failed: {e}"))
        .into_iter()
        .map(|p| String::from_utf8(p.data).expect("ASCII"))
        .collect()
}

/// The acknowledgment a payload decodes to.
pub(super) fn decoded(text: &str) -> Vec<ClaimAck> {
    crate::decode::decode(text.as_bytes())
        .unwrap_or_else(|e| panic!("the answer does not decode: {e}\n{text}"))
        .into_iter()
        .map(|m| match m.body {
            Body::ClaimAck(ack) => ack,
            other => panic!("not an ack: {}", other.kind()),
        })
        .collect()
}

/// The TA1 result of a TA1 payload.
fn ta1(text: &str) -> InterchangeAck {
    decoded(text)[0].interchange.clone().expect("a TA1")
}

/// `TA104` and `TA105` answered for `input`, and how many payloads came back.
fn ta1_code(input: &str) -> (String, String, usize) {
    let payloads = answer(input);
    let result = ta1(&payloads[0]);
    (
        result.ack_code.x12_code().to_owned(),
        result.note_code,
        payloads.len(),
    )
}

/// `CLAIM` with `ISA` element `n` (1-based) replaced by `value` (same width).
fn isa_with(n: usize, value: &str) -> String {
    let (isa, rest) = CLAIM.split_once('~').expect("ISA");
    let mut elements: Vec<&str> = isa.split('*').collect();
    elements[n] = value;
    format!("{}~{rest}", elements.join("*"))
}

#[test]
fn no_isa_means_no_answer_but_the_decode_problem() {
    for input in ["", "   \n", "GS*HC*A*B~ST*837*0001~"] {
        match answer_with(input, &[]) {
            Err(ConnectorError::Malformed(problems)) => {
                assert_eq!(problems[0].code, "x12.not_x12", "{input:?}");
            }
            other => panic!("{input:?}: expected Malformed, got {other:?}"),
        }
    }
    let cut = &CLAIM[..40];
    assert!(matches!(
        answer_with(cut, &[]),
        Err(ConnectorError::Malformed(_))
    ));
}

#[test]
fn a_broken_isa_that_still_names_its_parties_gets_a_ta1_rejection() {
    let input = CLAIM.replacen("*00*          *ZZ", "*00*         *ZZ", 1);
    let payloads = answer(&input);
    assert_eq!(payloads.len(), 1, "no 999 for a rejected interchange");
    let text = &payloads[0];
    assert!(
        text.starts_with("ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*TESTSUBMIT     *"),
        "{text}"
    );
    assert!(text.contains("TA1*000000101*240315*0930*R*013~"), "{text}");
}

#[test]
fn isa_read_errors_map_onto_note_codes() {
    use crate::syntax::{ErrorKind, Position, X12Error};
    let error = |element: Option<&str>, kind| {
        let position = Position {
            element: element.map(Into::into),
            ..Position::default()
        };
        super::isa::read_error_note(&X12Error::new(position, kind))
    };
    let length = || ErrorKind::IsaElementLength {
        expected: 15,
        found: 14,
    };
    assert_eq!(error(Some("ISA06"), length()), "006");
    assert_eq!(error(Some("ISA08"), length()), "008");
    assert_eq!(error(Some("ISA13"), length()), "018");
    assert_eq!(error(Some("ISA12"), ErrorKind::IsaTruncated), "017");
    assert_eq!(error(None, ErrorKind::IsaTruncated), "023");
    let delimiter = |what| error(None, ErrorKind::IsaDelimiter(what));
    assert_eq!(delimiter("element separator"), "026");
    assert_eq!(delimiter("component separator"), "027");
    assert_eq!(delimiter("segment terminator"), "004");
    let terminator = CLAIM.replacen("*T*:~", "*T*:X", 1);
    assert_eq!(ta1_code(&terminator), ("R".into(), "004".into(), 1));
}

#[test]
fn a_clean_interchange_gets_a_ta1_only_when_asked() {
    let payloads = answer(CLAIM);
    assert_eq!(payloads.len(), 1);
    assert!(payloads[0].contains("ST*999*0001*005010X231A1~"));
    let asked = isa_with(14, "1");
    assert_eq!(ta1_code(&asked), ("A".into(), "000".into(), 2));
}

#[test]
fn iea_problems_reject_the_interchange() {
    let mismatch = CLAIM.replace("IEA*1*000000101", "IEA*1*000000102");
    assert_eq!(ta1_code(&mismatch), ("R".into(), "001".into(), 1));
    let count = CLAIM.replace("IEA*1*000000101", "IEA*2*000000101");
    assert_eq!(ta1_code(&count), ("R".into(), "021".into(), 1));
    let missing = CLAIM.replace("IEA*1*000000101~\n", "");
    assert_eq!(ta1_code(&missing), ("R".into(), "023".into(), 1));
    let trailing = format!("{CLAIM}GS*HC*X~");
    assert_eq!(ta1_code(&trailing), ("R".into(), "022".into(), 1));
    let stray = CLAIM.replace("GE*1*101~\n", "GE*1*101~\nREF*EI*1~\n");
    assert_eq!(ta1_code(&stray), ("R".into(), "024".into(), 1));
}

#[test]
fn isa_values_are_noted_and_the_groups_still_answered() {
    for (n, value, note) in [
        (1, "09", "010"),
        (3, "07", "012"),
        (5, "QQ", "005"),
        (7, "QQ", "007"),
        (9, "241399", "014"),
        (10, "2561", "015"),
        (11, "U", "016"),
        (13, "00000010A", "018"),
        (14, "2", "019"),
        (15, "X", "020"),
    ] {
        let input = isa_with(n, value);
        let input = if n == 13 {
            input.replace("IEA*1*000000101", "IEA*1*00000010A")
        } else {
            input
        };
        assert_eq!(ta1_code(&input), ("E".into(), note.into(), 2), "ISA{n:02}");
    }
}

#[test]
fn other_control_versions_are_rejected() {
    assert_eq!(
        ta1_code(&isa_with(12, "00401")),
        ("R".into(), "003".into(), 1)
    );
    assert_eq!(
        ta1_code(&isa_with(12, "5010A")),
        ("R".into(), "017".into(), 1)
    );
}

#[test]
fn the_answer_goes_back_to_the_sender_with_the_pairs_numbers() {
    let input = isa_with(14, "1").replace("*T*:~", "*P*:~");
    let payloads = answer_with(&input, &[("next_control_number", "500")]).expect("answers");
    let texts: Vec<String> = payloads
        .iter()
        .map(|p| String::from_utf8(p.data.clone()).expect("text"))
        .collect();
    let head = "ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*TESTSUBMIT     \
                *240315*0930*^*00501*";
    assert!(
        texts[0].starts_with(&format!("{head}000000500*0*P*:~")),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].starts_with(&format!("{head}000000501*0*P*:~")),
        "{}",
        texts[1]
    );
    assert!(texts[1].contains("GS*FA*TESTPAYER*TESTSUBMIT*20240315*0930*501*X*005010X231A1~"));
    assert_eq!(
        payloads[0].filename_hint.as_deref(),
        Some("ta1-000000500.x12")
    );
    assert_eq!(
        payloads[1].filename_hint.as_deref(),
        Some("999-000000501.x12")
    );
    assert!(payloads.iter().all(|p| p.carries.is_empty()));
}

#[test]
fn the_creation_time_is_configured_else_the_groups_else_the_isas_else_the_receipt() {
    let configured =
        answer_with(CLAIM, &[("interchange_datetime", "202501020304")]).expect("answers");
    let text = String::from_utf8(configured[0].data.clone()).expect("text");
    assert!(text.contains("*250102*0304*^*"), "{text}");
    let group = CLAIM.replace("*20240315*0930*101*", "*20240320*114512*101*");
    assert!(answer(&group)[0].contains("GS*FA*TESTPAYER*TESTSUBMIT*20240320*1145*"));
    let no_group = isa_with(14, "1").replace(
        &CLAIM[CLAIM.find("GS*").expect("GS")..CLAIM.find("IEA").expect("IEA")],
        "",
    );
    let no_group = no_group.replace("IEA*1*", "IEA*0*");
    let texts = answer(&no_group);
    assert_eq!(texts.len(), 1);
    assert!(texts[0].contains("*240315*0930*^*"), "{}", texts[0]);
    let undated = no_group.replace("*240315*0930*^*", "*240399*0930*^*");
    let texts = answer(&undated);
    assert!(texts[0].contains("*240317*0830*^*"), "{}", texts[0]);
    assert!(
        texts[0].contains("TA1*000000101*240399*0930*E*014~"),
        "{}",
        texts[0]
    );
}

#[test]
fn acknowledgments_are_not_acknowledged() {
    let ack = include_str!("../../tests/fixtures/ack_277ca.x12");
    assert_eq!(answer(ack).len(), 1, "a 277CA (HN) gets a 999");
    let fa = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      \
              *240101*1200*^*00501*000000007*0*T*:~GS*FA*PAYER*SUBMITTER*20240101*1200*7*X*\
              005010X231A1~ST*999*0001*005010X231A1~AK1*HC*12*005010X222A1~AK2*837*0001~\
              IK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*7~IEA*1*000000007~";
    assert!(answer(fa).is_empty());
}

#[test]
fn every_group_gets_its_999_in_one_interchange() {
    let group = &CLAIM[CLAIM.find("GS*").expect("GS")..CLAIM.find("IEA").expect("IEA")];
    let second = group
        .replace(
            "GS*HC*TESTSUBMIT*TESTPAYER*20240315*0930*101*",
            "GS*HC*OTHER*TESTPAYER*20240315*0930*102*",
        )
        .replace("GE*1*101", "GE*1*102")
        .replace("SE*42*0001", "SE*40*0001");
    let input = CLAIM
        .replace("GE*1*101~\n", &format!("GE*1*101~\n{second}"))
        .replace("IEA*1*", "IEA*2*");
    let texts = answer(&input);
    assert_eq!(texts.len(), 1);
    assert!(
        texts[0].contains("GS*FA*TESTPAYER*TESTSUBMIT*"),
        "first group's codes"
    );
    let acks = decoded(&texts[0]);
    assert_eq!(acks.len(), 2, "one 999 transaction set per group");
    assert_eq!(acks[0].functional_groups[0].control_number, "101");
    assert_eq!(acks[1].functional_groups[0].control_number, "102");
    assert_eq!(
        acks[1].functional_groups[0].transaction_sets[0].error_codes,
        ["4"]
    );
}
