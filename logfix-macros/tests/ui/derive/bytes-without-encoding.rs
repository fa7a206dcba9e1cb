use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "fs", message = "stored")]
struct Stored {
    digest: Vec<u8>,
}

fn main() {}
