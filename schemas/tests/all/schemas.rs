//! The generated JSON Schemas accept the examples and reject what the Rust types reject.

use clearway_schemas::Kind;
use serde_json::{Value, json};

use crate::support::{errors, example_value, schema, validator};

fn kind_file(kind: Kind) -> String {
    format!("{}.schema.json", kind.as_str())
}

#[test]
fn every_schema_is_valid_draft_2020_12_with_its_id() {
    for (file, schema) in clearway_schemas::json_schemas() {
        jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            schema["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema"),
            "{file}"
        );
        assert_eq!(
            schema["$id"],
            json!(format!("https://clearway.dev/schemas/0.1.0/{file}"))
        );
        assert_eq!(schema["additionalProperties"], json!(false), "{file}");
    }
}

#[test]
fn each_kind_schema_accepts_its_example_and_rejects_unknown_top_level_keys() {
    for kind in Kind::ALL {
        let file = kind_file(kind);
        let validator = validator(&schema(&file));
        let sample = example_value(kind);
        assert!(
            validator.is_valid(&sample),
            "{file} rejects its example:\n{}",
            errors(&validator, &sample)
        );

        let mut extra = sample.clone();
        extra["surprise"] = json!(1);
        assert!(
            !validator.is_valid(&extra),
            "{file} accepts an unknown top-level key"
        );

        let mut extra_body = sample.clone();
        extra_body["body"]["surprise"] = json!(1);
        assert!(
            !validator.is_valid(&extra_body),
            "{file} accepts an unknown body key"
        );
    }
}

#[test]
fn each_kind_schema_rejects_the_other_kinds() {
    for kind in Kind::ALL {
        let validator = validator(&schema(&kind_file(kind)));
        for other in Kind::ALL.into_iter().filter(|o| *o != kind) {
            assert!(
                !validator.is_valid(&example_value(other)),
                "{kind} schema accepts a {other}"
            );
        }
    }
}

#[test]
fn message_schema_accepts_every_example_and_rejects_mismatches() {
    let validator = validator(&schema("message.schema.json"));
    for kind in Kind::ALL {
        let sample = example_value(kind);
        assert!(
            validator.is_valid(&sample),
            "{kind}:\n{}",
            errors(&validator, &sample)
        );
        let mut extra = sample.clone();
        extra["surprise"] = json!(1);
        assert!(
            !validator.is_valid(&extra),
            "message schema accepts an unknown key in a {kind}"
        );
    }
    let mut mismatched = example_value(Kind::Claim);
    mismatched["body"] = example_value(Kind::Remittance)["body"].clone();
    assert!(
        !validator.is_valid(&mismatched),
        "claim kind with a remittance body accepted"
    );
    let mut unknown_kind = example_value(Kind::Claim);
    unknown_kind["kind"] = json!("claims");
    assert!(!validator.is_valid(&unknown_kind));
}

/// A named change to an example message.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn schemas_enforce_decimal_strings_dates_and_code_systems() {
    let validator = validator(&schema(&kind_file(Kind::Claim)));
    let cases: [Mutation; 5] = [
        ("number amount", |m| {
            m["body"]["total_charge"] = json!(250.0)
        }),
        ("malformed amount", |m| {
            m["body"]["total_charge"] = json!("250,00")
        }),
        ("impossible date", |m| {
            m["body"]["dates"]["onset"] = json!("2024-02-30")
        }),
        ("unknown code system", |m| {
            m["body"]["place_of_service"]["system"] = json!("posx")
        }),
        ("missing required field", |m| {
            m["body"]
                .as_object_mut()
                .unwrap()
                .remove("patient_control_number");
        }),
    ];
    for (what, mutate) in cases {
        let mut sample = example_value(Kind::Claim);
        mutate(&mut sample);
        assert!(
            !validator.is_valid(&sample),
            "claim schema accepts a {what}"
        );
        assert!(
            serde_json::from_value::<clearway_schemas::Message>(sample).is_err(),
            "the Rust type accepts a {what}"
        );
    }
    let mut uri_system = example_value(Kind::Claim);
    uri_system["body"]["place_of_service"]["system"] = json!("http://example.org/pos");
    assert!(
        validator.is_valid(&uri_system),
        "a URI code system is allowed"
    );
}
