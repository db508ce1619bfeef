//! Per-destination circuit breaker and rate limit.
//!
//! The breaker opens after `failures` consecutive payloads failed in a way that says
//! the partner is down (network errors, timeouts, 408, 429, 5xx): the worker then
//! sends nothing for `cooldown_ms`, so a payer down for hours does not burn every
//! queued message's attempts into dead letters. After the cooldown one message goes
//! out as a probe: delivered (or refused by a partner that is up, a 4xx) closes the
//! breaker; failed opens it again for twice as long, up to 5 minutes. Its state is in
//! `/metrics` (`clearway_circuit_open`, `clearway_circuit_opened_total`) and in
//! `GET /v1/endpoints`.
//!
//! The rate limit is a token bucket of `rate_per_second` payloads with a burst of
//! the same size (written here: 30 lines of GCRA, no crate needed for one bucket
//! per destination behind the worker's own loop).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The longest the breaker stays open between probes.
const MAX_COOLDOWN: Duration = Duration::from_secs(300);

/// What the worker may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Send a whole batch.
    Batch,
    /// Send one message, to see whether the partner is back.
    Probe,
    /// Send nothing for this long.
    Wait(Duration),
}

/// How a payload's attempt went, as the breaker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The partner answered (delivered, or refused what it was sent).
    Answered,
    /// The partner did not (network, timeout, 408, 429, 5xx).
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed,
    Open { until: Instant, cooldown: Duration },
    Probing { cooldown: Duration },
}

#[derive(Debug)]
struct State {
    phase: Phase,
    consecutive: u32,
    opened_total: u64,
}

/// One destination's breaker.
#[derive(Debug)]
pub struct Breaker {
    failures: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

/// A breaker's state for the API.
#[derive(Debug, Clone, Serialize)]
pub struct BreakerView {
    /// `closed`, `open` or `probing`.
    pub state: &'static str,
    /// Payloads failed in a row.
    pub consecutive_failures: u32,
    /// Times it opened since the hub started.
    pub opened_total: u64,
    /// Milliseconds until the next probe, when open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_in_ms: Option<u64>,
}

impl Breaker {
    /// A breaker that opens after `failures` payloads failed in a row (0: never)
    /// and first stays open for `cooldown`.
    pub fn new(failures: u32, cooldown: Duration) -> Breaker {
        Breaker {
            failures,
            cooldown,
            state: Mutex::new(State {
                phase: Phase::Closed,
                consecutive: 0,
                opened_total: 0,
            }),
        }
    }

    /// What the worker may send at `now`.
    pub fn permit(&self, now: Instant) -> Permit {
        let mut s = self.state.lock().expect("lock");
        match s.phase {
            Phase::Closed => Permit::Batch,
            Phase::Probing { .. } => Permit::Probe,
            Phase::Open { until, cooldown } => {
                if now >= until {
                    s.phase = Phase::Probing { cooldown };
                    Permit::Probe
                } else {
                    Permit::Wait(until - now)
                }
            }
        }
    }

    /// Count one payload's attempt. Returns true when this opened the breaker.
    pub fn saw(&self, seen: Seen, now: Instant) -> bool {
        let mut s = self.state.lock().expect("lock");
        match seen {
            Seen::Answered => {
                s.consecutive = 0;
                s.phase = Phase::Closed;
                false
            }
            Seen::Down => {
                s.consecutive = s.consecutive.saturating_add(1);
                let cooldown = match s.phase {
                    Phase::Probing { cooldown } => (cooldown * 2).min(MAX_COOLDOWN),
                    Phase::Open { .. } => return false,
                    Phase::Closed if self.failures > 0 && s.consecutive >= self.failures => {
                        self.cooldown
                    }
                    Phase::Closed => return false,
                };
                s.phase = Phase::Open {
                    until: now + cooldown,
                    cooldown,
                };
                s.opened_total += 1;
                true
            }
        }
    }

    /// Whether it is open (or probing).
    pub fn is_open(&self) -> bool {
        !matches!(self.state.lock().expect("lock").phase, Phase::Closed)
    }

    /// Its state for the API and metrics.
    pub fn view(&self, now: Instant) -> BreakerView {
        let s = self.state.lock().expect("lock");
        let (state, probe_in_ms) = match s.phase {
            Phase::Closed => ("closed", None),
            Phase::Probing { .. } => ("probing", None),
            Phase::Open { until, .. } => (
                "open",
                Some(until.saturating_duration_since(now).as_millis() as u64),
            ),
        };
        BreakerView {
            state,
            consecutive_failures: s.consecutive,
            opened_total: s.opened_total,
            probe_in_ms,
        }
    }
}

/// A token bucket of `rate` payloads a second with a burst of `rate`, kept as the
/// time the next payload is due in a steady flow (GCRA): integers only.
#[derive(Debug)]
pub struct RateLimit {
    /// One payload's share of a second.
    interval: Duration,
    /// How far ahead of now the flow may run (the burst).
    tolerance: Duration,
    /// When the next payload would be due in a steady flow.
    due: Mutex<Instant>,
}

impl RateLimit {
    /// `per_second` payloads a second (at least 1).
    pub fn new(per_second: u32, now: Instant) -> RateLimit {
        let rate = per_second.max(1);
        let interval = Duration::from_secs(1) / rate;
        RateLimit {
            interval,
            tolerance: interval * (rate - 1),
            due: Mutex::new(now),
        }
    }

    /// Take a token at `now`: `None` when one was free, else how long until one is.
    pub fn take(&self, now: Instant) -> Option<Duration> {
        let mut due = self.due.lock().expect("lock");
        let at = (*due).max(now);
        if at > now + self.tolerance {
            return Some(at - self.tolerance - now);
        }
        *due = at + self.interval;
        None
    }

    /// Wait for a token.
    pub async fn acquire(&self) {
        while let Some(wait) = self.take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_consecutive_failures_probes_and_closes() {
        let b = Breaker::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(b.permit(t0), Permit::Batch);
        assert!(!b.saw(Seen::Down, t0));
        assert!(!b.saw(Seen::Down, t0));
        // An answer in between starts the count again.
        assert!(!b.saw(Seen::Answered, t0));
        assert!(!b.saw(Seen::Down, t0));
        assert!(!b.saw(Seen::Down, t0));
        assert!(b.saw(Seen::Down, t0), "the third in a row opens it");
        assert!(b.is_open());
        assert_eq!(
            b.permit(t0 + Duration::from_secs(4)),
            Permit::Wait(Duration::from_secs(6))
        );
        assert_eq!(b.view(t0).state, "open");
        // After the cooldown: one probe; it fails, so twice as long.
        assert_eq!(b.permit(t0 + Duration::from_secs(10)), Permit::Probe);
        let t1 = t0 + Duration::from_secs(11);
        assert!(b.saw(Seen::Down, t1));
        assert_eq!(
            b.permit(t1 + Duration::from_secs(19)),
            Permit::Wait(Duration::from_secs(1))
        );
        assert_eq!(b.permit(t1 + Duration::from_secs(20)), Permit::Probe);
        assert!(!b.saw(Seen::Answered, t1 + Duration::from_secs(20)));
        assert!(!b.is_open());
        assert_eq!(b.permit(t1 + Duration::from_secs(20)), Permit::Batch);
        assert_eq!(b.view(t1).opened_total, 2);
    }

    #[test]
    fn breaker_with_zero_failures_never_opens() {
        let b = Breaker::new(0, Duration::from_secs(1));
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(!b.saw(Seen::Down, t0));
        }
        assert_eq!(b.permit(t0), Permit::Batch);
    }

    #[test]
    fn rate_limit_allows_a_burst_then_spaces_payloads() {
        let t0 = Instant::now();
        let r = RateLimit::new(4, t0);
        for _ in 0..4 {
            assert_eq!(r.take(t0), None);
        }
        let wait = r.take(t0).expect("the fifth waits");
        assert_eq!(wait, Duration::from_millis(250));
        assert_eq!(r.take(t0 + Duration::from_millis(250)), None);
        assert!(r.take(t0 + Duration::from_millis(250)).is_some());
    }
}
