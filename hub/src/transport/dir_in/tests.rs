//! The poller over a real hub (temp folder, the json connector): one pass at a
//! time, with hooks that change or fail a file at the moment it is opened or
//! moved, and the journal of folder syncs.

use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::hooks::{self, Stage};
use super::moving::journal::{self, Event};
use super::{Pass, pass};
use crate::config::{DirIn, Transport};
use crate::pipeline::Hub;
use crate::store::{Filter, RecordType};

const MIB: usize = 1024 * 1024;

struct World {
    dir: tempfile::TempDir,
    hub: Arc<Hub>,
    cfg: DirIn,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn claim() -> Vec<u8> {
    std::fs::read(root().join("schemas/examples/claim.json")).unwrap()
}

fn config_text(dir: &Path, extra: &str) -> String {
    let json = root().join("dist/plugins/json.wasm");
    assert!(
        json.exists(),
        "{} is missing: run scripts/build-plugins.sh",
        json.display()
    );
    format!(
        r#"[hub]
data_dir = "{dir}/data"
listen = "127.0.0.1:8080"
durability = "flush"

[connectors.json]
plugin = "{json}"

[endpoints.drop]
transport = "dir"
connector = "json"
path = "{dir}/inbox"
max_file_mib = 1
{extra}

[endpoints.out]
transport = "dir-out"
connector = "json"
path = "{dir}/outbox"

[[routes]]
from = "drop"
to = ["out"]
"#,
        dir = dir.display(),
        json = json.display()
    )
}

/// The compiled connector, shared between test processes through
/// `target/clearway-unit-cache` (as the console's tests do), so that only the
/// first hub compiles it. The cache key holds the component's and the engine's
/// hashes, so a stale file is never loaded.
fn warm(data: &Path) {
    let shared = root().join("target/clearway-unit-cache");
    let cache = data.join("plugin-cache");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&cache)
        .unwrap();
    for entry in std::fs::read_dir(&shared).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|x| x == "cwasm") {
            let to = cache.join(entry.file_name());
            if std::fs::copy(entry.path(), &to).is_ok() {
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
        }
    }
}

fn share(data: &Path) {
    let shared = root().join("target/clearway-unit-cache");
    let _ = std::fs::create_dir_all(&shared);
    for entry in std::fs::read_dir(data.join("plugin-cache"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let to = shared.join(entry.file_name());
        if entry.path().extension().is_some_and(|x| x == "cwasm") && !to.exists() {
            let tmp = shared.join(format!(
                "{}.tmp{}",
                entry.file_name().to_string_lossy(),
                std::process::id()
            ));
            if std::fs::copy(entry.path(), &tmp).is_ok() {
                let _ = std::fs::rename(&tmp, &to);
            }
        }
    }
}

async fn world_with(extra: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(dir.path(), extra);
    let config = crate::config::parse(&dir.path().join("clearway.toml"), &text)
        .unwrap_or_else(|e| panic!("config: {e}"));
    let Transport::Dir(cfg) = config.endpoints["drop"].transport.clone() else {
        panic!("`drop` is a dir endpoint");
    };
    let data = dir.path().join("data");
    let hub = tokio::task::spawn_blocking(move || {
        warm(&data);
        let hub = Hub::build(config).unwrap();
        share(&data);
        hub
    })
    .await
    .unwrap();
    // Ready (recovery done), but without the endpoint's own poller: on this
    // current-thread runtime the spawned tasks have not run yet when they are
    // aborted, so the tests' passes are the only ones.
    for task in hub.start().await.unwrap() {
        task.abort();
    }
    std::fs::create_dir_all(&cfg.path).unwrap();
    World { dir, hub, cfg }
}

async fn world() -> World {
    world_with("").await
}

impl World {
    fn inbox(&self) -> &Path {
        &self.cfg.path
    }

    /// Drop a file as a well-behaved writer does: a temporary name, then a rename.
    fn drop_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let tmp = self.inbox().join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).unwrap();
        let path = self.inbox().join(name);
        std::fs::rename(tmp, &path).unwrap();
        path
    }

    async fn pass(&self) -> Pass {
        pass(&self.hub, "drop", &self.cfg).await.unwrap()
    }

    /// The file names of the inbound records, oldest first.
    fn stored(&self) -> Vec<String> {
        let filter = Filter {
            record_type: Some(RecordType::Inbound),
            endpoint: Some("drop".into()),
            ..Filter::default()
        };
        let mut items = self.hub.store.list(&filter, None, 1000).unwrap().items;
        items.sort_by(|a, b| a.id.cmp(&b.id));
        items
            .into_iter()
            .map(|r| r.filename.unwrap_or_default())
            .collect()
    }

    /// The raw payloads of the inbound records, oldest first.
    fn stored_bytes(&self) -> Vec<Vec<u8>> {
        let filter = Filter {
            record_type: Some(RecordType::Inbound),
            endpoint: Some("drop".into()),
            ..Filter::default()
        };
        let mut items = self.hub.store.list(&filter, None, 1000).unwrap().items;
        items.sort_by(|a, b| a.id.cmp(&b.id));
        items
            .iter()
            .map(|r| self.hub.store.raw(&r.id).unwrap().unwrap())
            .collect()
    }
}

/// File names in a folder, sorted (links included, sub-folders not).
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn pass_of(taken: usize, refused: usize, changed: usize, failed: usize) -> Pass {
    Pass {
        taken,
        refused,
        changed,
        failed,
    }
}

#[tokio::test]
async fn dir_in_file_too_large_goes_to_failed() {
    let w = world().await;
    let mut big = claim();
    big.resize(MIB + MIB / 2, b' ');
    w.drop_file("a_big.json", &big);
    w.drop_file("b.json", &claim());

    assert_eq!(w.pass().await, pass_of(1, 1, 0, 0));
    assert_eq!(names(w.inbox()), Vec::<String>::new());
    assert_eq!(
        names(&w.cfg.failed_dir),
        ["a_big.json", "a_big.json.reason.txt"]
    );
    assert_eq!(
        std::fs::read(w.cfg.failed_dir.join("a_big.json")).unwrap(),
        big,
        "moved as it was"
    );
    assert_eq!(
        std::fs::read_to_string(w.cfg.failed_dir.join("a_big.json.reason.txt")).unwrap(),
        "file is 1.5 MiB, more than max_file_mib = 1 for endpoint `drop`\n"
    );
    assert_eq!(names(&w.cfg.processed_dir), ["b.json"]);
    assert_eq!(w.stored(), ["b.json"], "the large file is not stored");

    // A second one of the same name gets a name of its own, reason file included.
    w.drop_file("a_big.json", &big);
    assert_eq!(w.pass().await, pass_of(0, 1, 0, 0));
    assert_eq!(
        names(&w.cfg.failed_dir),
        [
            "a_big.json",
            "a_big.json.1",
            "a_big.json.1.reason.txt",
            "a_big.json.reason.txt"
        ]
    );
}

#[test]
fn dir_in_growing_file_is_read_no_further_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.json");
    std::fs::write(&path, vec![b'x'; 100]).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    // `fstat` said 10 bytes; the file has more than the limit of 50 by the time it is read.
    match super::file::read_at_most(&file, 10, 50).unwrap() {
        super::file::Read::TooLarge(None) => {}
        other => panic!("expected too large, got {other:?}"),
    }
    let file = std::fs::File::open(&path).unwrap();
    match super::file::read_at_most(&file, 100, 100).unwrap() {
        super::file::Read::Bytes(b) => assert_eq!(b.len(), 100, "exactly the limit is taken"),
        other => panic!("expected bytes, got {other:?}"),
    }
    assert_eq!(
        super::file::mib(70 * MIB as u64 + MIB as u64 / 5),
        "70.2 MiB"
    );
}

#[tokio::test]
async fn dir_in_unreadable_file_does_not_stop_the_folder() {
    let w = world().await;
    let a = w.drop_file("a.json", &claim());
    w.drop_file("b.json", &claim());
    hooks::on(&a, Stage::Open, |_| {
        Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
    });

    assert_eq!(w.pass().await, pass_of(1, 0, 0, 1));
    assert_eq!(names(w.inbox()), ["a.json"], "the unreadable file stays");
    assert_eq!(
        names(&w.cfg.processed_dir),
        ["b.json"],
        "the next one was taken"
    );
    assert_eq!(w.stored(), ["b.json"]);

    w.drop_file("c.json", &claim());
    assert_eq!(w.pass().await, pass_of(1, 0, 0, 1));
    assert_eq!(names(&w.cfg.processed_dir), ["b.json", "c.json"]);
}

#[tokio::test]
async fn dir_in_unmovable_file_is_not_taken_twice() {
    // `processed_dir` cannot be made: its parent is a file (even root cannot).
    let w = world_with("processed_dir = \"blocker/processed\"").await;
    let blocker = w.dir.path().join("blocker");
    std::fs::write(&blocker, b"").unwrap();
    w.drop_file("a.json", &claim());
    let mut big = claim();
    big.resize(2 * MIB, b' ');
    w.drop_file("b_big.json", &big);

    assert_eq!(w.pass().await, pass_of(0, 1, 0, 1));
    assert_eq!(names(w.inbox()), ["a.json"], "stored, not moved");
    assert_eq!(
        names(&w.cfg.failed_dir),
        ["b_big.json", "b_big.json.reason.txt"]
    );
    assert_eq!(w.stored(), ["a.json"]);

    assert_eq!(w.pass().await, pass_of(0, 0, 0, 1));
    assert_eq!(
        w.stored(),
        ["a.json"],
        "the seen mark kept it from a second ingest"
    );

    std::fs::remove_file(&blocker).unwrap();
    assert_eq!(w.pass().await, pass_of(1, 0, 0, 0));
    assert_eq!(names(&w.cfg.processed_dir), ["a.json"]);
    assert_eq!(w.stored(), ["a.json"]);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(claim()));
    let key = crate::store::seen_key("drop", "a.json", &sha);
    assert_eq!(
        w.hub.store.seen(&key).unwrap(),
        None,
        "the mark is dropped once moved"
    );
}

#[tokio::test]
async fn dir_in_symlink_refused() {
    let w = world().await;
    let target = w.dir.path().join("elsewhere.json");
    std::fs::write(&target, claim()).unwrap();
    std::os::unix::fs::symlink(&target, w.inbox().join("a_link.json")).unwrap();
    std::os::unix::fs::symlink(
        w.dir.path().join("nothing"),
        w.inbox().join("b_dangling.json"),
    )
    .unwrap();
    w.drop_file("c.json", &claim());

    assert_eq!(w.pass().await, pass_of(1, 2, 0, 0));
    assert_eq!(
        names(&w.cfg.failed_dir),
        [
            "a_link.json",
            "a_link.json.reason.txt",
            "b_dangling.json",
            "b_dangling.json.reason.txt"
        ]
    );
    let moved = w.cfg.failed_dir.join("a_link.json");
    assert!(
        std::fs::symlink_metadata(&moved)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link itself is moved"
    );
    assert_eq!(std::fs::read_link(&moved).unwrap(), target);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        claim(),
        "the target is left alone"
    );
    assert_eq!(
        std::fs::read_to_string(w.cfg.failed_dir.join("a_link.json.reason.txt")).unwrap(),
        "file is a symbolic link, which is never followed, for endpoint `drop`\n"
    );
    assert_eq!(w.stored(), ["c.json"], "no link is read");
}

#[tokio::test]
async fn dir_in_file_replaced_after_listing_refused() {
    let w = world().await;
    let a = w.drop_file("a.json", b"{ the listed one");
    let b = w.drop_file("b.json", &claim());
    let inbox = w.inbox().to_owned();
    let mut once = true;
    hooks::on(&a, Stage::Open, move |path| {
        if std::mem::take(&mut once) {
            let tmp = inbox.join(".a.json.tmp");
            std::fs::write(&tmp, claim()).unwrap();
            std::fs::rename(&tmp, path).unwrap();
        }
        Ok(())
    });
    // b.json becomes a link to a file outside the folder after it was listed.
    let outside = w.dir.path().join("outside.json");
    std::fs::write(&outside, b"not to be read").unwrap();
    let mut once = true;
    hooks::on(&b, Stage::Open, move |path| {
        if std::mem::take(&mut once) {
            std::fs::remove_file(path).unwrap();
            std::os::unix::fs::symlink(&outside, path).unwrap();
        }
        Ok(())
    });

    assert_eq!(w.pass().await, pass_of(0, 0, 2, 0));
    assert_eq!(w.stored(), Vec::<String>::new(), "neither is read");
    assert_eq!(names(w.inbox()), ["a.json", "b.json"]);

    // The next poll lists them as they are now.
    assert_eq!(w.pass().await, pass_of(1, 1, 0, 0));
    assert_eq!(w.stored(), ["a.json"]);
    assert_eq!(w.stored_bytes(), [claim()], "the file that replaced it");
    assert_eq!(names(&w.cfg.processed_dir), ["a.json"]);
    assert_eq!(names(&w.cfg.failed_dir), ["b.json", "b.json.reason.txt"]);
}

#[tokio::test]
async fn dir_in_file_replaced_after_reading_is_left_for_the_next_poll() {
    let w = world().await;
    let first = claim();
    let mut second = claim();
    second.extend_from_slice(b"\n");
    let a = w.drop_file("a.json", &first);
    let inbox = w.inbox().to_owned();
    let replacement = second.clone();
    let mut once = true;
    hooks::on(&a, Stage::Move, move |path| {
        if std::mem::take(&mut once) {
            let tmp = inbox.join(".a.json.tmp");
            std::fs::write(&tmp, &replacement).unwrap();
            std::fs::rename(&tmp, path).unwrap();
        }
        Ok(())
    });

    assert_eq!(w.pass().await, pass_of(0, 0, 1, 0));
    assert_eq!(
        w.stored_bytes(),
        std::slice::from_ref(&first),
        "what was read is stored"
    );
    assert_eq!(names(w.inbox()), ["a.json"], "the new file is left");
    assert_eq!(names(&w.cfg.processed_dir), Vec::<String>::new());
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&first));
    let key = crate::store::seen_key("drop", "a.json", &sha);
    assert_eq!(
        w.hub.store.seen(&key).unwrap(),
        None,
        "nothing left to move for it"
    );

    assert_eq!(w.pass().await, pass_of(1, 0, 0, 0));
    assert_eq!(w.stored_bytes(), [first, second.clone()]);
    assert_eq!(
        std::fs::read(w.cfg.processed_dir.join("a.json")).unwrap(),
        second
    );
}

#[tokio::test]
async fn dir_in_move_to_processed_is_fsynced() {
    let w = world().await;
    w.drop_file("a.json", &claim());
    assert_eq!(w.pass().await, pass_of(1, 0, 0, 0));
    assert_eq!(
        journal::under(w.dir.path()),
        [
            Event::Synced(w.cfg.processed_dir.clone()),
            Event::Synced(w.inbox().to_owned()),
            Event::Forgot(w.inbox().to_owned()),
        ],
        "both folders are synced before the seen mark is dropped"
    );

    let mut big = claim();
    big.resize(2 * MIB, b' ');
    w.drop_file("b_big.json", &big);
    assert_eq!(w.pass().await, pass_of(0, 1, 0, 0));
    assert_eq!(
        journal::under(w.dir.path())[3..],
        [
            Event::Synced(w.cfg.failed_dir.clone()),
            Event::Synced(w.inbox().to_owned()),
        ]
    );
}

#[test]
fn dir_in_max_file_mib_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "1025", "\"64\""] {
        let text = format!(
            "[hub]\ndata_dir = \"data\"\n[connectors.json]\nplugin = \"json.wasm\"\n\
             [endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"inbox\"\n\
             max_file_mib = {bad}\n"
        );
        let errors = crate::config::parse(&dir.path().join("clearway.toml"), &text)
            .expect_err("max_file_mib is checked");
        let messages: Vec<_> = errors.0.iter().map(|p| p.message.clone()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("`max_file_mib` in [endpoints.drop] must be")),
            "{bad}: {messages:?}"
        );
    }
}
