//! An axum service logging through logfix: request ids, context in every line (from logfix,
//! `tracing` and `log`, also in spawned tasks), and one access event per request.
//!
//! ```sh
//! cargo run -p logfix-examples --bin web_service
//! curl -i -H 'X-Request-ID: demo-1' 'http://127.0.0.1:3000/api/items?page=1&token=abc'
//! ```
//!
//! It listens on `WEB_ADDR` (default `127.0.0.1:3000`; port 0 picks a free port) and prints
//! the address it bound. SIGTERM or Ctrl-C shuts it down gracefully: the requests in progress
//! finish and every line is written. The routes are in `web_service/app.rs`; see `docs/web.md`.
#![allow(clippy::print_stdout, reason = "an example: it tells the user where it listens")]

#[path = "web_service/app.rs"]
mod app;

use std::error::Error;
use std::net::SocketAddr;

/// The address served when `WEB_ADDR` is not set.
const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The logger, and the bridges that bring `tracing` and `log` events into it.
    let _guard = logfix_runtime::init();
    let addr = std::env::var("WEB_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // SIGTERM (`docker stop`, Kubernetes) or Ctrl-C: stop accepting, let the requests in
    // progress finish, then return.
    axum::serve(listener, app::router().into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            logfix_runtime::shutdown_signal().await;
            println!("shutting down: finishing the requests in progress");
        })
        .await?;
    // `_guard` is dropped here, after the last request: it writes out every queued line.
    Ok(())
}
