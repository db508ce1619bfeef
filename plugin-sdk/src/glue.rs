//! The export glue: turns a [`Connector`] into the generated `Guest` trait and
//! converts between the SDK's plain types and the generated WIT types.

use std::marker::PhantomData;

use crate::bindings::clearway::connector::types as wit;
use crate::{
    ConfigKey, Connector, ConnectorError, Description, InboundMeta, Location, OutboundMeta,
    Payload, Problem, Severity, wire,
};

/// The type the generated `export!` macro is given: implements the generated
/// `Guest` trait for any [`Connector`]. Used by [`crate::export_connector!`];
/// not meant to be named by connector authors.
#[doc(hidden)]
pub struct Export<T>(PhantomData<fn() -> T>);

/// Fails to compile, naming the [`Connector`] trait, when `T` does not
/// implement it. Called by [`crate::export_connector!`].
#[doc(hidden)]
pub const fn assert_connector<T: Connector>() {}

impl<T: Connector> crate::bindings::Guest for Export<T> {
    fn describe() -> wit::Description {
        T::describe().into()
    }

    fn decode(input: Vec<u8>, meta: wit::InboundMeta) -> Result<Vec<String>, wit::ConnectorError> {
        let meta = InboundMeta::from(meta);
        let messages = T::decode(&input, &meta)?;
        Ok(wire::messages_to_wire(&messages)?)
    }

    fn encode(
        messages: Vec<String>,
        meta: wit::OutboundMeta,
    ) -> Result<Vec<wit::Payload>, wit::ConnectorError> {
        let meta = OutboundMeta::from(meta);
        let messages = wire::messages_from_wire(&messages)?;
        let payloads = T::encode(messages, &meta)?;
        Ok(payloads.into_iter().map(Into::into).collect())
    }

    fn acknowledge(
        input: Vec<u8>,
        meta: wit::InboundMeta,
    ) -> Result<Vec<wit::Payload>, wit::ConnectorError> {
        let meta = InboundMeta::from(meta);
        let payloads = T::acknowledge(&input, &meta)?;
        Ok(payloads.into_iter().map(Into::into).collect())
    }
}

impl From<Description> for wit::Description {
    fn from(description: Description) -> Self {
        Self {
            name: description.name,
            version: description.version,
            decodes: kind_names(&description.decodes),
            encodes: kind_names(&description.encodes),
            formats: description.formats,
            capabilities: description.capabilities,
            config_keys: description
                .config_keys
                .into_iter()
                .map(Into::into)
                .collect(),
            acknowledges: description.acknowledges,
        }
    }
}

fn kind_names(kinds: &[clearway_schemas::Kind]) -> Vec<String> {
    kinds.iter().map(|kind| kind.as_str().to_owned()).collect()
}

impl From<ConfigKey> for wit::ConfigKey {
    fn from(key: ConfigKey) -> Self {
        Self {
            name: key.name,
            required: key.required,
            secret: key.secret,
            description: key.description,
        }
    }
}

impl From<wit::InboundMeta> for InboundMeta {
    fn from(meta: wit::InboundMeta) -> Self {
        Self {
            inbound_id: meta.inbound_id,
            endpoint: meta.endpoint,
            content_type: meta.content_type,
            filename: meta.filename,
            received_at: meta.received_at,
        }
    }
}

impl From<wit::OutboundMeta> for OutboundMeta {
    fn from(meta: wit::OutboundMeta) -> Self {
        Self {
            endpoint: meta.endpoint,
        }
    }
}

impl From<Payload> for wit::Payload {
    fn from(payload: Payload) -> Self {
        Self {
            data: payload.data,
            content_type: payload.content_type,
            filename_hint: payload.filename_hint,
            carries: payload.carries,
        }
    }
}

impl From<Location> for wit::Location {
    fn from(location: Location) -> Self {
        Self {
            line: location.line,
            column: location.column,
            byte_offset: location.byte_offset,
            segment_position: location.segment_position,
            segment_id: location.segment_id,
            element: location.element,
            loop_id: location.loop_id,
            path: location.path,
        }
    }
}

impl From<Problem> for wit::Problem {
    fn from(problem: Problem) -> Self {
        Self {
            code: problem.code,
            message: problem.message,
            location: problem.location.into(),
            severity: match problem.severity {
                Severity::Error => wit::Severity::Error,
                Severity::Warning => wit::Severity::Warning,
            },
        }
    }
}

impl From<ConnectorError> for wit::ConnectorError {
    fn from(error: ConnectorError) -> Self {
        let problems = |problems: Vec<Problem>| problems.into_iter().map(Into::into).collect();
        match error {
            ConnectorError::Malformed(list) => Self::Malformed(problems(list)),
            ConnectorError::Invalid(list) => Self::Invalid(problems(list)),
            ConnectorError::Unsupported(what) => Self::Unsupported(what),
            ConnectorError::Config(what) => Self::Config(what),
            ConnectorError::Internal(what) => Self::Internal(what),
        }
    }
}

/// Exports a type implementing [`Connector`] as the component's
/// `clearway:connector@0.1.0` world. Use it once per connector crate, at the
/// crate root or in any module.
///
/// ```
/// use clearway_plugin_sdk::{
///     Connector, ConnectorError, Description, InboundMeta, Message, OutboundMeta, Payload,
/// };
///
/// struct Nothing;
///
/// impl Connector for Nothing {
///     fn describe() -> Description {
///         Description::new("nothing", "0.1.0")
///     }
///     fn decode(_: &[u8], _: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
///         Ok(Vec::new())
///     }
///     fn encode(_: Vec<Message>, _: &OutboundMeta) -> Result<Vec<Payload>, ConnectorError> {
///         Err(ConnectorError::Unsupported("this connector encodes nothing".into()))
///     }
/// }
///
/// clearway_plugin_sdk::export_connector!(Nothing);
/// ```
///
/// A type that does not implement [`Connector`] is a compile error naming the
/// trait:
///
/// ```compile_fail
/// struct NotAConnector;
/// clearway_plugin_sdk::export_connector!(NotAConnector);
/// ```
///
/// In a `wasm32` build without threads (such as `wasm32-wasip2`, what the hub runs) it
/// also installs [`CallAllocator`](crate::alloc::CallAllocator)
/// as the global allocator, made for a heap that lives for one call. A connector that
/// sets its own `#[global_allocator]` (or wants wasi-libc's) writes
/// `export_connector!(Type; own_allocator)` instead.
#[macro_export]
macro_rules! export_connector {
    ($connector:ty) => {
        // Single-threaded components only: the allocator takes no lock.
        #[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
        #[global_allocator]
        static __CLEARWAY_CALL_ALLOCATOR: $crate::alloc::CallAllocator =
            $crate::alloc::CallAllocator::new();
        $crate::export_connector!($connector; own_allocator);
    };
    ($connector:ty; own_allocator) => {
        const _: () = {
            $crate::__private::assert_connector::<$connector>();
        };
        const _: () = {
            type __ClearwayConnectorExport = $crate::__private::Export<$connector>;
    $crate::bindings::export!(__ClearwayConnectorExport with_types_in $crate::bindings);
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Guest;
    use clearway_schemas::{Kind, Message};

    struct Echo;

    impl Connector for Echo {
        fn describe() -> Description {
            Description::new("echo", "9.9.9")
                .decodes(Kind::ALL)
                .format("application/x-echo")
                .config_key(ConfigKey::optional("k", "a key"))
        }

        fn decode(input: &[u8], meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
            if meta.endpoint == "fail" {
                return Err(ConnectorError::invalid(
                    Problem::warning("echo.rule", "broken").at_line_column(1, 2),
                ));
            }
            serde_json::from_slice::<Vec<Message>>(input)
                .map_err(|_| ConnectorError::Internal("not a list".into()))
        }

        fn encode(
            messages: Vec<Message>,
            _: &OutboundMeta,
        ) -> Result<Vec<Payload>, ConnectorError> {
            let count = u32::try_from(messages.len()).expect("few messages");
            Ok(vec![
                Payload::new(count.to_string(), "text/plain").carrying(0..count),
            ])
        }
    }

    fn meta(endpoint: &str) -> wit::InboundMeta {
        wit::InboundMeta {
            inbound_id: "01J0000000000000000000000".into(),
            endpoint: endpoint.into(),
            content_type: None,
            filename: Some("f.json".into()),
            received_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn describe_uses_kind_names() {
        let description = Export::<Echo>::describe();
        assert_eq!(description.name, "echo");
        assert_eq!(description.decodes.len(), Kind::ALL.len());
        assert_eq!(description.decodes[0], Kind::ALL[0].as_str());
        assert!(description.encodes.is_empty());
        assert_eq!(description.config_keys[0].name, "k");
        assert!(!description.acknowledges);
    }

    #[test]
    fn errors_keep_variant_and_location() {
        let error = Export::<Echo>::decode(b"[]".to_vec(), meta("fail")).expect_err("fails");
        let wit::ConnectorError::Invalid(problems) = error else {
            panic!("expected Invalid");
        };
        assert_eq!(problems[0].code, "echo.rule");
        assert_eq!(problems[0].severity, wit::Severity::Warning);
        assert_eq!(
            (problems[0].location.line, problems[0].location.column),
            (Some(1), Some(2))
        );
    }

    #[test]
    fn empty_decode_and_default_acknowledge() {
        assert!(
            Export::<Echo>::decode(b"[]".to_vec(), meta("in"))
                .expect("ok")
                .is_empty()
        );
        assert!(
            Export::<Echo>::acknowledge(Vec::new(), meta("in"))
                .expect("ok")
                .is_empty()
        );
    }

    #[test]
    fn encode_rejects_texts_that_are_not_messages() {
        let error = Export::<Echo>::encode(
            vec!["{}".into()],
            wit::OutboundMeta {
                endpoint: "out".into(),
            },
        )
        .expect_err("not a message");
        assert!(matches!(error, wit::ConnectorError::Invalid(ref problems) if problems.len() == 1));
        let payloads = Export::<Echo>::encode(
            Vec::new(),
            wit::OutboundMeta {
                endpoint: "out".into(),
            },
        )
        .expect("empty encode");
        assert_eq!(payloads[0].data, b"0");
        assert!(payloads[0].carries.is_empty());
    }
}
