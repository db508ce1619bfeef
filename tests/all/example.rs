//! The README's walk-through on `examples/clearway.toml` (paths moved into a temporary
//! folder, the plugins from dist/): a FHIR Claim Bundle submitted to the facade reaches
//! outbox/x12/ as an 837P that pyx12 accepts; an 835 dropped into inbox/x12/ is decoded,
//! written into outbox/ as JSON and found on the claim's timeline next to the claim.

use clearway_tests::support::{Hub, files, root, validate_x12};

/// The example config, runnable from a temporary folder: plugins from dist/, the data,
/// inbox and outbox folders inside the temporary folder, the port free.
fn example_config() -> String {
    let text = std::fs::read_to_string(root().join("examples/clearway.toml")).unwrap();
    let dist = root().join("dist/plugins");
    text.replace("\"../dist/plugins/", &format!("\"{}/", dist.display()))
        .replace("\"../", "\"")
        .replace("127.0.0.1:8080", "127.0.0.1:{port}")
}

#[test]
fn the_readme_walk_through_works_on_the_example_config() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["inbox/x12", "outbox/x12"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
    }
    let hub = Hub::start_in(dir, &example_config());

    let r = hub
        .http()
        .post(format!("{}/fhir/ehr/Claim/$submit", hub.url))
        .header("content-type", "application/fhir+json")
        .body(std::fs::read(root().join("examples/fhir-claim-bundle.json")).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    hub.wait_for("the 837P in outbox/x12", 60, || {
        !files(&hub.path("outbox/x12")).is_empty()
    });
    let name = &files(&hub.path("outbox/x12"))[0];
    let interchange = std::fs::read(hub.path("outbox/x12").join(name)).unwrap();
    let text = String::from_utf8_lossy(&interchange);
    assert!(
        text.contains("ST*837*") && text.contains("CLM*PCN-1001*"),
        "{text}"
    );
    validate_x12(&interchange).unwrap_or_else(|e| panic!("pyx12 rejects the 837P:\n{e}\n{text}"));

    // The clearinghouse pays PCN-1001: an 835 dropped into inbox/x12.
    let remit =
        std::fs::read_to_string(root().join("plugins/x12/tests/fixtures/remit_basic.x12")).unwrap();
    let pcn = remit
        .split('~')
        .find_map(|s| s.trim().strip_prefix("CLP*"))
        .and_then(|c| c.split('*').next())
        .unwrap()
        .to_owned();
    std::fs::write(
        hub.path("inbox/x12/remit.x12.tmp"),
        remit.replacen(&format!("CLP*{pcn}*"), "CLP*PCN-1001*", 1),
    )
    .unwrap();
    std::fs::rename(
        hub.path("inbox/x12/remit.x12.tmp"),
        hub.path("inbox/x12/remit.x12"),
    )
    .unwrap();
    hub.wait_for("the remittance in outbox/", 60, || {
        files(&hub.path("outbox"))
            .iter()
            .any(|f| f.ends_with(".json"))
    });

    let (status, timeline) = hub.get("/v1/claims/PCN-1001/timeline");
    assert_eq!(status, 200, "{timeline}");
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"claim") && kinds.contains(&"remittance"),
        "{timeline}"
    );
}
