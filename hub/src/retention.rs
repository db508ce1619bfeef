//! Retention: a background task that destroys payloads and removes records once
//! they are older than `[retention]` says, a few hundred records at a time with a
//! pause between steps, so ingest never waits behind it.
//!
//! Payloads are destroyed by removing their record's data key first (crypto-
//! shredding: the ciphertext is unreadable from that moment, in backups too) and
//! then their bytes. A record is looked at only once it is older than the
//! shortest retention; one still queued or waiting to be decoded is kept.

use std::sync::Arc;
use std::time::Duration;

use crate::config::RetentionConfig;
use crate::store::record::now_ms;
use crate::store::{Prune, Record, RecordType, Store};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Records looked at per step.
const STEP: usize = 500;
/// Pause between steps.
const PAUSE: Duration = Duration::from_millis(20);

/// Whether `cfg` asks for anything to be removed.
pub fn enabled(cfg: &RetentionConfig) -> bool {
    cfg.raw_days.is_some()
        || cfg.default.normalized_days.is_some()
        || cfg.default.history_days.is_some()
        || cfg
            .kinds
            .values()
            .any(|d| d.normalized_days.is_some() || d.history_days.is_some())
}

/// What to do with `r`, `age_days` old.
pub fn decide(cfg: &RetentionConfig, r: &Record, age_days: u64) -> Prune {
    let days = cfg.of(r.kind);
    let older = |d: Option<u32>| d.is_some_and(|d| age_days >= u64::from(d));
    if older(days.history_days) {
        return Prune::Record;
    }
    let payload_days = match r.record_type {
        RecordType::Inbound => cfg.raw_days,
        RecordType::Message | RecordType::Ack => days.normalized_days,
    };
    if older(payload_days) {
        Prune::Payloads
    } else {
        Prune::Keep
    }
}

/// The shortest retention configured, in days.
fn shortest(cfg: &RetentionConfig) -> Option<u32> {
    let mut all = vec![
        cfg.raw_days,
        cfg.default.normalized_days,
        cfg.default.history_days,
    ];
    for d in cfg.kinds.values() {
        all.push(d.normalized_days);
        all.push(d.history_days);
    }
    all.into_iter().flatten().min()
}

/// One whole pass over the records old enough to matter, in steps. Returns
/// (payloads destroyed, records removed).
pub async fn pass(
    store: &Store,
    cfg: &RetentionConfig,
) -> Result<(usize, usize), crate::store::StoreError> {
    let Some(min) = shortest(cfg) else {
        return Ok((0, 0));
    };
    let now = now_ms();
    let before = ulid::Ulid::from_parts(now.saturating_sub(u64::from(min) * DAY_MS), 0).to_string();
    let mut after: Option<String> = None;
    let (mut destroyed, mut removed) = (0, 0);
    loop {
        let (s, c, b, a) = (store.clone(), cfg.clone(), before.clone(), after.clone());
        let step = tokio::task::spawn_blocking(move || {
            s.prune(a.as_deref(), &b, STEP, |r| {
                let made = ulid::Ulid::from_string(&r.id).map_or(now, |u| u.timestamp_ms());
                decide(&c, r, now.saturating_sub(made) / DAY_MS)
            })
        })
        .await
        .map_err(|e| crate::store::StoreError::Sled(sled::Error::ReportableBug(e.to_string())))??;
        destroyed += step.payloads_destroyed;
        removed += step.records_removed;
        match step.last {
            Some(last) => after = Some(last),
            None => break,
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok((destroyed, removed))
}

/// Run passes forever, `interval_seconds` apart.
pub async fn run(store: Store, cfg: Arc<RetentionConfig>) {
    let interval = Duration::from_secs(cfg.interval_seconds.max(1));
    loop {
        match pass(&store, &cfg).await {
            Ok((0, 0)) => {}
            Ok((destroyed, removed)) => {
                tracing::info!(
                    payloads_destroyed = destroyed,
                    records_removed = removed,
                    "retention pass"
                );
            }
            Err(e) => tracing::error!(error = %e, "retention pass failed"),
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RetentionDays;
    use clearway_schemas::Kind;

    fn record(ty: RecordType, kind: Option<Kind>) -> Record {
        Record {
            id: "X".into(),
            record_type: ty,
            endpoint: "in".into(),
            kind,
            status: crate::store::Status::Delivered,
            created_at: String::new(),
            updated_at: String::new(),
            parent: None,
            children: vec![],
            correlation: vec![],
            content_type: None,
            filename: None,
            size: 0,
            deliveries: Default::default(),
            history: vec![],
        }
    }

    #[test]
    fn each_stage_and_kind_has_its_own_retention() {
        let mut cfg = RetentionConfig {
            raw_days: Some(90),
            default: RetentionDays {
                normalized_days: Some(365),
                history_days: Some(2555),
            },
            interval_seconds: 60,
            ..RetentionConfig::default()
        };
        cfg.kinds.insert(
            Kind::Remittance,
            RetentionDays {
                normalized_days: Some(2555),
                history_days: Some(3650),
            },
        );
        let inbound = record(RecordType::Inbound, None);
        let claim = record(RecordType::Message, Some(Kind::Claim));
        let remit = record(RecordType::Message, Some(Kind::Remittance));
        assert_eq!(decide(&cfg, &inbound, 89), Prune::Keep);
        assert_eq!(decide(&cfg, &inbound, 90), Prune::Payloads);
        assert_eq!(decide(&cfg, &claim, 100), Prune::Keep);
        assert_eq!(decide(&cfg, &claim, 365), Prune::Payloads);
        assert_eq!(decide(&cfg, &claim, 2555), Prune::Record);
        assert_eq!(decide(&cfg, &remit, 400), Prune::Keep);
        assert_eq!(decide(&cfg, &remit, 2555), Prune::Payloads);
        assert_eq!(decide(&cfg, &remit, 3000), Prune::Payloads);
        assert_eq!(decide(&cfg, &remit, 3650), Prune::Record);
        assert_eq!(shortest(&cfg), Some(90));
        assert!(enabled(&cfg));
        assert!(!enabled(&RetentionConfig::default()));
    }
}
