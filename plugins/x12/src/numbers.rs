//! Interchange control numbers (`ISA13`, `GS06`) for what the connector encodes.
//!
//! With the hub's `control-numbers` capability granted, every interchange takes the next
//! number of a persistent, never-repeating sequence per partner pair (`isa/SENDER/RECEIVER`),
//! kept by the hub in its store: numbers survive restarts and never repeat. The config key
//! `next_control_number` then shifts the sequence (its first number is that value), for a
//! partner that expects numbers to continue from a previous system.
//!
//! Without the grant, numbers come from `next_control_number` (counting up within one
//! `encode` call) or, without it, are derived from the message ids (FNV-1a), so re-encoding
//! the same messages gives the same interchange. Both can repeat across calls: the
//! connector says so in a warning, once per call.

use clearway_plugin_sdk::schemas::Message;
use clearway_plugin_sdk::{ConnectorError, host, log};

use crate::config::Config;

/// The largest control number X12 allows (nine digits).
pub const MAX: u32 = 999_999_999;

/// Hands out the control numbers of one `encode` call.
#[derive(Debug)]
pub struct ControlNumbers {
    /// The host sequence, e.g. `isa/CLEARWAY/PARTNER`.
    sequence: String,
    /// `next_control_number` from the config.
    start: Option<u32>,
    /// Numbers already handed out from the config's start without the host (offset).
    local: u32,
    /// Whether the host refused (capability not granted): do not ask again.
    host_refused: bool,
}

impl ControlNumbers {
    /// The numbers for `config`'s partner pair.
    pub fn new(config: &Config) -> ControlNumbers {
        ControlNumbers {
            sequence: format!("isa/{}/{}", config.sender_id, config.receiver_id),
            start: config.next_control_number,
            local: 0,
            host_refused: false,
        }
    }

    /// The host sequence these numbers come from.
    pub fn sequence(&self) -> &str {
        &self.sequence
    }

    /// The next interchange control number for `messages`.
    ///
    /// # Errors
    ///
    /// Never today; the `Result` leaves room for a host that reports an exhausted store.
    pub fn next(&mut self, messages: &[&Message]) -> Result<u32, ConnectorError> {
        if !self.host_refused {
            match host::next_control_number(&self.sequence) {
                Ok(n) => return Ok(self.shift(n)),
                Err(_) => {
                    self.host_refused = true;
                    log::warn!(
                        "the `control-numbers` capability is not granted: interchange control \
                         numbers come from `next_control_number` or the message ids and can \
                         repeat; grant it with grants = [\"control-numbers\"]"
                    );
                }
            }
        }
        Ok(match self.start {
            Some(start) => {
                self.local += 1;
                wrap(u64::from(start) + u64::from(self.local) - 1)
            }
            None => derived(messages),
        })
    }

    /// The `n`th number of the sequence (from 1), shifted by the configured start.
    fn shift(&self, n: u64) -> u32 {
        wrap(u64::from(self.start.unwrap_or(1)) + n - 1)
    }
}

/// `n` folded into 1..=999999999.
fn wrap(n: u64) -> u32 {
    u32::try_from((n.max(1) - 1) % u64::from(MAX)).unwrap_or(0) + 1
}

/// FNV-1a over the message ids (or claim ids when the hub has not assigned ids yet),
/// reduced to 1..=999999999.
pub fn derived(messages: &[&Message]) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for message in messages {
        let key = message
            .id
            .as_deref()
            .or(message.correlation.claim_id.as_deref())
            .unwrap_or_default();
        for byte in key.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    u32::try_from(hash % u64::from(MAX)).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(start: Option<&str>) -> Config {
        let start = start.map(str::to_owned);
        Config::parse(&move |key| match key {
            "sender_id" => Some("SUB".into()),
            "receiver_id" => Some("PAYER".into()),
            "next_control_number" => start.clone(),
            _ => None,
        })
        .expect("config")
    }

    #[test]
    fn host_numbers_count_up_per_partner_and_shift_by_the_configured_start() {
        let mut plain = ControlNumbers::new(&config(None));
        assert_eq!(plain.sequence(), "isa/SUB/PAYER");
        assert_eq!(plain.next(&[]).expect("number"), 1);
        assert_eq!(plain.next(&[]).expect("number"), 2);
        // The native host's sequence is per thread and already at 2 for this pair.
        let mut shifted = ControlNumbers::new(&config(Some("1000")));
        assert_eq!(shifted.next(&[]).expect("number"), 1002);
    }

    #[test]
    fn numbers_wrap_within_nine_digits() {
        assert_eq!(wrap(1), 1);
        assert_eq!(wrap(999_999_999), 999_999_999);
        assert_eq!(wrap(1_000_000_000), 1);
        assert_eq!(wrap(0), 1);
    }

    #[test]
    fn derived_numbers_are_stable_and_in_range() {
        let a = Message::new(clearway_plugin_sdk::schemas::Body::ClaimAck(
            clearway_plugin_sdk::schemas::ClaimAck::new(
                clearway_plugin_sdk::schemas::body::ack::AckType::Ta1,
            ),
        ));
        let n = derived(&[&a]);
        assert_eq!(n, derived(&[&a]));
        assert!((1..=MAX).contains(&n));
    }
}
