use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {id} finished")]
struct JobFinished {
    id: u64,
    level: u8,
}

fn main() {}
