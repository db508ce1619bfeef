//! The compiled-component cache.
//!
//! Compiling a large component takes seconds; loading a precompiled one takes
//! under a millisecond. Each compiled component is kept in
//! `<cache_dir>/<sha256 of the .wasm>-<engine compatibility hash>.cwasm`, so a
//! changed plugin or a changed engine (another wasmtime version, other
//! settings, another CPU) never picks up a stale artifact. Files are written
//! to a temporary name, synced, then renamed, so a reader never sees a partial
//! file; a file that fails to load anyway is deleted and compiled again.

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
    /// Opens (creating if missing, private to the owner on Unix) the cache
    /// directory `dir` for `engine`.
    pub fn open(dir: &Path, engine: &Engine) -> io::Result<ComponentCache> {
        if !dir.is_dir() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir)?;
        }
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
            // SAFETY: `deserialize_file` trusts the file to be the output of
            // `Component::serialize` by a compatible wasmtime and maps its code
            // as executable. The file is ours: this cache writes it (below)
            // from a component it compiled itself from bytes whose sha256 is in
            // the file name, under a name that also carries the engine's
            // compatibility hash, into a directory created private to the
            // hub's user; it is never modified in place (only replaced by
            // rename), so the mapping stays valid. Truncated or foreign files
            // fail wasmtime's header checks and are recompiled below.
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
