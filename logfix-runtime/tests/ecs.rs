//! `LOGFIX_SCHEMA=ecs`: every kind of line the runtime writes (derived events, `#[logged]`
//! calls, bridged `tracing` events, logfix's notices, the access event, the context) reaches the
//! file in the Elastic Common Schema form, valid against `schema/ecs-event.schema.json`, with no
//! application field at the top level.
//!
//! One test: it installs the global logger, which `#[logged]` and the bridges write through.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::error::Error;
use std::fmt;

use common::{assert_success, is_child, read_text, run_child, Scratch};
use logfix_runtime::{ecs, logged, Config, Context, LogEvent};
use logfix_testkit::{validate_file_as, validate_line_as, LineSchema};
use serde_json::{json, Map, Value};

#[derive(LogEvent)]
#[log(component = "shop", message = "order {order} placed")]
struct OrderPlaced {
    order: u64,
    // Named like a context id (a string, as the derive requires), and like an ECS field set of
    // another type (`host` is an object in ECS).
    user_id: &'static str,
    host: &'static str,
}

#[logged(component = "shop")]
fn reserve(items: u32) -> Result<u32, Refused> {
    Ok(items)
}

#[logged(component = "payments")]
fn charge(cents: u64) -> Result<(), Refused> {
    Err(Refused { cents, source: Declined })
}

#[derive(Debug)]
struct Refused {
    cents: u64,
    source: Declined,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "charge of {} refused", self.cents)
    }
}

impl Error for Refused {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[derive(Debug)]
struct Declined;

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("card declined")
    }
}

impl Error for Declined {}

/// Every top-level key is an ECS field with the JSON type of its ECS type, or `logfix`.
fn assert_no_mapping_conflict(line: &Map<String, Value>) {
    for (key, value) in line {
        if key == ecs::NAMESPACE {
            let own = value.as_object().unwrap();
            for (key, value) in own {
                if key == ecs::APP_FIELDS {
                    assert!(value.is_object());
                    continue;
                }
                let kind = ecs::own_kind(key).unwrap_or_else(|| panic!("logfix.{key}"));
                assert_eq!(json_type(value), kind.json_type(), "logfix.{key}");
            }
            continue;
        }
        let kind = ecs::kind(key).unwrap_or_else(|| panic!("{key} is not an ECS field"));
        assert_eq!(json_type(value), kind.json_type(), "{key}");
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Bool(_) => "boolean",
        other => panic!("{other}"),
    }
}

fn find<'a>(lines: &'a [Map<String, Value>], logger: &str, action: &str) -> &'a Map<String, Value> {
    lines
        .iter()
        .find(|l| l["log.logger"] == logger && l["event.action"] == action)
        .unwrap_or_else(|| panic!("no {logger}/{action} in {lines:#?}"))
}

/// A derived event, two `#[logged]` calls and a bridged event, in a context.
fn emit_every_kind() {
    Context::new()
        .request_id("req-1")
        .correlation_id("corr-1")
        .user_id("u-7")
        .trace_id("4bf92f3577b34da6a3ce929d0e0e4736")
        .span_id("00f067aa0ba902b7")
        .field("tenant", "acme")
        .scope(|| {
            logfix_runtime::emit(&OrderPlaced { order: 12, user_id: "u-42", host: "web-1" });
            assert_eq!(reserve(3).unwrap(), 3);
            assert!(charge(990).is_err());
            tracing::info!(
                target: "shop::legacy",
                host = "web-1",
                error = "none",
                user = "ann",
                url = "/cart",
                event = "checkout",
                service = "billing",
                "bridged"
            );
        });
}

#[test]
fn every_kind_of_line_is_written_in_ecs() {
    let dir = Scratch::new("ecs");
    let guard = Config::from_env_vars([
        ("LOGFIX_DIR", dir.path().as_os_str()),
        ("LOGFIX_SCHEMA", "ecs".as_ref()),
        ("LOGFIX_SERVICE_NAME", "shop".as_ref()),
        ("LOGFIX_SERVICE_VERSION", "1.4.0".as_ref()),
        ("LOGFIX_SERVICE_ENVIRONMENT", "test".as_ref()),
        ("LOGFIX_LEVEL", "debug".as_ref()),
    ])
    .init();
    emit_every_kind();
    #[cfg(feature = "tower")]
    web::serve_one();
    drop(guard);

    let path = dir.join("app.log");
    let count = validate_file_as(&path, LineSchema::Ecs).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Map<String, Value>> = text
        .lines()
        .map(|line| {
            assert_eq!(LineSchema::detect(line), LineSchema::Ecs, "{line}");
            let map = validate_line_as(line, LineSchema::Ecs).unwrap();
            assert_no_mapping_conflict(&map);
            assert!(line.starts_with(r#"{"@timestamp":"#), "{line}");
            assert!(
                line.contains(r#","ecs.version":"8.11.0","service.name":"shop","service.version":"1.4.0","service.environment":"test","event.dataset":"shop.log","log.logger":"#),
                "{line}"
            );
            map
        })
        .collect();
    assert_eq!(lines.len(), count);

    let started = find(&lines, "logfix", "logging_started");
    assert_eq!(started["process.pid"], std::process::id());
    assert!(started["logfix"]["config"].as_str().unwrap().contains("schema=ecs"));

    let ids = |line: &Map<String, Value>| {
        (
            line["http.request.id"].clone(),
            line["labels.correlation_id"].clone(),
            line["trace.id"].clone(),
            line["span.id"].clone(),
        )
    };
    let expected_ids = (
        json!("req-1"),
        json!("corr-1"),
        json!("4bf92f3577b34da6a3ce929d0e0e4736"),
        json!("00f067aa0ba902b7"),
    );

    let order = find(&lines, "shop", "order_placed");
    assert_eq!(ids(order), expected_ids);
    assert_eq!(order["message"], "order 12 placed");
    // The event's own `user_id` replaces the context's, and is ECS's `user.id`.
    assert_eq!(order["user.id"], "u-42");
    assert_eq!(
        order["logfix"],
        json!({"fields": {"tenant": "acme", "order": 12, "host": "web-1"}})
    );

    let reserved = find(&lines, "shop", "reserve");
    assert_eq!(reserved["user.id"], "u-7");
    assert_eq!(reserved["event.outcome"], "success");
    assert_eq!(reserved["logfix"]["outcome"], "ok");
    assert_eq!(reserved["logfix"]["fields"]["items"], 3);
    assert!(reserved["event.duration"].as_u64().unwrap().is_multiple_of(1000), "ns from µs");
    assert!(!reserved.contains_key("error.message"));

    let charged = find(&lines, "payments", "charge");
    assert_eq!(charged["log.level"], "error");
    assert_eq!(charged["event.outcome"], "failure");
    assert_eq!(charged["error.message"], "charge of 990 refused");
    assert!(charged["error.type"].as_str().unwrap().ends_with("::Refused"), "{charged:?}");
    assert_eq!(charged["error.stack_trace"], "caused by: card declined");
    assert!(charged["event.duration"].is_u64());
    assert_eq!(charged["logfix"]["fields"]["cents"], 990);

    // Fields named like ECS field sets are strings here: they stay under `logfix.fields`.
    let bridged = find(&lines, "shop::legacy", "tracing");
    assert_eq!(ids(bridged), expected_ids);
    assert_eq!(bridged["user.id"], "u-7");
    let fields = &bridged["logfix"]["fields"];
    for (key, value) in [
        ("host", "web-1"),
        ("error", "none"),
        ("user", "ann"),
        ("url", "/cart"),
        // `event` is a key of every logfix line: the bridge moved it aside.
        ("field.event", "checkout"),
        ("service", "billing"),
    ] {
        assert_eq!(fields[key], value, "{key}");
        assert!(!bridged.contains_key(key), "{key} at the top level");
    }
    assert!(!bridged.contains_key("error.message"));

    #[cfg(feature = "tower")]
    web::check(&lines);
}

/// Before `init()` there is no writer thread: lines go to stderr, also in the ECS form.
#[test]
fn child_without_a_writer() {
    if !is_child("child_without_a_writer") {
        return;
    }
    logfix_runtime::emit(&OrderPlaced { order: 1, user_id: "u-1", host: "before init" });
    drop(Config::from_env().init());
}

/// Runs the child test `child` with `LOGFIX_SCHEMA=ecs` and its log directory in `dir`; returns
/// its stderr and the JSON lines on it, each valid against the ECS schema and free of mapping
/// conflicts.
fn ecs_child_stderr(child: &str, dir: &Scratch) -> (String, Vec<Map<String, Value>>) {
    let vars = [
        ("LOGFIX_DIR", dir.path().as_os_str()),
        ("LOGFIX_SCHEMA", "ecs".as_ref()),
        ("LOGFIX_SERVICE_NAME", "shop".as_ref()),
    ];
    let out = run_child(child, &vars);
    assert_success(&out, "the child");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines = stderr
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| validate_line_as(line, LineSchema::Ecs).unwrap())
        .collect::<Vec<_>>();
    lines.iter().for_each(assert_no_mapping_conflict);
    (stderr, lines)
}

#[test]
fn lines_before_init_go_to_stderr_in_ecs() {
    let dir = Scratch::new("ecs-stderr");
    let (stderr, on_stderr) = ecs_child_stderr("child_without_a_writer", &dir);
    let hosts: Vec<&Value> = on_stderr.iter().map(|l| &l["logfix"]["fields"]["host"]).collect();
    assert_eq!(hosts, [&json!("before init")], "{stderr}");
    validate_file_as(dir.join("app.log"), LineSchema::Ecs).unwrap();
}

/// After `shutdown()` the writer is gone: lines go to stderr, converted to ECS as well.
#[test]
fn child_after_shutdown() {
    if !is_child("child_after_shutdown") {
        return;
    }
    let _guard = Config::from_env().init();
    logfix_runtime::emit(&OrderPlaced { order: 1, user_id: "u-1", host: "before shutdown" });
    logfix_runtime::shutdown();
    logfix_runtime::emit(&OrderPlaced { order: 2, user_id: "u-2", host: "after shutdown" });
}

#[test]
fn lines_after_shutdown_go_to_stderr_in_ecs() {
    let dir = Scratch::new("ecs-after-shutdown");
    let (stderr, on_stderr) = ecs_child_stderr("child_after_shutdown", &dir);
    let hosts: Vec<&Value> = on_stderr.iter().map(|l| &l["logfix"]["fields"]["host"]).collect();
    assert_eq!(hosts, [&json!("after shutdown")], "{stderr}");
    assert_eq!(on_stderr[0]["user.id"], "u-2");
    assert_eq!(on_stderr[0]["service.name"], "shop");
    validate_file_as(dir.join("app.log"), LineSchema::Ecs).unwrap();
    assert!(read_text(&dir.join("app.log")).contains(r#""host":"before shutdown""#));
}

#[cfg(feature = "tower")]
mod web {
    use std::future::Future;
    use std::net::SocketAddr;
    use std::pin::pin;
    use std::task::{Context as TaskContext, Poll, Waker};

    use http::{Request, Response};
    use logfix_runtime::web::AccessLogLayer;
    use serde_json::{json, Map, Value};
    use tower_layer::Layer;
    use tower_service::Service;

    #[derive(Clone)]
    struct Ok200;

    impl Service<Request<String>> for Ok200 {
        type Response = Response<String>;
        type Error = String;
        type Future = std::future::Ready<Result<Response<String>, String>>;

        fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), String>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<String>) -> Self::Future {
            std::future::ready(Ok(Response::new("hello".to_owned())))
        }
    }

    #[derive(Clone, Copy)]
    struct Peer(SocketAddr);

    pub(super) fn serve_one() {
        let layer = AccessLogLayer::new()
            .route_from(|_| Some("/items/{id}"))
            .client_from(|ext| ext.get::<Peer>().map(|p| p.0));
        let mut service = layer.layer(Ok200);
        let mut request = Request::get("/items/7?page=2&token=abc")
            .header("x-request-id", "web-1")
            .header("user-agent", "curl/8.5.0")
            .body(String::new())
            .unwrap();
        request.extensions_mut().insert(Peer("10.0.0.7:51234".parse().unwrap()));
        let mut future = pin!(service.call(request));
        let mut cx = TaskContext::from_waker(Waker::noop());
        // `Ok200` is ready on the first poll.
        let Poll::Ready(response) = future.as_mut().poll(&mut cx) else { panic!("pending") };
        assert_eq!(response.unwrap().status(), 200);
    }

    pub(super) fn check(lines: &[Map<String, Value>]) {
        let access = super::find(lines, "http", "request");
        assert_eq!(access["http.request.id"], "web-1");
        assert_eq!(access["http.request.method"], "GET");
        assert_eq!(access["url.path"], "/items/7");
        assert_eq!(access["url.query"], "page=2&token=[REDACTED]");
        assert_eq!(access["http.response.status_code"], 200);
        assert_eq!(access["http.response.body.bytes"], 5);
        assert_eq!(access["client.address"], "10.0.0.7:51234");
        assert_eq!(access["client.ip"], "10.0.0.7");
        assert_eq!(access["client.port"], 51234);
        assert_eq!(access["user_agent.original"], "curl/8.5.0");
        assert!(access["event.duration"].is_u64());
        assert_eq!(access["logfix"]["route"], "/items/{id}");
        assert_eq!(access["logfix"]["panicked"], json!(false));
        assert!(!access.contains_key("error.message"));
    }
}
