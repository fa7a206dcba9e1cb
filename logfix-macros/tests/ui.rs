//! Compile-fail and must-compile cases for the macros. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p logfix-macros --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive/*.rs");
    t.compile_fail("tests/ui/logged/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
