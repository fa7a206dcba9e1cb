//! `logfix query`: every matching line of every file, compressed or not, in timestamp order.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use fixture::{command, line, logfix, timestamp, Dir};

const SECOND: u64 = 1_000_000;

/// The `"n"` field of each output line: the microseconds `fixture::line` was given.
fn numbers(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .map(|l| {
            let value: serde_json::Value = serde_json::from_str(l).unwrap();
            value["n"].as_u64().unwrap()
        })
        .collect()
}

/// A log whose file names sort against time, whose files overlap at their edges, and whose
/// lines are slightly out of order within files, as the writer leaves them under load.
/// Returns the directory and every line's (microseconds, request id).
fn shuffled_log(name: &str) -> (Dir, Vec<(u64, String)>) {
    let dir = Dir::new(name);
    let mut all = Vec::new();
    let mut file = |name: &str, gz: bool, micros: &[u64]| {
        let mut text = String::new();
        for (i, &m) in micros.iter().enumerate() {
            let request = format!("r{}", i % 3);
            text += &line(m, ["info", "warn", "error"][i % 3], "db.pool", "query", &request);
            all.push((m, request));
        }
        if gz {
            dir.write_gz(name, &text);
        } else {
            dir.write(name, text);
        }
    };
    // The newest rotated file has the first name.
    file(
        "app.log.a.gz",
        true,
        &[30 * SECOND, 31 * SECOND, 30 * SECOND + 50_000, 32 * SECOND, 39 * SECOND],
    );
    // The oldest.
    file(
        "app.log.b",
        false,
        &[0, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 9 * SECOND + 990_000],
    );
    // The middle one starts before the oldest one ends.
    file(
        "app.log.c.gz",
        true,
        &[9 * SECOND + 900_000, 10 * SECOND + 100, 20 * SECOND, 15 * SECOND, 29 * SECOND],
    );
    file("app.log", false, &[40 * SECOND, 39 * SECOND + 999_999, 41 * SECOND, 45 * SECOND]);
    (dir, all)
}

#[test]
fn follows_one_request_across_rotations_in_timestamp_order() {
    let (dir, all) = shuffled_log("query-order");
    for request in ["r0", "r1", "r2"] {
        let run =
            logfix(&["query", dir.arg(), "--request-id", request, "--format", "json"]).expect(0);
        let mut expected: Vec<u64> =
            all.iter().filter(|(_, r)| r == request).map(|&(m, _)| m).collect();
        expected.sort_unstable();
        assert_eq!(numbers(&run.stdout), expected, "{request}");
        assert_eq!(run.stderr, "");
    }
    let run = logfix(&["query", dir.arg(), "--format", "json"]).expect(0);
    let mut expected: Vec<u64> = all.iter().map(|&(m, _)| m).collect();
    expected.sort_unstable();
    assert_eq!(numbers(&run.stdout), expected);
}

/// A file's first timestamp is taken from its first lines; a line written later but stamped
/// earlier than all of them (within a minute) still comes out in its place.
#[test]
fn a_line_stamped_before_its_files_first_lines_comes_out_in_its_place() {
    let dir = Dir::new("query-late");
    dir.write_gz(
        "app.log.1.gz",
        &(line(8 * SECOND, "info", "a", "e", "r") + &line(10 * SECOND, "info", "a", "e", "r")),
    );
    let mut newer: String =
        (0..300).map(|i| line(11 * SECOND + i, "info", "a", "e", "r")).collect();
    newer += &line(9 * SECOND, "info", "a", "e", "r");
    dir.write_gz("app.log.2.gz", &newer);
    let run = logfix(&["query", dir.arg(), "--format", "json"]).expect(0);
    let numbers = numbers(&run.stdout);
    assert_eq!(numbers[..3], [8 * SECOND, 9 * SECOND, 10 * SECOND]);
    assert!(numbers.is_sorted());
    assert_eq!(run.stderr, "");
}

#[test]
fn json_output_is_the_lines_as_written() {
    let dir = Dir::new("query-json");
    let text = line(1, "info", "a", "e", "r1") + &line(2, "info", "a", "e", "r2");
    dir.write_gz("app.log.1.gz", &text);
    let run = logfix(&["query", dir.arg(), "--request-id", "r1", "--format", "json"]).expect(0);
    assert_eq!(run.stdout, line(1, "info", "a", "e", "r1"));
    let run = logfix(&["query", dir.arg()]).expect(0);
    assert_eq!(run.stdout, text, "JSON when stdout is not a terminal");
}

#[test]
fn each_filter_selects_its_lines() {
    let (dir, _) = shuffled_log("query-filters");
    let count = |args: &[&str]| {
        let mut all = vec!["query", dir.arg(), "--format", "json"];
        all.extend_from_slice(args);
        logfix(&all).expect(0).stdout.lines().count()
    };
    assert_eq!(count(&[]), 20);
    assert_eq!(count(&["--level", "warn.."]), 12);
    assert_eq!(count(&["--level", "error"]), 5);
    assert_eq!(count(&["--level", "..info"]), 8);
    assert_eq!(count(&["--component", "db"]), 20);
    assert_eq!(count(&["--component", "db.pool"]), 20);
    assert_eq!(count(&["--component", "d"]), 0);
    assert_eq!(count(&["--event", "query"]), 20);
    assert_eq!(count(&["--since", &timestamp(30 * SECOND)]), 9);
    assert_eq!(count(&["--until", &timestamp(SECOND)]), 1);
    assert_eq!(count(&["--since", "2026-11-28T04:00:10Z", "--until", "2026-11-28T04:00:20Z"]), 3);
    assert_eq!(count(&["--since", "2026-11-29"]), 0);
    assert_eq!(count(&["n=0"]), 1);
    assert_eq!(count(&["request_id=r1", "level=warn"]), 7);
    assert_eq!(count(&["request_id=r1", "level=info"]), 0);

    let run = logfix(&["query", dir.arg(), "--level", "loud"]).expect(2);
    assert!(run.stderr.contains("`loud` is not a level"), "{}", run.stderr);
    let run = logfix(&["query", dir.arg(), "--since", "yesterday"]).expect(2);
    assert!(run.stderr.contains("expected a UTC time"), "{}", run.stderr);
    let run = logfix(&["query", dir.arg(), "status"]).expect(2);
    assert!(run.stderr.contains("`status` is not FIELD=VALUE"), "{}", run.stderr);
    let run = logfix(&["query", dir.arg(), "--since", "1h", "--until", "2h"]).expect(2);
    assert!(run.stderr.contains("--until must come after --since"), "{}", run.stderr);
    for name in ["", "../app.log"] {
        let run = logfix(&["query", dir.arg(), "--file", name]).expect(2);
        assert!(run.stderr.contains("expected a file name without a directory"), "{}", run.stderr);
    }
}

#[test]
fn pretty_output_is_coloured_only_when_asked_and_never_with_no_color() {
    let dir = Dir::new("query-pretty");
    dir.write("app.log", line(1_500_000, "warn", "db", "slow", "r1"));
    let expected =
        "2026-11-28T04:00:01.500000Z  WARN db.slow: slow happened request_id=r1 n=1500000\n";
    let run = logfix(&["query", dir.arg(), "--format", "pretty"]).expect(0);
    assert_eq!(run.stdout, expected);
    let run = logfix(&["query", dir.arg(), "--format", "pretty", "--color", "always"]).expect(0);
    assert!(
        run.stdout.starts_with("\x1b[2m2026-11-28T04:00:01.500000Z\x1b[0m \x1b[33m WARN\x1b[0m"),
        "{:?}",
        run.stdout
    );
    let mut no_color = command(&["query", dir.arg(), "--format", "pretty", "--color", "always"]);
    no_color.env("NO_COLOR", "1");
    assert_eq!(fixture::run(no_color).expect(0).stdout, expected);
}

/// A key or value that could pass for more fields (`user=admin level`) is quoted, as on the
/// runtime's pretty console.
#[test]
fn pretty_output_quotes_ambiguous_keys_and_values() {
    let dir = Dir::new("query-pretty-quotes");
    dir.write(
        "app.log",
        "{\"timestamp\":\"2026-11-28T04:00:01.000000Z\",\"level\":\"info\",\"component\":\"a\",\"event\":\"e\",\"message\":\"m\",\"user=admin level\":\"x\",\"note\":\"a\\u0085b\"}\n",
    );
    let run = logfix(&["query", dir.arg(), "--format", "pretty"]).expect(0);
    assert_eq!(
        run.stdout,
        "2026-11-28T04:00:01.000000Z  INFO a.e: m \"user=admin level\"=x note=\"a\\u0085b\"\n"
    );
}

#[test]
fn unreadable_files_are_reported_and_the_others_still_searched() {
    let dir = Dir::new("query-unreadable");
    dir.write("app.log", line(3, "info", "a", "e", "r1"));
    let unreadable = dir.plant_unreadable("r1");
    let run = logfix(&["query", dir.arg(), "--request-id", "r1", "--format", "json"]).expect(2);
    assert_eq!(numbers(&run.stdout).last(), Some(&3));
    unreadable.assert_reported(&run.stderr);
}

#[test]
fn invalid_lines_are_skipped_and_counted() {
    let dir = Dir::new("query-invalid");
    dir.write(
        "app.log",
        format!("{}not json r1\n{{\"request_id\":\"r1\"}}\n", line(1, "info", "a", "e", "r1")),
    );
    let run = logfix(&["query", dir.arg(), "--request-id", "r1", "--format", "json"]).expect(0);
    assert_eq!(numbers(&run.stdout), [1]);
    assert_eq!(
        run.stderr,
        "logfix: skipped 2 lines that are not valid logfix lines (`logfix check` lists them)\n"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_query_quietly() {
    let dir = Dir::new("query-pipe");
    let text: String = (0..5000).map(|i| line(i, "info", "a", "e", "r1")).collect();
    dir.write_gz("app.log.1.gz", &text);
    let mut child = command(&["query", dir.arg(), "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
