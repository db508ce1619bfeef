//! `clearway translate --connector x12.wasm --decode FILE` on every X12 corpus
//! file: either the normalized messages, or a positioned error naming the
//! segment.

use clearway_tests::support::{clearway, plugin, root};

#[test]
fn translate_decodes_or_positions_every_corpus_file() {
    let dir = root().parent().unwrap().join("shared/corpus/x12");
    if !dir.is_dir() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "the corpus is missing at {}",
            dir.display()
        );
        eprintln!("note: no corpus at {}; skipped outside CI", dir.display());
        return;
    }
    let x12 = plugin("x12");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("invalid")).unwrap())
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 39,
        "expected the whole corpus, found {}",
        files.len()
    );
    let (mut decoded, mut rejected, mut unsupported) = (0, 0, 0);
    for f in &files {
        let out = clearway(
            &[
                "translate",
                "--connector",
                x12.to_str().unwrap(),
                "--decode",
                f.to_str().unwrap(),
            ],
            None,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", f.display()));
            assert!(
                !v.as_array().unwrap().is_empty(),
                "{}: no messages",
                f.display()
            );
            assert!(
                !f.to_str().unwrap().contains("/invalid/"),
                "{} is broken on purpose but decoded",
                f.display()
            );
            decoded += 1;
        } else if stderr.contains("unsupported") {
            unsupported += 1;
        } else {
            assert!(
                stderr.contains("segment"),
                "{}: an error must name its segment:\n{stderr}",
                f.display()
            );
            rejected += 1;
        }
    }
    eprintln!(
        "x12 corpus via translate: {decoded} decoded, {rejected} rejected with a position, {unsupported} unsupported"
    );
    // Every transaction in the corpus is one the connector takes; the valid-folder files
    // that stay rejected are those the corpus README marks FAIL for real defects (wrong
    // SE01 counts, IEA02 != ISA13, BPR16 missing or not a date); see plugins/x12/tests/corpus.rs.
    assert_eq!(unsupported, 0, "every corpus transaction is supported");
    assert!(decoded >= 24, "decoded only {decoded}");
    assert_eq!(decoded + rejected, files.len());
}
