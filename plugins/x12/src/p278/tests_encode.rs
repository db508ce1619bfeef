//! Unit tests of what the 278 encoder writes and refuses: `HL` levels, "not used" elements
//! left out, TR3-required pieces refused by JSON pointer.

use clearway_plugin_sdk::schemas::body::prior_auth::{
    CertificationAction, CertificationType, RequestCategory,
};
use clearway_plugin_sdk::schemas::{Body, Message};

use super::tests::{UPPER, encoded, interchange, messages, refused, request, response};
use crate::config::Config;
use crate::encode::encode;

#[test]
fn not_used_elements_are_not_written() {
    let upper = UPPER.replace(
        "NM1*1P*2*CLINIC*****XX*1234567893",
        "NM1*1P*1*SMITH*ANN****XX*1234567893",
    );
    let body = format!("{upper}HL*4*3*23*1~NM1*QC*1*DOE*JANE~HL*5*4*EV*0~UM*HS*I~");
    let mut decoded = messages(&interchange("13", &body));
    let parties = &mut decoded[0].parties;
    let patient = parties.patient.as_mut().expect("dependent");
    patient.member_id = Some("NOT-WRITTEN".into());
    patient.prefix = Some("MS".into());
    parties.provider.as_mut().expect("requester").prefix = Some("DR".into());
    let written = encoded(&decoded);
    assert!(written.contains("NM1*QC*1*DOE*JANE~"), "{written}");
    assert!(
        written.contains("NM1*1P*1*SMITH*ANN****XX*1234567893~"),
        "{written}"
    );
    assert!(written.contains("HL*5*4*EV*0~"), "{written}");
    assert!(!written.contains("NOT-WRITTEN"));
}

#[test]
fn an_encode_refuses_what_x217_requires_or_cannot_say() {
    let mut decoded = messages(&request("HL*4*3*EV*0~UM*HS*I~"));
    decoded[0]
        .parties
        .subscriber
        .as_mut()
        .expect("subscriber")
        .member_id = None;
    decoded[0].parties.payer = None;
    if let Body::PriorAuthRequest(body) = &mut decoded[0].body {
        body.certification_type = CertificationType::Verification;
        body.request_category = RequestCategory::Individual;
        body.level_of_service = Some("Z".into());
    }
    let paths = refused(&decoded);
    for path in [
        "/0/parties/subscriber/member_id",
        "/0/parties/payer",
        "/0/body/certification_type",
        "/0/body/request_category",
        "/0/body/level_of_service",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
    }
    let mut answered = messages(&response("HL*4*3*EV*0~UM*HS*I~HCR*A1*AUTH~AAA*N**15*C~"));
    if let Body::PriorAuthResponse(body) = &mut answered[0].body {
        body.action = CertificationAction::CertifiedPartial;
        body.request_category = None;
        body.rejections[0].follow_up_action = None;
    }
    let paths = refused(&answered);
    for path in [
        "/0/body/action",
        "/0/body/request_category",
        "/0/body/rejections/0/follow_up_action",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
    }
}

#[test]
fn a_rejection_above_the_event_is_one_message_written_back_in_place() {
    let text = interchange(
        "11",
        "HL*1**20*1~NM1*X3*2*ACME UM*****PI*ACMEUMO~AAA*Y**42*R~",
    )
    .replace("HL*1**20*1", "HL*1**20*0");
    let decoded = messages(&text);
    let Body::PriorAuthResponse(body) = &decoded[0].body else {
        panic!("not a response");
    };
    assert_eq!(body.rejections.len(), 1);
    let written = encoded(&decoded);
    let flat = written.replace('\n', "");
    assert!(
        flat.contains("HL*1**20*0~NM1*X3*2*ACME UM*****PI*ACMEUMO~AAA*Y**42*R~SE"),
        "{written}"
    );
    assert_eq!(messages(&written)[0].body, decoded[0].body);
}

#[test]
fn a_request_from_elsewhere_is_written_in_tr3_shape() {
    use clearway_plugin_sdk::schemas::body::UnitType;
    use clearway_plugin_sdk::schemas::body::prior_auth::{PriorAuthRequest, RequestedService};
    use clearway_plugin_sdk::schemas::{Code, CodeSystem, Contact, Party, Quantity};
    let mut payer = Party::organization("ACME UM");
    payer.payer_id = Some("ACMEUMO".into());
    payer.contacts.push(Contact {
        phone: Some("8005551212".into()),
        ..Contact::default()
    });
    let mut provider = Party::organization("CLINIC");
    provider.npi = Some("1234567893".into());
    let mut subscriber = Party::person("DOE", "JOHN");
    subscriber.member_id = Some("SUB1".into());
    let service = RequestedService {
        line_number: 1,
        procedure: Some(Code::new(CodeSystem::Cpt, "99213")),
        quantity: Some("2".parse::<Quantity>().expect("quantity")),
        unit_type: Some(UnitType::Units),
        ..RequestedService::default()
    };
    let body = PriorAuthRequest {
        trace: None,
        request_category: RequestCategory::HealthServicesReview,
        certification_type: CertificationType::Extension,
        service_type: None,
        place_of_service: None,
        level_of_service: Some("U".into()),
        previous_authorization_number: Some("AUTH1".into()),
        service_period: None,
        admission_type: None,
        quantity: None,
        unit_type: None,
        diagnoses: Vec::new(),
        services: vec![service],
        notes: Vec::new(),
    };
    let mut message = Message::new(Body::PriorAuthRequest(body));
    message.parties.payer = Some(payer);
    message.parties.provider = Some(provider);
    message.parties.subscriber = Some(subscriber);
    let config = Config::parse(&|key| match key {
        "sender_id" => Some("CLEARWAY".into()),
        "receiver_id" => Some("PARTNER".into()),
        "interchange_datetime" => Some("202405010930".into()),
        _ => None,
    })
    .expect("config");
    let payloads = encode(std::slice::from_ref(&message), &config).expect("encodes");
    let written = String::from_utf8(payloads[0].data.clone()).expect("text");
    assert!(
        !written.contains("PER*"),
        "a request's 2010A has no PER:\n{written}"
    );
    for expected in [
        "BHT*0007*13*",
        "NM1*1P*2*CLINIC*****XX*1234567893~",
        "UM*HS*4****U~",
        "REF*BB*AUTH1~",
        "HL*5*4*SS*0~",
        "UM*HS*4~",
        "SV1*HC:99213**UN*2~",
    ] {
        assert!(
            written.contains(expected),
            "{expected} missing from\n{written}"
        );
    }
    let decoded = messages(&written);
    assert_eq!(decoded[0].body, message.body);
    let mut visits = message.clone();
    if let Body::PriorAuthRequest(body) = &mut visits.body {
        body.services[0].unit_type = Some(UnitType::Visits);
    }
    assert_eq!(refused(&[visits]), ["/0/body/services/0/unit_type"]);
}
