//! `[hub]` backpressure limits, outbound `delivery` pacing, `[retention]`, and
//! backoff jitter.

use std::time::Duration;

use super::super::{DeliveryLimits, RetryPolicy};
use super::{BASE, ok, only};
use clearway_schemas::Kind;

#[test]
fn backpressure_limits_default_and_parse() {
    let c = ok(BASE);
    assert_eq!(c.hub.max_queue_per_destination, 1_000_000);
    assert_eq!(c.hub.max_backlog, 5_000_000);
    assert_eq!(c.hub.min_free_disk_mib, 256);
    let c = ok(&format!(
        "[hub]\nmax_queue_per_destination = 10\nmax_backlog = 20\nmin_free_disk_mib = 0\n\n{BASE}"
    ));
    assert_eq!(
        (
            c.hub.max_queue_per_destination,
            c.hub.max_backlog,
            c.hub.min_free_disk_mib
        ),
        (10, 20, 0)
    );
    let (line, _, msg) = only(&format!("[hub]\nmax_backlog = 0\n\n{BASE}"));
    assert_eq!(line, 2);
    assert!(msg.contains("max_backlog"), "{msg}");
}

#[test]
fn delivery_table_paces_an_outbound_endpoint() {
    let c = ok(BASE);
    assert_eq!(c.endpoints["outbox"].delivery, DeliveryLimits::default());
    let c = ok(&format!(
        "{BASE}delivery = {{ concurrency = 2, rate_per_second = 5, breaker_failures = 0, breaker_cooldown_ms = 500 }}\n"
    ));
    let d = c.endpoints["outbox"].delivery;
    assert_eq!(d.concurrency, 2);
    assert_eq!(d.rate_per_second, Some(5));
    assert_eq!(d.breaker_failures, 0);
    assert_eq!(d.breaker_cooldown_ms, 500);
    let (line, _, msg) = only(&format!("{BASE}delivery = {{ concurrency = 0 }}\n"));
    assert_eq!(line, 12);
    assert!(msg.contains("concurrency"), "{msg}");
    let (_, _, msg) = only(&format!("{BASE}delivery = {{ speed = 1 }}\n"));
    assert!(msg.contains("speed"), "{msg}");
    // Inbound endpoints have no `delivery`.
    let text = BASE.replace(
        "transport = \"http\"\n",
        "transport = \"http\"\ndelivery = { concurrency = 2 }\n",
    );
    let (_, _, msg) = only(&text);
    assert!(msg.contains("delivery"), "{msg}");
}

#[test]
fn ordered_delivery_sends_one_at_a_time() {
    let c = ok(&format!("{BASE}delivery = {{ ordered = true }}\n"));
    let d = c.endpoints["outbox"].delivery;
    assert!(d.ordered);
    assert_eq!(d.concurrency, 1, "ordered means one at a time");
    let c = ok(&format!(
        "{BASE}delivery = {{ ordered = true, concurrency = 1, rate_per_second = 5 }}\n"
    ));
    assert_eq!(c.endpoints["outbox"].delivery.concurrency, 1);
    let c = ok(&format!(
        "{BASE}delivery = {{ ordered = false, concurrency = 4 }}\n"
    ));
    assert!(!c.endpoints["outbox"].delivery.ordered);
    assert_eq!(c.endpoints["outbox"].delivery.concurrency, 4);
    // Another concurrency contradicts it: one problem, at the value, naming the key.
    let (line, column, msg) = only(&format!(
        "{BASE}delivery = {{ ordered = true, concurrency = 4 }}\n"
    ));
    assert_eq!((line, column), (12, 44), "{msg}");
    assert_eq!(
        msg,
        "`concurrency` in [endpoints.outbox].delivery must be 1 (or left out) with `ordered = true`: an ordered destination sends one payload at a time"
    );
    // An out-of-range value is reported once, as out of range.
    let (_, _, msg) = only(&format!(
        "{BASE}delivery = {{ ordered = true, concurrency = 0 }}\n"
    ));
    assert!(msg.contains("must be between 1 and 64"), "{msg}");
    let (_, _, msg) = only(&format!("{BASE}delivery = {{ ordered = \"yes\" }}\n"));
    assert!(msg.contains("`ordered`"), "{msg}");
    // The unknown-key message lists it.
    let (_, _, msg) = only(&format!("{BASE}delivery = {{ order = true }}\n"));
    assert!(
        msg.ends_with("(expected one of: concurrency, rate_per_second, breaker_failures, breaker_cooldown_ms, ordered)"),
        "{msg}"
    );
}

#[test]
fn retention_per_stage_and_kind() {
    let c = ok(BASE);
    assert!(!crate::retention::enabled(&c.retention));
    let c = ok(&format!(
        "{BASE}\n[retention]\nraw_days = 90\nnormalized_days = 365\nhistory_days = 2555\n\n[retention.kinds.remittance]\nnormalized_days = 2555\n"
    ));
    assert_eq!(c.retention.raw_days, Some(90));
    assert_eq!(c.retention.of(Some(Kind::Claim)).normalized_days, Some(365));
    let remit = c.retention.of(Some(Kind::Remittance));
    assert_eq!(remit.normalized_days, Some(2555));
    assert_eq!(remit.history_days, Some(2555), "falls back to the default");
    let (_, _, msg) = only(&format!(
        "{BASE}\n[retention]\nnormalized_days = 365\nhistory_days = 30\n"
    ));
    assert!(
        msg.starts_with(
            "`history_days` in [retention] (30) must not be less than `normalized_days`"
        ),
        "{msg}"
    );
    let (_, _, msg) = only(&format!(
        "{BASE}\n[retention.kinds.invoice]\nhistory_days = 30\n"
    ));
    assert!(msg.contains("unknown kind `invoice`"), "{msg}");
}

#[test]
fn retention_rate_is_capped_with_a_default() {
    let c = ok(&format!("{BASE}\n[retention]\nhistory_days = 2555\n"));
    assert_eq!(c.retention.max_records_per_second, 0, "left out");
    assert_eq!(c.retention.records_per_second(), 500, "the default");
    assert_eq!(
        ok(BASE).retention.records_per_second(),
        crate::config::RetentionConfig::DEFAULT_RATE
    );
    let c = ok(&format!(
        "{BASE}\n[retention]\nhistory_days = 2555\nmax_records_per_second = 0\n"
    ));
    assert_eq!(c.retention.records_per_second(), 500, "0 is the default");
    for n in [1, 2_000, 25_000] {
        let c = ok(&format!(
            "{BASE}\n[retention]\nhistory_days = 2555\nmax_records_per_second = {n}\n"
        ));
        assert_eq!(c.retention.max_records_per_second, n);
        assert_eq!(c.retention.records_per_second(), n);
    }
}

#[test]
fn backoff_jitter_stays_within_half_and_full() {
    let p = RetryPolicy::default();
    for attempt in 1..12 {
        let full = p.backoff(attempt);
        let low = p.backoff_with_jitter(attempt, 0);
        let span = (full - full / 2).as_millis() as u64;
        let high = p.backoff_with_jitter(attempt, span);
        assert_eq!(low, full / 2, "attempt {attempt}");
        assert_eq!(high, full, "attempt {attempt}");
        for r in [1, 7, 1 << 40, u64::MAX] {
            let w = p.backoff_with_jitter(attempt, r);
            assert!(w >= full / 2 && w <= full, "attempt {attempt}: {w:?}");
        }
    }
    assert_eq!(p.backoff_with_jitter(1, 251), Duration::from_millis(250));
}

#[test]
fn alert_rules_name_an_endpoint_and_one_condition() {
    let text = format!(
        "{BASE}\n[endpoints.ops]\ntransport = \"http-out\"\nconnector = \"json\"\nurl = \"https://ops.example/hook\"\n\n[alerts]\nwebhook = \"ops\"\n\n[[alerts.rules]]\nname = \"quiet\"\nendpoint = \"inbox\"\nno_traffic_minutes = 60\n\n[[alerts.rules]]\nname = \"failing\"\nendpoint = \"outbox\"\nerror_rate_percent = 20\nwindow_minutes = 10\n"
    );
    let c = ok(&text);
    assert_eq!(c.alerts.webhook.as_deref(), Some("ops"));
    assert_eq!(c.alerts.interval_seconds, 10);
    assert_eq!(c.alerts.rules.len(), 2);
    assert_eq!(
        c.alerts.rules[1].condition,
        crate::config::AlertCondition::ErrorRate {
            percent: 20,
            window_minutes: 10,
            min_messages: 10
        }
    );
    let (_, _, msg) = only(&format!("{BASE}\n[alerts]\nwebhook = \"outbox\"\n"));
    assert!(msg.contains("must be an `http-out` one"), "{msg}");
    let (_, _, msg) = only(&format!(
        "{BASE}\n[endpoints.ops]\ntransport = \"http-out\"\nconnector = \"json\"\nurl = \"https://ops.example/hook\"\n\n[alerts]\nwebhook = \"ops\"\n\n[[alerts.rules]]\nname = \"both\"\nendpoint = \"outbox\"\nqueue_depth = 5\noldest_minutes = 5\n"
    ));
    assert!(msg.contains("needs exactly one of"), "{msg}");
}

#[test]
fn memory_settings_default_and_parse() {
    let c = ok(BASE);
    assert_eq!(
        (c.hub.store_cache_mib, c.hub.max_blocking_threads),
        (128, crate::config::document::default_max_blocking_threads())
    );
    let c = ok(&format!(
        "[hub]\nstore_cache_mib = 16\nmax_blocking_threads = 32\n\n{BASE}"
    ));
    assert_eq!(
        (c.hub.store_cache_mib, c.hub.max_blocking_threads),
        (16, 32)
    );
    let (line, _, msg) = only(&format!("[hub]\nmax_blocking_threads = 2\n\n{BASE}"));
    assert_eq!(line, 2);
    assert!(msg.contains("max_blocking_threads"), "{msg}");
}
