//! The service of `examples/web_service.rs`: an axum router whose every log line, from logfix,
//! `tracing` or `log`, carries the request's ids. `examples/tests/web_service.rs` serves the same
//! router (it includes this file with `#[path]`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use logfix_runtime::web::AccessLogLayer;
use logfix_runtime::{Context, LogEvent, WithLogContext};
use serde::{Deserialize, Serialize};

/// The password `POST /login` accepts (for any user name).
const PASSWORD: &str = "correct horse battery staple";

#[derive(LogEvent)]
#[log(component = "shop", message = "listed {count} items")]
struct ItemsListed {
    count: usize,
    in_stock: usize,
}

#[derive(LogEvent)]
#[log(component = "shop", message = "stock checked for {count} items")]
struct StockChecked {
    count: usize,
    in_stock: usize,
}

#[derive(LogEvent)]
#[log(component = "auth", message = "user {username} logged in")]
struct LoginSucceeded<'a> {
    username: &'a str,
}

#[derive(LogEvent)]
#[log(component = "auth", level = "warn", message = "login refused for {username}")]
struct LoginRefused<'a> {
    username: &'a str,
    // A field named like a secret must be redacted or skipped, or the derive refuses to compile.
    #[log(redact)]
    password: &'a str,
}

#[derive(LogEvent)]
#[log(component = "shop", level = "error", message = "inventory backend failed: {reason}")]
struct BackendFailed<'a> {
    reason: &'a str,
}

#[derive(Serialize)]
struct Item {
    id: u32,
    name: &'static str,
}

/// The body of `POST /login`.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// The service's routes, with the access-log layer: `GET /api/items`, `POST /login`,
/// `GET /boom` (panics) and `GET /fail` (answers 500). Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that access events have the client.
pub fn router() -> Router {
    Router::new()
        .route("/api/items", get(list_items))
        .route("/login", post(login))
        .route("/boom", get(boom))
        .route("/fail", get(fail))
        // `Router::layer` wraps each route, so the layer sees the matched route template.
        .layer(
            AccessLogLayer::new()
                .route_from(|ext| ext.get::<MatchedPath>().map(MatchedPath::as_str))
                .client_from(|ext| ext.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)),
        )
}

async fn list_items() -> Json<Vec<Item>> {
    let items = vec![Item { id: 1, name: "teapot" }, Item { id: 2, name: "kettle" }];
    // `tracing` and `log` events carry the request's context too.
    tracing::info!(target: "shop::cache", hit = false, "item cache miss");
    log::info!(target: "shop::db", "loaded {} items", items.len());
    // A spawned task runs outside the request's future: hand it the context explicitly.
    let count = items.len();
    let in_stock =
        tokio::spawn(check_stock(count).with_log_context(Context::current())).await.unwrap_or(0);
    logfix_runtime::emit(&ItemsListed { count, in_stock });
    Json(items)
}

async fn check_stock(count: usize) -> usize {
    tokio::task::yield_now().await;
    let in_stock = count; // Business is good.
    logfix_runtime::emit(&StockChecked { count, in_stock });
    in_stock
}

async fn login(Json(credentials): Json<Credentials>) -> StatusCode {
    let username = credentials.username.as_str();
    // Everything logged while the login is handled also carries the user id.
    async {
        if credentials.password == PASSWORD {
            logfix_runtime::emit(&LoginSucceeded { username });
            StatusCode::OK
        } else {
            logfix_runtime::emit(&LoginRefused { username, password: &credentials.password });
            StatusCode::UNAUTHORIZED
        }
    }
    .with_log_context(Context::new().user_id(username))
    .await
}

#[allow(
    clippy::panic,
    reason = "the route shows what the access log records when a handler panics"
)]
async fn boom() -> &'static str {
    panic!("boom: the handler panicked")
}

async fn fail() -> (StatusCode, &'static str) {
    logfix_runtime::emit(&BackendFailed { reason: "connection refused" });
    (StatusCode::INTERNAL_SERVER_ERROR, "inventory backend unavailable")
}
