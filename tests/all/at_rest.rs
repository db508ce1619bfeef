//! Payloads at rest: after claims with distinctive patient data went through a
//! hub, no file under its data_dir (sled's files, the key, the plugin cache) nor
//! its log holds that data in clear, and every file under data_dir is 0600 and
//! every folder 0700.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use clearway_tests::support::{Hub, claim, files, json_config};

/// Strings no fixture holds, so a hit can only be this test's claims.
const LAST_NAME: &str = "QUIXOTICAVANTERPOOL";
const FIRST_NAME: &str = "ZEBULONIA";
const MEMBER_ID: &str = "MBRZQ98765432107";

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.clone());
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            walk(&path, out);
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[test]
fn no_patient_data_in_clear_under_data_dir_and_private_modes() {
    let hub = Hub::start(&json_config(""));
    let mut batch = Vec::new();
    for i in 0..3 {
        let mut c = claim(&format!("PCN-AT-REST-{i}"));
        let subscriber = &mut c["parties"]["subscriber"];
        subscriber["last_name"] = LAST_NAME.into();
        subscriber["first_name"] = FIRST_NAME.into();
        subscriber["member_id"] = format!("{MEMBER_ID}{i}").into();
        batch.push(c);
    }
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&batch).unwrap());
    assert_eq!(status, 202, "{body}");
    hub.wait_for("3 deliveries", 60, || files(&hub.path("outbox")).len() == 3);
    let ids: Vec<String> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    hub.wait_for("delivered statuses", 30, || {
        ids.iter()
            .all(|id| hub.get(&format!("/v1/messages/{id}")).1["record"]["status"] == "delivered")
    });
    // The strings did go through (the outbox is outside data_dir and in clear).
    let out = std::fs::read(hub.path("outbox").join(&files(&hub.path("outbox"))[0])).unwrap();
    assert!(
        contains(&out, LAST_NAME) && contains(&out, MEMBER_ID),
        "the claims carry the test strings"
    );
    // And the API still shows the decrypted payload to an admin.
    let (_, detail) = hub.get(&format!("/v1/messages/{}", ids[0]));
    assert_eq!(
        detail["normalized"]["parties"]["subscriber"]["last_name"], LAST_NAME,
        "the API decrypts: {detail}"
    );
    let inbound = body["inbound_id"].as_str().unwrap();
    assert_eq!(hub.get(&format!("/v1/messages/{inbound}")).0, 200);

    let data = hub.path("data");
    let mut paths = Vec::new();
    walk(&data, &mut paths);
    assert!(
        paths.iter().any(|p| p.ends_with("master.key")),
        "the default key file is made: {paths:?}"
    );
    assert!(paths.len() > 3, "{paths:?}");
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data_dir");
    for p in &paths {
        let meta = std::fs::symlink_metadata(p).unwrap();
        if meta.is_dir() {
            assert_eq!(mode(p), 0o700, "{}", p.display());
        } else {
            assert_eq!(mode(p), 0o600, "{}", p.display());
            let bytes = std::fs::read(p).unwrap();
            for s in [LAST_NAME, FIRST_NAME, MEMBER_ID] {
                assert!(!contains(&bytes, s), "{} holds `{s}` in clear", p.display());
            }
        }
    }
    let log = hub.log();
    for s in [LAST_NAME, FIRST_NAME, MEMBER_ID] {
        assert!(
            !contains(log.as_bytes(), s),
            "the hub log holds `{s}`:\n{log}"
        );
    }
    assert!(
        log.contains("master key kept beside the data"),
        "the default key is warned about:\n{log}"
    );
}
