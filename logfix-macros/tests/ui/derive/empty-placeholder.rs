use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {} logged in")]
struct UserLogin {
    user_id: u64,
}

fn main() {}
