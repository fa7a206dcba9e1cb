//! The main example: configure logfix from the environment, write a few events (ours, with a
//! request context, and one through `tracing`), and print where they went.
//!
//! ```sh
//! cargo run -p logfix-examples --example quickstart
//! LOGFIX_ENV=development cargo run -p logfix-examples --example quickstart   # pretty lines on stderr too
//! ```
#![allow(clippy::print_stdout, reason = "an example reports what it did")]

use logfix_runtime::{Context, LogEvent};

#[derive(LogEvent)]
#[log(component = "auth", message = "user {user_id} logged in")]
struct UserLogin<'a> {
    user_id: &'a str,
    #[log(redact)]
    email: &'a str,
}

#[derive(LogEvent)]
#[log(
    component = "payments",
    event = "charge_failed",
    level = "error",
    message = "charge failed for order {order_id}"
)]
struct ChargeFailed {
    order_id: String,
    amount_cents: i64,
    #[log(skip)]
    card: Card,
}

/// Card details: no `Value` impl, so it could not be logged by accident.
struct Card;

fn main() {
    let _guard = logfix_runtime::init();

    logfix_runtime::emit(&UserLogin { user_id: "u-42", email: "ann@example.com" });

    let request = Context::new().request_id("req-7f3a9c").user_id("u-42");
    request.scope(|| {
        logfix_runtime::emit(&ChargeFailed {
            order_id: "A-1".into(),
            amount_cents: 1999,
            card: Card,
        });
        // A crate that logs through `tracing` ends up in the same file, in the same schema.
        tracing::warn!(target: "payments::gateway", attempt = 3, "gateway timed out");
    });

    logfix_runtime::flush();
    match logfix_runtime::global().and_then(|logger| logger.file_path()) {
        Some(path) => println!("logfix wrote its events to {}", path.display()),
        None => {
            println!("logfix wrote its events to the console (file logging is off or unavailable)");
        }
    }
    let m = logfix_runtime::metrics();
    println!(
        "lines written: {}, dropped: {}, to stderr: {}",
        m.lines_written, m.dropped, m.stderr_lines
    );
}
