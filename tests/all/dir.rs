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
