//! Tests of the connector as a whole: decode against the committed schemas and
//! examples, encode, describe, and the no-PHI rule.

use clearway_plugin_sdk::{
    Connector, ConnectorError, InboundMeta, Kind, Message, Problem, host, wire,
};
use serde_json::{Value, json};

use crate::config::{BATCH, Config};
use crate::decode::{KIND, SHAPE, decode};
use crate::encode::{CONTENT_TYPE, encode};
use crate::{Json, parse};

/// The committed example of a kind, `schemas/examples/<kind>.json`.
fn example(kind: Kind) -> String {
    let path = format!(
        "{}/../../schemas/examples/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        kind.as_str()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// The smallest valid `eligibility.request`.
fn minimal() -> Value {
    json!({"schema_version": "0.1.0", "kind": "eligibility.request", "body": {}})
}

fn invalid(input: &Value) -> Vec<Problem> {
    match decode(input.to_string().as_bytes()) {
        Err(ConnectorError::Invalid(problems)) => problems,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn paths_and_codes(problems: &[Problem]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|p| (p.location.path.clone().unwrap_or_default(), p.code.clone()))
        .collect()
}

#[test]
fn every_kind_example_decodes_alone_and_in_an_array() {
    let mut all = Vec::new();
    for kind in Kind::ALL {
        let text = example(kind);
        let messages = decode(text.as_bytes()).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(messages.len(), 1, "{kind}");
        assert_eq!(messages[0].kind(), kind);
        all.push(serde_json::from_str::<Value>(&text).expect("example is JSON"));
    }
    let messages = decode(Value::Array(all).to_string().as_bytes()).expect("array of examples");
    let kinds: Vec<Kind> = messages.iter().map(Message::kind).collect();
    assert_eq!(kinds, Kind::ALL);
}

#[test]
fn three_messages_with_three_different_errors_are_all_reported() {
    let mut wrong_type = minimal();
    wrong_type["body"]["service_types"] = json!("SECRETNAME123");
    let mut missing = minimal();
    missing
        .as_object_mut()
        .expect("object")
        .remove("schema_version");
    let mut unknown = minimal();
    unknown["foo"] = json!(1);
    let problems = invalid(&json!([wrong_type, missing, unknown]));
    assert_eq!(
        paths_and_codes(&problems),
        vec![
            ("/0/body/service_types".into(), "json.schema.type".into()),
            ("/1".into(), "json.schema.required".into()),
            ("/2/foo".into(), "json.schema.additional_property".into()),
        ]
    );
    assert_eq!(problems[0].message, "`service_types` must be an array");
    assert_eq!(
        problems[1].message,
        "missing required property `schema_version`"
    );
    assert_eq!(problems[2].message, "unknown property `foo`");
}

#[test]
fn deep_paths_point_at_the_offending_element() {
    let line = |number: u32, charge: Value| json!({"line_number": number, "charge": charge});
    let claim = json!({
        "schema_version": "0.1.0",
        "kind": "claim",
        "body": {
            "patient_control_number": "PCN-1",
            "total_charge": "300.00",
            "service_lines": [line(1, json!("100.00")), line(2, json!("100.00")), line(3, json!(100.5))]
        }
    });
    let problems = invalid(&json!([minimal(), claim]));
    assert_eq!(
        paths_and_codes(&problems),
        vec![(
            "/1/body/service_lines/2/charge".into(),
            "json.schema.type".into()
        )]
    );
    assert_eq!(problems[0].message, "`charge` must be a string");
}

#[test]
fn missing_or_unknown_kind_names_the_valid_kinds() {
    let mut unknown = minimal();
    unknown["kind"] = json!("SECRETNAME123");
    let mut number = minimal();
    number["kind"] = json!(5);
    let mut missing = minimal();
    missing.as_object_mut().expect("object").remove("kind");
    let problems = invalid(&json!([
        minimal(),
        unknown,
        missing,
        number,
        "not an object"
    ]));
    assert_eq!(
        paths_and_codes(&problems),
        vec![
            ("/1/kind".into(), KIND.into()),
            ("/2/kind".into(), KIND.into()),
            ("/3/kind".into(), KIND.into()),
            ("/4".into(), SHAPE.into()),
        ]
    );
    for problem in &problems[..3] {
        for kind in Kind::ALL {
            assert!(problem.message.contains(kind.as_str()), "{problem}");
        }
    }
    let problems = invalid(&{
        let mut single = minimal();
        single["kind"] = json!("claims");
        single
    });
    assert_eq!(
        paths_and_codes(&problems),
        vec![("/kind".into(), KIND.into())]
    );
}

#[test]
fn syntax_error_is_malformed_with_position() {
    let input = b"[\n  {\"kind\": \"claim\",\n   \"body\": {]\n]";
    let Err(ConnectorError::Malformed(problems)) = decode(input) else {
        panic!("expected Malformed");
    };
    assert_eq!(problems.len(), 1);
    let problem = &problems[0];
    assert_eq!(problem.code, parse::SYNTAX);
    assert_eq!(problem.location.line, Some(3));
    assert_eq!(problem.location.column, Some(13));
    assert_eq!(problem.location.byte_offset, Some(34));
    assert_eq!(input[34], b']');
}

#[test]
fn input_that_is_not_a_message_is_a_shape_problem() {
    let problems = invalid(&json!("SECRETNAME123"));
    assert_eq!(
        paths_and_codes(&problems),
        vec![(String::new(), SHAPE.into())]
    );
    assert!(
        decode(b"[]")
            .expect("an empty array is zero messages")
            .is_empty()
    );
}

#[test]
fn no_problem_quotes_a_value_from_the_input() {
    const SECRET: &str = "SECRETNAME123";
    let mut message = minimal();
    message["id"] = json!({"nested": SECRET});
    message["schema_version"] = json!([SECRET]);
    message["correlation"] = json!({"claim_id": {"v": SECRET}, "trace_numbers": SECRET});
    message["parties"] = json!({
        "patient": {"first_name": [SECRET], "birth_date": SECRET, "gender": SECRET,
                    "entity_type": SECRET, "address": SECRET},
        "subscriber": SECRET
    });
    message["extensions"] = json!(SECRET);
    message["body"] = json!({
        "service_types": [{"system": SECRET, "code": 5}, {"system": "cpt", "code": SECRET, "x": SECRET}],
        "traces": SECRET,
        "date_of_service": {"start": SECRET}
    });
    let mut model_only = minimal();
    model_only["parties"] = json!({"patient": {"birth_date": "2023-02-30"}});
    let problems = invalid(&json!([message, model_only, {"kind": SECRET}]));
    assert!(
        problems.len() >= 12,
        "expected many problems, got {problems:#?}"
    );
    for problem in &problems {
        assert!(!problem.message.contains(SECRET), "{problem}");
        assert!(!problem.message.contains("2023-02-30"), "{problem}");
        assert!(!problem.code.contains(SECRET), "{problem}");
    }
    // The date that does not exist is caught (by the schema's format or the model).
    assert!(
        problems.iter().any(|p| p
            .location
            .path
            .as_deref()
            .is_some_and(|path| path.starts_with("/1/parties/patient"))),
        "{problems:#?}"
    );
}

#[test]
fn a_message_with_an_id_is_accepted() {
    let mut message = minimal();
    message["id"] = json!("01JAAAAAAAAAAAAAAAAAAAAAAA");
    let bom_input = [b"\xEF\xBB\xBF".as_slice(), message.to_string().as_bytes()].concat();
    let messages = decode(&bom_input).expect("valid");
    assert_eq!(
        messages[0].id.as_deref(),
        Some("01JAAAAAAAAAAAAAAAAAAAAAAA")
    );
}

#[test]
fn encode_writes_one_pretty_document_per_message() {
    let mut with_id = decode(minimal().to_string().as_bytes())
        .expect("valid")
        .remove(0);
    with_id.id = Some("01JBBBBBBBBBBBBBBBBBBBBBBB".into());
    let claim = decode(example(Kind::Claim).as_bytes())
        .expect("example")
        .remove(0);
    let messages = vec![with_id, claim];
    let payloads = encode(&messages, Config::default()).expect("encodes");
    assert_eq!(payloads.len(), 2);
    assert_eq!(
        payloads[0].filename_hint.as_deref(),
        Some("eligibility.request-01JBBBBBBBBBBBBBBBBBBBBBBB.json")
    );
    assert_eq!(payloads[1].filename_hint.as_deref(), Some("claim-1.json"));
    for (index, payload) in payloads.iter().enumerate() {
        assert_eq!(payload.content_type, CONTENT_TYPE);
        assert_eq!(payload.carries, vec![u32::try_from(index).expect("small")]);
        assert!(payload.data.ends_with(b"}\n"));
        assert!(payload.data.starts_with(b"{\n  \""), "pretty printed");
        assert_eq!(
            decode(&payload.data).expect("round trip"),
            vec![messages[index].clone()]
        );
    }
    assert!(encode(&[], Config::default()).expect("nothing").is_empty());
}

#[test]
fn batch_encodes_one_array() {
    let messages: Vec<Message> = Kind::ALL
        .iter()
        .map(|kind| {
            decode(example(*kind).as_bytes())
                .expect("example")
                .remove(0)
        })
        .collect();
    let payloads = encode(&messages, Config { batch: true }).expect("encodes");
    assert_eq!(payloads.len(), 1);
    assert_eq!(payloads[0].carries, (0..10).collect::<Vec<u32>>());
    assert_eq!(payloads[0].filename_hint.as_deref(), Some("batch-0.json"));
    assert!(payloads[0].data.starts_with(b"[\n") && payloads[0].data.ends_with(b"]\n"));
    assert_eq!(decode(&payloads[0].data).expect("round trip"), messages);
}

#[test]
fn connector_reads_batch_from_the_host_and_round_trips_the_wire() {
    let messages = decode(minimal().to_string().as_bytes()).expect("valid");
    let texts = wire::messages_to_wire(&messages).expect("serializes");
    let from_wire = wire::messages_from_wire(&texts).expect("parses");
    let meta = clearway_plugin_sdk::OutboundMeta::default();
    let batched = host::native::with_config(&[(BATCH, "true")], || {
        Json::encode(from_wire.clone(), &meta)
    });
    assert!(batched.expect("encodes")[0].data.starts_with(b"["));
    let bad = host::native::with_config(&[(BATCH, "maybe")], || Json::encode(from_wire, &meta));
    assert!(matches!(bad, Err(ConnectorError::Config(_))));
    let decoded =
        Json::decode(minimal().to_string().as_bytes(), &InboundMeta::default()).expect("valid");
    assert_eq!(decoded, messages);
    assert!(
        Json::acknowledge(b"{}", &InboundMeta::default())
            .expect("no acks")
            .is_empty()
    );
}

#[test]
fn describe_covers_every_kind() {
    let description = Json::describe();
    assert_eq!(description.name, "json");
    assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(description.decodes, Kind::ALL);
    assert_eq!(description.encodes, Kind::ALL);
    assert_eq!(description.formats, vec![CONTENT_TYPE]);
    assert_eq!(description.config_keys.len(), 1);
    assert_eq!(description.config_keys[0].name, BATCH);
    assert!(description.capabilities.is_empty());
    assert!(!description.acknowledges);
}

#[test]
fn problems_beyond_the_cap_are_summarized() {
    let mut bad = minimal();
    bad["foo"] = json!(1);
    let input = Value::Array(vec![bad; crate::decode::MAX_PROBLEMS + 5]);
    let problems = invalid(&input);
    assert_eq!(problems.len(), crate::decode::MAX_PROBLEMS + 1);
    let last = problems.last().expect("summary");
    assert_eq!(last.code, crate::decode::TOO_MANY);
    assert_eq!(last.message, "5 more problems were found and not listed");
}

/// Every variant of `value` with one leaf or one key changed: strings become
/// numbers and odd strings, numbers become strings and negatives, keys are
/// removed, an unknown key is added to each object, arrays are emptied.
fn mutations(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            let mut extra = map.clone();
            extra.insert("unexpected_key".into(), json!("x"));
            out.push(Value::Object(extra));
            for (k, v) in map {
                let mut removed = map.clone();
                removed.remove(k);
                out.push(Value::Object(removed));
                for m in mutations(v) {
                    let mut changed = map.clone();
                    changed.insert(k.clone(), m);
                    out.push(Value::Object(changed));
                }
            }
        }
        Value::Array(items) => {
            out.push(json!([]));
            for (i, v) in items.iter().enumerate() {
                for m in mutations(v) {
                    let mut changed = items.clone();
                    changed[i] = m;
                    out.push(Value::Array(changed));
                }
            }
        }
        Value::String(s) => {
            out.extend([
                json!(12.5),
                json!(""),
                json!(format!("{s}x")),
                json!("1e5"),
                json!("+1"),
                json!("2024-02-30"),
                json!(null),
            ]);
        }
        Value::Number(_) => {
            out.extend([json!("7"), json!(-1), json!(1.5), json!(4_294_967_296u64)])
        }
        Value::Bool(_) => out.extend([json!("true"), json!(1)]),
        Value::Null => out.push(json!(0)),
    }
    out
}

/// The decode fast path accepts what the typed model accepts without running the
/// JSON Schema validator; this pins that the model never accepts a message its
/// kind's schema rejects, over every single-change mutation of every example.
#[test]
fn typed_acceptance_implies_schema_validity() {
    let mut checked = 0;
    for kind in Kind::ALL {
        let base: Value = serde_json::from_str(&example(kind)).unwrap();
        let validator = crate::schemas::validator(kind).unwrap();
        for variant in mutations(&base) {
            if <Message as serde::Deserialize>::deserialize(&variant).is_ok() {
                checked += 1;
                let errors: Vec<String> = validator
                    .iter_errors(&variant)
                    .map(|e| e.instance_path().to_string())
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{kind}: the model accepts a variant the schema rejects at {errors:?}"
                );
            }
        }
    }
    assert!(
        checked > 100,
        "too few accepted variants were compared: {checked}"
    );
}
