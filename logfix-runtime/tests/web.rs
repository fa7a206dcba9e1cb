//! `web::AccessLogLayer` around hand-written tower services, driven without a server or an async
//! runtime: ids, context, the access event, panics, errors and cancellation.
//!
//! The layer is behind the `tower` feature: `cargo test -p logfix-runtime --features tower`
//! (`cargo test --workspace` enables it too, through `logfix-examples`). The same layer behind
//! axum and a real HTTP client is tested in `examples/tests/web_service.rs`.
#![cfg(feature = "tower")]
// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: failing loudly is the point"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{Context as TaskContext, Poll, Waker};

use http::{Extensions, HeaderMap, Request, Response, StatusCode};
use logfix_runtime::web::{is_valid_id, AccessLogLayer};
use logfix_runtime::{Context, LogEvent};
use logfix_testkit::{Capture, Captured};
use serde_json::{json, Value};
use tower_layer::Layer;
use tower_service::Service;

#[derive(LogEvent)]
#[log(component = "shop", message = "handled {path}")]
struct Handled<'a> {
    path: &'a str,
}

/// A service from a closure returning a future, like `tower::service_fn`.
#[derive(Clone)]
struct Handler<F>(F);

impl<F, Fut, B> Service<Request<String>> for Handler<F>
where
    F: FnMut(Request<String>) -> Fut,
    Fut: Future<Output = Result<Response<B>, String>>,
{
    type Response = Response<B>;
    type Error = String;
    type Future = Fut;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<String>) -> Fut {
        (self.0)(request)
    }
}

/// Polls `future` to completion on this thread.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// A future that is pending on its first poll.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Sends `request` through the layer around a handler that emits `Handled` and answers with
/// `status` and `body`; returns the response and the events of this thread.
fn serve(
    layer: &AccessLogLayer,
    request: Request<String>,
    status: u16,
    body: &'static str,
) -> (Result<Response<String>, String>, Captured) {
    let mut service = layer.clone().layer(Handler(move |request: Request<String>| async move {
        logfix_runtime::emit(&Handled { path: request.uri().path() });
        let mut response = Response::new(body.to_owned());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        Ok(response)
    }));
    let capture = Capture::start();
    let response = run(service.call(request));
    (response, capture.finish())
}

fn access(events: &Captured) -> &Value {
    let all = events.events_named("request");
    assert_eq!(all.len(), 1, "{events}");
    events.find("http", "request").unwrap()
}

#[test]
fn handler_events_and_the_access_event_share_the_incoming_ids() {
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen_in_handler = std::sync::Arc::clone(&seen);
    let mut service = AccessLogLayer::new().layer(Handler(move |request: Request<String>| {
        let seen = std::sync::Arc::clone(&seen_in_handler);
        async move {
            *seen.lock().unwrap() = Some((Context::current(), request.headers().clone()));
            logfix_runtime::emit(&Handled { path: request.uri().path() });
            yield_once().await;
            logfix_runtime::emit(&Handled { path: "after" });
            Ok::<_, String>(Response::new("{\"items\":[]}".to_owned()))
        }
    }));
    let request = Request::post("/api/items?page=2&password=hunter2")
        .header("x-request-id", "req-1")
        .header("x-correlation-id", "corr-1")
        .header("traceparent", traceparent)
        .header("user-agent", "curl/8.5.0")
        .body(String::new())
        .unwrap();
    let capture = Capture::start();
    let response = run(service.call(request)).unwrap();
    let events = capture.finish();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "req-1");
    let (context, headers) = seen.lock().unwrap().take().unwrap();
    assert_eq!(context.id("request_id"), Some("req-1"));
    assert_eq!(context.id("correlation_id"), Some("corr-1"));
    assert_eq!(headers["x-request-id"], "req-1");
    assert_eq!(headers["x-correlation-id"], "corr-1");
    assert_eq!(events.len(), 3, "{events}");
    for event in &events {
        assert_eq!(event["request_id"], "req-1", "{events}");
        assert_eq!(event["correlation_id"], "corr-1");
        assert_eq!(event["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(event["span_id"], "00f067aa0ba902b7");
    }
    let access = access(&events);
    let mut fields = access.as_object().unwrap().clone();
    let duration = fields.remove("duration_us").unwrap();
    assert!(duration.is_u64(), "{duration}");
    fields.remove("timestamp");
    assert_eq!(
        Value::Object(fields),
        json!({
            "level": "info",
            "component": "http",
            "event": "request",
            "message": "POST /api/items 200",
            "request_id": "req-1",
            "correlation_id": "corr-1",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "span_id": "00f067aa0ba902b7",
            "method": "POST",
            "route": null,
            "path": "/api/items",
            "query": "page=2&password=[REDACTED]",
            "status": 200,
            "bytes": 12,
            "client": null,
            "user_agent": "curl/8.5.0",
            "request_id_rejected": false,
            "correlation_id_rejected": false,
            "traceparent_rejected": false,
            "panicked": false,
            "error": null,
        })
    );
    // The access event comes last, and the key order follows the schema.
    assert_eq!(events[2]["event"], "request");
    logfix_testkit::validate_line(&events.lines()[2]).unwrap();
    // Nothing leaks into the polling thread's context.
    assert!(Context::current().is_empty());
}

#[test]
fn missing_ids_are_generated() {
    let request = Request::get("/").body(String::new()).unwrap();
    let (response, events) = serve(&AccessLogLayer::new(), request, 204, "");
    let response = response.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "7");
    for event in &events {
        assert_eq!(event["request_id"], id);
        assert_eq!(event["correlation_id"], id);
        assert_eq!(event["trace_id"].as_str().unwrap().len(), 32);
        assert_eq!(event["span_id"].as_str().unwrap().len(), 16);
    }
    let access = access(&events);
    assert_eq!(access["query"], Value::Null);
    assert_eq!(access["request_id_rejected"], false);
    assert_eq!(access["traceparent_rejected"], false);
}

#[test]
fn invalid_incoming_ids_are_replaced_and_flagged() {
    for bad in ["two words", "\"},{\"level\":\"error\"", "ünïcode", &"x".repeat(129)] {
        let request = Request::get("/")
            .header("x-request-id", bad.as_bytes())
            .header("x-correlation-id", bad.as_bytes())
            .header("traceparent", "00-not-a-trace-01")
            .body(String::new())
            .unwrap();
        let (response, events) = serve(&AccessLogLayer::new(), request, 200, "ok");
        let id = response.unwrap().headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(is_valid_id(&id) && id.len() == 36, "{id}");
        let access = access(&events);
        assert_eq!(access["request_id"], id.as_str());
        assert_eq!(access["correlation_id"], id.as_str());
        assert_eq!(access["request_id_rejected"], true);
        assert_eq!(access["correlation_id_rejected"], true);
        assert_eq!(access["traceparent_rejected"], true);
        assert_eq!(access["trace_id"].as_str().unwrap().len(), 32);
        for line in events.lines() {
            assert!(!line.contains(bad), "{line}");
        }
    }
}

#[test]
fn the_level_follows_the_status() {
    for (status, level) in
        [(200, "info"), (302, "info"), (404, "warn"), (429, "warn"), (500, "error"), (503, "error")]
    {
        let request = Request::get("/x").body(String::new()).unwrap();
        let (_, events) = serve(&AccessLogLayer::new(), request, status, "");
        let access = access(&events);
        assert_eq!(access["status"], status);
        assert_eq!(access["level"], level, "{status}");
        assert_eq!(access["message"], format!("GET /x {status}"));
    }
}

#[test]
fn a_panicking_handler_gets_a_500_with_its_request_id() {
    let mut service = AccessLogLayer::new().layer(Handler(|request: Request<String>| async move {
        logfix_runtime::emit(&Handled { path: "before" });
        yield_once().await;
        #[allow(clippy::manual_assert, reason = "a handler that panics, as application code would")]
        if request.uri().path() == "/boom" {
            panic!("boom at {}", 42);
        }
        Ok::<_, String>(Response::new("unreachable".to_owned()))
    }));
    let request =
        Request::get("/boom").header("x-request-id", "req-boom").body(String::new()).unwrap();
    let capture = Capture::start();
    let response = run(service.call(request)).unwrap();
    let events = capture.finish();
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["x-request-id"], "req-boom");
    assert_eq!(response.body(), "");
    assert_eq!(events.len(), 2, "{events}");
    assert_eq!(events[0]["request_id"], "req-boom");
    let access = access(&events);
    assert_eq!(access["request_id"], "req-boom");
    assert_eq!(access["status"], 500);
    assert_eq!(access["level"], "error");
    assert_eq!(access["panicked"], true);
    assert_eq!(access["error"], "boom at 42");
    assert_eq!(access["bytes"], 0);
    assert!(Context::current().is_empty());
}

#[test]
fn a_service_that_panics_in_call_gets_a_500_too() {
    let mut service = AccessLogLayer::new().layer(Handler(|request: Request<String>| {
        #[allow(clippy::manual_assert, reason = "a service that panics, as application code would")]
        if request.uri().path() == "/boom" {
            panic!("routing exploded");
        }
        std::future::ready(Ok::<_, String>(Response::new(String::new())))
    }));
    let request =
        Request::get("/boom").header("x-request-id", "req-call").body(String::new()).unwrap();
    let capture = Capture::start();
    let future = service.call(request);
    let response = run(future).unwrap();
    let events = capture.finish();
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["x-request-id"], "req-call");
    let access = access(&events);
    assert_eq!(access["status"], 500);
    assert_eq!(access["panicked"], true);
    assert_eq!(access["error"], "routing exploded");
}

#[test]
fn a_service_error_is_logged_and_passed_on() {
    let mut service = AccessLogLayer::new().layer(Handler(|_: Request<String>| async {
        Err::<Response<String>, _>("database unreachable".to_owned())
    }));
    let request = Request::get("/fail").body(String::new()).unwrap();
    let capture = Capture::start();
    let result = run(service.call(request));
    let events = capture.finish();
    assert_eq!(result.unwrap_err(), "database unreachable");
    let access = access(&events);
    assert_eq!(access["status"], 500);
    assert_eq!(access["level"], "error");
    assert_eq!(access["panicked"], false);
    assert_eq!(access["error"], "database unreachable");
    assert_eq!(access["bytes"], Value::Null);
}

#[test]
fn a_request_dropped_before_its_response_is_logged_as_cancelled() {
    let mut service = AccessLogLayer::new().layer(Handler(|_: Request<String>| async {
        std::future::pending::<()>().await;
        Ok::<_, String>(Response::new(String::new()))
    }));
    let request =
        Request::get("/slow").header("x-request-id", "req-slow").body(String::new()).unwrap();
    let capture = Capture::start();
    {
        let mut future = pin!(service.call(request));
        let polled = future.as_mut().poll(&mut TaskContext::from_waker(Waker::noop()));
        assert!(polled.is_pending());
        assert!(capture.events().is_empty());
    }
    let events = capture.finish();
    let access = access(&events);
    assert_eq!(access["request_id"], "req-slow");
    assert_eq!(access["status"], 499);
    assert_eq!(access["level"], "warn");
    assert_eq!(access["message"], "GET /slow 499");
}

#[test]
fn the_context_follows_the_future_to_other_threads() {
    let mut service = AccessLogLayer::new().layer(Handler(|_: Request<String>| async {
        logfix_runtime::emit(&Handled { path: "first" });
        yield_once().await;
        logfix_runtime::emit(&Handled { path: "second" });
        Ok::<_, String>(Response::new(String::new()))
    }));
    let request =
        Request::get("/").header("x-request-id", "req-moved").body(String::new()).unwrap();
    let capture = Capture::start_all();
    let mut future = Box::pin(service.call(request));
    let first = future.as_mut().poll(&mut TaskContext::from_waker(Waker::noop()));
    assert!(first.is_pending());
    let second = std::thread::spawn(move || {
        let polled = future.as_mut().poll(&mut TaskContext::from_waker(Waker::noop()));
        let leaked = !Context::current().is_empty();
        (polled.is_ready(), leaked)
    })
    .join()
    .unwrap();
    assert_eq!(second, (true, false));
    let events = capture.finish();
    let ours = events.filter(|e| e["request_id"] == "req-moved");
    let paths: Vec<&Value> = ours.iter().map(|e| &e["path"]).collect();
    assert_eq!(paths, [&json!("first"), &json!("second"), &json!("/")]);
}

#[test]
fn sensitive_headers_and_query_values_never_reach_the_log() {
    let request = Request::get("/login?user=ann&access_token=tok-SECRET-1&api%5Fkey=SECRET-2")
        .header("authorization", "Bearer SECRET-3")
        .header("cookie", "session=SECRET-4")
        .header("x-api-key", "SECRET-5")
        .header("proxy-authorization", "Basic SECRET-6")
        .body(String::new())
        .unwrap();
    let (_, events) = serve(&AccessLogLayer::new(), request, 200, "");
    assert!(!events.is_empty());
    for line in events.lines() {
        assert!(!line.contains("SECRET"), "{line}");
    }
    assert_eq!(access(&events)["query"], "user=ann&access_token=[REDACTED]&api%5Fkey=[REDACTED]");
}

/// A body whose size is not known in advance.
#[derive(Default)]
struct Streamed;

impl http_body::Body for Streamed {
    type Data = std::io::Cursor<Vec<u8>>;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(None)
    }
}

#[test]
fn bytes_come_from_the_body_size_or_content_length() {
    for (content_length, expected) in [(Some("1234"), json!(1234)), (None, Value::Null)] {
        let mut service =
            AccessLogLayer::new().layer(Handler(move |_: Request<String>| async move {
                let mut response = Response::new(Streamed);
                if let Some(length) = content_length {
                    response.headers_mut().insert("content-length", length.parse().unwrap());
                }
                Ok::<_, String>(response)
            }));
        let capture = Capture::start();
        run(service.call(Request::new(String::new()))).unwrap();
        let events = capture.finish();
        assert_eq!(access(&events)["bytes"], expected);
    }
}

#[derive(Clone)]
struct Route(&'static str);

#[derive(Clone, Copy)]
struct Peer(SocketAddr);

#[test]
fn route_and_client_come_from_the_extensions() {
    let addr: SocketAddr = "127.0.0.1:5555".parse().unwrap();
    let request = |route: Option<&'static str>| {
        let mut request = Request::get("/users/42").body(String::new()).unwrap();
        if let Some(route) = route {
            request.extensions_mut().insert(Route(route));
        }
        request.extensions_mut().insert(addr);
        request.extensions_mut().insert(Peer(addr));
        request
    };
    // By default: no route, the path in the message, and a `SocketAddr` in the extensions.
    let (_, events) = serve(&AccessLogLayer::new(), request(Some("/users/{id}")), 200, "");
    assert_eq!(access(&events)["route"], Value::Null);
    assert_eq!(access(&events)["message"], "GET /users/42 200");
    assert_eq!(access(&events)["client"], "127.0.0.1:5555");

    let layer = AccessLogLayer::new()
        .route_from(|ext: &Extensions| ext.get::<Route>().map(|r| r.0))
        .client_from(|ext| ext.get::<Peer>().map(|p| p.0).filter(|a| a.port() != 5555));
    let (_, events) = serve(&layer, request(Some("/users/{id}")), 200, "");
    let access_event = access(&events);
    assert_eq!(access_event["route"], "/users/{id}");
    assert_eq!(access_event["message"], "GET /users/{id} 200");
    assert_eq!(access_event["path"], "/users/42");
    assert_eq!(access_event["client"], Value::Null);
    // No route matched: no route, and the path in the message; the path is written twice, not
    // three times.
    let (_, events) = serve(&layer, request(None), 404, "");
    assert_eq!(access(&events)["route"], Value::Null);
    assert_eq!(access(&events)["message"], "GET /users/42 404");
    assert_eq!(events.lines()[1].matches("/users/42").count(), 2, "{events}");
}

#[test]
fn path_segments_bound_to_secret_parameters_are_redacted() {
    let layer =
        AccessLogLayer::new().route_from(|ext: &Extensions| ext.get::<Route>().map(|r| r.0));
    for (path, route, expected) in [
        ("/reset/tok-SECRET/confirm", "/reset/{token}/confirm", "/reset/[REDACTED]/confirm"),
        ("/files/SECRET/a/b", "/files/{*signature}", "/files/[REDACTED]"),
        ("/users/42;jsessionid=SECRET", "/users/{id}", "/users/42;jsessionid=[REDACTED]"),
    ] {
        let mut request = Request::get(path).body(String::new()).unwrap();
        request.extensions_mut().insert(Route(route));
        let (_, events) = serve(&layer, request, 200, "");
        let access = access(&events);
        assert_eq!(access["path"], expected);
        assert_eq!(access["route"], route);
        assert!(!access.to_string().contains("SECRET"), "{access}");
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each kind of secret the scrubber knows, as text, with a marker that must never reach a line.
const PLANTED: [(&str, &str); 12] = [
    ("password=QXZpair1", "QXZpair1"),
    (r#"{"api_key":"QXZpair2"}"#, "QXZpair2"),
    (r#"Creds { user: "ann", password: "QXZpair3" }"#, "QXZpair3"),
    ("Authorization: Bearer QXZbearer4", "QXZbearer4"),
    ("Basic YW5uOlFYWmJhc2ljNQ==", "YW5uOlFYWmJhc2ljNQ"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJRWFoifQ.QXZjwt6", "QXZjwt6"),
    ("AKIAQXZ7QXZ7QXZ7QXZ7", "AKIAQXZ7QXZ7QXZ7QXZ7"),
    ("-----BEGIN EC PRIVATE KEY-----\nMIIQXZpem8\n-----END EC PRIVATE KEY-----", "MIIQXZpem8"),
    ("4111111111111111", "4111111111111111"),
    ("5500-0055-5555-5559", "0055-5555"),
    ("postgres://ann:QXZurl10@db/app", "QXZurl10"),
    ("https://s3.example/o?X-Amz-Signature=QXZsig11", "QXZsig11"),
];

/// What the handler does with the planted secret.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Answer,
    Fail,
    Panic,
}

/// Every kind of secret, planted in every place of a request the access event writes: a query
/// value, a URL nested in a query value, a path segment, a `;` path parameter, a segment bound
/// to `{token}`, the service's error and a panic message. No marker reaches any line.
#[test]
fn planted_secrets_never_reach_a_line() {
    let layer =
        AccessLogLayer::new().route_from(|ext: &Extensions| ext.get::<Route>().map(|r| r.0));
    for (secret, marker) in PLANTED {
        let secret = secret.replace("\\n", "\n");
        let plain = encoded(&secret);
        let nested = encoded(&format!("/cb?q={plain}&lang=en"));
        let places = [
            (format!("/search?q={plain}&page=2"), None, Outcome::Answer),
            (format!("/login?next={nested}"), None, Outcome::Answer),
            (format!("/files/{plain}"), None, Outcome::Answer),
            (format!("/cart;v={plain}/items"), None, Outcome::Answer),
            (format!("/reset/{plain}"), Some("/reset/{token}"), Outcome::Answer),
            ("/fail".to_owned(), None, Outcome::Fail),
            ("/boom".to_owned(), None, Outcome::Panic),
        ];
        for (uri, route, outcome) in places {
            let error = format!("upstream refused: {secret}");
            let mut service = layer.clone().layer(Handler(move |_: Request<String>| {
                let error = error.clone();
                async move {
                    match outcome {
                        Outcome::Answer => Ok(Response::new(String::new())),
                        Outcome::Fail => Err(error),
                        #[allow(
                            clippy::panic,
                            reason = "a handler that panics, as application code would"
                        )]
                        Outcome::Panic => panic!("{error}"),
                    }
                }
            }));
            let mut request = Request::get(uri.as_str()).body(String::new()).unwrap();
            if let Some(route) = route {
                request.extensions_mut().insert(Route(route));
            }
            let capture = Capture::start();
            let _ = run(service.call(request));
            let events = capture.finish();
            let access = access(&events);
            assert!(access["status"].is_u64(), "{events}");
            for line in events.lines() {
                assert!(!line.contains(marker), "{secret:?} in {uri} ({outcome:?}): {line}");
                logfix_testkit::validate_line(line).unwrap();
            }
        }
    }
}

#[test]
fn long_user_agents_are_cut() {
    let request =
        Request::get("/").header("user-agent", "a".repeat(1000)).body(String::new()).unwrap();
    let (_, events) = serve(&AccessLogLayer::new(), request, 200, "");
    assert_eq!(
        access(&events)["user_agent"].as_str().unwrap().len(),
        logfix_runtime::web::MAX_USER_AGENT_LEN
    );
}

#[test]
fn the_layer_wraps_a_response_header_set_by_the_handler() {
    // The response carries the id the access event logged, even if the handler set its own.
    let mut service = AccessLogLayer::new().layer(Handler(|_: Request<String>| async {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "from-handler".parse().unwrap());
        let mut response = Response::new(String::new());
        *response.headers_mut() = headers;
        Ok::<_, String>(response)
    }));
    let request = Request::get("/").header("x-request-id", "req-7").body(String::new()).unwrap();
    let capture = Capture::start();
    let response = run(service.call(request)).unwrap();
    let events = capture.finish();
    assert_eq!(response.headers()["x-request-id"], "req-7");
    assert_eq!(access(&events)["request_id"], "req-7");
}
