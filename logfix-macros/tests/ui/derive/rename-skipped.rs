use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {id} finished")]
struct JobFinished {
    id: u64,
    #[log(skip, rename = "queue_name")]
    queue: String,
}

fn main() {}
