//! `dir`: poll a folder for files. Each file is stored (durably) and decoded, then
//! moved to `processed_dir` (or `failed_dir` when it did not decode). A file is
//! never deleted, and one that was stored but not yet moved when the hub stopped
//! is recognised by name and content hash (its *seen mark*) and only moved, not
//! taken twice.
//!
//! Writers should create files under a temporary name (starting with `.` or ending
//! in `.tmp` or `.part`) and rename them into place: such names are skipped.
//!
//! What the poller does not trust:
//!
//! - **Size.** A file larger than `max_file_mib` is not read: its size is taken
//!   from `fstat` of the opened file, and at most `max_file_mib` MiB + 1 byte are
//!   read, so a file still growing cannot go past it either. It is moved to
//!   `failed_dir` with `<moved name>.reason.txt` beside it (one line: what was
//!   wrong, never content) and nothing of it is stored.
//! - **Links.** A symbolic link is never followed: it is moved itself (`rename`
//!   moves the link, not its target) to `failed_dir` with a reason file, its
//!   target never opened. Files are opened with `O_NOFOLLOW` (and `O_NONBLOCK`,
//!   so a FIFO put in a file's place cannot block the poller).
//! - **Identity.** The listing's `lstat` (device, inode) is compared with the
//!   opened file's `fstat`, which must also be a regular file: a name that came to
//!   name another file (or a link, or nothing) between listing and opening is left
//!   alone and looked at again by the next poll, which lists it anew. After the
//!   file is stored, and before it is moved, the name is checked again: when it no
//!   longer names the file that was read (a writer renamed a new file over it),
//!   the stored copy stays stored, its seen mark is dropped (the file it bridges
//!   is gone from the folder, so there is nothing left to move), and the new file
//!   is left for the next poll, which takes it in as a new payload even with the
//!   same content, as any file dropped again is. The check and the `rename` are
//!   two steps; a replacement in between moves the new file unread, never loses it.
//! - **Failures.** One file that cannot be read, stored or moved does not stop
//!   the folder: its failure is logged (endpoint, reason code, error kind; never
//!   the file name, which may carry PHI), counted in the pass, and the next file
//!   is taken. A file stored but not moved keeps its seen mark, so later polls
//!   only retry the move.
//! - **Backpressure.** While the hub takes no new work (recovering, queues or
//!   disk full), the pass ends at the first file refused and the files wait in
//!   place.
//! - **Durability.** After a move, the target folder and the watched folder are
//!   fsynced (the arrival and the departure), and only then is the seen mark
//!   dropped. A failed fsync keeps the mark (should the file reappear after a
//!   crash, it is recognised). Every folder sync goes through
//!   `moving::sync_dir`, which the tests observe; it was also checked with
//!   `strace -f -e trace=openat,rename,fsync` on a running hub.

pub mod config;
mod file;
mod moving;
#[cfg(test)]
mod tests;

use std::io;
use std::time::Duration;

use sha2::{Digest, Sha256};

pub use self::config::DirIn;
use self::file::{Listed, Read};
use super::{Intake, IntakeError};
use crate::store::Status;

/// Poll `cfg.path` forever, handing each file to `intake`.
pub async fn run<I: Intake>(intake: I, endpoint: String, cfg: DirIn) {
    if let Err(e) = tokio::fs::create_dir_all(&cfg.path).await {
        tracing::error!(endpoint = %endpoint, path = %cfg.path.display(), error = %e, "cannot create the inbound folder");
    }
    loop {
        if let Err(e) = poll_once(&intake, &endpoint, &cfg).await {
            tracing::error!(endpoint = %endpoint, error = %e, "polling the inbound folder failed");
        }
        tokio::time::sleep(Duration::from_millis(cfg.poll_ms)).await;
    }
}

/// One pass over the folder. Fails only when the folder cannot be listed; a
/// file that fails is logged and counted, and the pass goes on.
pub async fn poll_once<I: Intake>(intake: &I, endpoint: &str, cfg: &DirIn) -> anyhow::Result<()> {
    let pass = pass(intake, endpoint, cfg).await?;
    if pass.failed > 0 {
        tracing::warn!(
            endpoint = %endpoint,
            failed = pass.failed,
            taken = pass.taken,
            "files of the inbound folder failed; they are tried again at the next poll"
        );
    }
    Ok(())
}

/// What one pass did with the files it listed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Pass {
    /// Stored (or found stored) and moved aside.
    taken: usize,
    /// Refused (too large, a link) and moved to `failed_dir` unread.
    refused: usize,
    /// Changed or gone since the listing: left for the next poll.
    changed: usize,
    /// Failed (logged); tried again at the next poll.
    failed: usize,
}

/// What happened to one file.
enum Handled {
    Taken,
    Refused,
    Changed,
}

/// Why one file failed: a reason code for the log, and the error (neither holds
/// the file name).
struct Failure {
    stage: &'static str,
    kind: Option<io::ErrorKind>,
    error: String,
    /// The hub takes no new work now (recovering, backpressure): the pass ends
    /// and the files wait in place.
    held: bool,
}

impl Failure {
    fn io(stage: &'static str, e: &io::Error) -> Failure {
        Failure {
            stage,
            kind: Some(e.kind()),
            error: e.to_string(),
            held: false,
        }
    }

    fn store(e: &dyn std::fmt::Display) -> Failure {
        Failure {
            stage: "dir.store",
            kind: None,
            error: e.to_string(),
            held: false,
        }
    }

    fn ingest(e: &IntakeError) -> Failure {
        Failure {
            held: matches!(e, IntakeError::Held(_)),
            ..Failure::store(e)
        }
    }
}

impl From<moving::MoveError> for Failure {
    fn from(e: moving::MoveError) -> Failure {
        Failure::io(e.stage, &e.error)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(t) => t,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

async fn pass<I: Intake>(intake: &I, endpoint: &str, cfg: &DirIn) -> anyhow::Result<Pass> {
    let (listed, unlisted) = {
        let cfg = cfg.clone();
        blocking(move || file::list(&cfg)).await?
    };
    let mut pass = Pass::default();
    for e in &unlisted {
        pass.failed += 1;
        log_failure(endpoint, &Failure::io("dir.list", e));
    }
    for listed in listed {
        match one(intake, endpoint, cfg, listed).await {
            Ok(Handled::Taken) => pass.taken += 1,
            Ok(Handled::Refused) => pass.refused += 1,
            Ok(Handled::Changed) => pass.changed += 1,
            Err(failure) if failure.held => {
                // Said once by the hub where it starts (pressure.rs, the store); not per poll.
                tracing::debug!(endpoint = %endpoint, error = %failure.error, "new work is refused; the folder's files wait");
                break;
            }
            Err(failure) => {
                pass.failed += 1;
                log_failure(endpoint, &failure);
            }
        }
    }
    Ok(pass)
}

fn log_failure(endpoint: &str, f: &Failure) {
    tracing::warn!(
        endpoint = %endpoint,
        reason = f.stage,
        error_kind = ?f.kind,
        error = %f.error,
        "a file of the inbound folder could not be handled; it is tried again at the next poll"
    );
}

/// Take in, refuse or leave one listed file.
async fn one<I: Intake>(
    intake: &I,
    endpoint: &str,
    cfg: &DirIn,
    listed: Listed,
) -> Result<Handled, Failure> {
    let limit = u64::from(cfg.max_file_mib) * 1024 * 1024;
    let read = if listed.symlink {
        None
    } else {
        let listed = listed.clone();
        let read = blocking(move || file::read(&listed, limit)).await;
        Some(read.map_err(|e| Failure::io("dir.read", &e))?)
    };
    let bytes = match read {
        None => {
            let reason = format!(
                "file is a symbolic link, which is never followed, for endpoint `{endpoint}`"
            );
            return refuse(endpoint, cfg, listed, "dir.symlink", None, reason).await;
        }
        Some(Read::TooLarge(size)) => {
            let mib = cfg.max_file_mib;
            let reason = match size {
                Some(size) => format!(
                    "file is {}, more than max_file_mib = {mib} for endpoint `{endpoint}`",
                    file::mib(size)
                ),
                None => format!(
                    "file grew past max_file_mib = {mib} while it was read, for endpoint `{endpoint}`"
                ),
            };
            return refuse(endpoint, cfg, listed, "dir.too_large", size, reason).await;
        }
        Some(Read::Changed(code)) => {
            tracing::info!(endpoint = %endpoint, reason = code, "a file changed since the folder was listed; left for the next poll");
            return Ok(Handled::Changed);
        }
        Some(Read::Bytes(bytes)) => bytes,
    };

    let sha = hex::encode(Sha256::digest(&bytes));
    let key = crate::store::seen_key(endpoint, &listed.name, &sha);
    let failed = match intake.seen(&key).map_err(|e| Failure::store(&e))? {
        // Taken in before a restart, or before a move that failed.
        Some(seen) => seen.status == Some(Status::DecodeFailed),
        None => {
            let outcome = intake
                .ingest(
                    endpoint,
                    bytes,
                    None,
                    Some(listed.name.clone()),
                    Some(key.clone()),
                )
                .await
                .map_err(|e| Failure::ingest(&e))?;
            outcome.status == Status::DecodeFailed
        }
    };

    let check = listed.clone();
    if !blocking(move || file::unchanged(&check))
        .await
        .map_err(|e| Failure::io("dir.move", &e))?
    {
        // What was read is stored; the name now holds another file (or nothing),
        // which the next poll lists anew.
        tracing::info!(endpoint = %endpoint, reason = "dir.replaced", "a stored file was replaced before it was moved; the new one is left for the next poll");
        forget(intake, cfg, &key)?;
        return Ok(Handled::Changed);
    }
    let to = if failed {
        cfg.failed_dir.clone()
    } else {
        cfg.processed_dir.clone()
    };
    blocking(move || moving::move_aside(&listed.path, &to, &listed.name, None)).await?;
    // The mark only bridges a crash between storing and moving the file.
    forget(intake, cfg, &key)?;
    Ok(Handled::Taken)
}

fn forget<I: Intake>(intake: &I, cfg: &DirIn, key: &[u8]) -> Result<(), Failure> {
    intake.forget_seen(key).map_err(|e| Failure::store(&e))?;
    moving::forgot(&cfg.path);
    Ok(())
}

/// Move a refused file to `failed_dir` unread, with its reason beside it.
async fn refuse(
    endpoint: &str,
    cfg: &DirIn,
    listed: Listed,
    code: &'static str,
    size: Option<u64>,
    reason: String,
) -> Result<Handled, Failure> {
    let failed_dir = cfg.failed_dir.clone();
    let handled = blocking(move || -> Result<Handled, Failure> {
        if !file::unchanged(&listed).map_err(|e| Failure::io("dir.move", &e))? {
            return Ok(Handled::Changed);
        }
        moving::move_aside(&listed.path, &failed_dir, &listed.name, Some(&reason))?;
        Ok(Handled::Refused)
    })
    .await?;
    match handled {
        Handled::Refused => {
            tracing::warn!(endpoint = %endpoint, reason = code, size, "a file of the inbound folder was refused and moved to failed_dir");
        }
        _ => {
            tracing::info!(endpoint = %endpoint, reason = "dir.changed", "a file changed since the folder was listed; left for the next poll");
        }
    }
    Ok(handled)
}
