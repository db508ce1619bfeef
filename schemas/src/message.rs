//! [`Message`], the normalized message envelope, and [`Body`], its kind-specific content.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use crate::body::{
    Claim, ClaimAck, ClaimStatusRequest, ClaimStatusResponse, Coverage, EligibilityRequest,
    EligibilityResponse, PriorAuthRequest, PriorAuthResponse, Remittance,
};
use crate::{Correlation, Kind, Parties, SCHEMA_VERSION};

/// A normalized message: the one model every connector decodes into and encodes from.
///
/// JSON shape: `{"id", "schema_version", "kind", "correlation", "parties", "body",
/// "extensions"}`; `kind` and `body` come from [`Body`] (adjacently tagged). Unknown top-level
/// keys are rejected. Empty `correlation`, `parties` and `extensions` are omitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// ULID assigned by the hub; connectors leave it `None`.
    pub id: Option<String>,
    /// The model version the message was written against ([`SCHEMA_VERSION`]).
    pub schema_version: String,
    /// Keys that tie this message to others of the same business event.
    pub correlation: Correlation,
    /// The people and organizations involved, by role.
    pub parties: Parties,
    /// The kind-specific content; serialized as the `kind` and `body` keys.
    pub body: Body,
    /// What the model cannot hold, carried rather than dropped, by name (e.g.
    /// `"x12.CLM.CLM18"`, `"fhir.Claim.extension"`).
    pub extensions: BTreeMap<String, Value>,
}

impl Message {
    /// A message with this body, the current schema version, and nothing else set.
    pub fn new(body: Body) -> Message {
        Message {
            id: None,
            schema_version: SCHEMA_VERSION.to_owned(),
            correlation: Correlation::default(),
            parties: Parties::default(),
            body,
            extensions: BTreeMap::new(),
        }
    }

    /// The message kind (from its body).
    pub fn kind(&self) -> Kind {
        self.body.kind()
    }
}

/// A body type, tied to its [`Kind`].
pub trait BodyKind: Into<Body> + JsonSchema {
    /// The kind whose body this is.
    const KIND: Kind;
}

macro_rules! bodies {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// The kind-specific content of a [`Message`]. JSON: `{"kind": "...", "body": {...}}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "kind", content = "body", deny_unknown_fields)]
        #[allow(
            clippy::large_enum_variant,
            reason = "bodies are matched by value in connector code; boxing would put a Box in every pattern"
        )]
        pub enum Body {
            $(
                #[doc = concat!("Body of a `", $name, "` message.")]
                #[serde(rename = $name)]
                $variant($variant),
            )*
        }

        impl Body {
            /// The kind of this body.
            pub fn kind(&self) -> Kind {
                match self {
                    $(Body::$variant(_) => Kind::$variant,)*
                }
            }

            /// Writes the `"body"` entry (the content without its tag).
            fn serialize_content<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                match self {
                    $(Body::$variant(b) => map.serialize_entry("body", b),)*
                }
            }

            /// The schema of the body of `kind`.
            pub(crate) fn schema_for(kind: Kind, generator: &mut SchemaGenerator) -> Schema {
                match kind {
                    $(Kind::$variant => generator.subschema_for::<$variant>(),)*
                }
            }
        }

        $(
            impl From<$variant> for Body {
                fn from(body: $variant) -> Body {
                    Body::$variant(body)
                }
            }

            impl BodyKind for $variant {
                const KIND: Kind = Kind::$variant;
            }
        )*

        impl<'de> DeserializeSeed<'de> for Kind {
            type Value = Body;

            /// Deserializes the body of this kind.
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Body, D::Error> {
                match self {
                    $(Kind::$variant => $variant::deserialize(d).map(Body::$variant),)*
                }
            }
        }
    };
}

bodies! {
    Coverage => "coverage",
    EligibilityRequest => "eligibility.request",
    EligibilityResponse => "eligibility.response",
    Claim => "claim",
    ClaimAck => "claim.ack",
    ClaimStatusRequest => "claim.status.request",
    ClaimStatusResponse => "claim.status.response",
    PriorAuthRequest => "prior_auth.request",
    PriorAuthResponse => "prior_auth.response",
    Remittance => "remittance",
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = &self.id {
            map.serialize_entry("id", id)?;
        }
        map.serialize_entry("schema_version", &self.schema_version)?;
        map.serialize_entry("kind", &self.kind())?;
        if !self.correlation.is_empty() {
            map.serialize_entry("correlation", &self.correlation)?;
        }
        if !self.parties.is_empty() {
            map.serialize_entry("parties", &self.parties)?;
        }
        self.body.serialize_content(&mut map)?;
        if !self.extensions.is_empty() {
            map.serialize_entry("extensions", &self.extensions)?;
        }
        map.end()
    }
}

/// The top-level keys of a message.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Id,
    SchemaVersion,
    Kind,
    Correlation,
    Parties,
    Body,
    Extensions,
}

/// The top-level key names, for error messages.
const FIELDS: &[&str] = &[
    "id",
    "schema_version",
    "kind",
    "correlation",
    "parties",
    "body",
    "extensions",
];

/// Visitor for [`Message`]: reads the body straight into its type when `kind` comes first,
/// and buffers it otherwise.
struct MessageVisitor;

/// Stores `value` in `slot`, refusing a second occurrence of key `name`.
fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a normalized message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let mut id: Option<Option<String>> = None;
        let mut schema_version = None;
        let mut kind: Option<Kind> = None;
        let mut correlation = None;
        let mut parties = None;
        let mut body: Option<Body> = None;
        let mut buffered: Option<Value> = None;
        let mut extensions = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => once(&mut id, "id", map.next_value()?)?,
                Field::SchemaVersion => {
                    once(&mut schema_version, "schema_version", map.next_value()?)?
                }
                Field::Kind => once(&mut kind, "kind", map.next_value()?)?,
                Field::Correlation => once(&mut correlation, "correlation", map.next_value()?)?,
                Field::Parties => once(&mut parties, "parties", map.next_value()?)?,
                Field::Extensions => once(&mut extensions, "extensions", map.next_value()?)?,
                Field::Body => {
                    if body.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("body"));
                    }
                    match kind {
                        Some(kind) => body = Some(map.next_value_seed(kind)?),
                        None => buffered = Some(map.next_value()?),
                    }
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        let body = match (body, buffered) {
            (Some(body), _) => body,
            (None, Some(value)) => kind
                .deserialize(value)
                .map_err(|e| de::Error::custom(format_args!("body: {e}")))?,
            (None, None) => return Err(de::Error::missing_field("body")),
        };
        Ok(Message {
            id: id.flatten(),
            schema_version: schema_version
                .ok_or_else(|| de::Error::missing_field("schema_version"))?,
            correlation: correlation.unwrap_or_default(),
            parties: parties.unwrap_or_default(),
            body,
            extensions: extensions.unwrap_or_default(),
        })
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Message, D::Error> {
        deserializer.deserialize_struct("Message", FIELDS, MessageVisitor)
    }
}

/// The envelope schema shared by [`Message`] and the per-kind schemas: every top-level key,
/// with `kind` and `body` as given, and no other key allowed.
pub(crate) fn envelope_schema(
    generator: &mut SchemaGenerator,
    kind: Value,
    body: Value,
) -> serde_json::Map<String, Value> {
    let correlation = generator.subschema_for::<Correlation>().to_value();
    let parties = generator.subschema_for::<Parties>().to_value();
    let object = json!({
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "description": "ULID assigned by the hub; connectors omit it.",
            },
            "schema_version": {
                "type": "string",
                "description": "The model version the message was written against.",
                "examples": [SCHEMA_VERSION],
            },
            "kind": kind,
            "correlation": correlation,
            "parties": parties,
            "body": body,
            "extensions": {
                "type": "object",
                "description": "What the model cannot hold, carried rather than dropped, by name.",
                "additionalProperties": true,
            },
        },
        "required": ["schema_version", "kind", "body"],
        "additionalProperties": false,
    });
    match object {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

impl JsonSchema for Message {
    fn schema_name() -> Cow<'static, str> {
        "Message".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "clearway_schemas::Message".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kind = generator.subschema_for::<Kind>().to_value();
        let body =
            json!({ "description": "The kind-specific content; its schema follows `kind`." });
        let mut schema = envelope_schema(generator, kind, body);
        let variants: Vec<Value> = Kind::ALL
            .into_iter()
            .map(|k| {
                json!({
                    "properties": {
                        "kind": { "const": k.as_str() },
                        "body": Body::schema_for(k, generator).to_value(),
                    },
                    "required": ["kind", "body"],
                })
            })
            .collect();
        schema.insert("oneOf".to_owned(), Value::Array(variants));
        schema.insert(
            "description".to_owned(),
            json!("A normalized Clearway message: envelope, correlation keys, parties and the kind's body."),
        );
        Schema::from(schema)
    }
}
