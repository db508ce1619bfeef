//! Moving a handled file aside, durably: rename into `processed_dir` or
//! `failed_dir` (never over a file already there), the reason file of a refused
//! one, then an fsync of the target folder and of the watched folder. Blocking:
//! called through `spawn_blocking`.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Why a move did not finish, and at which step (the log's reason code).
#[derive(Debug)]
pub(super) struct MoveError {
    pub stage: &'static str,
    pub error: io::Error,
}

fn at(stage: &'static str) -> impl FnOnce(io::Error) -> MoveError {
    move |error| MoveError { stage, error }
}

/// Whether anything (a link included, dangling or not) has this name.
fn taken(path: &Path) -> io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

fn reason_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".reason.txt");
    target.with_file_name(name)
}

/// Move `from` into `dir` as `name` (or `name.1`, `name.2`, ... when taken; a name
/// is free when neither it nor its `.reason.txt` exists), write `reason` (one
/// line) beside it as `<moved name>.reason.txt`, then fsync `dir` and `from`'s
/// folder, so that both the arrival and the departure survive a crash. Returns the
/// moved file's path.
pub(super) fn move_aside(
    from: &Path,
    dir: &Path,
    name: &str,
    reason: Option<&str>,
) -> Result<PathBuf, MoveError> {
    std::fs::create_dir_all(dir).map_err(at("dir.move"))?;
    let mut target = dir.join(name);
    let mut n = 1;
    while taken(&target).map_err(at("dir.move"))?
        || taken(&reason_path(&target)).map_err(at("dir.move"))?
    {
        target = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    // `rename` moves a link itself, never its target.
    std::fs::rename(from, &target).map_err(at("dir.move"))?;
    let written = match reason {
        Some(reason) => write_reason(&reason_path(&target), reason).map_err(at("dir.reason")),
        None => Ok(()),
    };
    sync_dir(dir).map_err(at("dir.sync"))?;
    if let Some(source) = from.parent() {
        sync_dir(source).map_err(at("dir.sync"))?;
    }
    written.map(|()| target)
}

fn write_reason(path: &Path, reason: &str) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(reason.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// fsync a folder, so that renames into or out of it are durable (as `dir-out`'s
/// `sync_dir`). Every folder sync of the `dir` transport goes through here.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(test)]
    journal::record(journal::Event::Synced(dir.to_owned()));
    Ok(())
}

/// A file of the watched folder `inbox` had its seen mark dropped (for the tests'
/// journal; nothing otherwise).
pub(super) fn forgot(inbox: &Path) {
    #[cfg(test)]
    journal::record(journal::Event::Forgot(inbox.to_owned()));
    #[cfg(not(test))]
    let _ = inbox;
}

/// What the poller did, in order, for the tests to check that a move was made
/// durable before the file's seen mark was dropped.
#[cfg(test)]
pub(super) mod journal {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Event {
        /// A folder was fsynced.
        Synced(PathBuf),
        /// The seen mark of a file of this folder (the watched one) was dropped.
        Forgot(PathBuf),
    }

    static EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());

    pub(crate) fn record(event: Event) {
        EVENTS.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }

    /// The events about folders under `root`, in order.
    pub(crate) fn under(root: &Path) -> Vec<Event> {
        EVENTS
            .lock()
            .unwrap()
            .iter()
            .filter(|e| match e {
                Event::Synced(p) | Event::Forgot(p) => p.starts_with(root),
            })
            .cloned()
            .collect()
    }
}
