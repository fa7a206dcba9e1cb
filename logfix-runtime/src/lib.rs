//! logfix: structured JSON logging whose events are checked at compile time.
//!
//! Every line is one JSON object: `timestamp, level, component, event, message`, then the request
//! context (`request_id, correlation_id, user_id, trace_id, span_id`) when known, then the event's
//! fields. Events are structs with `#[derive(LogEvent)]`: a missing component or message, a
//! placeholder naming no field or a secret one, a reserved key, an unloggable type or an untagged
//! sensitive field is a compile error. Lines are rendered on the calling thread and written by one
//! background thread (`logfix-writer`) that owns all I/O: the log directory (with fallbacks), size
//! rotation, gzip, retention, and stderr when the file cannot be written. `tracing` and `log`
//! events of every other crate go through the same pipeline, in the same schema.
//!
//! This page takes you from nothing to a logging service. The examples run as tests: where they
//! show what was logged, they capture it with `logfix-testkit` (a dev-dependency of your crate).
//!
//! # 1. Add it
//!
//! `logfix-runtime` is the only crate you depend on; it re-exports the macros.
//!
//! ```toml
//! [dependencies]
//! logfix-runtime = { path = "../logfix-runtime", features = ["tower", "signal", "metrics"] }
//!
//! [dev-dependencies]
//! logfix-testkit = { path = "../logfix-testkit" }
//! ```
//!
//! | feature | default | what |
//! |---|---|---|
//! | `macros` | yes | `#[derive(LogEvent)]` and `#[logged]` |
//! | `tracing` | yes | the `tracing` bridge ([`bridge::tracing`]); without `init()`, events go to the application's `tracing` subscriber |
//! | `log` | yes | the `log` bridge ([`bridge::log`]) |
//! | `tower` | no | [`web::AccessLogLayer`]: request ids, context and an access event per request |
//! | `signal` | no | `shutdown_signal()`: SIGTERM and SIGINT for a graceful shutdown (Tokio) |
//! | `metrics` | no | `MetricsSnapshot::publish()`: the logger's counters through the `metrics` facade |
//! | `opentelemetry` | no | `trace_id`/`span_id` from the current OpenTelemetry span |
//! | `serde` | no | `#[log(serde)]`: `serde::Serialize` fields as nested JSON |
//! | `max_level_*`, `release_max_level_*` | no | compile-time level ceilings, as in `log` and `tracing`: see [`STATIC_MAX_LEVEL`] |
//!
//! # 2. Define events
//!
//! One struct per kind of event. `component` and `message` are required; `event` defaults to the
//! struct's name in snake case, `level` to `info`. Fields are logged with their [`Value`] impl
//! (strings, numbers, booleans, options, sequences, ...), or marked `#[log(display)]`,
//! `#[log(debug)]`, `#[log(redact)]` (the key is written, the value is `"[REDACTED]"`),
//! `#[log(skip)]` or `#[log(rename = "...")]`. A field named like a secret (`password`, `token`,
//! `api_key`, ...) must be redacted or skipped, or the struct does not compile.
//!
//! ```
//! use logfix_runtime::LogEvent;
//!
//! #[derive(LogEvent)]
//! #[log(component = "payments", level = "error", message = "charge failed for order {order_id}")]
//! struct ChargeFailed<'a> {
//!     order_id: &'a str,
//!     amount_cents: i64,
//!     #[log(redact)]
//!     card_number: &'a str,
//!     #[log(display)]
//!     reason: std::io::Error,
//! }
//!
//! let events = logfix_testkit::capture(|| {
//!     let reason = std::io::Error::other("card declined");
//!     logfix_runtime::emit(&ChargeFailed { order_id: "A-1", amount_cents: 1999, card_number: "4242", reason });
//! });
//! let line = &events[0];
//! assert_eq!(line["event"], "charge_failed");
//! assert_eq!(line["level"], "error");
//! assert_eq!(line["message"], "charge failed for order A-1");
//! assert_eq!(line["card_number"], "[REDACTED]");
//! assert_eq!(line["reason"], "card declined");
//! ```
//!
//! # 3. Start logging
//!
//! Call [`init`] once at the start of `main`: it reads the configuration from `LOGFIX_*` variables,
//! starts the writer, installs the panic hook and the `tracing` and `log` bridges. It never fails:
//! a bad setting is replaced by its default and reported in a `config_invalid` line. The logger
//! lives until the process ends; the guard writes out the queued lines when dropped, and the lines
//! are written out when the process exits normally anyway.
//!
//! ```no_run
//! // At the start of `main`:
//! let _guard = logfix_runtime::init(); // logs/app.log, JSON, info and above, rotated at 100 MB
//! ```
//!
//! [`Config`] sets the same values in code; the variables still win, so that operators can change a
//! setting without a rebuild. [`Config::build`] makes a [`Logger`] of your own instead of the
//! global one:
//!
//! ```
//! use logfix_runtime::{Config, Level, LogEvent};
//!
//! #[derive(LogEvent)]
//! #[log(component = "export", level = "debug", message = "exported {rows} rows")]
//! struct Exported {
//!     rows: u32,
//! }
//!
//! let dir = std::env::temp_dir().join(format!("logfix-guide-{}", std::process::id()));
//! let logger = Config::new().dir(dir.clone()).level(Level::Debug).build();
//! logger.emit(&Exported { rows: 3 });
//! logger.shutdown(); // writes out everything; `init()`'s logger does it at exit
//! let file = dir.join("app.log");
//! assert_eq!(logfix_testkit::validate_file(&file).unwrap(), 2); // `logging_started`, then ours
//! assert!(std::fs::read_to_string(&file).unwrap().contains(r#""message":"exported 3 rows""#));
//! # std::fs::remove_dir_all(dir).unwrap();
//! ```
//!
//! ## Configuration
//!
//! A bad value never stops the program: the default is used instead and one
//! `"component":"logfix","event":"config_invalid"` event says which variable, the rejected value and
//! the value used.
//!
//! | variable | default | accepted values |
//! |---|---|---|
//! | `LOGFIX_ENV` | `production` | `development` (level `debug`, `pretty` on stderr, file), `staging` (`debug`, JSON, file only), `production` (`info`, JSON, file only) |
//! | `LOGFIX_LEVEL` | from the preset | a level (`trace`, `debug`, `info`, `warn`, `error`, `off`) and/or `component=level` directives: `warn,auth=debug,hyper=off`. A directive covers the components below it (`db` covers `db.pool` and the target `db::pool`); the longest match wins |
//! | `LOGFIX_FORMAT` | from the preset | `json`, `pretty` (the console's format; files are always JSON, so with the console off, as in `staging` and `production`, `pretty` is reported as `config_invalid` and JSON kept) |
//! | `LOGFIX_CONSOLE` | from the preset | `stdout`, `stderr`, `off` |
//! | `LOGFIX_SCHEMA` | `logfix` | `logfix`, `ecs`: the schema of the JSON lines in the file, on stderr and on a JSON console. `ecs` writes the Elastic Common Schema form ([schema/README.md](schema/README.md)); the pretty console and the audit trail keep the logfix schema |
//! | `LOGFIX_SERVICE_NAME` | the executable's name | with `LOGFIX_SCHEMA=ecs`: `service.name`, at most 256 bytes |
//! | `LOGFIX_SERVICE_VERSION` | none | with `LOGFIX_SCHEMA=ecs`: `service.version`, written when set |
//! | `LOGFIX_SERVICE_ENVIRONMENT` | none | with `LOGFIX_SCHEMA=ecs`: `service.environment`, written when set |
//! | `LOGFIX_EVENT_DATASET` | `<service name>.log` | with `LOGFIX_SCHEMA=ecs`: `event.dataset` |
//! | `LOGFIX_FILE_ENABLED` | `true` | `true`, `false` (also `1/0`, `yes/no`, `on/off`): `false` with `LOGFIX_CONSOLE=stdout` for containers. With the console off too, lines go to stderr and a `config_invalid` event says so (to write nothing, set `LOGFIX_LEVEL=off`) |
//! | `LOGFIX_DIR` | `logs` under the working directory | a directory; created at start-up. `~` is not expanded (systemd, Docker and Kubernetes pass it as it is): a path starting with it is refused. If it cannot be created or written: `<temp dir>/logfix-<uid>` (mode `0700`, refused unless it is the user's own directory), then stderr |
//! | `LOGFIX_FILE` | `app.log` | a file name without a directory |
//! | `LOGFIX_FILE_MODE` | `0640` | octal permissions of the files logfix creates, `0600` to `0777`; directories get execute wherever files get read (`0750`) |
//! | `LOGFIX_MAX_FILE_SIZE` | `100MB` | a size: `B`, `KB`, `MB`, `GB` (powers of 1000), `KiB`, `MiB`, `GiB` (powers of 1024); at least `1KiB` |
//! | `LOGFIX_MAX_FILES` | `10` | rotated files kept, `0` to `100000` |
//! | `LOGFIX_COMPRESS` | `gzip` | `gzip`, `none` |
//! | `LOGFIX_MAX_AGE` | none | a duration (`ms`, `s`, `m`, `h`, `d`): rotated files older than this are deleted, e.g. `30d` |
//! | `LOGFIX_MAX_TOTAL_SIZE` | none | a size, at least `LOGFIX_MAX_FILE_SIZE`: the oldest rotated files are deleted while they and the active file together are larger, at each rotation; between rotations the active file grows, so the disk holds at most this plus one `LOGFIX_MAX_FILE_SIZE` |
//! | `LOGFIX_OVERFLOW` | `block` | `block` (a caller waits when the queue is full: nothing is lost), `drop` (the full batch, up to 64 events, is dropped, counted, and reported in an `events_dropped` line) |
//! | `LOGFIX_QUEUE_CAPACITY` | `16384` | events between the callers and the writer, `1` to `16777216` |
//! | `LOGFIX_MAX_LINE` | `64KiB` | a size, at least `1KiB`: a longer line has its longest values cut (with `...[truncated]`) until it fits, stays one valid line, and is counted (`metrics().truncated_lines`); keys and the component are kept whole, so a line of very many or very long keys can stay longer; 64 KiB is under what shippers and stores take whole |
//! | `LOGFIX_RATE_LIMIT` | none | `component=N/s` or `N/m` directives, comma-separated (`hyper=50/s,sqlx=600/m`): each `tracing`/`log` call site of a component covered lets N events through per second (minute); the rest are counted (`metrics().suppressed`) and summed up in one `suppressed` line when the call site next writes. A derived event type limits itself with `#[log(rate = "100/s")]` |
//! | `LOGFIX_FLUSH_INTERVAL` | `100ms` | a duration: the longest a line waits before it reaches the file when traffic is low |
//! | `LOGFIX_REDACT_KEYS` | none | names added to the sensitive-name vocabulary, separated by commas: `tenant_key,x-internal-auth` (matched by words, like the built-in names: see `logfix_runtime::redact`) |
//! | `LOGFIX_REDACT_PATTERNS` | none | regular expressions, one per line, whose matches are redacted from free text besides the built-in kinds of secrets; a bad one is reported and ignored ([docs/REDACTION.md](docs/REDACTION.md)) |
//! | `LOGFIX_REDACT_KEY` | none | the key of keyed pseudonyms (HMAC-SHA256), at least 32 bytes, e.g. from `openssl rand -hex 32`; never written in any line |
//! | `LOGFIX_AUDIT_FILE` | `audit.log` | the audit trail's file name, in `LOGFIX_DIR` (see [`docs/AUDIT.md`](docs/AUDIT.md)) |
//! | `LOGFIX_AUDIT_KEY` | none | a secret (any non-empty value) that keys the audit trail's chain with HMAC-SHA256; without it the chain is plain SHA-256, which detects accidents and naive edits only. Never written anywhere |
//! | `LOGFIX_AUDIT_MAX_AGE` | none (kept forever) | a duration: compressed audit files older than this are deleted; audit files are never deleted by count or size |
//! | `NO_COLOR` | unset | any non-empty value turns colour off in the pretty format (colour is only used on a terminal) |
//!
//! # 4. Request context
//!
//! Every event emitted inside a [`Context`] carries its identifiers, also `tracing` and `log`
//! events, also across `.await` with [`WithLogContext::with_log_context`] (spawned tasks take
//! [`Context::current`] with them).
//!
//! ```
//! use logfix_runtime::{Context, LogEvent};
//!
//! #[derive(LogEvent)]
//! #[log(component = "orders", message = "order {order} placed")]
//! struct OrderPlaced {
//!     order: u64,
//! }
//!
//! let events = logfix_testkit::capture(|| {
//!     Context::new().request_id("req-7").user_id("u-42").scope(|| {
//!         logfix_runtime::emit(&OrderPlaced { order: 9 });
//!         tracing::info!(target: "orders::db", rows = 1, "order saved");
//!     });
//! });
//! assert_eq!(events[0]["request_id"], "req-7");
//! assert_eq!(events[1]["component"], "orders::db");
//! assert_eq!(events[1]["user_id"], "u-42");
//! ```
//!
//! # 5. Functions: `#[logged]`
//!
//! One event per call, with the arguments, `duration_us` and `outcome` (`ok`, `error` with the
//! error and its sources, `panicked`, or `cancelled` for a future dropped before it finished).
//!
//! ```
//! use logfix_runtime::logged;
//!
//! #[logged(component = "auth")]
//! fn login(user: &str, #[log(skip)] password: &str) -> Result<u64, String> {
//!     if password == "hunter2" { Ok(42) } else { Err("wrong password".into()) }
//! }
//!
//! let events = logfix_testkit::capture(|| {
//!     let _ = login("ann", "hunter2");
//!     let _ = login("ann", "guess");
//! });
//! assert_eq!(events[0]["outcome"], "ok");
//! assert_eq!(events[0]["user"], "ann");
//! assert_eq!(events[1]["level"], "error");
//! assert_eq!(events[1]["error"], "wrong password");
//! assert!(events.lines().iter().all(|line| !line.contains("hunter2")));
//! ```
//!
//! # 6. A web service
//!
//! With the `tower` feature, [`web::AccessLogLayer`] gives each request an id (from `X-Request-ID`,
//! `X-Correlation-ID` and `traceparent`, or generated), sets the context for the handler and
//! everything it calls, and writes one access event per request. With `signal`,
//! `shutdown_signal()` lets the server finish its requests on SIGTERM before `main` returns and
//! logfix writes out the last lines. With `metrics`, `metrics().publish()` serves the logger's
//! counters through any `metrics` exporter, and [`set_filter`] changes the levels at run time:
//!
//! ```ignore
//! let _guard = logfix_runtime::init();
//! let app = Router::new()
//!     .route("/api/items", get(list_items))
//!     .route("/metrics", get(|| async {
//!         logfix_runtime::metrics().publish();
//!         prometheus.render()
//!     }))
//!     .route("/admin/log-level", put(|directives: String| async move {
//!         match logfix_runtime::set_filter(&directives) {
//!             Ok(()) => (StatusCode::OK, directives),
//!             Err(e) => (StatusCode::BAD_REQUEST, e.to_string()),
//!         }
//!     }))
//!     .layer(AccessLogLayer::new());
//! axum::serve(listener, app).with_graceful_shutdown(logfix_runtime::shutdown_signal()).await?;
//! ```
//!
//! The whole service, with its tests, is `examples/web_service` in the repository
//! (`cargo run -p logfix-examples --bin web_service`).
//!
//! # 7. In a library
//!
//! A library derives and emits its events like an application, and never calls `init()`: its
//! lines go where its application sends its own. With `init()`, into logfix's file. With only a
//! `tracing` subscriber (global or the thread's), as `tracing` events: target = component, name =
//! event, the event's level, and `message`, the fields (already redacted) and the context as
//! fields, filtered by that subscriber. With neither, to stderr as JSON at `info` and above, or at
//! `LOGFIX_LEVEL` (`off` for none).
//!
//! ```
//! use logfix_runtime::LogEvent;
//!
//! #[derive(LogEvent)]
//! #[log(component = "inventory", message = "reserved {quantity} of {sku}")]
//! struct Reserved<'a> {
//!     sku: &'a str,
//!     quantity: u32,
//! }
//!
//! // An application that uses only `tracing` (here: a subscriber that keeps event names).
//! struct Names(std::sync::Mutex<Vec<String>>);
//! impl tracing::Subscriber for Names {
//!     fn enabled(&self, _: &tracing::Metadata<'_>) -> bool { true }
//!     fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id { tracing::span::Id::from_u64(1) }
//!     fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
//!     fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
//!     fn event(&self, event: &tracing::Event<'_>) {
//!         let meta = event.metadata();
//!         self.0.lock().unwrap().push(format!("{} {} {}", meta.level(), meta.target(), meta.name()));
//!     }
//!     fn enter(&self, _: &tracing::span::Id) {}
//!     fn exit(&self, _: &tracing::span::Id) {}
//! }
//!
//! let names = std::sync::Arc::new(Names(Default::default()));
//! tracing::subscriber::with_default(names.clone(), || {
//!     logfix_runtime::emit(&Reserved { sku: "teapot", quantity: 2 });
//! });
//! assert_eq!(*names.0.lock().unwrap(), ["INFO inventory reserved"]);
//! ```
//!
//! # 8. One-off lines
//!
//! A line that does not deserve a struct goes through `tracing` (the `tracing` feature, on by
//! default): the target is the `component`, `name:` the `event`, the fields are fields.
//!
//! ```
//! let events = logfix_testkit::capture(|| {
//!     tracing::info!(name: "refund_issued", target: "billing", order_id = 7, "refund issued");
//! });
//! assert_eq!(events[0]["component"], "billing");
//! assert_eq!(events[0]["event"], "refund_issued");
//! assert_eq!(events[0]["order_id"], 7);
//! assert_eq!(events[0]["message"], "refund issued");
//! ```
//!
//! # 9. Tests
//!
//! `logfix-testkit` captures what your code emits on the test's thread (`capture`) or on every
//! thread (`capture_all`), `tracing` and `log` events included, asserts on it (`assert_logged!`,
//! `assert_not_logged!`) and validates lines and files against the published schema.
//!
//! # 10. Operating it
//!
//! [`metrics()`](fn@metrics) counts lines by level and component, drops, write failures, rotations and bytes.
//! The repository's `docs/OPERATIONS.md` covers the log directory and its fallbacks, rotation,
//! compression, retention and the worst-case disk use, what each way of stopping the process can
//! lose (SIGTERM, SIGKILL, `process::exit`), and shipping to ELK, Fluentd and Fluent Bit;
//! `schema/logfix-event.schema.json` is the line format; the `logfix` command (`logfix-cli`)
//! queries, follows and checks log directories.
//!
//! [`audit()`] is the exception that waits for I/O: it writes an event to the audit trail
//! (`audit.log`) and returns `Ok` only once the record is synced; records are chained so that
//! [`audit::verify`] finds any edited, inserted, deleted or reordered record (see
//! `docs/AUDIT.md`).
#![cfg_attr(all(docsrs, logfix_doc_cfg), feature(doc_cfg))]

extern crate self as logfix_runtime;

pub mod audit;
pub mod bridge;
mod call;
mod capture;
mod clock;
mod config;
mod context;
mod dispatch;
mod error;
mod event;
mod file_names;
mod filter;
mod fork;
mod global;
mod guard;
mod handoff;
mod interest;
mod metrics;
mod oneshot;
#[cfg(feature = "metrics")]
mod publish;
#[cfg_attr(
    not(any(feature = "tracing", feature = "log")),
    allow(dead_code, reason = "rate limits apply to the bridges' call sites")
)]
mod rate;
pub mod redact;
#[cfg(feature = "tracing")]
mod relay;
mod render;
mod schema;
#[cfg(feature = "signal")]
mod signal;
mod sink;
#[cfg(feature = "tower")]
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "tower")))]
pub mod web;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::metrics::{LevelCounts, MetricsSnapshot, MAX_COMPONENTS, OTHER_COMPONENTS};
pub use audit::AuditError;
pub use config::{
    AuditKey, Compression, Config, ConfigIssue, Console, Environment, Overflow, Schema, Settings,
    DEFAULT_AUDIT_FILE, DEFAULT_DIR, DEFAULT_FILE, DEFAULT_FILE_MODE, DEFAULT_FLUSH_INTERVAL,
    DEFAULT_MAX_FILES, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_LINE, DEFAULT_QUEUE_CAPACITY,
    DEFAULT_RETRY_AFTER, SECRET_VARIABLES, VARIABLES,
};
pub use context::{Context, ContextValue, Entered, WithContext, WithLogContext};
pub use dispatch::{audit, emit, flush, global, metrics, set_filter, shutdown, Logger};
pub use error::ParseError;
pub use event::{
    Level, LogEvent, Metadata, ParseLevelError, CONTEXT_KEYS, REDACTED, RESERVED_KEYS,
    STATIC_MAX_LEVEL,
};
pub use filter::{Filter, FilterError};
pub use global::init;
pub use guard::Guard;
/// The Elastic Common Schema form of a line (`LOGFIX_SCHEMA=ecs`): its fields and their types.
pub use logfix_core::ecs;
pub use rate::{Rate, RateLimits};
pub use render::{Format, Value, ValueWriter, Written};
#[cfg(feature = "signal")]
pub use signal::shutdown_signal;

/// The directories the file sink tries, in order, for the settings `settings`: the configured
/// one (`LOGFIX_DIR`, else [`DEFAULT_DIR`] under the working directory), then `logfix-<uid>`
/// under the system temp directory (private to the user). The first that can be created and
/// written is used; when none can, lines go to stderr. For tools that tell where lines would go
/// (`logfix doctor`).
///
/// # Examples
/// ```
/// use logfix_runtime::{log_directories, Config};
///
/// let (settings, _) = Config::new().dir("/srv/app/logs").resolve();
/// let dirs = log_directories(&settings);
/// assert_eq!(dirs[0], std::path::PathBuf::from("/srv/app/logs"));
/// assert!(dirs[1].starts_with(std::env::temp_dir()));
/// ```
#[must_use]
pub fn log_directories(settings: &Settings) -> Vec<std::path::PathBuf> {
    sink::dir::candidates(settings).into_iter().map(|d| d.path).collect()
}

/// If `name` is a rotated file of the log (or audit trail) `file`, as the file sink names them
/// (`app.log.00000042`, and `app.log.00000042.gz` once compressed): its rotation number and
/// whether it is the compressed form. Rotations are numbered in the order they happened, so the
/// numbers order a log's files; any other name (another tool's `app.log.1`) is `None`. For
/// tools that read a log's files in the order they were written (`logfix tail -f`).
///
/// # Examples
/// ```
/// use logfix_runtime::parse_rotated_name;
///
/// assert_eq!(parse_rotated_name("app.log", "app.log.00000042"), Some((42, false)));
/// assert_eq!(parse_rotated_name("app.log", "app.log.00000042.gz"), Some((42, true)));
/// assert_eq!(parse_rotated_name("app.log", "app.log.1"), None);
/// assert_eq!(parse_rotated_name("app.log", "app.log"), None);
/// ```
#[must_use]
pub fn parse_rotated_name(file: &str, name: &str) -> Option<(u64, bool)> {
    file_names::parse_rotated(file, name)
}

#[cfg(feature = "macros")]
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "macros")))]
pub use logfix_macros::logged;
#[cfg(feature = "macros")]
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "macros")))]
pub use logfix_macros::LogEvent;
