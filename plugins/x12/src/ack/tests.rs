//! Unit tests of the acknowledgment encoders: 999, TA1 and 277CA, and their envelope.

use clearway_plugin_sdk::ConnectorError;
use clearway_plugin_sdk::schemas::body::ack::{
    AckLevel, AckStatus, AckType, ElementError, ErrorContext, GroupAck, InterchangeAck,
    InterchangeAckCode, SegmentError, TransactionSetAck,
};
use clearway_plugin_sdk::schemas::{Body, ClaimAck, Message};

use super::encode::write_999;
use super::envelope::{self, Header, Side};
use crate::config::Config;
use crate::decode::decode;
use crate::encode::encode;
use crate::syntax::{Delimiters, Writer};

/// A config with a creation time and a first control number.
fn config() -> Config {
    Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        "interchange_datetime" => Some("202403161015".into()),
        "next_control_number" => Some("5".into()),
        _ => None,
    })
    .expect("config")
}

/// A rejected group result with an `IK3` that has a context, an `IK4` with its own.
fn rejected_group() -> GroupAck {
    let trigger = ErrorContext {
        name: "SITUATIONAL TRIGGER".into(),
        segment_id: Some("CLM".into()),
        segment_position: Some(20),
        loop_id: Some("2300".into()),
        element_position: Some(5),
        component_position: Some(1),
        ..ErrorContext::default()
    };
    GroupAck {
        functional_id: "HC".into(),
        control_number: "17".into(),
        version: Some("005010X222A1".into()),
        status: AckStatus::Rejected,
        transaction_sets_included: None,
        transaction_sets_received: None,
        transaction_sets_accepted: None,
        error_codes: vec!["5".into()],
        transaction_sets: vec![TransactionSetAck {
            transaction_set_id: "837".into(),
            control_number: "0001".into(),
            implementation_reference: Some("005010X222A1".into()),
            status: AckStatus::Rejected,
            error_codes: vec!["5".into()],
            segment_errors: vec![SegmentError {
                segment_id: "NM1".into(),
                position: 9,
                loop_id: Some("2010AA".into()),
                error_code: "8".into(),
                context: vec![ErrorContext {
                    name: "CLM01".into(),
                    reference: Some("PCN1".into()),
                    ..ErrorContext::default()
                }],
                element_errors: vec![ElementError {
                    position: 9,
                    component_position: None,
                    repetition: None,
                    element_reference: Some("67".into()),
                    error_code: "1".into(),
                    bad_value: None,
                    context: vec![trigger],
                }],
            }],
        }],
    }
}

#[test]
fn writes_every_999_segment_in_order_and_counts_what_the_model_leaves_out() {
    let mut w = Writer::new(Delimiters::default(), false);
    write_999(&mut w, &rejected_group());
    assert_eq!(
        w.finish().expect("no delimiter in values"),
        "AK1*HC*17*005010X222A1~AK2*837*0001*005010X222A1~IK3*NM1*9*2010AA*8~\
         CTX*CLM01:PCN1~IK4*9*67*1~CTX*SITUATIONAL TRIGGER*CLM*20*2300*5:1~IK5*R*5~\
         AK9*R*1*1*0*5~"
    );
}

#[test]
fn a_999_round_trips_through_encode_and_decode() {
    let mut ack = ClaimAck::new(AckType::Implementation999);
    ack.functional_groups.push(rejected_group());
    let payloads = encode(&[Message::new(Body::ClaimAck(ack))], &config()).expect("encodes");
    let text = String::from_utf8(payloads[0].data.clone()).expect("text");
    assert!(text.contains("GS*FA*CLEARWAY*PARTNER*20240316*1015*5*X*005010X231A1~"));
    assert!(payloads[0].filename_hint.as_deref() == Some("999-000000005.x12"));
    let again = decode(text.as_bytes()).expect("decodes");
    let Body::ClaimAck(back) = &again[0].body else {
        panic!("not an ack")
    };
    let group = &back.functional_groups[0];
    assert_eq!(group.transaction_sets_accepted, Some(0));
    assert_eq!(group.transaction_sets[0].segment_errors[0].context.len(), 1);
    let element = &group.transaction_sets[0].segment_errors[0].element_errors[0];
    assert_eq!(element.context[0].component_position, Some(1));
}

#[test]
fn a_999_without_group_results_is_refused_by_pointer() {
    let message = Message::new(Body::ClaimAck(ClaimAck::new(AckType::Implementation999)));
    match encode(&[message], &config()) {
        Err(ConnectorError::Invalid(problems)) => assert_eq!(
            problems[0].location.path.as_deref(),
            Some("/0/body/functional_groups")
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn ta1s_share_one_interchange_without_groups() {
    let ta1 = |control: &str, code| {
        let mut ack = ClaimAck::new(AckType::Ta1);
        ack.interchange = Some(InterchangeAck {
            control_number: control.into(),
            date: None,
            time: None,
            ack_code: code,
            note_code: "000".into(),
        });
        Message::new(Body::ClaimAck(ack))
    };
    let messages = [
        ta1("000000101", InterchangeAckCode::Accepted),
        ta1("000000102", InterchangeAckCode::Rejected),
    ];
    let payloads = encode(&messages, &config()).expect("encodes");
    let text = String::from_utf8(payloads[0].data.clone()).expect("text");
    assert!(text.contains("TA1*000000101*240316*1015*A*000~\nTA1*000000102*240316*1015*R*000~"));
    assert!(text.ends_with("IEA*0*000000005~\n"), "{text}");
    assert_eq!(payloads[0].carries, vec![0, 1]);
    assert_eq!(decode(text.as_bytes()).expect("decodes").len(), 2);
    let empty = Message::new(Body::ClaimAck(ClaimAck::new(AckType::Ta1)));
    assert!(matches!(
        encode(&[empty], &config()),
        Err(ConnectorError::Invalid(_))
    ));
}

#[test]
fn envelope_refuses_ids_that_do_not_fit_the_isa() {
    let side = |id: &str| Side {
        qualifier: "ZZ".into(),
        id: id.into(),
        application: id.into(),
    };
    let header = Header {
        sender: side("A-SENDER-ID-LONGER-THAN-15"),
        receiver: side("B"),
        usage: 'T',
        date: "20240316".into(),
        time: "101500".into(),
        control: 1,
    };
    assert!(envelope::write(&header, &[], None, |_, _| {}).is_err());
    let header = Header {
        sender: side("A"),
        ..header
    };
    let text = envelope::write(
        &header,
        &[],
        Some((("FA", "999", "005010X231A1"), 0)),
        |_, _| {},
    )
    .expect("writes");
    assert!(
        text.contains("*240316*1015*^*00501*000000001*0*T*:~"),
        "{text}"
    );
    assert!(
        text.contains("GS*FA*A*B*20240316*101500*1*X*005010X231A1~"),
        "{text}"
    );
}

#[test]
fn a_277ca_without_its_levels_is_refused_by_pointer() {
    let message = Message::new(Body::ClaimAck(ClaimAck::new(AckType::ClaimAck277)));
    match encode(&[message], &config()) {
        Err(ConnectorError::Invalid(problems)) => assert_eq!(
            problems[0].location.path.as_deref(),
            Some("/0/body/claim_statuses/0/level")
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let mut ack = ClaimAck::new(AckType::ClaimAck277);
    let fixture = include_str!("../../tests/fixtures/ack_277ca.x12");
    let Body::ClaimAck(decoded) = &decode(fixture.as_bytes()).expect("decodes")[0].body else {
        panic!("not an ack")
    };
    ack.claim_statuses = decoded.claim_statuses.clone();
    ack.claim_statuses.remove(2);
    let problems = match encode(&[Message::new(Body::ClaimAck(ack))], &config()) {
        Err(ConnectorError::Invalid(problems)) => problems,
        other => panic!("expected Invalid, got {other:?}"),
    };
    let paths: Vec<_> = problems
        .iter()
        .filter_map(|p| p.location.path.clone())
        .collect();
    assert!(
        paths.contains(&"/0/body/claim_statuses/2/level".to_owned()),
        "{paths:?}"
    );
    assert!(paths.contains(&"/0/parties/sender".to_owned()), "{paths:?}");
    assert_eq!(decoded.claim_statuses[2].level, AckLevel::BillingProvider);
}
