use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "api", message = "request {request_id} handled")]
struct Handled;

fn main() {}
