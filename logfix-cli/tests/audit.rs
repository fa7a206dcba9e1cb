//! `logfix audit verify`: exit 0 on an intact trail, 1 with the place of the first break on a
//! tampered one, 2 when there is no trail to read.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{logfix, Dir};
use logfix_runtime::{Config, LogEvent};

#[derive(LogEvent)]
#[log(component = "admin", message = "role of {user} changed to {role}")]
struct RoleChanged<'a> {
    user: &'a str,
    role: &'a str,
}

/// A real trail of five records in `dir`.
fn trail(dir: &Dir) {
    let logger = Config::new().dir(dir.path().to_owned()).build();
    for user in ["ann", "bob", "cid", "dee", "eve"] {
        logger.audit(&RoleChanged { user, role: "admin" }).unwrap();
    }
    logger.shutdown();
}

#[test]
fn an_intact_trail_verifies() {
    let dir = Dir::new("audit-intact");
    trail(&dir);
    let run = logfix(&["audit", "verify", dir.arg()]).expect(0);
    assert!(run.stdout.starts_with("intact"), "{}", run.stdout);
}

#[test]
fn an_edited_record_is_reported_with_its_line() {
    let dir = Dir::new("audit-edited");
    trail(&dir);
    let path = dir.path().join("audit.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(r#""user":"cid""#, r#""user":"mal""#, 1)).unwrap();
    let run = logfix(&["audit", "verify", dir.arg()]).expect(1);
    assert!(run.stdout.starts_with("TAMPERED: "), "{}", run.stdout);
    assert!(run.stdout.contains("audit.log:3"), "{}", run.stdout);
}

#[test]
fn a_directory_without_a_trail_is_an_error() {
    let dir = Dir::new("audit-missing");
    logfix(&["audit", "verify", &format!("{}/nope", dir.arg())]).expect(2);
}
