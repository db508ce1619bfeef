//! Browser sessions (in memory: a restart logs everyone out) and the login throttle.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use super::{Role, secret};

/// The session cookie's name.
pub const COOKIE: &str = "clearway_session";
/// Failed logins allowed per name and per source address in [`WINDOW_MS`].
pub const MAX_FAILURES: usize = 5;
/// The window the failures are counted in.
pub const WINDOW_MS: u64 = 60_000;

/// One person's logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cookie value (256 random bits, hex).
    pub id: String,
    /// The person's name.
    pub user: String,
    /// Their role at login.
    pub role: Role,
    /// The CSRF token state-changing requests must carry (`X-CSRF-Token`).
    pub csrf: String,
    /// Login time (Unix ms).
    pub created_ms: u64,
    /// Last request (Unix ms).
    pub last_ms: u64,
}

/// The open sessions and their lifetimes.
pub struct Sessions {
    idle_ms: u64,
    max_ms: u64,
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Sessions that end after `idle` without a request, or `max` after login.
    pub fn new(idle: Duration, max: Duration) -> Sessions {
        Sessions {
            idle_ms: idle.as_millis() as u64,
            max_ms: max.as_millis() as u64,
            open: Mutex::default(),
        }
    }

    /// The idle timeout.
    pub fn idle(&self) -> Duration {
        Duration::from_millis(self.idle_ms)
    }

    /// Open a session for a person who just logged in.
    pub fn create(&self, user: &str, role: Role, now_ms: u64) -> Session {
        let s = Session {
            id: hex::encode(secret::random_bytes::<32>()),
            user: user.to_owned(),
            role,
            csrf: hex::encode(secret::random_bytes::<32>()),
            created_ms: now_ms,
            last_ms: now_ms,
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|_, o| !self.expired(o, now_ms));
        open.insert(s.id.clone(), s.clone());
        s
    }

    fn expired(&self, s: &Session, now_ms: u64) -> bool {
        now_ms.saturating_sub(s.last_ms) >= self.idle_ms
            || now_ms.saturating_sub(s.created_ms) >= self.max_ms
    }

    /// The live session with this id, marked as used now; an expired one is ended.
    pub fn touch(&self, id: &str, now_ms: u64) -> Option<Session> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let s = open.get_mut(id)?;
        if self.expired(s, now_ms) {
            open.remove(id);
            return None;
        }
        s.last_ms = now_ms;
        Some(s.clone())
    }

    /// End one session (logout).
    pub fn end(&self, id: &str) -> Option<Session> {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
    }

    /// End every session of a person (disabled, or their password changed).
    pub fn end_user(&self, user: &str) -> usize {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let before = open.len();
        open.retain(|_, s| s.user != user);
        before - open.len()
    }
}

/// Failed logins per name and per source address in the last minute.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<u64>>>,
}

impl LoginThrottle {
    fn keys(name: &str, source: &str) -> [String; 2] {
        [format!("user\0{name}"), format!("addr\0{source}")]
    }

    /// `Err(seconds to wait)` if the name or the address has had [`MAX_FAILURES`]
    /// failures in the last minute.
    pub fn check(&self, name: &str, source: &str, now_ms: u64) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = 0;
        for k in Self::keys(name, source) {
            if let Some(q) = map.get_mut(&k) {
                while q
                    .front()
                    .is_some_and(|&t| now_ms.saturating_sub(t) >= WINDOW_MS)
                {
                    q.pop_front();
                }
                if q.len() >= MAX_FAILURES
                    && let Some(&oldest) = q.front()
                {
                    wait = wait.max(
                        (oldest + WINDOW_MS)
                            .saturating_sub(now_ms)
                            .div_ceil(1000)
                            .max(1),
                    );
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// Count a failure; returns how long to hold the answer back (doubling from
    /// 250 ms, at most 2 s), so guessing is slow even below the limit.
    pub fn fail(&self, name: &str, source: &str, now_ms: u64) -> Duration {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|&t| now_ms.saturating_sub(t) < WINDOW_MS)
            });
        }
        let mut n = 0;
        for k in Self::keys(name, source) {
            let q = map.entry(k).or_default();
            q.push_back(now_ms);
            n = n.max(q.len());
        }
        Duration::from_millis((250u64 << (n.min(4) - 1).min(3)).min(2000))
    }

    /// A successful login clears its name's failures (not its address's).
    pub fn succeed(&self, name: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&format!("user\0{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(600));
        let a = s.create("ann", Role::Coordinator, 0);
        assert!(s.touch(&a.id, 59_000).is_some());
        assert!(
            s.touch(&a.id, 118_000).is_some(),
            "use resets the idle clock"
        );
        assert!(
            s.touch(&a.id, 178_001).is_none(),
            "idle past a minute ends it"
        );
        let b = s.create("ann", Role::Coordinator, 0);
        for t in (50_000..600_000).step_by(50_000) {
            assert!(s.touch(&b.id, t).is_some());
        }
        assert!(s.touch(&b.id, 600_000).is_none(), "absolute lifetime");
        let c = s.create("bob", Role::Viewer, 0);
        assert_eq!(s.end_user("bob"), 1);
        assert!(s.touch(&c.id, 1).is_none());
    }

    #[test]
    fn the_sixth_failure_in_a_minute_is_refused() {
        let t = LoginThrottle::default();
        for i in 0..5 {
            assert!(t.check("ann", "10.0.0.1", i).is_ok());
            t.fail("ann", "10.0.0.1", i);
        }
        assert!(t.check("ann", "10.0.0.1", 10).is_err());
        assert!(t.check("ann", "10.0.0.2", 10).is_err(), "per name");
        assert!(t.check("bob", "10.0.0.1", 10).is_err(), "per address");
        assert!(t.check("bob", "10.0.0.2", 10).is_ok());
        assert!(
            t.check("ann", "10.0.0.2", WINDOW_MS + 5).is_ok(),
            "the window slides"
        );
    }
}
