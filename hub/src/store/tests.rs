use std::collections::BTreeMap;

use clearway_schemas::Kind;

use super::record::{now_ms, rfc3339_ms};
use super::*;

fn record(
    id: &str,
    ty: RecordType,
    kind: Option<Kind>,
    endpoint: &str,
    status: Status,
    corr: &[(&str, &str)],
) -> Record {
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
        correlation: corr
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        content_type: None,
        filename: None,
        size: 0,
        deliveries: BTreeMap::new(),
        history: vec![StatusChange {
            status,
            at,
            actor: "test".into(),
            destination: None,
            error: None,
            note: None,
        }],
    }
}

fn id_at(ms: u64, n: u128) -> String {
    ulid::Ulid::from_parts(ms, n).to_string()
}

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn key(hex: &str) -> MasterKey {
    MasterKey::from_hex(hex).unwrap()
}

/// Open the store in `dir`; a store just dropped may hold sled's lock a moment
/// longer (its flusher thread), so a reopen waits for it (up to 5 s).
fn open(dir: &std::path::Path) -> Store {
    for _ in 0..100 {
        match Store::open_encrypted(dir, SyncMode::Fsync, key(KEY)) {
            Err(StoreError::Backend(e)) if e.to_string().contains("lock") => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other.unwrap(),
        }
    }
    panic!("the store in {} stayed locked", dir.display())
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
            tx.enqueue(
                "out",
                &id,
                QueueEntry {
                    due_ms: 5,
                    attempts: 0,
                    enqueued_ms: 5,
                    ..QueueEntry::new(0)
                },
            )
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
    let r = record(
        &id,
        RecordType::Message,
        Some(Kind::Claim),
        "in",
        Status::Queued,
        &[("claim_id", "PCN1")],
    );
    s.transact(|tx| tx.put(&r)).unwrap();
    let by = |st: Status| {
        s.list(
            &Filter {
                status: Some(st),
                ..Filter::default()
            },
            None,
            10,
        )
        .unwrap()
        .items
        .len()
    };
    assert_eq!(by(Status::Queued), 1);
    s.transact(|tx| tx.update(&id, |r| r.status = Status::Delivered))
        .unwrap();
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
        let kind = if i % 2 == 0 {
            Kind::Claim
        } else {
            Kind::Remittance
        };
        let ep = if i < 10 { "a" } else { "b" };
        let corr = format!("PCN{}", i % 5);
        let r = record(
            &id_at(base + i * 1000, 1),
            RecordType::Message,
            Some(kind),
            ep,
            Status::Queued,
            &[("claim_id", &corr)],
        );
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
    assert_eq!(
        count(Filter {
            kind: Some(Kind::Claim),
            ..Filter::default()
        }),
        13
    );
    assert_eq!(
        count(Filter {
            endpoint: Some("a".into()),
            ..Filter::default()
        }),
        10
    );
    assert_eq!(
        count(Filter {
            endpoint: Some("a".into()),
            kind: Some(Kind::Remittance),
            ..Filter::default()
        }),
        5
    );
    assert_eq!(
        count(Filter {
            correlation: Some("PCN3".into()),
            ..Filter::default()
        }),
        5
    );
    assert_eq!(
        count(Filter {
            since_ms: Some(base + 20_000),
            ..Filter::default()
        }),
        5
    );
    assert_eq!(
        count(Filter {
            until_ms: Some(base + 5_000),
            ..Filter::default()
        }),
        5
    );
    assert_eq!(
        count(Filter {
            since_ms: Some(base + 5_000),
            until_ms: Some(base + 7_000),
            kind: Some(Kind::Remittance),
            ..Filter::default()
        }),
        1
    );
    assert_eq!(
        count(Filter {
            q: Some("pcn4".into()),
            ..Filter::default()
        }),
        5
    );
    assert_eq!(
        count(Filter {
            record_type: Some(RecordType::Inbound),
            ..Filter::default()
        }),
        0
    );

    let tl = s.timeline("PCN2").unwrap();
    assert_eq!(tl.len(), 5);
    assert!(
        tl.windows(2).all(|w| w[0].id < w[1].id),
        "timeline is oldest first"
    );
}

#[test]
fn due_respects_time_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.transact(|tx| {
        tx.enqueue(
            "out",
            "A",
            QueueEntry {
                due_ms: 100,
                attempts: 0,
                enqueued_ms: 0,
                ..QueueEntry::new(0)
            },
        )?;
        tx.enqueue(
            "out",
            "B",
            QueueEntry {
                due_ms: 300,
                attempts: 1,
                enqueued_ms: 0,
                ..QueueEntry::new(0)
            },
        )?;
        tx.enqueue(
            "out",
            "C",
            QueueEntry {
                due_ms: 50,
                attempts: 0,
                enqueued_ms: 0,
                ..QueueEntry::new(0)
            },
        )?;
        tx.enqueue(
            "out2",
            "D",
            QueueEntry {
                due_ms: 0,
                attempts: 0,
                enqueued_ms: 0,
                ..QueueEntry::new(0)
            },
        )
    })
    .unwrap();
    let (due, next) = s.due("out", 200, 10).unwrap();
    assert_eq!(
        due.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        vec!["C", "A"],
        "earliest due first"
    );
    assert_eq!(next, Some(300));
    let (due, _) = s.due("out", 200, 1).unwrap();
    assert_eq!(due.len(), 1);
    s.transact(|tx| tx.dequeue("out", "A")).unwrap();
    assert_eq!(s.queue_depth("out"), 2);
}

#[test]
fn head_takes_ids_in_order_and_stops_at_the_first_not_due() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    // Ids in arrival order; due times deliberately out of that order.
    let ids: Vec<String> = (0..5).map(|n| id_at(1_000, n)).collect();
    let dues = [50, 10, 300, 20, 30];
    s.transact(|tx| {
        for (id, due) in ids.iter().zip(dues) {
            let e = QueueEntry {
                due_ms: due,
                attempts: u32::from(due == 50),
                ..QueueEntry::new(0)
            };
            tx.enqueue("out", id, e)?;
        }
        // Another destination's queue, before and after in key order.
        tx.enqueue("ou", &id_at(1, 0), QueueEntry::new(0))?;
        tx.enqueue("out2", &id_at(1, 0), QueueEntry::new(0))
    })
    .unwrap();
    let names = |v: &[(String, QueueEntry)]| v.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    // Id order, up to the first one not due (the third, due at 300), whose time
    // comes back; the due ones behind it (20, 30) are not taken.
    let (head, next) = s.head("out", 200, 10).unwrap();
    assert_eq!(names(&head), ids[..2]);
    assert_eq!(next, Some(300));
    assert_eq!(head[0].1.attempts, 1, "the entries as stored");
    // The limit cuts it.
    let (head, _) = s.head("out", 200, 1).unwrap();
    assert_eq!(names(&head), ids[..1]);
    // A head not due holds back everything.
    let (head, next) = s.head("out", 40, 10).unwrap();
    assert!(head.is_empty(), "{head:?}");
    assert_eq!(next, Some(50));
    // Once it is due and the one at 300 is gone, the rest follow in id order.
    s.transact(|tx| tx.dequeue("out", &ids[2])).unwrap();
    let (head, next) = s.head("out", 200, 10).unwrap();
    assert_eq!(
        names(&head),
        [&ids[0], &ids[1], &ids[3], &ids[4]].map(String::clone)
    );
    assert_eq!(next, None);
    // A requeue keeps its place: the head moves in time, not in order.
    s.transact(|tx| {
        tx.enqueue(
            "out",
            &ids[0],
            QueueEntry {
                due_ms: 500,
                ..QueueEntry::new(0)
            },
        )
    })
    .unwrap();
    let (head, next) = s.head("out", 200, 10).unwrap();
    assert!(head.is_empty());
    assert_eq!(next, Some(500));
    let (head, _) = s.head("out", 500, 10).unwrap();
    assert_eq!(head.len(), 4);
    assert_eq!(head[0].0, ids[0]);
    assert!(s.head("none", 500, 10).unwrap().0.is_empty());
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
    assert_eq!(
        s.list(&Filter::default(), None, 100).unwrap().items.len(),
        20
    );
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
    assert_eq!(
        s.next("x12", "isa/A/B"),
        Ok(3),
        "numbers go on after a restart"
    );
}

/// A distinctive plaintext, easy to look for in bytes on disk.
const PHI: &str = "ZEBEDIAH QUINTERO-MARSH MEMBER W88877766601";

fn inbound_with_payloads(s: &Store, id: &str) {
    let r = record(
        id,
        RecordType::Inbound,
        None,
        "in",
        Status::Received,
        &[("claim_id", "PCN-AT-REST")],
    );
    s.transact(|tx| {
        tx.put(&r)?;
        tx.put_raw(id, PHI.as_bytes())?;
        tx.put_normalized(id, &format!("{{\"name\":\"{PHI}\"}}"))
    })
    .unwrap();
    s.sync_blocking().unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn payloads_round_trip_and_are_not_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let id = id_at(1_700_000_000_000, 11);
    {
        let s = open(dir.path());
        inbound_with_payloads(&s, &id);
        assert_eq!(s.raw(&id).unwrap().unwrap(), PHI.as_bytes());
        assert_eq!(
            s.normalized(&id).unwrap().unwrap(),
            format!("{{\"name\":\"{PHI}\"}}")
        );
        assert_eq!(s.raw("missing").unwrap(), None);
        // The trees themselves hold version, nonce and ciphertext only.
        for tree in ["raw", "normalized"] {
            let v = s.tree(tree).unwrap().get(id.as_bytes()).unwrap().unwrap();
            assert_eq!(v[0], 1, "version byte");
            assert!(!contains(&v, b"ZEBEDIAH"), "{tree} holds the plaintext");
        }
        assert!(
            s.tree("datakeys")
                .unwrap()
                .get(id.as_bytes())
                .unwrap()
                .is_some()
        );
    }
    // And so do sled's files.
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !contains(&bytes, b"ZEBEDIAH"),
            "{} holds the plaintext",
            entry.display()
        );
        assert!(
            !contains(&bytes, b"W88877766601"),
            "{} holds the plaintext",
            entry.display()
        );
    }
    let s = open(dir.path());
    assert_eq!(
        s.raw(&id).unwrap().unwrap(),
        PHI.as_bytes(),
        "readable after a reopen"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_wrong_master_key_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let id = id_at(1_700_000_000_000, 12);
    inbound_with_payloads(&open(dir.path()), &id);
    let other = "ff".repeat(32);
    match Store::open_encrypted(dir.path(), SyncMode::Fsync, key(&other)) {
        Err(StoreError::WrongKey { path }) => assert_eq!(path, dir.path()),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a wrong key opened the store"),
    }
    // Without any key: metadata works, payloads fail clearly.
    let s = Store::open(dir.path(), SyncMode::Fsync).unwrap();
    assert!(s.get(&id).unwrap().is_some());
    assert!(matches!(
        s.raw(&id),
        Err(StoreError::NoKey { tree: "raw", .. })
    ));
    assert!(matches!(
        s.transact(|tx| tx.put_raw(&id, b"x")),
        Err(StoreError::NoKey { .. })
    ));
    drop(s);
    assert_eq!(open(dir.path()).raw(&id).unwrap().unwrap(), PHI.as_bytes());
}

#[test]
fn destroy_payload_makes_it_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (a, b) = (id_at(1_700_000_000_000, 13), id_at(1_700_000_000_000, 14));
    inbound_with_payloads(&s, &a);
    inbound_with_payloads(&s, &b);
    s.destroy_payload(&a).unwrap();
    for result in [s.raw(&a).map(|_| ()), s.normalized(&a).map(|_| ())] {
        match result {
            Err(StoreError::Destroyed { id }) => assert_eq!(id, a),
            other => panic!("expected Destroyed, got {other:?}"),
        }
    }
    let err = s.raw(&a).unwrap_err().to_string();
    assert!(err.contains(&a) && !err.contains("ZEBEDIAH"), "{err}");
    assert_eq!(
        s.raw(&b).unwrap().unwrap(),
        PHI.as_bytes(),
        "other records keep theirs"
    );
    assert!(s.get(&a).unwrap().is_some(), "the record itself stays");
    s.destroy_payload("never-had-one").unwrap();
}

#[test]
fn a_value_moved_to_another_id_or_tree_does_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (a, b) = (id_at(1_700_000_000_000, 15), id_at(1_700_000_000_000, 16));
    inbound_with_payloads(&s, &a);
    inbound_with_payloads(&s, &b);
    let raw = s.tree("raw").unwrap();
    let a_value = raw.get(a.as_bytes()).unwrap().unwrap();
    raw.insert(b.as_bytes(), a_value.clone()).unwrap();
    match s.raw(&b) {
        Err(StoreError::Decrypt {
            tree: "raw", id, ..
        }) => assert_eq!(id, b),
        other => panic!("expected Decrypt, got {other:?}"),
    }
    // Even with the data key moved along with it.
    let datakeys = s.tree("datakeys").unwrap();
    datakeys
        .insert(b.as_bytes(), datakeys.get(a.as_bytes()).unwrap().unwrap())
        .unwrap();
    assert!(matches!(
        s.raw(&b),
        Err(StoreError::Decrypt {
            tree: "datakeys",
            ..
        })
    ));
    // Or into the other tree of the same record.
    s.tree("normalized")
        .unwrap()
        .insert(a.as_bytes(), a_value)
        .unwrap();
    let err = s.normalized(&a).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Decrypt {
                tree: "normalized",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&a));
}

#[test]
fn payloads_an_older_version_stored_in_clear_are_encrypted_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let id = id_at(1_700_000_000_000, 17);
    {
        // What a version before encryption left: clear values, no data key, no key check.
        let db = sled::open(dir.path()).unwrap();
        db.open_tree("raw")
            .unwrap()
            .insert(id.as_bytes(), PHI.as_bytes())
            .unwrap();
        db.open_tree("normalized")
            .unwrap()
            .insert(id.as_bytes(), PHI.as_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let s = open(dir.path());
    assert_eq!(s.raw(&id).unwrap().unwrap(), PHI.as_bytes());
    assert_eq!(s.normalized(&id).unwrap().unwrap(), PHI);
    assert!(!contains(
        &s.tree("raw").unwrap().get(id.as_bytes()).unwrap().unwrap(),
        PHI.as_bytes()
    ));
    drop(s);
    assert!(Store::open_encrypted(dir.path(), SyncMode::Fsync, key(&"ee".repeat(32))).is_err());
}

#[test]
fn open_configured_makes_the_key_file_and_private_modes() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("left-over"), b"x").unwrap();
    std::fs::set_permissions(
        data.join("left-over"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let config = crate::config::parse(
        &tmp.path().join("clearway.toml"),
        "[hub]\ndata_dir = \"data\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut hub = config.hub;
    assert_eq!(hub.data_dir, data);
    let id = id_at(1_700_000_000_000, 18);
    {
        let s = open_configured(&hub).unwrap();
        inbound_with_payloads(&s, &id);
    }
    let key_text = std::fs::read_to_string(data.join("master.key")).unwrap();
    assert_eq!(key_text.trim().len(), 64);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for p in walk(&data) {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        assert_eq!(mode(p.parent().unwrap()), 0o700, "{}", p.display());
    }
    // The same key file opens it again.
    assert_eq!(
        open_configured(&hub).unwrap().raw(&id).unwrap().unwrap(),
        PHI.as_bytes()
    );

    // A configured key that is not 64 hex digits names the reference, not the value.
    let bad = tmp.path().join("bad.key");
    std::fs::write(&bad, "SECRETSECRET\n").unwrap();
    hub.encryption_key = Some(crate::config::ConfigValue::File(bad.clone()));
    let err = format!("{:#}", open_configured(&hub).err().unwrap());
    assert!(
        err.contains(&bad.display().to_string()) && !err.contains("SECRETSECRET"),
        "{err}"
    );
    // A well-formed key that is not the store's is refused at open.
    std::fs::write(&bad, format!("{}\n", "ab".repeat(32))).unwrap();
    let err = format!("{:#}", open_configured(&hub).err().unwrap());
    assert!(err.contains("does not match"), "{err}");
    // The right key, configured.
    std::fs::write(&bad, &key_text).unwrap();
    assert!(open_configured(&hub).is_ok());
}

// Issue 12's durability holes, each named after what it closes.

#[test]
fn blobs_folder_is_fsynced_with_large_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let id = id_at(1_700_000_000_000, 7);
    // Larger than sled's blob threshold: kept as a file of its own under blobs/.
    let big = vec![b'x'; 430 * 1024];
    s.transact(|tx| tx.put_raw(&id, &big)).unwrap();
    s.sync_blocking().unwrap();
    let blobs = dir.path().join("blobs");
    let files = std::fs::read_dir(&blobs)
        .map(|d| d.count())
        .unwrap_or_default();
    assert!(
        files > 0,
        "a 430 KB value is a blob file in {}",
        blobs.display()
    );
    let synced = s.fsynced_paths();
    assert!(
        synced.contains(&blobs),
        "the blobs folder is fsynced: {synced:?}"
    );
    assert!(synced.contains(&dir.path().to_path_buf()), "{synced:?}");
    assert!(synced.contains(&dir.path().join("db")), "{synced:?}");
    drop(s);
    assert_eq!(open(dir.path()).raw(&id).unwrap().unwrap(), big);
}

#[tokio::test]
async fn failed_fsync_makes_the_store_unhealthy_until_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.transact(|tx| tx.set_pending("a", true)).unwrap();
    s.fail_next_syncs(1);
    assert!(matches!(s.sync().await, Err(StoreError::Fsync { .. })));
    assert!(s.unhealthy().is_some());
    // The injected failure is over, but a sync after a failed one is never trusted.
    s.transact(|tx| tx.set_pending("b", true)).unwrap();
    assert!(matches!(s.sync().await, Err(StoreError::Unhealthy { .. })));
    assert!(matches!(
        s.sync_blocking(),
        Err(StoreError::Unhealthy { .. })
    ));
    drop(s);
    let s = open(dir.path());
    assert!(s.unhealthy().is_none());
    s.transact(|tx| tx.set_pending("c", true)).unwrap();
    s.sync().await.unwrap();
}

#[test]
fn queue_due_reads_in_due_order_past_a_long_wait() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    s.transact(|tx| {
        for n in 0..5_000u32 {
            let e = QueueEntry {
                due_ms: 1_000_000 + u64::from(n),
                ..QueueEntry::new(0)
            };
            tx.enqueue("out", &format!("LATER{n:05}"), e)?;
        }
        for (id, due) in [("B", 20), ("A", 10), ("C", 30)] {
            tx.enqueue(
                "out",
                id,
                QueueEntry {
                    due_ms: due,
                    ..QueueEntry::new(0)
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(s.queue_depth("out"), 5_003);
    let (due, next) = s.due("out", 100, 10).unwrap();
    let ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "C"]);
    assert_eq!(next, Some(1_000_000));
    // A requeue moves the entry (no duplicate) and keeps the depth.
    s.transact(|tx| {
        tx.enqueue(
            "out",
            "A",
            QueueEntry {
                due_ms: 2_000_000,
                attempts: 1,
                ..QueueEntry::new(0)
            },
        )
    })
    .unwrap();
    assert_eq!(s.queue_depth("out"), 5_003);
    let (due, _) = s.due("out", 100, 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(s.queue_entry("out", "A").unwrap().unwrap().attempts, 1);
    s.transact(|tx| {
        tx.dequeue("out", "A")?;
        tx.dequeue("out", "A")
    })
    .unwrap();
    assert_eq!(s.queue_depth("out"), 5_002);
    drop(s);
    let s = open(dir.path());
    assert_eq!(s.queue_depth("out"), 5_002, "counted again at open");
    assert!(s.queue_entry("out", "A").unwrap().is_none());
}

#[test]
fn queue_of_an_older_store_is_moved_into_due_order() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let old = db.open_tree("queue").unwrap();
        for (id, due) in [("M1", 50u64), ("M2", 5)] {
            let v = serde_json::json!({ "due_ms": due, "attempts": 2, "enqueued_ms": 1 });
            old.insert(format!("out\0{id}"), serde_json::to_vec(&v).unwrap())
                .unwrap();
        }
        db.flush().unwrap();
    }
    let s = open(dir.path());
    let (due, _) = s.due("out", 100, 10).unwrap();
    let ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["M2", "M1"]);
    assert_eq!(due[0].1.attempts, 2);
    assert_eq!(s.queue_depth("out"), 2);
    drop(s);
    let db = sled::Config::new().path(dir.path()).open().unwrap();
    assert!(!db.tree_names().iter().any(|n| n.as_ref() == b"queue"));
}

#[test]
fn outgoing_payload_is_kept_encrypted_for_retries() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let first = id_at(1_700_000_000_000, 9);
    let out = Outgoing {
        members: vec![first.clone(), "OTHER".into()],
        content_type: "application/edi-x12".into(),
        filename_hint: Some("batch.x12".into()),
        data: b"ISA*00*SECRET-CONTROL-000000123~".to_vec(),
    };
    s.transact(|tx| tx.put_outgoing("payer", &out)).unwrap();
    assert_eq!(s.outgoing("payer", &first).unwrap().unwrap(), out);
    assert!(s.outgoing("other", &first).unwrap().is_none());
    let t = s.tree(OUTBOX).unwrap();
    let stored = t.iter().values().next().unwrap().unwrap();
    assert!(
        !stored.windows(6).any(|w| w == b"SECRET"),
        "the kept payload is encrypted"
    );
    s.destroy_payload(&first).unwrap();
    assert!(matches!(
        s.outgoing("payer", &first),
        Err(StoreError::Destroyed { .. })
    ));
    s.transact(|tx| tx.remove_outgoing("payer", &first))
        .unwrap();
    assert!(s.outgoing("payer", &first).unwrap().is_none());
}

#[test]
fn stats_report_each_tree_and_bytes_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let id = id_at(1_700_000_000_000, 3);
    let r = record(&id, RecordType::Inbound, None, "in", Status::Received, &[]);
    s.transact(|tx| {
        tx.put(&r)?;
        tx.put_raw(&id, &[7u8; 10_000])
    })
    .unwrap();
    s.sync_blocking().unwrap();
    let st = s.stats().unwrap();
    assert_eq!(st.records, 1);
    assert_eq!(st.bytes_per_record, Some(st.on_disk_bytes));
    let raw = st.trees.iter().find(|t| t.name == "raw").unwrap();
    assert_eq!(raw.entries, 1);
    assert!(raw.bytes > 10_000, "ciphertext and key: {}", raw.bytes);
    assert_eq!(st.trees[0].name, "raw", "largest first");
}

#[test]
fn retention_destroys_old_payloads_and_removes_old_records_but_not_queued_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let day = 24 * 60 * 60 * 1000u64;
    let now = now_ms();
    let old_payload = id_at(now - 100 * day, 1);
    let old_record = id_at(now - 3000 * day, 2);
    let queued = id_at(now - 3000 * day, 3);
    let recent = id_at(now - day, 4);
    for id in [&old_payload, &old_record, &queued, &recent] {
        let r = record(
            id,
            RecordType::Message,
            Some(Kind::Claim),
            "in",
            Status::Delivered,
            &[("claim_id", "PCN-1")],
        );
        s.transact(|tx| {
            tx.put(&r)?;
            tx.put_normalized(id, "{\"kind\":\"claim\"}")
        })
        .unwrap();
    }
    s.transact(|tx| tx.enqueue("out", &queued, QueueEntry::new(0)))
        .unwrap();
    let mut r = s.get(&queued).unwrap().unwrap();
    r.deliveries.insert("out".into(), Delivery::queued());
    s.transact(|tx| tx.put(&r)).unwrap();
    // Payloads 90 days, records 7 years; only records older than 90 days are looked at.
    let before = ulid::Ulid::from_parts(now - 90 * day, 0).to_string();
    let decide = |r: &Record| {
        let age = (now - ulid::Ulid::from_string(&r.id).unwrap().timestamp_ms()) / day;
        if age >= 2555 {
            Prune::Record
        } else if age >= 90 {
            Prune::Payloads
        } else {
            Prune::Keep
        }
    };
    let mut after = None;
    let mut total = Pruned::default();
    loop {
        let step = s.prune(after.as_deref(), &before, 2, decide).unwrap();
        total.looked += step.looked;
        total.payloads_destroyed += step.payloads_destroyed;
        total.records_removed += step.records_removed;
        total.kept_busy += step.kept_busy;
        if step.done {
            break;
        }
        after = step.last;
    }
    assert_eq!(total.looked, 3, "the recent one is not looked at");
    assert_eq!(
        (
            total.payloads_destroyed,
            total.records_removed,
            total.kept_busy
        ),
        (1, 1, 1)
    );
    assert!(s.normalized(&old_payload).unwrap().is_none());
    assert!(
        !s.tree(DATAKEYS)
            .unwrap()
            .contains_key(&old_payload)
            .unwrap(),
        "its data key is gone"
    );
    assert!(s.get(&old_payload).unwrap().is_some(), "its history stays");
    assert!(s.get(&old_record).unwrap().is_none());
    assert!(s.normalized(&old_record).unwrap().is_none());
    let page = s
        .list(
            &Filter {
                correlation: Some("PCN-1".into()),
                ..Filter::default()
            },
            None,
            100,
        )
        .unwrap();
    assert!(
        page.items.iter().all(|r| r.id != old_record),
        "its index entries are gone"
    );
    assert!(
        s.normalized(&queued).unwrap().is_some(),
        "still queued: kept"
    );
    assert!(s.normalized(&recent).unwrap().is_some());
}

/// Old messages for the prune tests below: each with a normalized payload, a
/// correlation key, and a delivery to `out` (delivered, not queued).
fn old_messages(s: &Store, ages_days: &[u64]) -> Vec<String> {
    let day = 24 * 60 * 60 * 1000u64;
    let now = now_ms();
    let mut ids = Vec::new();
    for (n, age) in ages_days.iter().enumerate() {
        let id = id_at(now - age * day, n as u128);
        let mut r = record(
            &id,
            RecordType::Message,
            Some(Kind::Claim),
            "in",
            Status::Delivered,
            &[("claim_id", "PCN-7")],
        );
        let mut d = Delivery::queued();
        d.state = DeliveryState::Delivered;
        r.deliveries.insert("out".into(), d);
        s.transact(|tx| {
            tx.put(&r)?;
            tx.put_normalized(&id, "{\"kind\":\"claim\"}")
        })
        .unwrap();
        ids.push(id);
    }
    ids
}

/// Payloads after 90 days, records after 2555 (as the retention test above).
fn decide_by_age(r: &Record) -> Prune {
    let day = 24 * 60 * 60 * 1000u64;
    let age = (now_ms() - ulid::Ulid::from_string(&r.id).unwrap().timestamp_ms()) / day;
    if age >= 2555 {
        Prune::Record
    } else if age >= 90 {
        Prune::Payloads
    } else {
        Prune::Keep
    }
}

fn transactions(s: &Store) -> u64 {
    s.inner.written.load(Ordering::SeqCst)
}

#[test]
fn a_prune_step_removes_what_it_removes_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    // Three whose payloads are due, three whose records are due, one too young.
    let ids = old_messages(&s, &[100, 3000, 200, 3001, 300, 3002, 50]);
    let (payloads, records) = ([&ids[0], &ids[2], &ids[4]], [&ids[1], &ids[3], &ids[5]]);
    // A payload kept for a retry under one of the records that goes.
    let out = Outgoing {
        members: vec![ids[1].clone()],
        content_type: "application/edi-x12".into(),
        filename_hint: None,
        data: b"ISA~".to_vec(),
    };
    s.transact(|tx| tx.put_outgoing("out", &out)).unwrap();
    let before = id_at(now_ms() - 90 * 24 * 60 * 60 * 1000, 0);
    let written = transactions(&s);
    let step = s.prune(None, &before, 100, decide_by_age).unwrap();
    assert_eq!(
        transactions(&s),
        written + 1,
        "one transaction for the step"
    );
    assert_eq!(
        step,
        Pruned {
            looked: 6,
            last: Some(ids[0].clone()),
            done: true,
            first_busy: None,
            payloads_destroyed: 3,
            records_removed: 3,
            kept_busy: 0,
        }
    );
    let datakeys = s.tree(DATAKEYS).unwrap();
    for id in payloads {
        assert!(s.get(id).unwrap().is_some(), "its history stays");
        assert!(s.normalized(id).unwrap().is_none());
        assert!(!datakeys.contains_key(id).unwrap(), "its data key is gone");
    }
    for id in records {
        assert!(s.get(id).unwrap().is_none());
        assert!(s.normalized(id).unwrap().is_none());
        assert!(!datakeys.contains_key(id).unwrap(), "its data key is gone");
    }
    assert!(
        s.outgoing("out", &ids[1]).unwrap().is_none(),
        "its outbox entry is gone"
    );
    let page = s
        .list(
            &Filter {
                correlation: Some("PCN-7".into()),
                ..Filter::default()
            },
            None,
            100,
        )
        .unwrap();
    let mut listed: Vec<&str> = page.items.iter().map(|r| r.id.as_str()).collect();
    listed.sort_unstable();
    let mut kept = vec![
        ids[0].as_str(),
        ids[2].as_str(),
        ids[4].as_str(),
        ids[6].as_str(),
    ];
    kept.sort_unstable();
    assert_eq!(listed, kept, "the removed records' index entries are gone");
    assert!(s.normalized(&ids[6]).unwrap().is_some(), "too young: kept");
    // Again: the payloads are gone already, so nothing is done and nothing written.
    let written = transactions(&s);
    let step = s.prune(None, &before, 100, decide_by_age).unwrap();
    assert_eq!(
        (step.looked, step.payloads_destroyed, step.records_removed),
        (3, 0, 0)
    );
    assert_eq!(
        transactions(&s),
        written,
        "no transaction for a step with nothing to do"
    );
}

#[test]
fn a_record_that_becomes_busy_before_the_steps_transaction_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    // Records due: one gets re-queued (a message's replay), one marked pending (an
    // inbound's replay), one gets a status change (an acknowledgment), one is left
    // alone; a payload due gets re-queued too.
    let ids = old_messages(&s, &[3000, 3001, 3002, 3003, 100]);
    let (requeued, pending, changed, left, payload) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]);
    let before = id_at(now_ms() - 90 * 24 * 60 * 60 * 1000, 0);
    let requeue = |id: &str| {
        s.transact(|tx| {
            tx.update(id, |r| {
                r.deliveries.insert("out".into(), Delivery::queued());
            })?;
            tx.enqueue("out", id, QueueEntry::new(0))
        })
        .unwrap();
    };
    // `decide` runs after a record is read and before the step's transaction: what
    // it does to the store is what the pipeline could do in between.
    let step = s
        .prune(None, &before, 100, |r: &Record| {
            if r.id == *requeued || r.id == *payload {
                requeue(&r.id);
            } else if r.id == *pending {
                s.transact(|tx| tx.set_pending(&r.id, true)).unwrap();
            } else if r.id == *changed {
                s.transact(|tx| {
                    tx.update(&r.id, |r| {
                        r.push(StatusChange {
                            status: Status::Delivered,
                            at: rfc3339_ms(now_ms()),
                            actor: "ack".into(),
                            destination: None,
                            error: None,
                            note: Some("accepted".into()),
                        })
                    })
                    .map(|_| ())
                })
                .unwrap();
            }
            decide_by_age(r)
        })
        .unwrap();
    assert_eq!(
        (
            step.looked,
            step.records_removed,
            step.payloads_destroyed,
            step.kept_busy
        ),
        (5, 1, 0, 4)
    );
    assert_eq!(
        step.first_busy.as_deref(),
        Some(changed.as_str()),
        "the oldest"
    );
    assert!(
        s.get(left).unwrap().is_none(),
        "the one left alone is removed"
    );
    for id in [requeued, pending, changed, payload] {
        assert!(s.get(id).unwrap().is_some(), "{id} is kept");
        assert!(
            s.normalized(id).unwrap().is_some(),
            "{id} keeps its payload"
        );
    }
    assert_eq!(
        s.get(changed).unwrap().unwrap().history.len(),
        2,
        "its change stays"
    );
    // Once delivered again and no longer pending, the next step takes them.
    s.transact(|tx| {
        tx.dequeue("out", requeued)?;
        tx.dequeue("out", payload)?;
        tx.set_pending(pending, false)
    })
    .unwrap();
    let step = s.prune(None, &before, 100, decide_by_age).unwrap();
    assert_eq!(
        (
            step.records_removed,
            step.payloads_destroyed,
            step.kept_busy
        ),
        (3, 1, 0)
    );
}

/// The store's seam holds: the pipeline, the transports, the API and the console
/// reach the store through its interfaces (`store/interfaces.rs`), never through a
/// sled type, so another backend changes none of them.
#[test]
fn the_pipeline_names_no_sled_type() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, found);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    if code.contains("sled::") {
                        found.push(format!("{}:{}", p.display(), n + 1));
                    }
                }
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for part in ["pipeline", "transport", "api", "console"] {
        walk(&src.join(part), &mut found);
    }
    assert!(found.is_empty(), "sled types outside the store: {found:?}");
    let interfaces = std::fs::read_to_string(src.join("store/interfaces.rs")).unwrap();
    assert!(
        !interfaces.contains("sled::"),
        "the store's interfaces name a sled type"
    );
}
