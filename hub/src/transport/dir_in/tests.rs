//! The poller over a fake intake (temp folder): one pass at a time, with hooks that
//! change or fail a file at the moment it is opened or moved, and the journal of
//! folder syncs. The fake keeps what it took in and the seen marks in memory, and
//! decodes what parses as JSON. `tests/all/dir.rs` runs the poller over a real hub.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::file::hooks::{self, Stage};
use super::moving::journal::{self, Event};
use super::{Pass, pass};
use crate::config::{DirIn, Transport};
use crate::store::Status;
use crate::transport::{IngestOutcome, Intake, IntakeError, Seen};

const MIB: usize = 1024 * 1024;

/// What the fake intake holds.
#[derive(Default)]
struct Taken {
    /// (file name, bytes, status) of each payload taken in, oldest first.
    payloads: Vec<(String, Vec<u8>, Status)>,
    /// Seen marks: key -> index in `payloads`.
    seen: BTreeMap<Vec<u8>, usize>,
    /// While set, new work is refused, as under backpressure.
    held: bool,
}

/// An intake in memory: takes every payload, marks it seen when asked, and decodes
/// what parses as JSON.
#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Taken>>);

impl Fake {
    fn take(
        &self,
        endpoint: &str,
        bytes: Vec<u8>,
        filename: Option<String>,
        seen_key: Option<Vec<u8>>,
    ) -> Result<IngestOutcome, IntakeError> {
        let mut taken = self.0.lock().unwrap();
        if taken.held {
            return Err(IntakeError::Held(
                "new work refused: the test holds it".into(),
            ));
        }
        assert_eq!(endpoint, "drop");
        let status = if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok() {
            Status::Decoded
        } else {
            Status::DecodeFailed
        };
        let n = taken.payloads.len();
        taken
            .payloads
            .push((filename.unwrap_or_default(), bytes, status));
        if let Some(key) = seen_key {
            taken.seen.insert(key, n);
        }
        Ok(IngestOutcome {
            inbound_id: format!("in-{n}"),
            status,
            messages: Vec::new(),
            error: None,
            acknowledgments: Vec::new(),
        })
    }

    /// Mark a file as taken in with `status`, as an ingest before a crash would have.
    fn taken_before(&self, key: Vec<u8>, name: &str, bytes: &[u8], status: Status) {
        let mut taken = self.0.lock().unwrap();
        let n = taken.payloads.len();
        taken.payloads.push((name.into(), bytes.to_vec(), status));
        taken.seen.insert(key, n);
    }

    fn hold(&self, held: bool) {
        self.0.lock().unwrap().held = held;
    }
}

impl Intake for Fake {
    fn ingest(
        &self,
        endpoint: &str,
        bytes: Vec<u8>,
        _content_type: Option<String>,
        filename: Option<String>,
        seen_key: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<IngestOutcome, IntakeError>> + Send {
        std::future::ready(self.take(endpoint, bytes, filename, seen_key))
    }

    fn seen(&self, key: &[u8]) -> Result<Option<Seen>, IntakeError> {
        let taken = self.0.lock().unwrap();
        Ok(taken.seen.get(key).map(|&n| Seen {
            inbound_id: format!("in-{n}"),
            status: Some(taken.payloads[n].2),
        }))
    }

    fn forget_seen(&self, key: &[u8]) -> Result<(), IntakeError> {
        self.0.lock().unwrap().seen.remove(key);
        Ok(())
    }
}

struct World {
    dir: tempfile::TempDir,
    intake: Fake,
    cfg: DirIn,
}

fn claim() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read(root.join("schemas/examples/claim.json")).unwrap()
}

fn config_text(dir: &Path, extra: &str) -> String {
    format!(
        r#"[hub]
data_dir = "{dir}/data"
listen = "127.0.0.1:8080"

[connectors.json]
plugin = "json.wasm"

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
    )
}

fn world_with(extra: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(dir.path(), extra);
    let config = crate::config::parse(&dir.path().join("clearway.toml"), &text)
        .unwrap_or_else(|e| panic!("config: {e}"));
    let Transport::Dir(cfg) = config.endpoints["drop"].transport.clone() else {
        panic!("`drop` is a dir endpoint");
    };
    std::fs::create_dir_all(&cfg.path).unwrap();
    World {
        dir,
        intake: Fake::default(),
        cfg,
    }
}

fn world() -> World {
    world_with("")
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
        pass(&self.intake, "drop", &self.cfg).await.unwrap()
    }

    /// The file names of the payloads taken in, oldest first.
    fn stored(&self) -> Vec<String> {
        let taken = self.intake.0.lock().unwrap();
        taken.payloads.iter().map(|p| p.0.clone()).collect()
    }

    /// The payloads taken in, oldest first.
    fn stored_bytes(&self) -> Vec<Vec<u8>> {
        let taken = self.intake.0.lock().unwrap();
        taken.payloads.iter().map(|p| p.1.clone()).collect()
    }

    /// Whether a seen mark for `name` with `bytes` is left.
    fn marked(&self, name: &str, bytes: &[u8]) -> bool {
        self.intake.seen(&key(name, bytes)).unwrap().is_some()
    }
}

/// The seen mark of file `name` of endpoint `drop` with content `bytes`.
fn key(name: &str, bytes: &[u8]) -> Vec<u8> {
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
    crate::store::seen_key("drop", name, &sha)
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
    let w = world();
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
    let w = world();
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
    let w = world_with("processed_dir = \"blocker/processed\"");
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
    assert!(
        !w.marked("a.json", &claim()),
        "the mark is dropped once moved"
    );
}

#[tokio::test]
async fn dir_in_symlink_refused() {
    let w = world();
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
    let w = world();
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
    let w = world();
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
    assert!(!w.marked("a.json", &first), "nothing left to move for it");

    assert_eq!(w.pass().await, pass_of(1, 0, 0, 0));
    assert_eq!(w.stored_bytes(), [first, second.clone()]);
    assert_eq!(
        std::fs::read(w.cfg.processed_dir.join("a.json")).unwrap(),
        second
    );
}

#[tokio::test]
async fn dir_in_move_to_processed_is_fsynced() {
    let w = world();
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

#[tokio::test]
async fn dir_in_undecodable_file_goes_to_failed_without_a_reason_file() {
    let w = world();
    w.drop_file("a.json", b"{ not json");
    w.drop_file("b.json", &claim());

    assert_eq!(w.pass().await, pass_of(2, 0, 0, 0));
    assert_eq!(w.stored(), ["a.json", "b.json"], "both are stored");
    assert_eq!(
        names(&w.cfg.failed_dir),
        ["a.json"],
        "stored, so no reason file"
    );
    assert_eq!(names(&w.cfg.processed_dir), ["b.json"]);
    assert!(!w.marked("a.json", b"{ not json"));
    assert!(!w.marked("b.json", &claim()));
}

#[tokio::test]
async fn dir_in_files_wait_in_place_while_new_work_is_refused() {
    let w = world();
    w.drop_file("a.json", &claim());
    w.drop_file("b.json", &claim());
    w.intake.hold(true);

    assert_eq!(
        w.pass().await,
        pass_of(0, 0, 0, 0),
        "the pass ends at the first refusal; it is no failure"
    );
    assert_eq!(names(w.inbox()), ["a.json", "b.json"]);
    assert_eq!(w.stored(), Vec::<String>::new());
    assert_eq!(names(&w.cfg.processed_dir), Vec::<String>::new());

    w.intake.hold(false);
    assert_eq!(w.pass().await, pass_of(2, 0, 0, 0));
    assert_eq!(names(&w.cfg.processed_dir), ["a.json", "b.json"]);
}

#[tokio::test]
async fn dir_in_file_taken_in_before_a_crash_is_only_moved() {
    let w = world();
    // Stored before the hub stopped, not yet moved: one decoded, one not.
    w.drop_file("a.json", &claim());
    w.intake
        .taken_before(key("a.json", &claim()), "a.json", &claim(), Status::Decoded);
    w.drop_file("b.json", b"{ not json");
    w.intake.taken_before(
        key("b.json", b"{ not json"),
        "b.json",
        b"{ not json",
        Status::DecodeFailed,
    );
    // The same name with other content is another file.
    let mut other = claim();
    other.extend_from_slice(b"\n");
    w.drop_file("c.json", &other);
    w.intake
        .taken_before(key("c.json", &claim()), "c.json", &claim(), Status::Decoded);

    assert_eq!(w.pass().await, pass_of(3, 0, 0, 0));
    assert_eq!(
        w.stored(),
        ["a.json", "b.json", "c.json", "c.json"],
        "only the changed c.json is taken in again"
    );
    assert_eq!(names(&w.cfg.processed_dir), ["a.json", "c.json"]);
    assert_eq!(names(&w.cfg.failed_dir), ["b.json"], "by the stored status");
    assert!(
        !w.marked("a.json", &claim()),
        "the mark is dropped once moved"
    );
    assert!(!w.marked("b.json", b"{ not json"));
    assert!(
        w.marked("c.json", &claim()),
        "the other content's mark is not this file's"
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
