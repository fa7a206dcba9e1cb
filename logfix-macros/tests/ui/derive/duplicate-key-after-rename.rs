use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {id} finished")]
struct JobFinished {
    id: u64,
    #[log(rename = "id")]
    job_id: u64,
}

fn main() {}
