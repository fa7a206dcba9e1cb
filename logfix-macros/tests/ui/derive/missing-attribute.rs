use logfix_runtime::LogEvent;

#[derive(LogEvent)]
struct UserLogin {
    user_id: u64,
}

fn main() {}
