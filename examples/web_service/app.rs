//! The service of `examples/web_service.rs`: an axum router whose every log line, from logfix,
//! `tracing` or `log`, carries the request's ids. `examples/tests/web_service.rs` serves the same
//! router (it includes this file with `#[path]`).

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, MatchedPath};
use axum::http::{header, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use logfix_runtime::web::AccessLogLayer;
use logfix_runtime::{Context, LogEvent, WithLogContext};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
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
/// `GET /boom` (panics) and `GET /fail` (answers 500); for operators, `GET /metrics`
/// (Prometheus) and `GET`/`PUT /admin/log-level`. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that access events have the client.
///
/// A real service would serve the operators' routes on a port of their own, or behind
/// authentication: whoever can reach `/admin/log-level` can turn debug logging on.
pub fn router() -> Router {
    Router::new()
        .route("/api/items", get(list_items))
        .route("/login", post(login))
        .route("/boom", get(boom))
        .route("/fail", get(fail))
        .route("/metrics", get(metrics))
        .route("/admin/log-level", get(log_level).put(set_log_level))
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

/// The Prometheus recorder, installed as the `metrics` facade's on first use (`None` when the
/// program installed another one).
fn prometheus() -> Option<&'static PrometheusHandle> {
    static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    PROMETHEUS.get_or_init(|| PrometheusBuilder::new().install_recorder().ok()).as_ref()
}

/// `GET /metrics`: logfix's counters (and any other metric of the service) in Prometheus text
/// format.
async fn metrics() -> Result<([(header::HeaderName, &'static str); 1], String), StatusCode> {
    let prometheus = prometheus().ok_or(StatusCode::SERVICE_UNAVAILABLE)?;
    logfix_runtime::metrics().publish();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], prometheus.render()))
}

/// `GET /admin/log-level`: the level directives in force.
async fn log_level() -> (StatusCode, String) {
    match logfix_runtime::global() {
        Some(logger) => (StatusCode::OK, format!("{}\n", logger.filter())),
        None => (StatusCode::SERVICE_UNAVAILABLE, "logfix is not initialised\n".to_owned()),
    }
}

/// `PUT /admin/log-level` with directives as the body (`info,shop=debug`, the syntax of
/// `LOGFIX_LEVEL`): in force for the next event on every thread, and written to the log as a
/// `filter_changed` line. Bad directives change nothing: 400 with what is wrong.
async fn set_log_level(directives: String) -> (StatusCode, String) {
    if logfix_runtime::global().is_none() {
        return log_level().await;
    }
    match logfix_runtime::set_filter(directives.trim()) {
        Ok(()) => log_level().await,
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error}\n")),
    }
}
