//! Values users have, through a logger and its file: a level chosen at run time meets the
//! filter, and the new value kinds are written in both formats.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::time::Duration;

use logfix_runtime::{Config, Level, LogEvent};

#[derive(LogEvent)]
#[log(component = "jobs", level = dynamic, message = "job {id} took {elapsed_us} us")]
struct JobDone {
    level: Level,
    id: u64,
    elapsed_us: Duration,
    #[log(hex)]
    checksum: [u8; 2],
}

fn job(level: Level, id: u64) -> JobDone {
    JobDone { level, id, elapsed_us: Duration::from_micros(42), checksum: [0xbe, 0xef] }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("logfix-values-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The filter sees each event's own level, not its type's.
#[test]
fn a_level_chosen_at_run_time_meets_the_filter() {
    let dir = scratch("filter");
    let logger = Config::new().dir(dir.clone()).build();
    logger.set_filter("warn").unwrap();
    for (level, id) in [(Level::Info, 1), (Level::Warn, 2), (Level::Debug, 3), (Level::Error, 4)] {
        logger.emit(&job(level, id));
    }
    logger.shutdown();
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let jobs: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|line: &serde_json::Value| line["component"] == "jobs")
        .collect();
    let seen: Vec<(&str, u64)> =
        jobs.iter().map(|j| (j["level"].as_str().unwrap(), j["id"].as_u64().unwrap())).collect();
    assert_eq!(seen, [("warn", 2), ("error", 4)]);
    assert_eq!(jobs[0]["elapsed_us"], 42);
    assert_eq!(jobs[0]["checksum"], "beef");
    assert_eq!(jobs[0]["message"], "job 2 took 42 us");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_pretty_format_shows_the_same_values() {
    let line = logfix_runtime::__private::render_pretty(&job(Level::Error, 9));
    assert!(line.contains("ERROR jobs.job_done: job 9 took 42 us"), "{line}");
    assert!(line.ends_with("id=9 elapsed_us=42 checksum=\"beef\""), "{line}");
}
