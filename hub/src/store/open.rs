//! Opening the hub's store as configured: `data_dir` private to the hub's user,
//! the master key resolved (or made), the store encrypted.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{
    DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _,
};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use zeroize::Zeroizing;

use super::{MasterKey, Store, StoreError, SyncMode};
use crate::config::{ConfigValue, Durability, HubConfig};

/// The key file used when `[hub] encryption_key` is not set.
const KEY_FILE: &str = "master.key";

/// Open the hub's store in `data_dir/store`, encrypted, with the configured
/// durability. On the way:
///
/// - sets the process umask to `0o077`, so every file the process creates from
///   now on (sled's `db`, `conf`, `blobs/`, `snapshot.*`, the compiled-plugin
///   cache, and also the files `dir-out` endpoints write to their outbox) is
///   `0600` and every folder `0700`;
/// - creates `data_dir` as `0700` and narrows `data_dir` and everything in it
///   that is wider than `0600`/`0700` (a data dir made by an older version);
/// - resolves `encryption_key` (64 hex digits), or, when it is not set, reads
///   `data_dir/master.key`, making it (`0600`, random) on first start.
///
/// Fails with a clear error when the key is malformed (naming the reference,
/// never the value) or is not the key the store was made with.
pub fn open_configured(hub: &HubConfig) -> anyhow::Result<Store> {
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let data_dir = &hub.data_dir;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .with_context(|| format!("creating data_dir {}", data_dir.display()))?;
    tighten_permissions(data_dir)?;
    let (key, created) = master_key(hub)?;
    let mode = match hub.durability {
        Durability::Flush => SyncMode::Flush,
        Durability::Fsync => SyncMode::Fsync,
    };
    let dir = data_dir.join("store");
    let cache = hub.store_cache_mib.saturating_mul(1024 * 1024);
    match (
        Store::open_encrypted_cached(&dir, mode, key, cache),
        created,
    ) {
        (Ok(store), _) => Ok(store),
        (Err(StoreError::WrongKey { .. }), Some(key_file)) => {
            // The key just made cannot open the store: leave no useless key behind.
            let _ = fs::remove_file(&key_file);
            anyhow::bail!(
                "the store in {} was made with a master key that is neither configured \
                 ([hub] encryption_key) nor in {}; restore that key",
                dir.display(),
                key_file.display()
            )
        }
        (Err(e @ StoreError::WrongKey { .. }), None) => Err(e).with_context(|| {
            format!(
                "opening the store in {} with the master key from {}",
                dir.display(),
                key_source(hub)
            )
        }),
        (Err(e), _) => Err(e).with_context(|| format!("opening the store in {}", dir.display())),
    }
}

/// Where the master key comes from, for messages: the reference or the file.
fn key_source(hub: &HubConfig) -> String {
    match &hub.encryption_key {
        Some(ConfigValue::Env(name)) => format!("`env:{name}`"),
        Some(ConfigValue::File(path)) => format!("`file:{}`", path.display()),
        Some(ConfigValue::Literal(_)) => "a literal `encryption_key`".to_owned(),
        None => hub.data_dir.join(KEY_FILE).display().to_string(),
    }
}

/// The master key, and the key file if this call made it.
fn master_key(hub: &HubConfig) -> anyhow::Result<(MasterKey, Option<PathBuf>)> {
    let source = key_source(hub);
    match &hub.encryption_key {
        Some(ConfigValue::Literal(_)) => {
            anyhow::bail!(
                "[hub] encryption_key must be a reference (`file:PATH` or `env:NAME`), not the key itself"
            )
        }
        Some(reference) => {
            let text = Zeroizing::new(
                reference
                    .resolve()
                    .with_context(|| format!("[hub] encryption_key {source}"))?,
            );
            let key = MasterKey::from_hex(&text)
                .with_context(|| format!("[hub] encryption_key {source}"))?;
            Ok((key, None))
        }
        None => {
            let path = hub.data_dir.join(KEY_FILE);
            let created = match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut file) => {
                    let key = MasterKey::generate()?;
                    let write = (|| {
                        file.write_all(key.to_hex().as_bytes())?;
                        file.write_all(b"\n")?;
                        file.sync_all()?;
                        fs::File::open(&hub.data_dir)?.sync_all()
                    })();
                    if let Err(e) = write {
                        let _ = fs::remove_file(&path);
                        return Err(e).with_context(|| {
                            format!("writing a new master key to {}", path.display())
                        });
                    }
                    true
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("creating the master key file {}", path.display())
                    });
                }
            };
            tracing::warn!(
                key_file = %path.display(),
                created,
                "payloads are encrypted with a master key kept beside the data; in production keep it \
                 elsewhere and set [hub] encryption_key = \"file:...\" (see docs/security.md)"
            );
            let text = Zeroizing::new(
                fs::read_to_string(&path)
                    .with_context(|| format!("reading the master key file {}", path.display()))?,
            );
            let key = MasterKey::from_hex(&text)
                .with_context(|| format!("the master key file {}", path.display()))?;
            Ok((key, created.then_some(path)))
        }
    }
}

/// Narrow `dir` and everything under it (without following symbolic links) to
/// `0700` for folders and `0600` for files, where they are wider. Entries owned
/// by another user are left as they are, with a warning.
pub fn tighten_permissions(dir: &Path) -> anyhow::Result<()> {
    // SAFETY: geteuid cannot fail and touches no memory.
    let me = unsafe { libc::geteuid() };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta =
            fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        if meta.file_type().is_symlink() {
            continue;
        }
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        let mode = meta.mode() & 0o7777;
        if mode & !want != 0 {
            if meta.uid() == me {
                fs::set_permissions(&path, fs::Permissions::from_mode(mode & want))
                    .with_context(|| format!("narrowing the permissions of {}", path.display()))?;
                tracing::info!(path = %path.display(), from = %format!("{mode:04o}"), to = %format!("{:04o}", mode & want), "narrowed permissions under data_dir");
            } else {
                tracing::warn!(path = %path.display(), uid = meta.uid(), mode = %format!("{mode:04o}"), "a file under data_dir belongs to another user and is open to others");
            }
        }
        if meta.is_dir() {
            for entry in
                fs::read_dir(&path).with_context(|| format!("listing {}", path.display()))?
            {
                stack.push(
                    entry
                        .with_context(|| format!("listing {}", path.display()))?
                        .path(),
                );
            }
        }
    }
    Ok(())
}
