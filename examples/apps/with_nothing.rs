//! An application with no logger at all, using a library that logs with logfix
//! (`examples/library`): the library's lines go to stderr as JSON, at `info` and above unless
//! `LOGFIX_LEVEL` says otherwise (`off` silences them).
//!
//! ```sh
//! LOGFIX_LEVEL=debug cargo run -p logfix-examples --bin app_with_nothing
//! ```

use logfix_example_library::Inventory;

fn main() {
    let mut stock = Inventory::new();
    stock.add("teapot", 3);
    let _ = stock.reserve("teapot", 2, "ann@example.com");
    let _ = stock.reserve("teapot", 5, "bob@example.com");
}
