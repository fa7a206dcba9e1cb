use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "tick", rate = "100 per second")]
struct Tick;

#[derive(LogEvent)]
#[log(component = "jobs", message = "tock", rate = "0/s")]
struct Tock;

fn main() {}
