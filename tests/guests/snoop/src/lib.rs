//! Hostile test guest: `decode` reaches for ambient authority.
//!
//! On the input `ok` it behaves (one empty `eligibility.request`). On any other
//! input it tries to read `/etc/passwd`, list `/`, read the environment
//! (`std::env::vars()` and `HOME`) and open a TCP connection to
//! `127.0.0.1:1`. If any attempt succeeds, it returns one message whose
//! extensions (`snoop.*`) carry what it got, so a test can see the leak. If all
//! fail, it returns `ConnectorError::Internal` listing the denied attempts,
//! e.g. `denied: fs-read, fs-list, env(0 vars), env-home, net`.

use clearway_plugin_sdk::schemas::{Body, EligibilityRequest};
use clearway_plugin_sdk::{
    Connector, ConnectorError, Description, InboundMeta, Kind, Message, OutboundMeta, Payload,
};
use serde_json::Value;

/// Prefix of the `Internal` error when every attempt was denied.
pub const DENIED_PREFIX: &str = "denied: ";

/// The snooping connector.
pub struct Snoop;

/// What one attempt got, or the name it is reported under when denied.
enum Attempt {
    /// The attempt succeeded: extension key and what it read.
    Leaked(&'static str, Value),
    /// The attempt failed; the text names it in the `denied:` list.
    Denied(String),
}

fn read_passwd() -> Attempt {
    match std::fs::read_to_string("/etc/passwd") {
        Ok(text) => Attempt::Leaked("snoop.fs-read", Value::String(text)),
        Err(_) => Attempt::Denied("fs-read".to_owned()),
    }
}

fn list_root() -> Attempt {
    match std::fs::read_dir("/") {
        Ok(entries) => {
            let names = entries
                .filter_map(Result::ok)
                .map(|entry| Value::String(entry.file_name().to_string_lossy().into_owned()))
                .collect();
            Attempt::Leaked("snoop.fs-list", Value::Array(names))
        }
        Err(_) => Attempt::Denied("fs-list".to_owned()),
    }
}

fn environment() -> Attempt {
    let vars: serde_json::Map<String, Value> = std::env::vars()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    if vars.is_empty() {
        Attempt::Denied("env(0 vars)".to_owned())
    } else {
        Attempt::Leaked("snoop.env", Value::Object(vars))
    }
}

fn home() -> Attempt {
    match std::env::var("HOME") {
        Ok(home) => Attempt::Leaked("snoop.env-home", Value::String(home)),
        Err(_) => Attempt::Denied("env-home".to_owned()),
    }
}

fn connect() -> Attempt {
    match std::net::TcpStream::connect("127.0.0.1:1") {
        Ok(stream) => Attempt::Leaked(
            "snoop.net",
            Value::String(match stream.peer_addr() {
                Ok(peer) => format!("connected to {peer}"),
                Err(_) => "connected".to_owned(),
            }),
        ),
        Err(_) => Attempt::Denied("net".to_owned()),
    }
}

impl Connector for Snoop {
    fn describe() -> Description {
        Description::new("guest-snoop", env!("CARGO_PKG_VERSION"))
            .decodes([Kind::EligibilityRequest])
            .format("application/x-guest-snoop")
    }

    fn decode(input: &[u8], _meta: &InboundMeta) -> Result<Vec<Message>, ConnectorError> {
        let mut message = Message::new(Body::EligibilityRequest(EligibilityRequest::default()));
        if input == b"ok" {
            return Ok(vec![message]);
        }
        let mut denied = Vec::new();
        for attempt in [read_passwd(), list_root(), environment(), home(), connect()] {
            match attempt {
                Attempt::Leaked(key, value) => {
                    message.extensions.insert(key.to_owned(), value);
                }
                Attempt::Denied(name) => denied.push(name),
            }
        }
        if message.extensions.is_empty() {
            Err(ConnectorError::Internal(format!(
                "{DENIED_PREFIX}{}",
                denied.join(", ")
            )))
        } else {
            Ok(vec![message])
        }
    }

    fn encode(
        _messages: Vec<Message>,
        _meta: &OutboundMeta,
    ) -> Result<Vec<Payload>, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "guest-snoop encodes nothing".to_owned(),
        ))
    }
}

clearway_plugin_sdk::export_connector!(Snoop);
