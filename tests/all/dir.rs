//! The `dir` inbound transport: files in, moved aside, never lost.

use clearway_tests::support::{Hub, claim, files, json_config};

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
    std::fs::write(inbox.join("a.json"), serde_json::to_vec(&claim("DIR-A")).unwrap()).unwrap();
    std::fs::write(inbox.join("b.json"), b"{ broken").unwrap();
    std::fs::write(inbox.join("ignored.txt"), b"not matched by the pattern").unwrap();
    std::fs::write(inbox.join(".c.json.tmp"), b"still being written").unwrap();

    hub.wait_for("files moved aside", 30, || files(&inbox.join("processed")).len() == 1 && files(&inbox.join("failed")).len() == 1);
    assert_eq!(files(&inbox.join("processed")), ["a.json"]);
    assert_eq!(files(&inbox.join("failed")), ["b.json"]);
    assert_eq!(files(&inbox), [".c.json.tmp", "ignored.txt"], "unmatched and temporary files are left alone");
    hub.wait_for("delivery", 30, || files(&hub.path("outbox")).len() == 1);

    let (_, list) = hub.get("/v1/messages?endpoint=drop&type=inbound");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|r| r["filename"] == "b.json" && r["status"] == "decode_failed"));
    assert!(items.iter().any(|r| r["filename"] == "a.json" && r["status"] == "decoded"));
}
