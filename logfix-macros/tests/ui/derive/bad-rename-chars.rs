use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {id} finished")]
struct JobFinished {
    id: u64,
    #[log(rename = "queue name")]
    queue: String,
}

fn main() {}
