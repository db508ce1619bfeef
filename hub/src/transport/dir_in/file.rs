//! Listing the folder and reading one file without following links, without
//! reading more than the limit, and only if it is still the file that was listed.
//! Blocking: called through `spawn_blocking`.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::PathBuf;

use super::config::DirIn;

/// Which file a path named: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ident {
    dev: u64,
    ino: u64,
}

impl Ident {
    fn of(meta: &Metadata) -> Ident {
        Ident {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// A candidate of the listing.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    pub path: PathBuf,
    /// The file name (lossy UTF-8): recorded as the message's `filename` and used
    /// for the moved file. Sensitive: never logged.
    pub name: String,
    /// The listing's `lstat` identity.
    pub ident: Ident,
    /// The name is a symbolic link (refused, never followed).
    pub symlink: bool,
}

/// The listing: candidates in name order, and the entries that could not be
/// looked at (each one is a failure of the pass, the others go on).
pub(super) fn list(cfg: &DirIn) -> io::Result<(Vec<Listed>, Vec<io::Error>)> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for entry in std::fs::read_dir(&cfg.path)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            || name.ends_with(".tmp")
            || name.ends_with(".part")
            || !cfg.matches(&name)
        {
            continue;
        }
        let path = entry.path();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            // Gone since `readdir`: nothing to do.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let kind = meta.file_type();
        // Folders, FIFOs, sockets and devices are not files to take in.
        if kind.is_file() || kind.is_symlink() {
            out.push(Listed {
                path,
                name,
                ident: Ident::of(&meta),
                symlink: kind.is_symlink(),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((out, errors))
}

/// What reading a listed file gave.
#[derive(Debug)]
pub(super) enum Read {
    /// Its content, at most the limit.
    Bytes(Vec<u8>),
    /// Larger than the limit: its size when `fstat` said so, `None` when it grew
    /// past the limit while it was read. Nothing of it is kept.
    TooLarge(Option<u64>),
    /// The name no longer names the listed regular file (replaced, turned into a
    /// link, or removed): left for the next poll. The reason code.
    Changed(&'static str),
}

/// Read `listed`'s file: opened with `O_NOFOLLOW` (a link put in its place fails
/// with `ELOOP`) and `O_NONBLOCK` (a FIFO put in its place does not block the
/// poller), then checked by `fstat` to be a regular file with the listed identity;
/// its size is checked before reading, and at most `limit + 1` bytes are read.
pub(super) fn read(listed: &Listed, limit: u64) -> io::Result<Read> {
    hooks::run(hooks::Stage::Open, &listed.path)?;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&listed.path)
    {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(Read::Changed("dir.changed")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Read::Changed("dir.vanished")),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() || Ident::of(&meta) != listed.ident {
        return Ok(Read::Changed("dir.changed"));
    }
    if meta.len() > limit {
        return Ok(Read::TooLarge(Some(meta.len())));
    }
    read_at_most(&file, meta.len(), limit)
}

/// Read at most `limit + 1` bytes of `file` (`len` is its `fstat` size, a hint).
pub(super) fn read_at_most(file: &File, len: u64, limit: u64) -> io::Result<Read> {
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Read::TooLarge(None));
    }
    Ok(Read::Bytes(bytes))
}

/// Whether `listed.path` still names the listed file (by `lstat`, so a link is
/// compared as itself). `false` when the name is gone.
pub(super) fn unchanged(listed: &Listed) -> io::Result<bool> {
    hooks::run(hooks::Stage::Move, &listed.path)?;
    match std::fs::symlink_metadata(&listed.path) {
        Ok(meta) => Ok(Ident::of(&meta) == listed.ident),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// `70.2 MiB`, without floats.
pub(super) fn mib(size: u64) -> String {
    const MIB: u128 = 1024 * 1024;
    let tenths = (u128::from(size) * 10 + MIB / 2) / MIB;
    format!("{}.{} MiB", tenths / 10, tenths % 10)
}

/// Test hooks: code run on a file's path just before it is opened or moved, to
/// change the file at that moment or fail the step with an error (root, as the
/// tests run, can read a file of mode 000). Nothing in a normal build.
pub(super) mod hooks {
    use std::io;
    use std::path::Path;

    /// Where a hook runs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) enum Stage {
        /// After the listing, before the file is opened.
        Open,
        /// After the file was stored, before it is checked and moved.
        Move,
    }

    #[cfg(test)]
    type Hook = Box<dyn FnMut(&Path) -> io::Result<()> + Send>;

    #[cfg(test)]
    static HOOKS: std::sync::Mutex<Vec<(std::path::PathBuf, Stage, Hook)>> =
        std::sync::Mutex::new(Vec::new());

    /// Run `hook` at `stage` whenever the poller reaches `path`.
    #[cfg(test)]
    pub(crate) fn on(
        path: &Path,
        stage: Stage,
        hook: impl FnMut(&Path) -> io::Result<()> + Send + 'static,
    ) {
        HOOKS
            .lock()
            .unwrap()
            .push((path.to_owned(), stage, Box::new(hook)));
    }

    #[cfg(test)]
    pub(super) fn run(stage: Stage, path: &Path) -> io::Result<()> {
        let mut hooks = HOOKS.lock().unwrap_or_else(|e| e.into_inner());
        for (p, s, hook) in hooks.iter_mut() {
            if *s == stage && p == path {
                hook(path)?;
            }
        }
        Ok(())
    }

    #[cfg(not(test))]
    #[inline]
    pub(super) fn run(_stage: Stage, _path: &Path) -> io::Result<()> {
        Ok(())
    }
}
