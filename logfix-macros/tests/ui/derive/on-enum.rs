use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "login")]
enum Login {
    Succeeded { user_id: u64 },
    Failed { user_id: u64 },
}

fn main() {}
