//! `logfix check`: counts, invalid lines with `file:line`, exit codes, and the inputs that are not
//! logs at all.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{gzip, line, logfix, Dir};

/// A log as logfix leaves it: rotated files compressed and not, the active file, the lock file,
/// and a compression in progress.
fn rotated_log(name: &str) -> Dir {
    let dir = Dir::new(name);
    dir.write_gz(
        "app.log.20261128T040001.000000Z.gz",
        &(line(1, "info", "a", "e", "r1") + &line(2, "warn", "a", "e", "r2")),
    );
    dir.write("app.log.20261128T040002.000000Z", line(3, "info", "b", "e", "r1"));
    dir.write("app.log", line(4, "error", "c", "e", "r1"));
    dir.write(".app.log.lock", "");
    dir.write("app.log.20261128T040002.000000Z.gz.4242.tmp", b"\x1f\x8b half-written");
    dir
}

#[test]
fn a_valid_log_with_rotated_and_compressed_files_passes() {
    let dir = rotated_log("check-valid");
    let run = logfix(&["check", dir.arg()]).expect(0);
    assert_eq!(run.stdout, "4 lines in 3 files: 4 valid (4 logfix), 0 invalid\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn invalid_lines_are_listed_with_file_and_line_and_exit_1() {
    let dir = rotated_log("check-invalid");
    let bad_level = line(5, "fatal", "c", "e", "r1");
    let missing = r#"{"timestamp":"2026-11-28T04:00:00.000006Z","level":"info","component":"c","message":"m"}"#;
    dir.append("app.log", &format!("{bad_level}{missing}\nnot json\n\n"));
    dir.append("app.log", "{\"timestamp\":");
    dir.write_gz(
        "app.log.20261128T040000.000000Z.gz",
        &format!("{}\u{ff}oops\n", line(0, "info", "a", "e", "r")),
    );
    let run = logfix(&["check", dir.arg()]).expect(1);
    let (gz, active) =
        (dir.path().join("app.log.20261128T040000.000000Z.gz"), dir.path().join("app.log"));
    let (gz, active) = (gz.display(), active.display());
    assert_eq!(
        run.lines(),
        [
            &format!("{gz}:2: not valid JSON: expected value at line 1 column 1") as &str,
            &format!("{active}:2: `level` \"fatal\" is not one of trace, debug, info, warn, error"),
            &format!("{active}:3: `event` is missing"),
            &format!("{active}:4: not valid JSON: expected ident at line 1 column 2"),
            &format!("{active}:5: empty line: every line must hold one JSON object"),
            &format!("{active}:6: the last line does not end with a newline (a torn or truncated write?)"),
            "11 lines in 4 files: 5 valid (5 logfix), 6 invalid",
        ]
    );
    let run = logfix(&["check", dir.arg(), "--show", "1"]).expect(1);
    assert_eq!(
        run.lines()[1..],
        [
            "11 lines in 4 files: 5 valid (5 logfix), 6 invalid",
            "(1 of the 6 invalid lines shown: --show N shows more)"
        ]
    );
}

#[test]
fn files_can_be_named_one_by_one() {
    let dir = rotated_log("check-files");
    let active = dir.path().join("app.log");
    let gz = dir.path().join("app.log.20261128T040001.000000Z.gz");
    let run = logfix(&["check", active.to_str().unwrap(), gz.to_str().unwrap()]).expect(0);
    assert_eq!(run.stdout, "3 lines in 2 files: 3 valid (3 logfix), 0 invalid\n");
}

#[test]
fn a_corrupt_gz_is_an_error_that_names_the_file_and_the_rest_is_still_checked() {
    let dir = rotated_log("check-corrupt");
    let mut corrupt = gzip(&line(0, "info", "a", "e", "r").repeat(1000));
    let middle = corrupt.len() / 2;
    corrupt.truncate(middle);
    let path = dir.write("app.log.20261128T035959.000000Z.gz", &corrupt);
    let run = logfix(&["check", dir.arg()]).expect(2);
    assert!(
        run.stderr.starts_with(&format!("logfix: {} is corrupt gzip after line ", path.display())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with("logfix: 1 of 4 files could not be read to the end\n"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains(" in 4 files: "), "{}", run.stdout);

    let not_gzip = dir.write("app.log.20261128T035958.000000Z.gz", line(0, "info", "a", "e", "r"));
    let run = logfix(&["check", not_gzip.to_str().unwrap()]).expect(2);
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        format!("logfix: {} is not valid gzip data (invalid data)", not_gzip.display())
    );
}

#[test]
fn a_binary_file_is_an_error() {
    let dir = Dir::new("check-binary");
    let path = dir.write("app.log", b"\x7fELF\x02\x01\x01\x00\x00\x00");
    let run = logfix(&["check", dir.arg()]).expect(2);
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        format!("logfix: {} is a binary file, not a log (a NUL byte at offset 7)", path.display())
    );
}

#[test]
fn bad_paths_and_usage_are_one_sentence_and_exit_2() {
    let dir = Dir::new("check-paths");
    let missing = dir.path().join("nope");
    let run = logfix(&["check", missing.to_str().unwrap()]).expect(2);
    assert_eq!(run.stderr, format!("logfix: {} does not exist\n", missing.display()));

    dir.write("worker.log", line(1, "info", "a", "e", "r"));
    let run = logfix(&["check", dir.arg()]).expect(2);
    assert_eq!(
        run.stderr,
        format!(
            "logfix: {} holds no app.log and no rotated app.log.* file, but worker.log: choose one with --file\n",
            dir.path().display()
        )
    );
    logfix(&["check", dir.arg(), "--file", "worker.log"]).expect(0);
    let run = fixture::run({
        let mut command = fixture::command(&["check", dir.arg()]);
        command.env("LOGFIX_FILE", "worker.log");
        command
    });
    assert_eq!(run.code, 0, "--file defaults to LOGFIX_FILE, as init() reads it");

    let run = logfix(&["check"]).expect(2);
    assert!(run.stderr.contains("required"), "{}", run.stderr);
    let run = logfix(&["check", "--show", "many", dir.arg()]).expect(2);
    assert!(run.stderr.contains("invalid value 'many'"), "{}", run.stderr);
}

#[test]
fn every_command_has_help_with_examples() {
    for command in ["check", "query", "tail", "stats", "doctor"] {
        let run = logfix(&[command, "--help"]).expect(0);
        assert!(run.stdout.contains("Examples:"), "{command}: {}", run.stdout);
        assert!(run.stdout.contains(&format!("logfix {command}")), "{command}: {}", run.stdout);
    }
    let run = logfix(&["--help"]).expect(0);
    assert!(run.stdout.contains("Exit codes"), "{}", run.stdout);
    let run = logfix(&["frobnicate"]).expect(2);
    assert!(run.stderr.contains("unrecognized subcommand"), "{}", run.stderr);
}
