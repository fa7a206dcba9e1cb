use std::borrow::Cow;
use std::fmt::{Debug, Display};

use logfix_runtime::{LogEvent, Value};

/// Bounds on the parameters, in the generics and in a where clause.
#[derive(LogEvent)]
// A rate limit on a generic event: one limiter for every instance of the type.
#[log(component = "jobs", message = "{name}: {count} items", rate = "10/m")]
struct Batch<'a, 'b: 'a, T: Value, const N: usize>
where
    T: Clone,
{
    name: Cow<'a, str>,
    count: usize,
    items: [T; N],
    #[log(redact)]
    owner: &'b str,
}

/// No bounds written: the derive adds `T: Value`, `D: Display` and `G: Debug`.
#[derive(LogEvent)]
#[log(component = "jobs", message = "got {value}, {shown} and {debugged}")]
struct Unbounded<T, D, G, S> {
    value: Option<T>,
    #[log(display)]
    shown: D,
    #[log(debug)]
    debugged: Vec<G>,
    #[log(skip)]
    skipped: S,
}

/// Borrowed, unsized-behind-a-reference and boxed fields.
#[derive(LogEvent)]
#[log(component = "http", message = "{method} {path}")]
struct Request<'r> {
    method: &'r str,
    path: &'r std::path::Path,
    headers: &'r [&'r str],
    body: Box<str>,
}

fn event_name<E: LogEvent>(event: &E) -> &'static str {
    event.metadata().event()
}

fn render<T: Value, D: Display, G: Debug, S>(event: &Unbounded<T, D, G, S>) -> String {
    logfix_runtime::__private::render_json(event)
}

struct NotLoggable;

fn main() {
    let owner = String::from("ann");
    let batch = Batch {
        name: Cow::Borrowed("import"),
        count: 2,
        items: [1_u8, 2],
        owner: &owner,
    };
    assert_eq!(event_name(&batch), "batch");
    assert_eq!(
        batch.metadata().fields(),
        ["name", "count", "items", "owner"]
    );

    let unbounded = Unbounded {
        value: Some(1_u8),
        shown: 2.5,
        debugged: vec!['x'],
        skipped: NotLoggable,
    };
    let _ = &unbounded.skipped;
    let line = render(&unbounded);
    assert!(
        line.contains(
            r#""message":"got 1, 2.5 and ['x']","value":1,"shown":"2.5","debugged":"['x']"}"#
        ),
        "{line}"
    );

    let request = Request {
        method: "GET",
        path: std::path::Path::new("/"),
        headers: &["a", "b"],
        body: "{}".into(),
    };
    assert_eq!(
        request.metadata().fields(),
        ["method", "path", "headers", "body"]
    );
}
