use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "login")]
union Login {
    user_id: u64,
    attempts: u32,
}

fn main() {}
