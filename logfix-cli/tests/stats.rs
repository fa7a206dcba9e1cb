//! `logfix stats`: volume by level, component and event, errors per minute, largest lines.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{line, logfix, Dir};

const MINUTE: u64 = 60_000_000;

#[test]
fn counts_volume_errors_per_minute_and_the_largest_lines() {
    let dir = Dir::new("stats");
    let mut rotated = String::new();
    for i in 0..6 {
        rotated += &line(i, "info", "http", "request", "r");
    }
    rotated += &line(10, "error", "db", "query_failed", "r");
    rotated += &line(20, "error", "db", "query_failed", "r");
    rotated += &line(MINUTE + 1, "error", "db", "query_failed", "r");
    dir.write_gz("app.log.1.gz", &rotated);
    let big =
        line(2 * MINUTE, "warn", "db.pool", "slow", "r").replace("slow happened", &"x".repeat(500));
    dir.write("app.log", format!("{big}{}", line(3 * MINUTE, "error", "db", "query_failed", "r")));

    let run = logfix(&["stats", dir.arg(), "--top", "2"]).expect(0);
    let report = run.stdout;
    assert!(
        report.starts_with("11 lines, 2.1 KB in 2 files, from 2026-11-28T04:00:00.000000Z to 2026-11-28T04:03:00.000000Z\n"),
        "{report}"
    );
    let row = |name: &str| {
        report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {report}"))
            .to_owned()
    };
    let cells = |name: &str| {
        row(name).split_whitespace().skip(1).take(2).map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(cells("error"), ["4", "36.3%"]);
    assert_eq!(cells("warn"), ["1", "9.0%"]);
    assert_eq!(cells("info"), ["6", "54.5%"]);
    assert_eq!(cells("http"), ["6", "54.5%"]);
    assert_eq!(cells("db"), ["4", "36.3%"]);
    assert_eq!(cells("(1"), ["others)", "1"], "beyond --top, one row for the rest");
    assert_eq!(cells("http.request"), ["6", "54.5%"]);
    assert_eq!(cells("db.query_failed"), ["4", "36.3%"]);
    assert!(report.contains("errors per minute: 4 error lines over 3 min; the busiest minutes:\n  2026-11-28T04:00Z         2\n  2026-11-28T04:01Z         1\n"), "{report}");
    let largest: Vec<&str> =
        report.lines().skip_while(|l| *l != "largest lines:").skip(1).collect();
    assert_eq!(largest.len(), 2, "{report}");
    assert!(
        largest[0].ends_with(&format!(
            "2026-11-28T04:02:00.000000Z  db.pool.slow  {}:1",
            dir.path().join("app.log").display()
        )),
        "{report}"
    );

    let run =
        logfix(&["stats", dir.arg(), "--level", "error", "--since", "2026-11-28T04:01Z"]).expect(0);
    assert!(run.stdout.starts_with("2 lines, "), "{}", run.stdout);
}

#[test]
fn an_empty_selection_says_so() {
    let dir = Dir::new("stats-empty");
    dir.write("app.log", "");
    let run = logfix(&["stats", dir.arg()]).expect(0);
    assert_eq!(run.stdout, "0 lines, 0 B in 1 files\n");
}

/// A file that cannot be read to its end (corrupt gzip, a binary file) is reported, the others
/// are still counted, and the exit code is 2: a report that left out part of the input must
/// not pass for a complete one in a script.
#[test]
fn unreadable_files_are_reported_the_others_counted_and_the_exit_code_is_2() {
    let dir = Dir::new("stats-unreadable");
    dir.write("app.log", line(3, "error", "db", "query_failed", "r"));
    let unreadable = dir.plant_unreadable("r");
    let run = logfix(&["stats", dir.arg()]).expect(2);
    unreadable.assert_reported(&run.stderr);
    assert!(run.stdout.contains("db.query_failed"), "app.log is still counted: {}", run.stdout);
}
