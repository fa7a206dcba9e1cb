use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(
    component = "server",
    level = "warn",
    message = "shutting down {{gracefully}}"
)]
struct ShuttingDown;

fn main() {
    assert_eq!(ShuttingDown.metadata().fields(), [] as [&str; 0]);
    let line = logfix_runtime::__private::render_json(&ShuttingDown);
    assert!(
        line.ends_with(r#""component":"server","event":"shutting_down","message":"shutting down {gracefully}"}"#),
        "{line}"
    );
}
