//! `dir`: poll a folder for files. Each file is stored (durably) and decoded, then
//! moved to `processed_dir` (or `failed_dir` when it did not decode). A file is
//! never deleted, and one that was stored but not yet moved when the hub stopped
//! is recognised by name and content hash and only moved, not taken twice.
//!
//! Writers should create files under a temporary name (starting with `.` or ending
//! in `.tmp` or `.part`) and rename them into place: such names are skipped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::DirIn;
use crate::pipeline::Hub;
use crate::store::Status;

/// Poll `cfg.path` forever.
pub async fn run(hub: Arc<Hub>, endpoint: String, cfg: DirIn) {
    if let Err(e) = tokio::fs::create_dir_all(&cfg.path).await {
        tracing::error!(endpoint = %endpoint, path = %cfg.path.display(), error = %e, "cannot create the inbound folder");
    }
    loop {
        if let Err(e) = poll_once(&hub, &endpoint, &cfg).await {
            tracing::error!(endpoint = %endpoint, error = %e, "polling the inbound folder failed");
        }
        tokio::time::sleep(Duration::from_millis(cfg.poll_ms)).await;
    }
}

fn candidates(cfg: &DirIn) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&cfg.path)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part") {
            continue;
        }
        if cfg.matches(&name) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// One pass over the folder.
pub async fn poll_once(hub: &Arc<Hub>, endpoint: &str, cfg: &DirIn) -> anyhow::Result<()> {
    let files = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || candidates(&cfg)).await??
    };
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = tokio::fs::read(&path).await?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let key = crate::store::seen_key(endpoint, &name, &sha);
        let failed = match hub.store.seen(&key)? {
            // Taken in before a restart; only the move was left to do.
            Some(id) => hub
                .store
                .get(&id)?
                .is_some_and(|r| r.status == Status::DecodeFailed),
            None => {
                let outcome = hub
                    .ingest(endpoint, bytes, None, Some(name.clone()), Some(key.clone()))
                    .await?;
                outcome.status == Status::DecodeFailed
            }
        };
        let to = if failed {
            &cfg.failed_dir
        } else {
            &cfg.processed_dir
        };
        move_aside(&path, to, &name).await?;
        // The mark only bridges a crash between storing and moving the file.
        hub.store.forget_seen(&key)?;
    }
    Ok(())
}

/// Move a taken-in file into `dir`, never overwriting a file already there.
async fn move_aside(from: &Path, dir: &Path, name: &str) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let mut target = dir.join(name);
    let mut n = 1;
    while tokio::fs::try_exists(&target).await? {
        target = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    tokio::fs::rename(from, &target).await
}
