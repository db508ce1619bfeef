use super::*;

fn payload(hint: Option<&str>, ct: &str) -> Payload {
    Payload {
        data: b"x".to_vec(),
        content_type: ct.into(),
        filename_hint: hint.map(Into::into),
        carries: vec![0],
    }
}

#[test]
fn names_are_safe_and_unique() {
    assert_eq!(
        file_name(&payload(Some("claim.json"), "application/json"), "01A"),
        "01A-claim.json"
    );
    assert_eq!(
        file_name(&payload(Some("claim-01A.json"), "application/json"), "01A"),
        "claim-01A.json"
    );
    assert_eq!(
        file_name(&payload(Some("../../etc/passwd"), "text/plain"), "01A"),
        "01A-_.._etc_passwd"
    );
    assert_eq!(
        file_name(&payload(None, "application/edi-x12"), "01A"),
        "01A.x12"
    );
}

#[test]
fn atomic_write_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), "a.json", b"{}").unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["a.json"]);
    assert_eq!(std::fs::read(dir.path().join("a.json")).unwrap(), b"{}");
}

fn cfg(path: &Path) -> DirOut {
    DirOut {
        path: path.to_owned(),
        path_at: crate::config::Pos { line: 1, column: 1 },
        retry: crate::config::RetryPolicy::default(),
        batch_size: 100,
    }
}

/// Every name in `dir`, sorted, hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn write_makes_the_folder_and_one_file_named_for_the_first_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outbox");
    let mut p = payload(Some("claim.json"), "application/json");
    p.data = b"{\"a\":1}".to_vec();

    let note = write(&cfg(&out), &p, "01A").await.unwrap();
    assert_eq!(note, "wrote 01A-claim.json");
    assert_eq!(
        listing(&out),
        ["01A-claim.json"],
        "no temporary file is left"
    );
    assert_eq!(std::fs::read(out.join("01A-claim.json")).unwrap(), p.data);
    sync_dir(&cfg(&out)).await.unwrap();
}

#[tokio::test]
async fn a_redelivery_rewrites_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = payload(None, "application/edi-x12");
    write(&cfg(dir.path()), &p, "01A").await.unwrap();
    p.data = b"ISA*again".to_vec();
    assert_eq!(
        write(&cfg(dir.path()), &p, "01A").await.unwrap(),
        "wrote 01A.x12"
    );
    assert_eq!(listing(dir.path()), ["01A.x12"]);
    assert_eq!(std::fs::read(dir.path().join("01A.x12")).unwrap(), p.data);
}

#[tokio::test]
async fn an_unwritable_folder_is_a_transient_failure() {
    let dir = tempfile::tempdir().unwrap();
    // The folder cannot be made: its parent is a file (even root cannot).
    std::fs::write(dir.path().join("blocker"), b"").unwrap();
    let out = dir.path().join("blocker/outbox");
    let e = write(
        &cfg(&out),
        &payload(Some("a.json"), "application/json"),
        "01A",
    )
    .await
    .expect_err("the folder cannot be made");
    assert!(e.retryable, "a full or broken disk may pass");
    assert_eq!(e.info.code, "delivery.io");
    assert!(
        e.info.message.starts_with("writing 01A-a.json into "),
        "{}",
        e.info.message
    );

    let e = sync_dir(&cfg(&out)).await.expect_err("no folder to sync");
    assert!(e.retryable);
    assert_eq!(e.info.code, "delivery.io");
}
