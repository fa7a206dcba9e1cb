//! The compile-time level ceiling. Run with the feature on (as CI does):
//! `cargo test -p logfix-runtime --features max_level_info --test level_ceiling`; without it
//! this file is empty, since the feature changes what every other test sees.
#![cfg(feature = "max_level_info")]
// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`.
#![allow(clippy::panic, reason = "test code")]

use core::fmt;

use logfix_runtime::{logged, Level, LogEvent, STATIC_MAX_LEVEL};

/// Fails the test if it is ever formatted: an event above the ceiling must not be rendered.
struct Tripwire;

impl fmt::Display for Tripwire {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("an event above the compile-time ceiling was rendered");
    }
}

#[derive(LogEvent)]
#[log(component = "db", level = "debug", message = "query {sql}")]
struct Query {
    #[log(display)]
    sql: Tripwire,
}

#[derive(LogEvent)]
#[log(component = "db", message = "connected")]
struct Connected;

#[logged(component = "db", level = "debug", err_level = "debug")]
fn ping(#[log(display)] target: &Tripwire) -> Result<(), String> {
    let _ = target;
    Ok(())
}

#[test]
fn the_ceiling_is_the_feature() {
    assert_eq!(STATIC_MAX_LEVEL, Some(Level::Info));
}

/// A capture wants every level at run time: only the ceiling can keep the debug event out.
#[test]
fn events_above_the_ceiling_are_neither_rendered_nor_captured() {
    let events = logfix_testkit::capture(|| {
        logfix_runtime::emit(&Query { sql: Tripwire });
        let _ = ping(&Tripwire);
        logfix_runtime::emit(&Connected);
    });
    assert_eq!(events.len(), 1, "{:?}", events.lines());
    assert_eq!(events[0]["event"], "connected");
}

#[test]
fn a_logger_never_enables_a_level_above_the_ceiling() {
    let dir = std::env::temp_dir().join(format!("logfix-ceiling-{}", std::process::id()));
    let logger = logfix_runtime::Config::new().dir(dir.clone()).build();
    logger.set_filter("trace").unwrap();
    assert!(!logger.enabled("db", Level::Debug));
    assert!(logger.enabled("db", Level::Info));
    logger.emit(&Query { sql: Tripwire });
    logger.shutdown();
    let _ = std::fs::remove_dir_all(dir);
}
