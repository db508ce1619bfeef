//! Capabilities: a plugin gets `control-numbers` only when it asks for it and
//! the operator grants it.

use std::sync::Mutex;

use super::*;

/// An in-memory stand-in for the store's counters.
#[derive(Default)]
struct Counters(Mutex<BTreeMap<String, u64>>);

impl ControlNumbers for Counters {
    fn next(&self, connector: &str, sequence: &str) -> Result<u64, String> {
        let mut m = self.0.lock().unwrap();
        let n = m.entry(format!("{connector}/{sequence}")).or_insert(0);
        *n += 1;
        Ok(*n)
    }
}

fn trace(plugin: &Plugin, input: &[u8]) -> Result<String, CallError> {
    let out = plugin.decode(input, &inbound())?;
    let v: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
    Ok(v["correlation"]["trace_numbers"][0]
        .as_str()
        .unwrap()
        .to_owned())
}

#[test]
fn a_granted_plugin_that_asks_gets_numbers_per_sequence() {
    let grants = Grants {
        control_numbers: Some(Arc::new(Counters::default())),
    };
    let plugin = runtime()
        .load_with(
            "counter",
            &guest("guest_counter"),
            None,
            Limits::default(),
            BTreeMap::new(),
            grants,
        )
        .unwrap();
    assert_eq!(
        plugin.description().capabilities,
        vec!["control-numbers".to_owned()]
    );
    assert_eq!(trace(&plugin, b"isa/A/B").unwrap(), "CN-1");
    assert_eq!(trace(&plugin, b"isa/A/B").unwrap(), "CN-2");
    assert_eq!(trace(&plugin, b"isa/A/C").unwrap(), "CN-1");
}

#[test]
fn without_a_grant_the_call_explains_what_is_missing() {
    let plugin = load("guest_counter", Limits::default());
    let err = trace(&plugin, b"isa/A/B").unwrap_err();
    let CallError::Connector(ConnectorError::Config(text)) = err else {
        panic!("{err:?}")
    };
    assert!(
        text.contains("`control-numbers` capability is not granted"),
        "{text}"
    );
}

#[test]
fn a_grant_the_plugin_did_not_ask_for_is_not_given() {
    // guest_loop does not ask for control-numbers; its `ok` path never calls it,
    // so what is checked is that the grant is dropped at load.
    let grants = Grants {
        control_numbers: Some(Arc::new(Counters::default())),
    };
    let plugin = runtime()
        .load_with(
            "loop",
            &guest("guest_loop"),
            None,
            Limits::default(),
            BTreeMap::new(),
            grants,
        )
        .unwrap();
    assert!(plugin.description().capabilities.is_empty());
    assert!(!plugin.has_grant("control-numbers"));
}
