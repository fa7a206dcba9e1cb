//! An application that logs with `tracing-subscriber`'s JSON formatter and has never heard of
//! logfix, using a library that logs with logfix (`examples/library`): the library's lines
//! arrive as `tracing` events on stdout, filtered by the subscriber's level (`APP_LOG_LEVEL`,
//! `info` by default); `LOGFIX_LEVEL` plays no part.
//!
//! ```sh
//! APP_LOG_LEVEL=debug cargo run -p logfix-examples --bin app_with_tracing
//! ```

use logfix_example_library::Inventory;
use tracing_subscriber::filter::LevelFilter;

fn main() {
    let level = std::env::var("APP_LOG_LEVEL").ok().and_then(|l| l.parse().ok());
    tracing_subscriber::fmt().json().with_max_level(level.unwrap_or(LevelFilter::INFO)).init();
    let mut stock = Inventory::new();
    stock.add("teapot", 3);
    let _ = stock.reserve("teapot", 2, "ann@example.com");
    let _ = stock.reserve("teapot", 5, "bob@example.com");
}
