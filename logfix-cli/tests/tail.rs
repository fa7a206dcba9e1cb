//! `logfix tail`: the last lines, and with `-f` new lines across rotations.
//!
//! The `-f` tests are handshakes: the test writes, then reads the child's output until the lines
//! it expects appear. The only time limit is a generous safety timeout that fails the test
//! instead of hanging it.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use fixture::{command, line, logfix, Dir};

/// Long enough for a loaded CI machine; reaching it is a failure, not a pass.
const SAFETY: Duration = Duration::from_secs(60);

/// A running `logfix tail -f` and the lines of its stdout and stderr.
struct Follow {
    child: Child,
    lines: Receiver<String>,
    errors: Receiver<String>,
}

/// The lines of `from`, as they come.
fn lines_of(from: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

impl Follow {
    fn start(args: &[&str]) -> Follow {
        let mut child =
            command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        let errors = lines_of(child.stderr.take().unwrap());
        Follow { child, lines, errors }
    }

    /// The next line the child prints.
    fn next(&self) -> String {
        match self.lines.recv_timeout(SAFETY) {
            Ok(line) => line,
            Err(e) => panic!("no line from `logfix tail -f` within {SAFETY:?}: {e}"),
        }
    }

    /// The next line the child prints on stderr.
    fn next_error(&self) -> String {
        match self.errors.recv_timeout(SAFETY) {
            Ok(line) => line,
            Err(e) => panic!("no stderr line from `logfix tail -f` within {SAFETY:?}: {e}"),
        }
    }

    /// The `"n"` of the next line (see `fixture::line`).
    fn next_number(&self) -> u64 {
        let value: serde_json::Value = serde_json::from_str(&self.next()).unwrap();
        value["n"].as_u64().unwrap()
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn follows_the_active_file_across_rotations() {
    let dir = Dir::new("tail-rotate");
    dir.write("app.log", line(1, "info", "a", "e", "r") + &line(2, "info", "a", "e", "r"));
    let follow = Follow::start(&["tail", "-f", "--format", "json", dir.arg()]);
    assert_eq!((follow.next_number(), follow.next_number()), (1, 2));

    // A rotation as the runtime does it: the last lines, a rename, a fresh file.
    dir.append("app.log", &line(3, "info", "a", "e", "r"));
    fs::rename(dir.path().join("app.log"), dir.path().join("app.log.20261128T040000.000003Z"))
        .unwrap();
    dir.write("app.log", line(4, "info", "a", "e", "r"));
    dir.append("app.log", &line(5, "info", "a", "e", "r"));
    assert_eq!([follow.next_number(), follow.next_number(), follow.next_number()], [3, 4, 5]);

    // Again, and the rotated file is compressed and deleted meanwhile.
    dir.append("app.log", &line(6, "info", "a", "e", "r"));
    let rotated = dir.path().join("app.log.20261128T040000.000006Z");
    fs::rename(dir.path().join("app.log"), &rotated).unwrap();
    dir.write_gz("app.log.20261128T040000.000006Z.gz", &fs::read_to_string(&rotated).unwrap());
    fs::remove_file(&rotated).unwrap();
    dir.write("app.log", line(7, "info", "a", "e", "r"));
    assert_eq!([follow.next_number(), follow.next_number()], [6, 7]);
}

/// The review's case: several rotations (one of them compressed) between two looks of
/// `tail -f`. Whenever the looks fall, every line comes out once, in order.
#[test]
fn follows_several_rotations_between_two_looks() {
    let dir = Dir::new("tail-rotate-several");
    dir.write("app.log", line(1, "info", "a", "e", "r") + &line(2, "info", "a", "e", "r"));
    let follow = Follow::start(&["tail", "-f", "--format", "json", dir.arg()]);
    assert_eq!((follow.next_number(), follow.next_number()), (1, 2), "following");

    let rotated = |seq: u64| dir.path().join(format!("app.log.{seq:08}"));
    for n in 3..=10 {
        dir.append("app.log", &line(n, "info", "a", "e", "r"));
        fs::rename(dir.path().join("app.log"), rotated(n)).unwrap();
        dir.write("app.log", "");
        if n % 3 == 0 {
            dir.write_gz(&format!("app.log.{n:08}.gz"), &fs::read_to_string(rotated(n)).unwrap());
            fs::remove_file(rotated(n)).unwrap();
        }
    }
    dir.append("app.log", &line(11, "info", "a", "e", "r"));
    let numbers: Vec<u64> = (3..=11).map(|_| follow.next_number()).collect();
    assert_eq!(numbers, (3..=11).collect::<Vec<_>>());
}

#[test]
fn follows_only_the_lines_the_filter_keeps_pretty_printed() {
    let dir = Dir::new("tail-filter");
    dir.write("app.log", line(1, "info", "a", "e", "other"));
    let follow =
        Follow::start(&["tail", "-f", "--format", "pretty", "--request-id", "mine", dir.arg()]);
    dir.append(
        "app.log",
        &(line(2, "info", "a", "e", "other")
            + "not json\n"
            + &line(3, "error", "db", "down", "mine")),
    );
    // Lines come out in timestamp order: had line 1 or 2 been printed, it would come first.
    assert_eq!(
        follow.next(),
        "2026-11-28T04:00:00.000003Z ERROR db.down: down happened request_id=mine n=3"
    );
}

#[test]
fn waits_for_the_file_to_appear() {
    let dir = Dir::new("tail-wait");
    let follow = Follow::start(&["tail", "-f", "--format", "json", dir.arg()]);
    dir.write("app.log", line(9, "info", "a", "e", "r"));
    assert_eq!(follow.next_number(), 9);
}

#[test]
fn prints_the_last_lines_in_timestamp_order() {
    let dir = Dir::new("tail-last");
    let lines: String = [1, 2, 4, 3, 5].iter().map(|&n| line(n, "info", "a", "e", "r")).collect();
    dir.write("app.log", &lines);
    let run = logfix(&["tail", "-n", "3", "--format", "json", dir.arg()]).expect(0);
    assert_eq!(
        run.stdout,
        [3, 4, 5].iter().map(|&n| line(n, "info", "a", "e", "r")).collect::<String>()
    );
    let run = logfix(&["tail", "-n", "0", dir.arg()]).expect(0);
    assert_eq!(run.stdout, "");
    // More than memory could hold in advance: as many as there are.
    let run =
        logfix(&["tail", "-n", &u64::MAX.to_string(), "--format", "json", dir.arg()]).expect(0);
    assert_eq!(run.stdout.lines().count(), 5);
    let file = dir.path().join("app.log");
    let run = logfix(&["tail", "-n", "1", "--format", "json", file.to_str().unwrap()]).expect(0);
    assert_eq!(run.stdout, line(5, "info", "a", "e", "r"), "a file works as well as its directory");
}

#[test]
fn a_missing_directory_or_file_is_an_error() {
    let dir = Dir::new("tail-missing");
    let run = logfix(&["tail", dir.path().join("nope").to_str().unwrap()]).expect(2);
    assert_eq!(
        run.stderr,
        format!("logfix: {} does not exist\n", dir.path().join("nope").display())
    );
    let run = logfix(&["tail", dir.arg()]).expect(2);
    assert_eq!(
        run.stderr,
        format!("logfix: {} holds no app.log and no rotated app.log.* file\n", dir.arg())
    );
    // Only rotated files left: the active file is what is missing.
    dir.write("app.log.00000001", line(1, "info", "a", "e", "r"));
    let run = logfix(&["tail", dir.arg()]).expect(2);
    assert_eq!(
        run.stderr,
        format!("logfix: {} does not exist\n", dir.path().join("app.log").display())
    );
    fs::remove_file(dir.path().join("app.log.00000001")).unwrap();
    dir.write("app.log", b"\x00binary");
    let run = logfix(&["tail", dir.arg()]).expect(2);
    assert!(run.stderr.contains("is a binary file, not a log"), "{}", run.stderr);
}

/// As `query` does: a directory whose log has another name (`LOGFIX_FILE=svc.log`) is named, with
/// the option that reads it, and `-f` says so once while it waits.
#[test]
fn a_log_under_another_name_is_named() {
    let dir = Dir::new("tail-other-name");
    dir.write("svc.log", line(1, "info", "a", "e", "r"));
    let hint = format!(
        "logfix: {} holds no app.log and no rotated app.log.* file, but svc.log: choose one with \
         --file",
        dir.arg()
    );
    let run = logfix(&["tail", dir.arg()]).expect(2);
    assert_eq!(run.stderr, format!("{hint}\n"));

    let follow = Follow::start(&["tail", "-f", "--format", "json", dir.arg()]);
    assert_eq!(
        follow.next_error(),
        format!("{hint}; waiting for {} to appear", dir.path().join("app.log").display())
    );
    dir.write("app.log", line(2, "info", "a", "e", "r"));
    assert_eq!(follow.next_number(), 2);

    let run = logfix(&["tail", "--file", "svc.log", "--format", "json", dir.arg()]).expect(0);
    assert_eq!(run.stdout, line(1, "info", "a", "e", "r"));
}
