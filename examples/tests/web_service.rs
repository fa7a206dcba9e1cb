//! The web example's router, served on 127.0.0.1 by a multi-threaded tokio runtime and driven by
//! a real HTTP client, with every line captured from every thread; and the example binary itself,
//! run as a child process, with the log file it writes.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: failing loudly is the point"
)]

#[path = "../web_service/app.rs"]
mod app;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Once;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use logfix_testkit::{Capture, Captured};
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The password the example accepts.
const PASSWORD: &str = "correct horse battery staple";

/// Routes `tracing` and `log` into logfix, as `logfix_runtime::init()` would (tests do not call
/// it: events go to the capture).
fn install_bridges() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber =
            tracing_subscriber::registry().with(logfix_runtime::bridge::tracing::layer());
        let _ = tracing::subscriber::set_global_default(subscriber);
        let _ = logfix_runtime::bridge::log::install();
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

/// Serves the example's router on a free port of 127.0.0.1, as the example does.
async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app::router().into_make_service_with_connect_info::<SocketAddr>())
            .await
    });
    addr
}

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends a request and returns the response head and its body as text.
async fn send(
    client: &HttpClient,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (Response<()>, String) {
    let mut request = Request::builder().method(method).uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let response = client.request(request).await.unwrap();
    let (head, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (Response::from_parts(head, ()), String::from_utf8(body.to_vec()).unwrap())
}

fn request_id(response: &Response<()>) -> String {
    response.headers()["x-request-id"].to_str().unwrap().to_owned()
}

/// The `(component, event)` of a captured event.
fn kind(event: &Value) -> (String, String) {
    (event["component"].as_str().unwrap().to_owned(), event["event"].as_str().unwrap().to_owned())
}

#[test]
fn concurrent_requests_each_keep_their_own_ids_in_every_line() {
    const REQUESTS: usize = 1000;
    install_bridges();
    let runtime = runtime();
    let capture = Capture::start_all();
    runtime.block_on(async {
        let addr = start().await;
        let client = client();
        let requests: Vec<_> = (0..REQUESTS)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let id = format!("load-{i}");
                    let (response, _) =
                        send(&client, addr, "GET", "/api/items", &[("x-request-id", &id)], "")
                            .await;
                    assert_eq!(response.status(), StatusCode::OK);
                    assert_eq!(request_id(&response), id);
                })
            })
            .collect();
        for request in requests {
            request.await.unwrap();
        }
    });
    let events = capture.finish();
    drop(runtime);

    // Every line has a request id, but those of hyper-util's client and of hyper's connection
    // handling, which run outside the service (they are at `trace` and `debug`).
    let mut by_request: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (event, line) in events.iter().zip(events.lines()) {
        let Some(id) = event["request_id"].as_str() else {
            let component = event["component"].as_str().unwrap();
            assert!(component.starts_with("hyper"), "a line without a request id: {line}");
            continue;
        };
        assert_eq!(event["correlation_id"], id, "{line}");
        assert_eq!(event["trace_id"].as_str().map(str::len), Some(32), "{line}");
        // No other request's id anywhere in the line.
        for (at, _) in line.match_indices("load-") {
            let mentioned: String =
                line[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            assert_eq!(mentioned, id, "{line}");
        }
        by_request.entry(id.to_owned()).or_default().push(kind(event));
    }
    assert_eq!(by_request.len(), REQUESTS);
    let expected: Vec<(String, String)> = [
        ("http", "request"),
        ("shop", "items_listed"),
        ("shop", "stock_checked"),
        ("shop::cache", "tracing"),
        ("shop::db", "log"),
    ]
    .iter()
    .map(|(c, e)| ((*c).to_owned(), (*e).to_owned()))
    .collect();
    for (id, mut kinds) in by_request {
        assert!(id.starts_with("load-"), "{id}");
        kinds.sort();
        assert_eq!(kinds, expected, "lines of {id}");
    }
    // The access event is always the last line of its request.
    let mut last: BTreeMap<&str, &Value> = BTreeMap::new();
    for event in &events {
        if let Some(id) = event["request_id"].as_str() {
            last.insert(id, event);
        }
    }
    assert!(last.values().all(|e| e["event"] == "request"));
}

/// The access event of the request with this id.
fn access<'a>(events: &'a Captured, id: &str) -> &'a Value {
    let found: Vec<&Value> =
        events.iter().filter(|e| e["event"] == "request" && e["request_id"] == id).collect();
    assert_eq!(found.len(), 1, "access events of {id} in\n{events}");
    found[0]
}

/// Serves the example's router, runs `requests` against it, and returns what they returned and
/// every line logged meanwhile, each checked against the schema.
fn with_service<F, T>(requests: impl FnOnce(HttpClient, SocketAddr) -> F) -> (T, Captured)
where
    F: std::future::Future<Output = T>,
{
    install_bridges();
    let runtime = runtime();
    let capture = Capture::start_all();
    let output = runtime.block_on(async {
        let addr = start().await;
        requests(client(), addr).await
    });
    let events = capture.finish();
    drop(runtime);
    for line in events.lines() {
        logfix_testkit::validate_line(line).unwrap();
    }
    (output, events)
}

#[test]
fn request_ids_are_echoed_generated_or_replaced() {
    let (ids, events) = with_service(|client, addr| async move {
        let (response, body) = send(
            &client,
            addr,
            "GET",
            "/api/items?page=1&access_token=tok-7Q",
            &[
                ("x-request-id", "demo-1"),
                ("user-agent", "logfix-test/1.0"),
                ("authorization", "Bearer tok-7Q"),
            ],
            "",
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(request_id(&response), "demo-1");
        assert_eq!(body, r#"[{"id":1,"name":"teapot"},{"id":2,"name":"kettle"}]"#);
        let (generated, _) = send(&client, addr, "GET", "/api/items", &[], "").await;
        let invalid = [("x-request-id", "not valid {json}")];
        let (replaced, _) = send(&client, addr, "GET", "/api/items", &invalid, "").await;
        (request_id(&generated), request_id(&replaced))
    });
    let (generated_id, replaced_id) = ids;

    let items = access(&events, "demo-1");
    assert_eq!(items["level"], "info");
    assert_eq!(items["message"], "GET /api/items 200");
    assert_eq!(items["route"], "/api/items");
    assert_eq!(items["query"], "page=1&access_token=[REDACTED]");
    assert_eq!(items["user_agent"], "logfix-test/1.0");
    assert_eq!(items["bytes"], 51);
    assert!(items["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(items["duration_us"].is_u64());
    assert!(!events.lines().iter().any(|l| l.contains("tok-7Q")));

    let generated = access(&events, &generated_id);
    assert_eq!(generated_id.len(), 36);
    assert_eq!(generated["correlation_id"], generated_id.as_str());
    assert_eq!(generated["request_id_rejected"], false);

    let replaced = access(&events, &replaced_id);
    assert_eq!(replaced_id.len(), 36);
    assert_eq!(replaced["request_id_rejected"], true);
    assert!(!events.lines().iter().any(|l| l.contains("not valid")));
}

#[test]
fn passwords_never_reach_the_log() {
    let wrong_password = "wrong-password-7Q";
    let (statuses, events) = with_service(|client, addr| async move {
        let mut statuses = Vec::new();
        for (id, password) in [("login-ok", PASSWORD), ("login-refused", wrong_password)] {
            let body = format!(r#"{{"username":"ann","password":"{password}"}}"#);
            let headers = [("content-type", "application/json"), ("x-request-id", id)];
            let (response, _) = send(&client, addr, "POST", "/login", &headers, &body).await;
            statuses.push(response.status().as_u16());
        }
        statuses
    });
    assert_eq!(statuses, [200, 401]);
    for line in events.lines() {
        assert!(!line.contains(PASSWORD), "{line}");
        assert!(!line.contains(wrong_password), "{line}");
    }

    let login = events.events_named("login_succeeded");
    assert_eq!(login[0]["request_id"], "login-ok");
    assert_eq!(login[0]["user_id"], "ann");
    assert_eq!(access(&events, "login-ok")["status"], 200);
    let refused = events.events_named("login_refused");
    assert_eq!(refused[0]["request_id"], "login-refused");
    assert_eq!(refused[0]["password"], "[REDACTED]");
    let refused_access = access(&events, "login-refused");
    assert_eq!(refused_access["status"], 401);
    assert_eq!(refused_access["level"], "warn");
    // The user id was set inside the handler only: the access event does not have it.
    assert_eq!(refused_access.get("user_id"), None);
}

#[test]
fn panics_and_failures_are_logged_as_500() {
    let ((), events) = with_service(|client, addr| async move {
        for (path, status) in [("/boom", 500), ("/fail", 500), ("/nope", 404)] {
            let id = format!("req{}", path.replace('/', "-"));
            let headers = [("x-request-id", id.as_str())];
            let (response, _) = send(&client, addr, "GET", path, &headers, "").await;
            assert_eq!(request_id(&response), id);
            assert_eq!(response.status(), status, "{path}");
        }
    });

    let boom = access(&events, "req-boom");
    assert_eq!(boom["status"], 500);
    assert_eq!(boom["level"], "error");
    assert_eq!(boom["route"], "/boom");
    assert_eq!(boom["panicked"], true);
    assert_eq!(boom["error"], "boom: the handler panicked");

    let fail = access(&events, "req-fail");
    assert_eq!(fail["status"], 500);
    assert_eq!(fail["panicked"], false);
    assert_eq!(fail["bytes"], 29);
    let failed = events.events_named("backend_failed");
    assert_eq!(failed[0]["request_id"], "req-fail");
    assert_eq!(failed[0]["level"], "error");

    let nope = access(&events, "req-nope");
    assert_eq!(nope["status"], 404);
    // No route matched: `route` is null and the message shows the path.
    assert_eq!(nope["route"], Value::Null);
    assert_eq!(nope["path"], "/nope");
    assert_eq!(nope["message"], "GET /nope 404");
    assert_eq!(nope["level"], "warn");
}

/// Kills the child process if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The example binary, running with its log in a directory of its own.
struct Example {
    /// Killed if the test fails before stopping it.
    child: Running,
    /// What it prints: its address, then that it is shutting down.
    stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Example {
    /// Starts the example with `vars` (and no other `LOGFIX_` variable) on a free port.
    fn start(name: &str, vars: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("logfix-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut command = Command::new(env!("CARGO_BIN_EXE_web_service"));
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("LOGFIX_")) {
            command.env_remove(name);
        }
        let mut child = command
            .env("WEB_ADDR", "127.0.0.1:0")
            .env("LOGFIX_DIR", &dir)
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut example =
            Example { child: Running(child), stdout, addr: ([0, 0, 0, 0], 0).into(), dir };
        let banner = example.next_line();
        example.addr = banner
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
            .parse()
            .unwrap();
        example
    }

    /// The next line the example prints.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.0.id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    /// Waits for the example to exit; asserts that it exited with status 0.
    fn wait(&mut self) {
        assert!(self.child.0.wait().unwrap().success());
    }

    /// The lines of its log file, each checked against the schema.
    fn lines(&self) -> Vec<Value> {
        let file = self.dir.join("app.log");
        let count = logfix_testkit::validate_file(&file).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(PASSWORD));
        let events: Vec<Value> =
            text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(events.len(), count);
        events
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
#[cfg(unix)] // Stopped with SIGINT, through `kill`.
fn the_example_binary_writes_valid_lines_with_request_ids_to_its_log_file() {
    let mut example = Example::start("web-example", &[]);
    let addr = example.addr;
    runtime().block_on(async {
        let client = client();
        let (response, _) = send(&client, addr, "GET", "/api/items", &[], "").await;
        assert_eq!(response.status(), 200);
        let body = format!(r#"{{"username":"bob","password":"{PASSWORD}"}}"#);
        let headers = [("content-type", "application/json"), ("x-request-id", "e2e-login")];
        let (response, _) = send(&client, addr, "POST", "/login", &headers, &body).await;
        assert_eq!(response.status(), 200);
        for path in ["/boom", "/fail"] {
            let id = format!("e2e{}", path.replace('/', "-"));
            let headers = [("x-request-id", id.as_str())];
            let (response, _) = send(&client, addr, "GET", path, &headers, "").await;
            assert_eq!(response.status(), 500);
            assert_eq!(request_id(&response), id);
        }
    });

    // Ctrl-C: a graceful shutdown, and the guard writes out what is queued.
    example.signal("-INT");
    example.wait();

    let events = example.lines();
    let requests: Vec<&Value> = events.iter().filter(|e| e["event"] == "request").collect();
    assert_eq!(requests.len(), 4, "{events:?}");
    // The panic hook of `init()` writes the panic with the request's ids.
    let panic = events.iter().find(|e| e["event"] == "panic").unwrap();
    assert_eq!(panic["request_id"], "e2e-boom");
    for (id, panicked) in [("e2e-boom", true), ("e2e-fail", false)] {
        let access = requests.iter().find(|e| e["request_id"] == id).unwrap();
        assert_eq!(access["status"], 500);
        assert_eq!(access["panicked"], panicked);
    }
    let login = events.iter().find(|e| e["event"] == "login_succeeded").unwrap();
    assert_eq!(login["request_id"], "e2e-login");
    assert_eq!(login["user_id"], "bob");
    // `tracing` and `log` reach the file through the bridges `init()` installs.
    for component in ["shop::cache", "shop::db"] {
        let bridged = events.iter().find(|e| e["component"] == component).unwrap();
        assert!(bridged["request_id"].is_string(), "{bridged}");
    }
    let stop = events.iter().find(|e| e["event"] == "shutdown_signal").unwrap();
    assert_eq!(stop["signal"], "SIGINT");
}

/// `docker stop` and Kubernetes send SIGTERM: with requests in progress and lines queued (the
/// flush interval is an hour), every request finishes and every access event is written.
#[test]
#[cfg(unix)]
fn sigterm_under_load_writes_every_access_event() {
    const IN_PROGRESS: usize = 10;
    const ANSWERED: usize = 10;
    let mut example = Example::start("web-sigterm", &[("LOGFIX_FLUSH_INTERVAL", "1h")]);
    let addr = example.addr;
    let body = format!(r#"{{"username":"ann","password":"{PASSWORD}"}}"#);

    // Logins in progress: hyper answers `100 Continue` when the handler starts reading the body,
    // which it then waits for.
    let in_progress: Vec<TcpStream> = (0..IN_PROGRESS)
        .map(|i| {
            let mut stream = TcpStream::connect(addr).unwrap();
            // A safety net: a test that would hang fails instead.
            stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            write!(
                stream,
                "POST /login HTTP/1.1\r\nHost: {addr}\r\nX-Request-ID: in-progress-{i}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\
                 Expect: 100-continue\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            let mut head = String::new();
            let mut reader = BufReader::new(&stream);
            while !head.ends_with("\r\n\r\n") {
                assert!(reader.read_line(&mut head).unwrap() > 0, "closed: {head:?}");
            }
            assert!(head.starts_with("HTTP/1.1 100 Continue"), "{head:?}");
            stream
        })
        .collect();
    // Requests answered, whose lines are still queued.
    runtime().block_on(async {
        let client = client();
        for i in 0..ANSWERED {
            let headers = [("x-request-id", format!("answered-{i}"))];
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (response, _) = send(&client, addr, "GET", "/api/items", &headers, "").await;
            assert_eq!(response.status(), 200);
        }
    });

    example.signal("-TERM");
    assert_eq!(example.next_line(), "shutting down: finishing the requests in progress");
    for mut stream in in_progress {
        stream.write_all(body.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    }
    example.wait();

    let events = example.lines();
    let mut ids: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "request")
        .map(|e| e["request_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected: Vec<String> = (0..IN_PROGRESS)
        .map(|i| format!("in-progress-{i}"))
        .chain((0..ANSWERED).map(|i| format!("answered-{i}")))
        .collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "access events");
    let stop = events.iter().find(|e| e["event"] == "shutdown_signal").unwrap();
    assert_eq!(stop["signal"], "SIGTERM");
}

/// The value of `series` (`name{labels}`) in a Prometheus scrape; 0 when it is not there yet.
fn metric(scrape: &str, series: &str) -> u64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

/// What an operator does: scrape `/metrics` and see the counters move, then turn a component's
/// level up at run time (a bad directive is refused with the reason).
#[test]
#[cfg(unix)]
fn operators_scrape_metrics_and_change_the_level_at_run_time() {
    const REQUESTS: usize = 5;
    const GOOD: &str = "warn,shop=debug";
    let mut example = Example::start("web-operator", &[]);
    let addr = example.addr;
    runtime().block_on(async {
        let client = client();
        let (response, before) = send(&client, addr, "GET", "/metrics", &[], "").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        for _ in 0..REQUESTS {
            let (response, _) = send(&client, addr, "GET", "/api/items", &[], "").await;
            assert_eq!(response.status(), 200);
        }
        let (_, after) = send(&client, addr, "GET", "/metrics", &[], "").await;
        let moved = |series: &str| metric(&after, series) - metric(&before, series);
        // Each request: `items_listed` and `stock_checked` in `shop`, written before it answers.
        let requests = REQUESTS as u64;
        assert_eq!(moved(r#"logfix_component_events_total{component="shop"}"#), 2 * requests);
        assert!(moved(r#"logfix_events_total{level="info"}"#) >= 4 * requests, "{after}");
        assert_eq!(metric(&after, "logfix_events_dropped_total"), 0, "{after}");
        for name in
            ["logfix_written_lines_total", "logfix_lost_lines_total", "logfix_rotations_total"]
        {
            assert!(after.contains(&format!("# TYPE {name} counter")), "{name} in {after}");
        }

        let (response, level) = send(&client, addr, "GET", "/admin/log-level", &[], "").await;
        assert_eq!((response.status().as_u16(), level.as_str()), (200, "info\n"));
        let bad = "info,shop=loud";
        let (response, error) = send(&client, addr, "PUT", "/admin/log-level", &[], bad).await;
        assert_eq!(response.status(), 400);
        let reason = bad.parse::<logfix_runtime::Filter>().unwrap_err().to_string();
        assert_eq!(error, format!("{reason}\n"));
        let (response, level) = send(&client, addr, "PUT", "/admin/log-level", &[], GOOD).await;
        assert_eq!((response.status().as_u16(), level), (200, format!("{GOOD}\n")));
        let headers = [("x-request-id", "after-change")];
        let (response, _) = send(&client, addr, "GET", "/api/items", &headers, "").await;
        assert_eq!(response.status(), 200);
    });
    example.signal("-TERM");
    example.wait();

    let events = example.lines();
    let changed: Vec<&Value> = events.iter().filter(|e| e["event"] == "filter_changed").collect();
    assert_eq!(changed.len(), 1, "the refused directive changed nothing");
    assert_eq!(changed[0]["old"], "info");
    assert_eq!(changed[0]["new"], GOOD);
    // After the change: `shop` (and `shop::cache`, `shop::db` below it) at debug, the access
    // event (`http`, info) no more.
    let mut after: Vec<&str> = events
        .iter()
        .filter(|e| e["request_id"] == "after-change")
        .map(|e| e["component"].as_str().unwrap())
        .collect();
    after.sort_unstable();
    assert_eq!(after, ["shop", "shop", "shop::cache", "shop::db"]);
}
