//! The JSON Schemas of the model, as committed under `schemas/json/`.
//!
//! `message.schema.json` describes any [`Message`]; `<kind>.schema.json` describes a message of
//! one kind only (its `kind` is a `const`, its `body` that kind's body). Every schema is
//! self-contained (its own `$defs`), draft 2020-12, and rejects unknown keys wherever the Rust
//! types do (`additionalProperties: false`).

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::body::{
    Claim, ClaimAck, ClaimStatusRequest, ClaimStatusResponse, Coverage, EligibilityRequest,
    EligibilityResponse, PriorAuthRequest, PriorAuthResponse, Remittance,
};
use crate::message::{BodyKind, envelope_schema};
use crate::{Kind, Message, SCHEMA_VERSION};

/// Base of every schema `$id`.
pub const SCHEMA_BASE_URI: &str = "https://clearway.dev/schemas";

/// The file name of the schema for one kind, e.g. `claim.schema.json`.
pub fn kind_schema_file(kind: Kind) -> String {
    format!("{}.schema.json", kind.as_str())
}

/// The `$id` of the schema in file `file`.
pub fn schema_id(file: &str) -> String {
    format!("{SCHEMA_BASE_URI}/{SCHEMA_VERSION}/{file}")
}

/// Schema-only type: a message whose kind is `B::KIND`.
struct KindEnvelope<B>(PhantomData<B>);

impl<B: BodyKind> JsonSchema for KindEnvelope<B> {
    fn schema_name() -> Cow<'static, str> {
        format!("{}Message", B::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let body = generator.subschema_for::<B>().to_value();
        let kind = json!({
            "const": B::KIND.as_str(),
            "description": "The message kind.",
        });
        let mut schema = envelope_schema(generator, kind, body);
        schema.insert(
            "description".to_owned(),
            json!(format!(
                "A normalized Clearway `{}` message.",
                B::KIND.as_str()
            )),
        );
        Schema::from(schema)
    }
}

/// Generates the root schema of `T` with `$id` and `title` set.
fn root<T: JsonSchema>(file: &str, title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Value::Object(map) = &mut schema {
        map.insert("$id".to_owned(), json!(schema_id(file)));
        map.insert("title".to_owned(), json!(title));
    }
    sort_keys(&mut schema);
    schema
}

/// The schema file for the messages of body `B`.
fn kind_root<B: BodyKind>() -> (String, Value) {
    let file = kind_schema_file(B::KIND);
    let title = format!("Clearway {} message", B::KIND.as_str());
    let schema = root::<KindEnvelope<B>>(&file, &title);
    (file, schema)
}

/// Every schema file: `message.schema.json`, then one per kind in [`Kind::ALL`] order.
pub fn json_schemas() -> Vec<(String, Value)> {
    let message = (
        "message.schema.json".to_owned(),
        root::<Message>("message.schema.json", "Clearway message"),
    );
    let mut files = vec![message];
    for kind in Kind::ALL {
        files.push(match kind {
            Kind::Coverage => kind_root::<Coverage>(),
            Kind::EligibilityRequest => kind_root::<EligibilityRequest>(),
            Kind::EligibilityResponse => kind_root::<EligibilityResponse>(),
            Kind::Claim => kind_root::<Claim>(),
            Kind::ClaimAck => kind_root::<ClaimAck>(),
            Kind::ClaimStatusRequest => kind_root::<ClaimStatusRequest>(),
            Kind::ClaimStatusResponse => kind_root::<ClaimStatusResponse>(),
            Kind::PriorAuthRequest => kind_root::<PriorAuthRequest>(),
            Kind::PriorAuthResponse => kind_root::<PriorAuthResponse>(),
            Kind::Remittance => kind_root::<Remittance>(),
        });
    }
    files
}

/// Sorts every object's keys, so output does not depend on serde_json's map features.
fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// The committed text of a schema: pretty JSON, 2-space indent, sorted keys, trailing newline.
pub fn to_pretty_json(value: &Value) -> String {
    let mut value = value.clone();
    sort_keys(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
