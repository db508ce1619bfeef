//! The compiled-component cache.
//!
//! Compiling a large component takes seconds; loading a precompiled one takes
//! under a millisecond. Each compiled component is kept in
//! `<cache_dir>/<sha256 of the .wasm>-<engine compatibility hash>.cwasm`, so a
//! changed plugin or a changed engine (another wasmtime version, other
//! settings, another CPU) never picks up a stale artifact. Files are written
//! to a temporary name, synced, then renamed, so a reader never sees a partial
//! file; a file that fails to load anyway is deleted and compiled again.
//!
//! A cached file is native code the hub maps as executable, so the cache folder
//! and every cached file must belong to the hub's effective user and be writable
//! by nobody else; otherwise the cache is refused with an error naming the path.

use std::fs::{self, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::LoadError;

/// Where compiled components live, for one engine configuration.
#[derive(Debug)]
pub struct ComponentCache {
    dir: PathBuf,
    engine_key: String,
}

/// A component and where it came from.
pub struct Compiled {
    /// The component, ready to link.
    pub component: Component,
    /// Whether it was loaded from the cache rather than compiled.
    pub from_cache: bool,
}

impl ComponentCache {
    /// Opens (creating if missing, `0700`) the cache directory `dir` for
    /// `engine`. Refuses (`PermissionDenied`, naming the folder and what is
    /// wrong) a folder that belongs to another user or that its group or others
    /// may write to.
    pub fn open(dir: &Path, engine: &Engine) -> io::Result<ComponentCache> {
        if !dir.is_dir() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir)?;
        }
        check_private(dir, "folder")?;
        Ok(ComponentCache {
            dir: dir.to_path_buf(),
            engine_key: engine_key(engine),
        })
    }

    /// The cache file for a `.wasm` whose sha256 (lowercase hex) is given.
    pub fn path_for(&self, wasm_sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{wasm_sha256}-{}.cwasm", self.engine_key))
    }

    /// The compiled form of `wasm` (whose sha256 is `wasm_sha256`, read from
    /// `source`): from the cache when present and loadable, otherwise compiled
    /// now and stored for next time.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm_sha256: &str,
        wasm: &[u8],
        source: &Path,
    ) -> Result<Compiled, LoadError> {
        let cached = self.path_for(wasm_sha256);
        if cached.is_file() {
            let refused = |e: io::Error| LoadError::Read {
                path: cached.display().to_string(),
                reason: e.to_string(),
            };
            check_private(&self.dir, "folder").map_err(refused)?;
            check_private(&cached, "file").map_err(refused)?;
            // SAFETY: `deserialize_file` trusts the file to be the output of
            // `Component::serialize` by a compatible wasmtime and maps its code
            // as executable. The file is ours: this cache writes it (below)
            // from a component it compiled itself from bytes whose sha256 is in
            // the file name, under a name that also carries the engine's
            // compatibility hash, into a directory created private to the
            // hub's user; just above, both the directory and the file were
            // checked to belong to the hub's user and to be writable by no one
            // else, so no other user can have put or changed it. It is never
            // modified in place (only replaced by rename), so the mapping stays
            // valid. Truncated files fail wasmtime's header checks and are
            // recompiled below.
            match unsafe { Component::deserialize_file(engine, &cached) } {
                Ok(component) => {
                    return Ok(Compiled {
                        component,
                        from_cache: true,
                    });
                }
                Err(err) => {
                    tracing::warn!(
                        cache_file = %cached.display(),
                        error = %format!("{err:#}"),
                        "discarding a compiled plugin that cannot be loaded; compiling again"
                    );
                    if let Err(err) = fs::remove_file(&cached) {
                        tracing::warn!(cache_file = %cached.display(), error = %err, "cannot remove the unloadable cache file");
                    }
                }
            }
        }

        let component = Component::from_binary(engine, wasm).map_err(|err| {
            LoadError::Compile(format!(
                "plugin {} cannot be compiled: {err:#}",
                source.display()
            ))
        })?;
        match component.serialize() {
            Ok(bytes) => {
                if let Err(err) = write_atomically(&cached, &bytes) {
                    tracing::warn!(
                        cache_file = %cached.display(),
                        error = %err,
                        "cannot store the compiled plugin; it will be compiled again at the next start"
                    );
                }
            }
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "cannot serialize the compiled plugin")
            }
        }
        Ok(Compiled {
            component,
            from_cache: false,
        })
    }
}

/// Checks that `path` (the cache `what`: folder or file) belongs to the
/// process's effective user and cannot be written by its group or others; the
/// error names the path and what is wrong.
#[cfg(unix)]
fn check_private(path: &Path, what: &str) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let refuse = |why: String| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refusing the compiled-plugin cache {what} {}: {why}; compiled plugins are native code, \
                 so the hub loads them only from a cache no other user can change",
                path.display()
            ),
        )
    };
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(refuse("it is a symbolic link".to_owned()));
    }
    // SAFETY: geteuid cannot fail and touches no memory.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(refuse(format!(
            "it belongs to user id {}, not to the hub's user id {me}",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refuse(format!(
            "its group or others may write to it (mode {mode:04o})"
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _what: &str) -> io::Result<()> {
    Ok(())
}

/// Writes `bytes` to `path` so that `path` either does not exist or holds all
/// of `bytes`: write a unique temporary file in the same directory, sync it,
/// rename it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is useless once the write failed.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A short hex digest of the engine's precompile-compatibility hash.
fn engine_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = hasher.0.finalize();
    hex::encode(&digest[..16])
}

/// Feeds a [`Hash`] implementation into SHA-256 (stable across processes,
/// unlike `DefaultHasher`'s random keys).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_group_writable_cache_folder_or_file_is_refused() {
        let engine = Engine::default();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("plugin-cache");
        let cache = ComponentCache::open(&dir, &engine).unwrap();
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the cache folder is created private");

        // A cached file its group may write is refused before it is loaded.
        let cached = cache.path_for(&"ab".repeat(32));
        fs::write(&cached, b"not a component").unwrap();
        fs::set_permissions(&cached, fs::Permissions::from_mode(0o660)).unwrap();
        let err = cache
            .load_or_compile(&engine, &"ab".repeat(32), b"", Path::new("x.wasm"))
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(
            text.contains(&cached.display().to_string()) && text.contains("mode 0660"),
            "{text}"
        );
        assert!(
            cached.exists(),
            "a refused file is left for the operator to look at"
        );

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o770)).unwrap();
        let err = ComponentCache::open(&dir, &engine).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        let text = err.to_string();
        assert!(
            text.contains(&dir.display().to_string()) && text.contains("group or others may write"),
            "{text}"
        );
    }
}
