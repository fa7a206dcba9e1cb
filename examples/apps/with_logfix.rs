//! An application that logs with logfix and uses a library that does too
//! (`examples/library`): the library's lines go into the application's log file, filtered by
//! `LOGFIX_LEVEL`, like the application's own.
//!
//! ```sh
//! LOGFIX_DIR=/tmp/app cargo run -p logfix-examples --bin app_with_logfix && cat /tmp/app/app.log
//! ```

use logfix_example_library::Inventory;

fn main() {
    let _guard = logfix_runtime::init();
    let mut stock = Inventory::new();
    stock.add("teapot", 3);
    let _ = stock.reserve("teapot", 2, "ann@example.com");
    let _ = stock.reserve("teapot", 5, "bob@example.com");
}
