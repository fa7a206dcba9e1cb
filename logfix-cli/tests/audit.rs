//! `logfix audit verify`: exit 0 on an intact trail, 1 with the place of the first break on a
//! tampered one, 2 when there is no trail to read. `logfix audit accept-gap`: exit 0 once the
//! loss of a removed file is recorded, 1 when there is no such loss to accept, 2 on bad usage.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{command, logfix, run as run_command, Dir};
use logfix_runtime::{AuditKey, Compression, Config, LogEvent};

#[derive(LogEvent)]
#[log(component = "admin", message = "role of {user} changed to {role}")]
struct RoleChanged<'a> {
    user: &'a str,
    role: &'a str,
}

/// A real trail of five records in `dir`.
fn trail(dir: &Dir) {
    keyed_trail(dir, None);
}

/// A real trail of five records in `dir`, chained with `key` if given.
fn keyed_trail(dir: &Dir, key: Option<&str>) {
    let mut config = Config::new().dir(dir.path().to_owned());
    if let Some(key) = key {
        config = config.audit_key(AuditKey::new(key));
    }
    let logger = config.build();
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
    assert!(run.stdout.ends_with(" (checked with SHA-256, no key)\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("hint"), "a break after the first record: {}", run.stdout);
}

const SET_KEY: &str =
    "hint: if this trail was written with LOGFIX_AUDIT_KEY, set it to the same key and verify again";

/// Verifying a keyed trail without its key, or with another key, breaks at its first record:
/// the report says which mode it checked with and what else than tampering it can be.
#[test]
fn a_keyed_trail_verified_without_its_key_says_so() {
    let dir = Dir::new("audit-keyed");
    keyed_trail(&dir, Some("s3cr3t"));
    let run = logfix(&["audit", "verify", dir.arg()]).expect(1);
    let lines = run.lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("TAMPERED: "), "{}", run.stdout);
    assert!(lines[0].contains("audit.log:1: record edited"), "{}", run.stdout);
    assert!(lines[0].ends_with(" (checked with SHA-256, no key)"), "{}", run.stdout);
    assert_eq!(lines[1], SET_KEY);

    let mut wrong = command(&["audit", "verify", dir.arg()]);
    wrong.env("LOGFIX_AUDIT_KEY", "another");
    let run = run_command(wrong).expect(1);
    assert!(run.stdout.contains(" (checked with HMAC-SHA256, keyed)\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with(&format!("{SET_KEY}\n")), "{}", run.stdout);

    let mut right = command(&["audit", "verify", dir.arg()]);
    right.env("LOGFIX_AUDIT_KEY", "s3cr3t");
    run_command(right).expect(0);
}

#[test]
fn an_unkeyed_trail_verified_with_a_key_says_so() {
    let dir = Dir::new("audit-unkeyed");
    trail(&dir);
    let mut keyed = command(&["audit", "verify", dir.arg()]);
    keyed.env("LOGFIX_AUDIT_KEY", "s3cr3t");
    let run = run_command(keyed).expect(1);
    assert!(run.stdout.contains(" (checked with HMAC-SHA256, keyed)\n"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(
            "hint: the first record checks out with SHA-256 and no key: this trail was written \
             without LOGFIX_AUDIT_KEY, or rewritten by someone who does not hold the key\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_directory_without_a_trail_is_an_error() {
    let dir = Dir::new("audit-missing");
    logfix(&["audit", "verify", &format!("{}/nope", dir.arg())]).expect(2);
}

/// A trail under another name (`LOGFIX_AUDIT_FILE=trail.log`): the error names its seal and the
/// option, and `--file` verifies it.
#[test]
fn a_trail_under_another_name_is_named_and_verified_with_file() {
    let dir = Dir::new("audit-other-name");
    let logger = Config::new().dir(dir.path().to_owned()).audit_file("trail.log").build();
    logger.audit(&RoleChanged { user: "ann", role: "admin" }).unwrap();
    logger.shutdown();
    let run = logfix(&["audit", "verify", dir.arg()]).expect(2);
    assert!(
        run.stderr.contains(
            "no seal; the seals of other trails here: trail.log.seal \
             (a trail under another name: choose it with --file NAME)"
        ),
        "{}",
        run.stderr
    );
    let run = logfix(&["audit", "verify", dir.arg(), "--file", "trail.log"]).expect(0);
    assert!(run.stdout.starts_with("intact: 1 records"), "{}", run.stdout);
    // The option wins over the variable.
    let mut verify = command(&["audit", "verify", dir.arg(), "--file", "trail.log"]);
    verify.env("LOGFIX_AUDIT_FILE", "audit.log");
    run_command(verify).expect(0);
    logfix(&["audit", "verify", dir.arg(), "--file", "../x.log"]).expect(2);
}

/// A trail of twelve records in `dir`, over several rotated files, chained with `key` if given.
fn rotated_trail(dir: &Dir, key: Option<&str>) {
    let mut config =
        Config::new().dir(dir.path().to_owned()).max_file_size(1024).compression(Compression::None);
    if let Some(key) = key {
        config = config.audit_key(AuditKey::new(key));
    }
    let logger = config.build();
    for n in 0..12 {
        logger.audit(&RoleChanged { user: &format!("user{n}"), role: "admin" }).unwrap();
    }
    logger.shutdown();
}

/// A removed file is a break until its loss is accepted; then `verify` passes and names it.
/// Accepting again finds nothing to accept.
#[test]
fn the_loss_of_a_removed_file_is_accepted_and_verify_lists_it() {
    let dir = Dir::new("audit-accept-gap");
    rotated_trail(&dir, None);
    std::fs::remove_file(dir.path().join("audit.log.00000002")).unwrap();
    logfix(&["audit", "verify", dir.arg()]).expect(1);

    let run = logfix(&["audit", "accept-gap", dir.arg(), "--reason", "disk replaced"]).expect(0);
    assert_eq!(run.lines().len(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(" are missing") || run.stdout.contains(" is missing"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("audit.log.00000003:1"), "{}", run.stdout);
    let run = logfix(&["audit", "verify", dir.arg()]).expect(0);
    assert!(run.stdout.starts_with("intact: "), "{}", run.stdout);
    assert!(run.stdout.contains(", accepted: disk replaced"), "{}", run.stdout);

    let run = logfix(&["audit", "accept-gap", dir.arg(), "--reason", "again"]).expect(1);
    assert!(run.stderr.contains("nothing to accept: intact: "), "{}", run.stderr);
}

/// A break that is not a removed file is not accepted, and the trail is left alone; usage and
/// a directory without a trail are errors.
#[test]
fn accept_gap_refuses_other_breaks_and_bad_usage() {
    let dir = Dir::new("audit-accept-refused");
    trail(&dir);
    let path = dir.path().join("audit.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(r#""user":"cid""#, r#""user":"mal""#, 1)).unwrap();
    let edited = std::fs::read(&path).unwrap();
    let run = logfix(&["audit", "accept-gap", dir.arg(), "--reason", "r"]).expect(1);
    assert!(run.stderr.contains("record edited"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), edited);

    logfix(&["audit", "accept-gap", dir.arg()]).expect(2);
    logfix(&["audit", "accept-gap", dir.arg(), "--reason", ""]).expect(2);
    logfix(&["audit", "accept-gap", &format!("{}/nope", dir.arg()), "--reason", "r"]).expect(2);
}

/// A keyed trail: the acceptance is refused without the key (the trail does not verify), and
/// written with it, chained with it.
#[test]
fn a_keyed_trail_takes_an_acceptance_only_with_its_key() {
    let dir = Dir::new("audit-accept-keyed");
    rotated_trail(&dir, Some("s3cr3t"));
    std::fs::remove_file(dir.path().join("audit.log.00000002")).unwrap();
    let run = logfix(&["audit", "accept-gap", dir.arg(), "--reason", "r"]).expect(1);
    assert!(run.stderr.contains("record edited"), "{}", run.stderr);

    let mut keyed = command(&["audit", "accept-gap", dir.arg(), "--reason", "r"]);
    keyed.env("LOGFIX_AUDIT_KEY", "s3cr3t");
    run_command(keyed).expect(0);
    let mut verify = command(&["audit", "verify", dir.arg()]);
    verify.env("LOGFIX_AUDIT_KEY", "s3cr3t");
    let run = run_command(verify).expect(0);
    assert!(run.stdout.contains(", accepted: r)"), "{}", run.stdout);
}
