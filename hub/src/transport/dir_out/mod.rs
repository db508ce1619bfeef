//! `dir-out`: write each payload as a file, atomically (temp file, fsync, rename),
//! so a reader never sees half a file and a crash leaves either the whole file or
//! none. The folder itself is fsynced once per delivery batch ([`sync_dir`]),
//! before any message of the batch is recorded as delivered.

pub mod config;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use self::config::DirOut;
use super::DeliveryError;
use crate::runtime::Payload;

/// The file name for a payload: the connector's hint (made safe), prefixed with the
/// first carried message's id unless the hint already holds it, so names are unique
/// and a re-delivery after a crash rewrites the same file instead of adding one.
pub fn file_name(payload: &Payload, first_id: &str) -> String {
    let hint: String = payload
        .filename_hint
        .as_deref()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hint = hint.trim_start_matches('.');
    if hint.is_empty() {
        let ext = match payload.content_type.as_str() {
            "application/json" | "application/fhir+json" => "json",
            "application/edi-x12" => "x12",
            "x-application/hl7-v2+er7" => "hl7",
            _ => "bin",
        };
        format!("{first_id}.{ext}")
    } else if hint.contains(first_id) {
        hint.to_owned()
    } else {
        format!("{first_id}-{hint}")
    }
}

/// Write `payload` into the endpoint's folder.
pub async fn write(
    cfg: &DirOut,
    payload: &Payload,
    first_id: &str,
) -> Result<String, DeliveryError> {
    let dir = cfg.path.clone();
    let name = file_name(payload, first_id);
    let data = payload.data.clone();
    let n = name.clone();
    tokio::task::spawn_blocking(move || write_atomic(&dir, &n, &data))
        .await
        .map_err(|e| DeliveryError::transient("delivery.task", e.to_string()))?
        .map_err(|e| {
            DeliveryError::transient(
                "delivery.io",
                format!("writing {name} into {}: {e}", cfg.path.display()),
            )
        })?;
    Ok(format!("wrote {name}"))
}

fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(name))
}

/// Make the renames into the endpoint's folder durable.
pub async fn sync_dir(cfg: &DirOut) -> Result<(), DeliveryError> {
    let dir = cfg.path.clone();
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await
        .map_err(|e| DeliveryError::transient("delivery.task", e.to_string()))?
        .map_err(|e| {
            DeliveryError::transient(
                "delivery.io",
                format!("syncing {}: {e}", cfg.path.display()),
            )
        })
}
