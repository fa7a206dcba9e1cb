//! HTTP middleware for tower services (axum, tonic, hyper-util): a request id, a correlation id
//! and a trace id for every request, in force for everything the handler does, and one access
//! event per request.
//!
//! [`AccessLogLayer`] wraps a `Service<http::Request<B>>` whose response is an
//! `http::Response<ResBody>`. For each request it:
//!
//! - takes `X-Request-ID`, `X-Correlation-ID` and `traceparent` from the request, or generates
//!   them: a `UUIDv7` request id, a correlation id equal to the request id, a random W3C trace id
//!   and span id. Incoming ids are untrusted: a request or correlation id is accepted only if it
//!   is 1 to [`MAX_ID_LEN`] bytes of `[A-Za-z0-9._:/@+=-]` ([`is_valid_id`]), a `traceparent`
//!   only if it is well-formed; anything else is replaced as if it were absent, and the access
//!   event says so (`request_id_rejected`, `correlation_id_rejected`, `traceparent_rejected`);
//! - puts these ids in a [`Context`] that is in force whenever the handler's future runs, on
//!   whatever thread polls it, so events of logfix, `tracing` and `log` emitted by the handler
//!   and by what it calls carry them. A task the handler spawns gets them by carrying
//!   `Context::current()` with [`with_log_context`](crate::WithLogContext::with_log_context);
//! - sets the (possibly replaced) `X-Request-ID` and `X-Correlation-ID` on the request the
//!   handler sees, and `X-Request-ID` on the response;
//! - emits one access event when the response head is ready: component `http`, event `request`,
//!   message `GET /api/items 200` (method, route template or else path, status), level `info`
//!   below 400, `warn` for 4xx, `error` for 5xx.
//!
//! # The access event
//!
//! After the context keys (`request_id`, `correlation_id`, `trace_id`, `span_id`) come:
//!
//! | key | value |
//! | --- | --- |
//! | `method` | `GET` |
//! | `route` | the route template from [`AccessLogLayer::route_from`] (`/users/{id}`), or `null` when no route matched or none is known |
//! | `path` | the URI path, as received but for its secrets ([`Scrubber::redact_path`]) |
//! | `query` | the query string with the values that may hold a secret redacted ([`redact_query`](crate::redact::redact_query)), or `null` |
//! | `status` | the response status; `500` after a panic or a service error, `499` when the request was cancelled (see below) |
//! | `duration_us` | microseconds from the call of the service to the response head |
//! | `bytes` | the response body size when known (an exact `size_hint`, else `Content-Length`), else `null` |
//! | `client` | the peer address from [`AccessLogLayer::client_from`], else `null` |
//! | `user_agent` | at most [`MAX_USER_AGENT_LEN`] bytes of `User-Agent`, or `null` |
//! | `request_id_rejected`, `correlation_id_rejected`, `traceparent_rejected` | whether the incoming header was invalid and replaced |
//! | `panicked` | whether the handler panicked |
//! | `error` | the panic message or the service's error, scrubbed ([`Scrubber::scrub`]), else `null` |
//!
//! No other header is read, so `Authorization`, `Cookie` and their kind never reach the log.
//! Secrets in the URL are redacted by the one redaction policy ([`crate::redact`]):
//!
//! - in the query, the values of parameters whose names are sensitive, of URL-signing and OAuth
//!   parameters (`sig`, `X-Amz-Signature`, `code`, `key`, ...), and of parameters whose decoded
//!   value holds a secret or is a URL or query string with such a parameter
//!   (`next=%2Fcb%3Faccess_token%3D...`);
//! - in the path, the segments the route template binds to such names (`/reset/{token}`),
//!   `;jsessionid=`-style parameters, and what the content scrubber finds (a card number, a JWT,
//!   ...; the path is then logged percent-decoded).
//!
//! The operator's `LOGFIX_REDACT_PATTERNS` apply too when the layer runs
//! under a logger installed by [`init`](crate::init).
//! `bytes` and `duration_us` describe the response head: the body is not wrapped, so a streamed
//! body has `bytes: null` and its transfer time is not counted.
//!
//! # Panics and cancellation
//!
//! A handler that panics, in its future or in the service's `call`, is caught: the access event
//! has `status: 500`, `panicked: true` and the panic message in `error`, and the client gets an
//! empty `500 Internal Server Error` with the `X-Request-ID`. This is why `ResBody` must implement
//! `Default` (axum's `Body` and the `http-body-util` bodies do). Catching rather than resuming the
//! panic is deliberate: tokio already confines a panic to the connection's task, so resuming it
//! would only make hyper drop the connection, and the client would get no status and no request
//! id to quote. The process panic hook still runs first: with [`init`](crate::init), it writes a
//! `panic` event that carries the request's ids. (With `panic = "abort"` nothing is caught: the
//! process ends.)
//!
//! A request whose future is dropped before the response (the client went away, a timeout
//! layer outside this one gave up) still gets its access event, when the future is dropped, with
//! status `499` (nginx's "client closed request") at level `warn`.
//!
//! # Examples
//!
//! Any tower service works; here one written by hand, driven without a server:
//!
//! ```
//! use std::convert::Infallible;
//! use std::future::{ready, Future, Ready};
//! use std::pin::pin;
//! use std::task::{Context as TaskContext, Poll, Waker};
//!
//! use http::{Request, Response};
//! use logfix_runtime::web::AccessLogLayer;
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! #[derive(logfix_runtime::LogEvent)]
//! #[log(component = "shop", message = "listed {count} items")]
//! struct ItemsListed {
//!     count: u32,
//! }
//!
//! struct Items;
//!
//! impl Service<Request<String>> for Items {
//!     type Response = Response<String>;
//!     type Error = Infallible;
//!     type Future = Ready<Result<Response<String>, Infallible>>;
//!
//!     fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
//!         Poll::Ready(Ok(()))
//!     }
//!
//!     fn call(&mut self, _request: Request<String>) -> Self::Future {
//!         logfix_runtime::emit(&ItemsListed { count: 2 });
//!         ready(Ok(Response::new("[1,2]".to_owned())))
//!     }
//! }
//!
//! let mut service = AccessLogLayer::new().layer(Items);
//! let request = Request::get("/api/items?page=2&token=abc")
//!     .header("x-request-id", "req-42")
//!     .body(String::new())?;
//!
//! let capture = logfix_testkit::Capture::start();
//! // An async runtime would poll the future; this one is ready at once.
//! let polled = pin!(service.call(request)).poll(&mut TaskContext::from_waker(Waker::noop()));
//! let events = capture.finish();
//!
//! let Poll::Ready(Ok(response)) = polled else { unreachable!() };
//! assert_eq!(response.headers()["x-request-id"], "req-42");
//! // The handler's event carries the request id, and so does the access event.
//! assert_eq!(events.find("shop", "items_listed").unwrap()["request_id"], "req-42");
//! let access = events.find("http", "request").unwrap();
//! assert_eq!(access["message"], "GET /api/items 200");
//! assert_eq!(access["correlation_id"], "req-42");
//! assert_eq!(access["query"], "page=2&token=[REDACTED]");
//! assert_eq!(access["bytes"], 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With axum, apply it with `Router::layer`, so that it sees the route template, and serve with
//! connect info, so that it sees the client address (this is what `examples/web_service.rs`
//! does, where it is compiled and tested):
//!
//! ```ignore
//! use std::net::SocketAddr;
//!
//! use axum::extract::{ConnectInfo, MatchedPath};
//! use axum::{routing::get, Router};
//! use logfix_runtime::web::AccessLogLayer;
//!
//! let app = Router::new()
//!     .route("/api/items", get(list_items))
//!     .layer(
//!         AccessLogLayer::new()
//!             .route_from(|ext| ext.get::<MatchedPath>().map(MatchedPath::as_str))
//!             .client_from(|ext| ext.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)),
//!     );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//! ```

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll};
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http::header::{CONTENT_LENGTH, USER_AGENT};
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::context::Context;
use crate::redact::scrub::Scrubber;
use crate::LogEvent;

/// `X-Request-ID`: read from the request when valid, set on the request and on the response.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `X-Correlation-ID`: read from the request when valid, else the request id; set on the request.
pub const X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");

/// `traceparent` (W3C Trace Context): read from the request when well-formed.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The longest request or correlation id accepted from a client, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// How much of `User-Agent` the access event keeps, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// The status logged for a request whose future was dropped before it produced a response.
const CANCELLED: u16 = 499;

/// Whether `id`, from an untrusted header, may be used as a request or correlation id: 1 to
/// [`MAX_ID_LEN`] bytes, each a letter, a digit or one of `._:/@+=-`. UUIDs, ULIDs, base64 and
/// most tracing ids pass; spaces, quotes, control characters and non-ASCII text do not.
///
/// # Examples
/// ```
/// use logfix_runtime::web::is_valid_id;
///
/// assert!(is_valid_id("0190c5a4-7b1e-7c3a-9f00-5e2d8a1b6c4f"));
/// assert!(is_valid_id("svc-a:req/42@eu+1=x"));
/// assert!(!is_valid_id(""));
/// assert!(!is_valid_id("req 42"));
/// assert!(!is_valid_id("\"},{\"level\":\"error\""));
/// assert!(!is_valid_id(&"a".repeat(129)));
/// ```
#[must_use]
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:/@+=-".contains(&b))
}

/// A new request id: a `UUIDv7` (RFC 9562) in lowercase hyphenated form. The first 48 bits are the
/// Unix time in milliseconds, so ids sort by creation time (which log stores index well); 74 bits
/// are random.
///
/// # Examples
/// ```
/// let id = logfix_runtime::web::new_request_id();
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "7"); // the version
/// assert!(logfix_runtime::web::is_valid_id(&id));
/// ```
#[must_use]
pub fn new_request_id() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random_bytes()).into_uuid();
    uuid.hyphenated().to_string()
}

/// A new W3C trace id (32 lowercase hex digits) and span id (16), random and never all zeros.
fn new_trace_ids() -> (String, String) {
    let mut trace: [u8; 16] = random_bytes();
    let mut span: [u8; 8] = random_bytes();
    // All-zero ids are invalid; the chance is 2^-128 and 2^-64, the fix costs nothing.
    for id in [&mut trace[..], &mut span[..]] {
        if id.iter().all(|b| *b == 0) {
            if let Some(last) = id.last_mut() {
                *last = 1;
            }
        }
    }
    (hex(&trace), hex(&span))
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            text.extend(char::from_digit(u32::from(nibble), 16));
        }
    }
    text
}

/// Random bytes from the operating system. If it fails (no supported platform does in
/// practice), ids must still be unique, so the bytes come from [`fallback_fill`].
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    if getrandom::fill(&mut bytes).is_err() {
        fallback_fill(&mut bytes);
    }
    bytes
}

/// Fills `bytes` with `SplitMix64` (<https://prng.di.unimi.it/splitmix64.c>) output, from a state
/// seeded once per process by the time and the process id and advanced by a process-wide
/// counter: `SplitMix64` is a bijection of its state, and no two calls use the same states, so no
/// two 8-byte blocks repeat within a process.
fn fallback_fill(bytes: &mut [u8]) {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let nanos =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        #[allow(
            clippy::cast_possible_truncation,
            reason = "folding the 128-bit time into 64 bits on purpose"
        )]
        let folded = (nanos as u64) ^ ((nanos >> 64) as u64);
        folded ^ u64::from(std::process::id()).rotate_left(32)
    });
    let blocks = u64::try_from(bytes.len().div_ceil(8)).unwrap_or(u64::MAX);
    // Relaxed: only the uniqueness of the reserved range matters, not ordering with other memory.
    let first = COUNTER.fetch_add(blocks, Ordering::Relaxed);
    let mut state = seed.wrapping_add(first.wrapping_mul(GAMMA));
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(GAMMA);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        for (b, r) in chunk.iter_mut().zip(z.to_le_bytes()) {
            *b = r;
        }
    }
}

type RouteFn = dyn Fn(&Extensions) -> Option<&str> + Send + Sync;
type ClientFn = dyn Fn(&Extensions) -> Option<SocketAddr> + Send + Sync;

/// A tower [`Layer`] that gives every request ids, a logging context and an access event; see
/// the [module docs](self).
///
/// # Examples
/// ```
/// use logfix_runtime::web::AccessLogLayer;
///
/// // A framework that stores the route template in the request extensions:
/// #[derive(Clone)]
/// struct Route(&'static str);
///
/// let layer = AccessLogLayer::new().route_from(|ext| ext.get::<Route>().map(|r| r.0));
/// # let _ = layer;
/// ```
#[derive(Clone)]
pub struct AccessLogLayer {
    route: Option<Arc<RouteFn>>,
    client: Arc<ClientFn>,
}

impl AccessLogLayer {
    /// A layer that logs the path as the route, and takes the client address from a
    /// `std::net::SocketAddr` in the request extensions if there is one (put there by your
    /// accept loop; axum users call [`client_from`](Self::client_from) instead).
    #[must_use]
    pub fn new() -> Self {
        Self { route: None, client: Arc::new(|ext| ext.get::<SocketAddr>().copied()) }
    }

    /// Where the route template (`/users/{id}`) is found in the request extensions; without it,
    /// or when it returns `None` (no route matched), the path is logged as the route. For axum:
    /// `.route_from(|ext| ext.get::<MatchedPath>().map(MatchedPath::as_str))`.
    #[must_use]
    pub fn route_from(
        mut self,
        route: impl Fn(&Extensions) -> Option<&str> + Send + Sync + 'static,
    ) -> Self {
        self.route = Some(Arc::new(route));
        self
    }

    /// Where the client address is found in the request extensions. For axum served with
    /// `into_make_service_with_connect_info::<SocketAddr>()`:
    /// `.client_from(|ext| ext.get::<ConnectInfo<SocketAddr>>().map(|info| info.0))`.
    #[must_use]
    pub fn client_from(
        mut self,
        client: impl Fn(&Extensions) -> Option<SocketAddr> + Send + Sync + 'static,
    ) -> Self {
        self.client = Arc::new(client);
        self
    }
}

impl Default for AccessLogLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for AccessLogLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessLogLayer")
            .field("route_from", &self.route.is_some())
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog { inner, layer: self.clone() }
    }
}

/// The service [`AccessLogLayer`] wraps around `S`.
#[derive(Clone)]
pub struct AccessLog<S> {
    inner: S,
    layer: AccessLogLayer,
}

impl<S: fmt::Debug> fmt::Debug for AccessLog<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessLog").field("inner", &self.inner).field("layer", &self.layer).finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLog<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: fmt::Display,
    ResBody: http_body::Body + Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AccessLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let start = Instant::now();
        let ids = Ids::from_headers(request.headers());
        let headers = request.headers_mut();
        for (name, id) in [(X_REQUEST_ID, &ids.request_id), (X_CORRELATION_ID, &ids.correlation_id)]
        {
            if let Ok(value) = HeaderValue::from_str(id) {
                headers.insert(name, value);
            }
        }
        let context = Context::new()
            .request_id(ids.request_id.clone())
            .correlation_id(ids.correlation_id.clone())
            .trace_id(ids.trace_id.clone())
            .span_id(ids.span_id.clone());
        let scrubber = scrubber();
        let route = self.layer.route.as_ref().and_then(|route| route(request.extensions()));
        let pending = Pending {
            start,
            method: request.method().as_str().to_owned(),
            path: scrubber.redact_path(request.uri().path(), route).into_owned(),
            route: route.map(str::to_owned),
            query: request.uri().query().map(|query| scrubber.redact_query(query).into_owned()),
            client: (self.layer.client)(request.extensions()),
            user_agent: request.headers().get(USER_AGENT).map(truncated_user_agent),
            request_id: HeaderValue::from_str(&ids.request_id).ok(),
            rejected: ids.rejected,
            context,
            done: false,
        };
        // `call` may do work of its own before returning the future (axum routes here), and
        // may panic there too: that is answered like a panic of the future.
        let called =
            catch_unwind(AssertUnwindSafe(|| pending.context.scope(|| self.inner.call(request))));
        let inner = match called {
            Ok(future) => Inner::Running { future },
            Err(payload) => Inner::Panicked { message: panic_message(&*payload).to_owned() },
        };
        AccessLogFuture { inner, pending: Some(pending) }
    }
}

/// The ids of one request, taken from its headers or generated.
struct Ids {
    request_id: String,
    correlation_id: String,
    trace_id: String,
    span_id: String,
    rejected: Rejected,
}

/// Which incoming headers were invalid and replaced.
#[derive(Clone, Copy, Default)]
struct Rejected {
    request_id: bool,
    correlation_id: bool,
    traceparent: bool,
}

impl Ids {
    fn from_headers(headers: &HeaderMap) -> Self {
        let mut rejected = Rejected::default();
        let valid_id = |name: &HeaderName, rejected: &mut bool| {
            let value = headers.get(name)?;
            let id = value.to_str().ok().filter(|id| is_valid_id(id));
            *rejected = id.is_none();
            id.map(str::to_owned)
        };
        let request_id =
            valid_id(&X_REQUEST_ID, &mut rejected.request_id).unwrap_or_else(new_request_id);
        let correlation_id = valid_id(&X_CORRELATION_ID, &mut rejected.correlation_id)
            .unwrap_or_else(|| request_id.clone());
        let traced = headers.get(TRACEPARENT).map(|value| {
            let parsed = Context::new().traceparent(value.to_str().unwrap_or_default());
            match (parsed.id("trace_id"), parsed.id("span_id")) {
                (Some(trace), Some(span)) => Some((trace.to_owned(), span.to_owned())),
                _ => None,
            }
        });
        rejected.traceparent = matches!(traced, Some(None));
        let (trace_id, span_id) = traced.flatten().unwrap_or_else(new_trace_ids);
        Self { request_id, correlation_id, trace_id, span_id, rejected }
    }
}

fn truncated_user_agent(value: &HeaderValue) -> String {
    let mut text = String::from_utf8_lossy(value.as_bytes()).into_owned();
    if text.len() > MAX_USER_AGENT_LEN {
        let mut end = MAX_USER_AGENT_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

pin_project_lite::pin_project! {
    /// The response future of [`AccessLog`]: runs the inner future with the request's
    /// [`Context`] in force, catches its panic, and emits the access event.
    #[must_use = "futures do nothing unless polled"]
    pub struct AccessLogFuture<F> {
        #[pin]
        inner: Inner<F>,
        // `None` once the response is out.
        pending: Option<Pending>,
    }
}

pin_project_lite::pin_project! {
    #[project = InnerProj]
    enum Inner<F> {
        Running { #[pin] future: F },
        /// The inner service's `call` panicked: there is no future to poll.
        Panicked { message: String },
    }
}

impl<F> fmt::Debug for AccessLogFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessLogFuture")
            .field("context", &self.pending.as_ref().map(|p| &p.context))
            .finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for AccessLogFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: fmt::Display,
    ResBody: http_body::Body + Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(pending) = this.pending.as_ref() else {
            // Polled after completion: a contract violation we answer without panicking.
            return Poll::Pending;
        };
        let polled = match this.inner.project() {
            InnerProj::Running { future } => {
                let _entered = pending.context.clone().enter();
                catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
            }
            InnerProj::Panicked { message } => {
                Err(Box::new(core::mem::take(message)) as Box<dyn std::any::Any + Send>)
            }
        };
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(response))) => Ok(response),
            Ok(Poll::Ready(Err(error))) => Err(error),
            Err(payload) => {
                let message = panic_message(&*payload);
                let mut response = Response::new(ResBody::default());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                if let Some(pending) = this.pending.take() {
                    pending.finish(&mut response, true, Some(message));
                }
                return Poll::Ready(Ok(response));
            }
        };
        let Some(pending) = this.pending.take() else {
            return Poll::Pending;
        };
        Poll::Ready(match outcome {
            Ok(mut response) => {
                pending.finish(&mut response, false, None);
                Ok(response)
            }
            Err(error) => {
                pending.failed(&error.to_string());
                Err(error)
            }
        })
    }
}

/// The content scrubber of the global logger: the operator's names (`LOGFIX_REDACT_KEYS`) and
/// patterns with the built-in ones.
fn scrubber() -> Scrubber<'static> {
    crate::redact::global().scrubber()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic payload that is not a string)")
}

/// What the access event needs, from the call of the service to the response. Dropped without
/// [`finish`](Pending::finish) or [`failed`](Pending::failed), it logs a cancelled request.
struct Pending {
    start: Instant,
    method: String,
    /// The route template, `None` when no route matched (or none is known).
    route: Option<String>,
    /// The path, redacted.
    path: String,
    query: Option<String>,
    client: Option<SocketAddr>,
    user_agent: Option<String>,
    request_id: Option<HeaderValue>,
    rejected: Rejected,
    context: Context,
    done: bool,
}

impl Pending {
    /// Sets `X-Request-ID` on the response and logs it.
    fn finish<B: http_body::Body>(
        mut self,
        response: &mut Response<B>,
        panicked: bool,
        error: Option<&str>,
    ) {
        if let Some(id) = self.request_id.take() {
            response.headers_mut().insert(X_REQUEST_ID, id);
        }
        let bytes = http_body::Body::size_hint(response.body())
            .exact()
            .or_else(|| response.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok());
        self.emit(response.status().as_u16(), bytes, panicked, error);
    }

    /// Logs a request whose service returned an error instead of a response.
    fn failed(mut self, error: &str) {
        self.emit(500, None, false, Some(error));
    }

    fn emit(&mut self, status: u16, bytes: Option<u64>, panicked: bool, error: Option<&str>) {
        self.done = true;
        // An error or a panic message may quote anything, such as the request's credentials.
        let error = error.map(|error| scrubber().scrub(error));
        let access = Access {
            method: &self.method,
            route: self.route.as_deref(),
            path: &self.path,
            query: self.query.as_deref(),
            status,
            duration_us: u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX),
            bytes,
            client: self.client,
            user_agent: self.user_agent.as_deref(),
            request_id_rejected: self.rejected.request_id,
            correlation_id_rejected: self.rejected.correlation_id,
            traceparent_rejected: self.rejected.traceparent,
            panicked,
            error: error.as_deref(),
        };
        let routed = access.route.is_some();
        self.context.scope(|| match (status, routed) {
            (500.., true) => crate::emit(&AccessError::from(access)),
            (500.., false) => crate::emit(&UnroutedError::from(access)),
            (400..=499, true) => crate::emit(&AccessWarn::from(access)),
            (400..=499, false) => crate::emit(&UnroutedWarn::from(access)),
            (_, true) => crate::emit(&AccessInfo::from(access)),
            (_, false) => crate::emit(&UnroutedInfo::from(access)),
        });
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            self.emit(CANCELLED, None, false, None);
        }
    }
}

/// Defines the access event's fields once, in [`Access`], and one event type per level and
/// message that copies them (a derived event's level and message are fixed at compile time).
macro_rules! access_events {
    (events { $($event:ident = $level:tt, $message:tt;)* } fields $fields:tt) => {
        access_events!(@access $fields);
        $(access_events!(@event $event $level $message $fields);)*
    };
    (@access { $($field:ident: $ty:ty,)* }) => {
        /// The access event's fields, before the level is chosen from the status.
        struct Access<'a> {
            $($field: $ty,)*
        }
    };
    (@event $event:ident $level:tt $message:tt { $($field:ident: $ty:ty,)* }) => {
        #[derive(LogEvent)]
        #[log(component = "http", event = "request", level = $level, message = $message)]
        struct $event<'a> {
            $($field: $ty,)*
        }

        impl<'a> From<Access<'a>> for $event<'a> {
            fn from(access: Access<'a>) -> Self {
                Self { $($field: access.$field,)* }
            }
        }
    };
}

// Without a matched route, the message shows the path instead: the raw path is then written
// twice (message and `path`), not three times.
access_events! {
    events {
        AccessInfo = "info", "{method} {route} {status}";
        AccessWarn = "warn", "{method} {route} {status}";
        AccessError = "error", "{method} {route} {status}";
        UnroutedInfo = "info", "{method} {path} {status}";
        UnroutedWarn = "warn", "{method} {path} {status}";
        UnroutedError = "error", "{method} {path} {status}";
    }
    fields {
        method: &'a str,
        route: Option<&'a str>,
        path: &'a str,
        query: Option<&'a str>,
        status: u16,
        duration_us: u64,
        bytes: Option<u64>,
        client: Option<SocketAddr>,
        user_agent: Option<&'a str>,
        request_id_rejected: bool,
        correlation_id_rejected: bool,
        traceparent_rejected: bool,
        panicked: bool,
        error: Option<&'a str>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated() {
        for id in [
            "a",
            "req-42",
            "0190c5a4-7b1e-7c3a-9f00-5e2d8a1b6c4f",
            "svc.a:b/c@d+e=f_g-h",
            &"x".repeat(MAX_ID_LEN),
        ] {
            assert!(is_valid_id(id), "{id:?}");
        }
        for id in [
            "",
            " ",
            "a b",
            "a\tb",
            "a\nb",
            "a\"b",
            "a\\b",
            "a,b",
            "a;b",
            "a{b}",
            "café",
            "a\u{0}b",
            &"x".repeat(MAX_ID_LEN + 1),
        ] {
            assert!(!is_valid_id(id), "{id:?}");
        }
    }

    #[test]
    fn request_ids_are_uuid_v7_unique_and_time_ordered() {
        let ids: Vec<String> = (0..1000).map(|_| new_request_id()).collect();
        for id in &ids {
            assert!(is_valid_id(id), "{id}");
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(id, &id.to_lowercase());
        }
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        // The first 48 bits are milliseconds: the timestamp parts never go backwards.
        let stamps: Vec<&str> = ids.iter().map(|id| &id[..13]).collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    }

    #[test]
    fn trace_ids_are_w3c_shaped() {
        let (trace, span) = new_trace_ids();
        let header = format!("00-{trace}-{span}-01");
        let ctx = Context::new().traceparent(&header);
        assert_eq!(ctx.id("trace_id"), Some(trace.as_str()));
        assert_eq!(ctx.id("span_id"), Some(span.as_str()));
        assert_ne!(new_trace_ids().0, trace);
        assert_eq!(hex(&[0x00, 0x7f, 0xa5, 0xff]), "007fa5ff");
    }

    fn headers(pairs: &[(&HeaderName, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert((*name).clone(), HeaderValue::from_bytes(value).unwrap());
        }
        map
    }

    #[test]
    fn valid_incoming_ids_are_kept() {
        let traceparent = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let ids = Ids::from_headers(&headers(&[
            (&X_REQUEST_ID, b"req-1"),
            (&X_CORRELATION_ID, b"corr-1"),
            (&TRACEPARENT, traceparent),
        ]));
        assert_eq!(ids.request_id, "req-1");
        assert_eq!(ids.correlation_id, "corr-1");
        assert_eq!(ids.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(ids.span_id, "00f067aa0ba902b7");
        let r = ids.rejected;
        assert!(!r.request_id && !r.correlation_id && !r.traceparent);
    }

    #[test]
    fn missing_ids_are_generated_without_being_rejected() {
        let ids = Ids::from_headers(&HeaderMap::new());
        assert_eq!(ids.request_id.len(), 36);
        assert_eq!(ids.correlation_id, ids.request_id);
        assert_eq!((ids.trace_id.len(), ids.span_id.len()), (32, 16));
        let r = ids.rejected;
        assert!(!r.request_id && !r.correlation_id && !r.traceparent);
    }

    #[test]
    fn invalid_ids_are_replaced_and_flagged() {
        let ids = Ids::from_headers(&headers(&[
            (&X_REQUEST_ID, b"req 1\"}"),
            (&X_CORRELATION_ID, "caf\u{e9}".as_bytes()),
            (&TRACEPARENT, b"00-xyz"),
        ]));
        assert!(is_valid_id(&ids.request_id));
        assert_eq!(ids.request_id.len(), 36);
        assert_eq!(ids.correlation_id, ids.request_id);
        assert_eq!(ids.trace_id.len(), 32);
        let r = ids.rejected;
        assert!(r.request_id && r.correlation_id && r.traceparent);
    }

    #[test]
    fn user_agents_are_cut_at_a_char_boundary() {
        let short = HeaderValue::from_static("curl/8.5.0");
        assert_eq!(truncated_user_agent(&short), "curl/8.5.0");
        let long = "é".repeat(MAX_USER_AGENT_LEN);
        let cut = truncated_user_agent(&HeaderValue::from_bytes(long.as_bytes()).unwrap());
        assert_eq!(cut.len(), MAX_USER_AGENT_LEN);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn the_fallback_randomness_never_repeats() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let mut bytes = [0; 16];
            fallback_fill(&mut bytes);
            assert!(seen.insert(bytes[..8].to_vec()));
            assert!(seen.insert(bytes[8..].to_vec()));
        }
    }
}
