//! The configuration table is in the README and in the crate docs: the two stay the same.

#![allow(clippy::unwrap_used, reason = "test code")]

/// The rows of the table of `LOGFIX_*` variables in `text`, without the `//! ` of doc comments.
fn configuration_rows(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.strip_prefix("//! ").unwrap_or(line))
        .filter(|line| line.starts_with("| `LOGFIX_") || line.starts_with("| `NO_COLOR`"))
        .collect()
}

#[test]
fn the_readme_and_the_crate_docs_have_the_same_configuration_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let rows = configuration_rows(&readme);
    assert!(rows.len() > 15, "{rows:#?}");
    assert_eq!(configuration_rows(&lib), rows, "copy the README's table into src/lib.rs");
}

/// The table documents every variable logfix reads, and logfix reads every variable it
/// documents: any other `LOGFIX_*` name is reported as a typo.
#[test]
fn the_table_names_every_variable_logfix_reads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let mut documented: Vec<&str> = configuration_rows(&readme)
        .iter()
        .filter_map(|row| row.strip_prefix("| `")?.split('`').next())
        .filter(|name| name.starts_with("LOGFIX_"))
        .collect();
    documented.sort_unstable();
    let mut read = logfix_runtime::VARIABLES.to_vec();
    read.sort_unstable();
    assert_eq!(documented, read);
}
