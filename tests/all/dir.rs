//! The `dir` inbound transport: files in, moved aside, never lost.

use std::path::Path;

use clearway_tests::support::{Hub, claim, files, json_config};

/// Drop a file as a well-behaved writer does: a temporary name, then a rename.
fn drop_file(dir: &Path, name: &str, bytes: &[u8]) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(tmp, dir.join(name)).unwrap();
}

#[test]
fn dropped_files_are_taken_in_and_moved_aside() {
    let extra = r#"
[endpoints.drop]
transport = "dir"
connector = "json"
path = "inbox"
pattern = "*.json"
poll_ms = 50

[[routes]]
from = "drop"
to = ["out"]
"#;
    let hub = Hub::start(&json_config(extra));
    let inbox = hub.path("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    drop_file(
        &inbox,
        "a.json",
        &serde_json::to_vec(&claim("DIR-A")).unwrap(),
    );
    drop_file(&inbox, "b.json", b"{ broken");
    drop_file(&inbox, "ignored.txt", b"not matched by the pattern");
    std::fs::write(inbox.join(".c.json.tmp"), b"still being written").unwrap();

    hub.wait_for("files moved aside", 30, || {
        files(&inbox.join("processed")).len() == 1 && files(&inbox.join("failed")).len() == 1
    });
    assert_eq!(files(&inbox.join("processed")), ["a.json"]);
    assert_eq!(files(&inbox.join("failed")), ["b.json"]);
    assert_eq!(
        files(&inbox),
        [".c.json.tmp", "ignored.txt"],
        "unmatched and temporary files are left alone"
    );
    hub.wait_for("delivery", 30, || files(&hub.path("outbox")).len() == 1);

    let (_, list) = hub.get("/v1/messages?endpoint=drop&type=inbound");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .any(|r| r["filename"] == "b.json" && r["status"] == "decode_failed")
    );
    assert!(
        items
            .iter()
            .any(|r| r["filename"] == "a.json" && r["status"] == "decoded")
    );

    // The same file sent again later is a new payload, and the first copy in
    // processed/ is not overwritten.
    drop_file(
        &inbox,
        "a.json",
        &serde_json::to_vec(&claim("DIR-A")).unwrap(),
    );
    hub.wait_for("the second copy", 30, || {
        files(&inbox.join("processed")).len() == 2
    });
    assert_eq!(files(&inbox.join("processed")), ["a.json", "a.json.1"]);
    let (_, list) = hub.get("/v1/messages?endpoint=drop&type=inbound");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
}

/// Issue 12 (reliability): files too large and symbolic links are moved to
/// `failed/` unread with a reason beside them, the good file after them is still
/// taken in, and the log names the endpoint and the reason, never the file.
#[test]
fn dir_in_refused_files_go_to_failed_and_the_folder_goes_on() {
    let extra = r#"
[endpoints.drop]
transport = "dir"
connector = "json"
path = "inbox"
pattern = "*.json"
poll_ms = 50
max_file_mib = 1

[[routes]]
from = "drop"
to = ["out"]
"#;
    let hub = Hub::start(&json_config(extra));
    let inbox = hub.path("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let mut big = serde_json::to_vec(&claim("DIR-BIG")).unwrap();
    big.resize(2 * 1024 * 1024, b' ');
    drop_file(&inbox, "a-big.json", &big);
    let secret = hub.path("secret.json");
    std::fs::write(&secret, serde_json::to_vec(&claim("DIR-SECRET")).unwrap()).unwrap();
    std::os::unix::fs::symlink(&secret, inbox.join("b-link.json")).unwrap();
    drop_file(
        &inbox,
        "c-good.json",
        &serde_json::to_vec(&claim("DIR-C")).unwrap(),
    );

    let failed = inbox.join("failed");
    hub.wait_for("files moved aside", 30, || {
        files(&inbox.join("processed")).len() == 1 && failed.join("b-link.json.reason.txt").exists()
    });
    assert_eq!(files(&inbox.join("processed")), ["c-good.json"]);
    assert_eq!(
        files(&failed),
        [
            "a-big.json",
            "a-big.json.reason.txt",
            "b-link.json.reason.txt"
        ],
        "the link is not a file"
    );
    assert!(
        std::fs::symlink_metadata(failed.join("b-link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(failed.join("a-big.json.reason.txt")).unwrap(),
        "file is 2.0 MiB, more than max_file_mib = 1 for endpoint `drop`\n"
    );
    assert!(secret.exists(), "the link's target is left alone");

    let (_, list) = hub.get("/v1/messages?endpoint=drop&type=inbound");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["filename"], "c-good.json");

    let log = hub.log();
    assert!(
        log.contains("dir.too_large") && log.contains("dir.symlink"),
        "{log}"
    );
    for name in ["a-big", "b-link", "secret"] {
        assert!(!log.contains(name), "the log names a file: {log}");
    }
}
