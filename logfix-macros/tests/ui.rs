//! Compile-fail and must-compile cases for the macros. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p logfix-macros --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive/*.rs");
    t.compile_fail("tests/ui/logged/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

/// The compile-fail cases of the sensitive-name vocabulary name every entry, so that an entry
/// added to `logfix-core` without a case here fails this test.
#[test]
fn the_vocabulary_cases_list_every_sensitive_name() {
    for (case, declaration) in [
        ("tests/ui/derive/sensitive-vocabulary.rs", ": String,"),
        ("tests/ui/logged/sensitive-vocabulary.rs", ": &str,"),
    ] {
        let source = std::fs::read_to_string(case).unwrap();
        for entry in logfix_core::sensitive::SENSITIVE_NAMES {
            let line = format!("    {entry}{declaration}");
            assert!(source.lines().any(|l| l == line), "{case} lacks `{entry}`");
        }
    }
}
