//! File-name globs of `dir` endpoints.

use super::super::glob::{check_pattern, glob_matches};

#[test]
fn stars_and_question_marks() {
    assert!(glob_matches("*", "claim.json"));
    assert!(glob_matches("*", ""));
    assert!(glob_matches("*.json", "claim.json"));
    assert!(!glob_matches("*.json", "claim.json.tmp"));
    assert!(glob_matches("claim-??.x12", "claim-01.x12"));
    assert!(!glob_matches("claim-??.x12", "claim-1.x12"));
    assert!(glob_matches("a*b*c", "aXXbYYbc"));
    assert!(!glob_matches("a*b*c", "aXXbYYb"));
    assert!(glob_matches("**.txt", ".txt"));
}

#[test]
fn classes() {
    assert!(glob_matches("[abc]*", "b.txt"));
    assert!(!glob_matches("[abc]*", "d.txt"));
    assert!(glob_matches("[0-9][0-9].x12", "42.x12"));
    assert!(!glob_matches("[0-9][0-9].x12", "4a.x12"));
    assert!(glob_matches("[!.]*", "claim"));
    assert!(!glob_matches("[!.]*", ".hidden"));
    assert!(glob_matches("[]]x", "]x"));
    assert!(glob_matches("é?", "éa"));
}

#[test]
fn pattern_rules() {
    assert_eq!(check_pattern("*.json"), Ok(()));
    assert_eq!(check_pattern("[!a-c]*"), Ok(()));
    assert!(check_pattern("").is_err());
    assert!(check_pattern("in/*.json").is_err());
    assert!(check_pattern("[abc*").is_err());
    assert!(check_pattern("[]").is_err());
}

#[test]
fn dir_endpoints_match_with_their_pattern() {
    let text = format!(
        "{}[endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"in\"\npattern = \"*.x12\"\n",
        super::BASE
    );
    let cfg = super::ok(&text);
    let super::super::Transport::Dir(dir) = &cfg.endpoints["drop"].transport else {
        panic!("a dir endpoint")
    };
    assert!(dir.matches("837-batch.x12"));
    assert!(!dir.matches("837-batch.x12.part"));
}
