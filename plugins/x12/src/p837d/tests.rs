//! Unit tests of the 837D TR3 rules (no external validator has a 5010 837D map): required
//! loops and segments, the `SV3` and `TOO` composites and their code lists, `CLM19`, `DN1`/`DN2`,
//! the diagnosis pointers, and the encode refusals by JSON pointer.

use clearway_plugin_sdk::schemas::Body;
use clearway_plugin_sdk::schemas::body::DiagnosisRole;
use clearway_plugin_sdk::schemas::body::claim::{ClaimType, Tooth};

use super::lines::valid_tooth;
use crate::decode::decode_interchange;
use crate::p837::test_support::{edited, encoded, error, first_claim, paths};
use crate::syntax::ErrorKind;

/// Two dental claims under a patient: teeth, surfaces, prosthesis, providers, COB.
const TEETH: &str = include_str!("../../tests/fixtures/837d-patient-teeth.x12");
/// An orthodontic predetermination (`CLM19 PB`, `DN1`, `DN2`, `DTP*452`, pointers).
const ORTHO: &str = include_str!("../../tests/fixtures/837d-ortho-predetermination.x12");

#[test]
fn universal_tooth_numbers() {
    for good in ["1", "16", "32", "A", "T", "51", "82", "AS", "TS"] {
        assert!(valid_tooth(good), "{good}");
    }
    for bad in ["0", "01", "33", "50", "83", "U", "a", "ASX", "US", ""] {
        assert!(!valid_tooth(bad), "{bad}");
    }
}

#[test]
fn decodes_teeth_surfaces_and_dental_providers() {
    let (messages, claim) = first_claim(TEETH);
    assert_eq!(messages.len(), 2);
    assert_eq!(claim.claim_type, ClaimType::Dental);
    let first = &claim.service_lines[0];
    assert_eq!(first.prosthesis.as_deref(), Some("R"));
    assert_eq!(
        first.teeth,
        [Tooth {
            number: "8".into(),
            surfaces: vec!["M".into(), "I".into(), "F".into(), "L".into()],
        }]
    );
    assert_eq!(claim.service_lines[1].teeth.len(), 2);
    assert_eq!(
        claim.service_lines[1].prior_authorization_numbers,
        ["AUTH-D-LINE"]
    );
    let p = &messages[0].parties;
    let referring = p.referring_provider.as_ref().expect("2310A");
    assert_eq!(referring.role.as_ref().map(|r| r.code.as_str()), Some("P3"));
    let roles: Vec<&str> = p
        .other
        .iter()
        .filter_map(|o| o.role.as_ref().map(|r| r.code.as_str()))
        .collect();
    assert_eq!(roles, ["DD", "DQ"]);
    let Body::Claim(second) = &messages[1].body else {
        panic!("not a claim");
    };
    assert_eq!(second.service_lines[0].oral_cavity_areas, ["01", "02"]);
}

#[test]
fn decode_refuses_what_the_tr3_does_not_allow() {
    let cases = [
        (TEETH, "TOO*JP*8*M:I:F:L", "TOO*JO*8*M:I:F:L", "TOO01"),
        (TEETH, "TOO*JP*8*M:I:F:L", "TOO*JP*33*M:I:F:L", "TOO02"),
        (TEETH, "TOO*JP*8*M:I:F:L", "TOO*JP*8*M:I:F:L:O:D", "TOO03-6"),
        (TEETH, "TOO*JP*8*M:I:F:L", "TOO*JP*8*M:Q", "TOO03-2"),
        (TEETH, "SV3*AD:D2740", "SV3*HC:D2740", "SV301-1"),
        (
            TEETH,
            "SV3*AD:D1110*95.00*11*01:02",
            "SV3*AD:D1110*95.00*11*01:55",
            "SV304-2",
        ),
        (
            TEETH,
            "SV3*AD:D2740*1200.00***R*1",
            "SV3*AD:D2740*1200.00***X*1",
            "SV305",
        ),
        (
            TEETH,
            "CLM*DENT-4001*1350.00***11:B:1",
            "CLM*DENT-4001*1350.00***11:A:1",
            "CLM05-2",
        ),
        (ORTHO, "**********PB~", "**********PX~", "CLM19"),
        (ORTHO, "DN2*16*E", "DN2*16*X", "DN202"),
        (ORTHO, "DN2*16*E", "DN2*99*E", "DN201"),
        (ORTHO, "*****1:2~", "*****1:X~", "SV311-2"),
    ];
    for (text, from, to, element) in cases {
        let error = error(&edited(text, from, to));
        assert_eq!(
            error.position.element.as_deref(),
            Some(element),
            "{to}: {error}"
        );
    }
    let no_sv3 = edited(TEETH, "SV3*AD:D1110*95.00*11*01:02", "NTE*TPO*NO SV3");
    assert_eq!(
        error(&no_sv3).kind,
        ErrorKind::MissingSegment("segment SV3".into())
    );
    let no_line = edited(ORTHO, "LX*1~\nSV3*AD:D8080*4000.00*11*00**1*****1:2~\n", "");
    let no_line = no_line
        .replacen(
            "LX*2~\nSV3*AD:D7140*250.00*11***1*****1~\nTOO*JP*1~\n",
            "",
            1,
        )
        .replacen("LX*3~\nSV3*AD:D7140*250.00*11***1~\nTOO*JP*16~\n", "", 1)
        .replacen("SE*35*", "SE*27*", 1);
    assert_eq!(
        error(&no_line).kind,
        ErrorKind::MissingSegment("loop 2400".into())
    );
}

#[test]
fn predetermination_orthodontics_and_pointers_round_trip() {
    let (messages, claim) = first_claim(ORTHO);
    let dental = claim.dental.as_ref().expect("dental");
    assert!(dental.predetermination);
    assert_eq!(dental.tooth_status.len(), 2);
    let text = encoded(&messages).expect("encodes");
    for expected in [
        "CLM*ORTHO-3001*4500.00***11:B:1*Y*A*Y*Y**********PB~",
        "DTP*452*D8*20240401~\nDN1*24*18~\nDN2*1*M~\nDN2*16*E~",
        "HI*ABK:K0811*ABF:M2620~",
        "SV3*AD:D8080*4000.00*11*00**1*****1:2~",
        "ST*837*0001*005010X224A2~",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    let again = decode_interchange(text.as_bytes()).expect("re-decodes");
    assert_eq!(again[0].body, messages[0].body);
}

#[test]
fn pointers_follow_the_written_diagnosis_order() {
    let (mut messages, mut claim) = first_claim(ORTHO);
    // The principal second in claim order: the HI writes it first, pointers follow it.
    claim.diagnoses.reverse();
    claim.service_lines[0].diagnosis_pointers = vec![2, 1];
    if let Some(dental) = claim.dental.as_mut() {
        dental
            .orthodontics
            .as_mut()
            .expect("DN1")
            .orthodontic_purpose = true;
    }
    messages[0].body = Body::Claim(claim);
    let text = encoded(&messages).expect("encodes");
    assert!(text.contains("HI*ABK:K0811*ABF:M2620~"), "{text}");
    assert!(
        text.contains("*****2:1~"),
        "pointer 2 is the principal, written first: {text}"
    );
    assert!(
        text.contains("DN1*24*18**Y~"),
        "DN104 says orthodontic purpose: {text}"
    );
}

#[test]
fn encode_refuses_what_the_tr3_does_not_allow() {
    let (mut messages, mut claim) = first_claim(TEETH);
    claim.place_of_service = None;
    claim.diagnoses[0].role = DiagnosisRole::Admitting;
    let tooth = claim.service_lines[1].teeth[0].clone();
    claim.service_lines[1].teeth = vec![tooth; 33];
    let line = &mut claim.service_lines[0];
    line.procedure.as_mut().expect("procedure").system =
        clearway_plugin_sdk::schemas::CodeSystem::Cpt;
    line.teeth[0].number = "33".into();
    line.teeth[0].surfaces.push("X".into());
    line.oral_cavity_areas.push("55".into());
    line.prosthesis = Some("Q".into());
    line.diagnosis_pointers = vec![1, 9];
    messages[0].body = Body::Claim(claim);
    messages[0]
        .parties
        .patient
        .as_mut()
        .expect("patient")
        .birth_date = None;
    assert_eq!(
        paths(encoded(&messages)),
        [
            "/0/parties/patient/birth_date",
            "/0/body/place_of_service",
            "/0/body/diagnoses",
            "/0/body/diagnoses/0/role",
            "/0/body/service_lines/0/procedure/system",
            "/0/body/service_lines/0/oral_cavity_areas/0",
            "/0/body/service_lines/0/prosthesis",
            "/0/body/service_lines/0/teeth/0/number",
            "/0/body/service_lines/0/teeth/0/surfaces",
            "/0/body/service_lines/0/diagnosis_pointers",
            "/0/body/service_lines/1/teeth",
        ]
    );
}

#[test]
fn encode_refuses_a_claim_without_lines_or_cdt_code() {
    let (mut messages, mut claim) = first_claim(TEETH);
    claim.service_lines[0].procedure = None;
    claim.service_lines.truncate(1);
    let mut empty = claim.clone();
    empty.service_lines.clear();
    messages[0].body = Body::Claim(claim);
    messages[1].body = Body::Claim(empty);
    assert_eq!(
        paths(encoded(&messages)),
        ["/0/body/service_lines/0/procedure", "/1/body/service_lines"]
    );
}
