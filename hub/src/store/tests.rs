use std::collections::BTreeMap;

use clearway_schemas::Kind;

use super::record::{now_ms, rfc3339_ms};
use super::*;

fn record(id: &str, ty: RecordType, kind: Option<Kind>, endpoint: &str, status: Status, corr: &[(&str, &str)]) -> Record {
    let at = rfc3339_ms(now_ms());
    Record {
        id: id.into(),
        record_type: ty,
        endpoint: endpoint.into(),
        kind,
        status,
        created_at: at.clone(),
        updated_at: at.clone(),
        parent: None,
        children: vec![],
        correlation: corr.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        content_type: None,
        filename: None,
        size: 0,
        deliveries: BTreeMap::new(),
        history: vec![StatusChange { status, at, actor: "test".into(), destination: None, error: None, note: None }],
    }
}

fn id_at(ms: u64, n: u128) -> String {
    ulid::Ulid::from_parts(ms, n).to_string()
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(dir, SyncMode::Fsync).unwrap()
}

#[test]
fn survives_reopen_with_raw_pending_and_queue() {
    let dir = tempfile::tempdir().unwrap();
    let id = id_at(1_700_000_000_000, 1);
    {
        let s = open(dir.path());
        let r = record(&id, RecordType::Inbound, None, "in", Status::Received, &[]);
        s.transact(|tx| {
            tx.put(&r)?;
            tx.put_raw(&id, b"payload")?;
            tx.set_pending(&id, true)?;
            tx.enqueue("out", &id, QueueEntry { due_ms: 5, attempts: 0, enqueued_ms: 5 })
        })
        .unwrap();
        s.sync_blocking().unwrap();
    }
    let s = open(dir.path());
    assert_eq!(s.get(&id).unwrap().unwrap().status, Status::Received);
    assert_eq!(s.raw(&id).unwrap().unwrap(), b"payload");
    assert_eq!(s.pending().unwrap(), vec![id.clone()]);
    let (due, next) = s.due("out", 10, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(next, None);
    assert_eq!(s.queue_depth("out"), 1);
    assert_eq!(s.queue_depth("other"), 0);
}

#[test]
fn status_index_follows_updates() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let id = id_at(1_700_000_000_000, 7);
    let r = record(&id, RecordType::Message, Some(Kind::Claim), "in", Status::Queued, &[("claim_id", "PCN1")]);
    s.transact(|tx| tx.put(&r)).unwrap();
    let by = |st: Status| s.list(&Filter { status: Some(st), ..Filter::default() }, None, 10).unwrap().items.len();
    assert_eq!(by(Status::Queued), 1);
    s.transact(|tx| tx.update(&id, |r| r.status = Status::Delivered)).unwrap();
    assert_eq!(by(Status::Queued), 0, "the old status key must be gone");
    assert_eq!(by(Status::Delivered), 1);
    assert!(s.transact(|tx| tx.update("missing", |_| {})).is_err());
}

#[test]
fn list_filters_and_paginates_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let base = 1_700_000_000_000u64;
    for i in 0..25u64 {
        let kind = if i % 2 == 0 { Kind::Claim } else { Kind::Remittance };
        let ep = if i < 10 { "a" } else { "b" };
        let corr = format!("PCN{}", i % 5);
        let r = record(&id_at(base + i * 1000, 1), RecordType::Message, Some(kind), ep, Status::Queued, &[("claim_id", &corr)]);
        s.transact(|tx| tx.put(&r)).unwrap();
    }
    // Pagination over everything: 10 + 10 + 5, newest first, no overlap.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.list(&Filter::default(), cursor.as_deref(), 10).unwrap();
        seen.extend(page.items.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted);

    let count = |f: Filter| {
        let mut n = 0;
        let mut cursor: Option<String> = None;
        loop {
            let page = s.list(&f, cursor.as_deref(), 3).unwrap();
            n += page.items.len();
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return n,
            }
        }
    };
    assert_eq!(count(Filter { kind: Some(Kind::Claim), ..Filter::default() }), 13);
    assert_eq!(count(Filter { endpoint: Some("a".into()), ..Filter::default() }), 10);
    assert_eq!(count(Filter { endpoint: Some("a".into()), kind: Some(Kind::Remittance), ..Filter::default() }), 5);
    assert_eq!(count(Filter { correlation: Some("PCN3".into()), ..Filter::default() }), 5);
    assert_eq!(count(Filter { since_ms: Some(base + 20_000), ..Filter::default() }), 5);
    assert_eq!(count(Filter { until_ms: Some(base + 5_000), ..Filter::default() }), 5);
    assert_eq!(count(Filter { since_ms: Some(base + 5_000), until_ms: Some(base + 7_000), kind: Some(Kind::Remittance), ..Filter::default() }), 1);
    assert_eq!(count(Filter { q: Some("pcn4".into()), ..Filter::default() }), 5);
    assert_eq!(count(Filter { record_type: Some(RecordType::Inbound), ..Filter::default() }), 0);

    let tl = s.timeline("PCN2").unwrap();
    assert_eq!(tl.len(), 5);
    assert!(tl.windows(2).all(|w| w[0].id < w[1].id), "timeline is oldest first");
}

#[test]
fn due_respects_time_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.transact(|tx| {
        tx.enqueue("out", "A", QueueEntry { due_ms: 100, attempts: 0, enqueued_ms: 0 })?;
        tx.enqueue("out", "B", QueueEntry { due_ms: 300, attempts: 1, enqueued_ms: 0 })?;
        tx.enqueue("out", "C", QueueEntry { due_ms: 50, attempts: 0, enqueued_ms: 0 })?;
        tx.enqueue("out2", "D", QueueEntry { due_ms: 0, attempts: 0, enqueued_ms: 0 })
    })
    .unwrap();
    let (due, next) = s.due("out", 200, 10).unwrap();
    assert_eq!(due.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec!["A", "C"]);
    assert_eq!(next, Some(300));
    let (due, _) = s.due("out", 200, 1).unwrap();
    assert_eq!(due.len(), 1);
    s.transact(|tx| tx.dequeue("out", "A")).unwrap();
    assert_eq!(s.queue_depth("out"), 2);
}

#[tokio::test]
async fn concurrent_syncs_share_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let mut tasks = Vec::new();
    for i in 0..20u128 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let id = id_at(1_700_000_000_000, i);
            let r = record(&id, RecordType::Inbound, None, "in", Status::Received, &[]);
            s.transact(|tx| tx.put(&r)).unwrap();
            s.sync().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.list(&Filter::default(), None, 100).unwrap().items.len(), 20);
}

#[test]
fn control_numbers_count_per_connector_and_sequence_and_survive_reopen() {
    use crate::runtime::ControlNumbers;
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        assert_eq!(s.next("x12", "isa/A/B"), Ok(1));
        assert_eq!(s.next("x12", "isa/A/B"), Ok(2));
        assert_eq!(s.next("x12", "isa/A/C"), Ok(1));
        assert_eq!(s.next("other", "isa/A/B"), Ok(1));
    }
    let s = open(dir.path());
    assert_eq!(s.next("x12", "isa/A/B"), Ok(3), "numbers go on after a restart");
}
