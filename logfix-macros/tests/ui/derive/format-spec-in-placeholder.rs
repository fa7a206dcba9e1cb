use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "payments", message = "retrying {attempts:?}")]
struct Retrying {
    attempts: Vec<u32>,
}

fn main() {}
