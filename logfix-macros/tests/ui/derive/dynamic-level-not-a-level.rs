use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", level = dynamic, message = "job done")]
struct JobDone {
    level: &'static str,
    id: u64,
}

fn main() {}
