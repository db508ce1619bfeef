//! Backpressure: inbound endpoints refuse new work while the hub could not take
//! it safely, and take it again by themselves once that has passed.
//!
//! - A destination an endpoint's routes lead to has `[hub] max_queue_per_destination`
//!   messages queued, or all destinations together `max_backlog`: 503 with
//!   `Retry-After` (a partner down fills its queue on disk, never memory; these
//!   bound the disk it may take).
//! - The data folder's file system has less than `min_free_disk_mib` free: 507 with
//!   `Retry-After`, and a log line saying so. Refusing before the disk is full
//!   keeps sled from ever failing a write half-way (what it has accepted stays
//!   readable), and deliveries, which free queue space, go on.
//!
//! `dir` endpoints ask before each file and leave it in place while refused.
//! Every check is O(1): queue depths are counted in memory by the store, free
//! space is read with `statvfs` at most once a second.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::DeliveryQueue;

/// Why new work is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A destination's queue is at its limit.
    #[error(
        "destination `{dest}` has {depth} messages queued, the limit is {limit} (max_queue_per_destination)"
    )]
    QueueFull {
        /// The destination.
        dest: String,
        /// Its depth.
        depth: u64,
        /// The limit.
        limit: u64,
    },
    /// All queues together are at the limit.
    #[error("{depth} messages are queued in all, the limit is {limit} (max_backlog)")]
    Backlog {
        /// The total.
        depth: u64,
        /// The limit.
        limit: u64,
    },
    /// The disk is (nearly) full.
    #[error(
        "the data folder's disk has {free_mib} MiB free, less than min_free_disk_mib = {min_mib}"
    )]
    DiskFull {
        /// Free space.
        free_mib: u64,
        /// The reserve.
        min_mib: u64,
    },
}

impl Refusal {
    /// Seconds a sender should wait before trying again.
    pub fn retry_after(&self) -> u64 {
        match self {
            Refusal::QueueFull { .. } | Refusal::Backlog { .. } => 10,
            Refusal::DiskFull { .. } => 60,
        }
    }
}

/// The checks, with what they need.
pub struct Pressure {
    /// Inbound endpoint -> the destinations its routes can lead to.
    dests: std::collections::BTreeMap<String, Vec<String>>,
    max_queue: u64,
    max_backlog: u64,
    min_free: std::sync::atomic::AtomicU64,
    data_dir: PathBuf,
    /// (when read, free bytes, whether the last check refused) of the data folder's file system.
    disk: Mutex<(Option<Instant>, u64, bool)>,
    /// The inbound endpoints the last queue check refused, to log only the changes.
    queues_full: Mutex<std::collections::BTreeSet<String>>,
}

impl Pressure {
    /// The checks for `config`.
    pub fn new(config: &crate::config::Config) -> Pressure {
        let mut dests: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in &config.routes {
            let d = dests.entry(r.from.clone()).or_default();
            for to in &r.to {
                if !d.contains(to) {
                    d.push(to.clone());
                }
            }
        }
        Pressure {
            dests,
            max_queue: config.hub.max_queue_per_destination,
            max_backlog: config.hub.max_backlog,
            min_free: config
                .hub
                .min_free_disk_mib
                .saturating_mul(1024 * 1024)
                .into(),
            data_dir: config.hub.data_dir.clone(),
            disk: Mutex::new((None, u64::MAX, false)),
            queues_full: Mutex::default(),
        }
    }

    /// Whether `endpoint` may take new work now.
    pub fn check(&self, store: &dyn DeliveryQueue, endpoint: &str) -> Result<(), Refusal> {
        self.check_disk()?;
        let result = self.check_queues(store, endpoint);
        let mut full = self.queues_full.lock().expect("lock");
        match &result {
            Err(r) if full.insert(endpoint.to_owned()) => {
                tracing::warn!(endpoint, reason = %r, "the endpoint refuses new work (503) until the queues drain");
            }
            Ok(()) if full.remove(endpoint) => {
                tracing::info!(
                    endpoint,
                    "the queues drained: the endpoint takes work again"
                );
            }
            _ => {}
        }
        drop(full);
        result
    }

    fn check_queues(&self, store: &dyn DeliveryQueue, endpoint: &str) -> Result<(), Refusal> {
        let mut total = 0u64;
        for (dest, depth) in store.queue_depths() {
            total += depth as u64;
            let depth = depth as u64;
            if depth >= self.max_queue
                && self.dests.get(endpoint).is_some_and(|d| d.contains(&dest))
            {
                return Err(Refusal::QueueFull {
                    dest,
                    depth,
                    limit: self.max_queue,
                });
            }
        }
        if total >= self.max_backlog {
            return Err(Refusal::Backlog {
                depth: total,
                limit: self.max_backlog,
            });
        }
        Ok(())
    }

    /// Change the disk reserve (tests: a disk "freed" without filling one).
    #[cfg(test)]
    pub(crate) fn set_min_free_disk_mib(&self, mib: u64) {
        self.min_free.store(
            mib.saturating_mul(1024 * 1024),
            std::sync::atomic::Ordering::SeqCst,
        );
        self.disk.lock().expect("lock").0 = None;
    }

    fn check_disk(&self) -> Result<(), Refusal> {
        let min_free = self.min_free.load(std::sync::atomic::Ordering::SeqCst);
        if min_free == 0 {
            return Ok(());
        }
        let mut d = self.disk.lock().expect("lock");
        let stale = d.0.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if stale {
            // A folder that cannot be measured is not taken to be full.
            let free = free_bytes(&self.data_dir).unwrap_or(u64::MAX);
            let refused = free < min_free;
            if refused != d.2 {
                if refused {
                    tracing::error!(
                        free_mib = free / (1024 * 1024),
                        min_free_disk_mib = min_free / (1024 * 1024),
                        "the data folder's disk is nearly full: inbound endpoints refuse new work (507) until space is freed"
                    );
                } else {
                    tracing::info!(
                        free_mib = free / (1024 * 1024),
                        "disk space is back: inbound endpoints take work again"
                    );
                }
            }
            *d = (Some(Instant::now()), free, refused);
        }
        if d.2 {
            return Err(Refusal::DiskFull {
                free_mib: d.1 / (1024 * 1024),
                min_mib: min_free / (1024 * 1024),
            });
        }
        Ok(())
    }
}

/// Free bytes (for unprivileged users) on the file system holding `path`.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a valid NUL-terminated path and `st` a buffer of the right type;
    // statvfs only writes into it, and we read it only when it returned 0.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_bytes_of_a_real_folder() {
        let dir = tempfile::tempdir().unwrap();
        let free = super::free_bytes(dir.path()).unwrap();
        assert!(free > 0);
        assert!(super::free_bytes(&dir.path().join("no/such/folder")).is_none());
    }
}
