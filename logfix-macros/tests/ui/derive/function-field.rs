use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {name} queued")]
struct JobQueued {
    name: String,
    on_done: Box<dyn Fn() + Send>,
}

fn main() {}
