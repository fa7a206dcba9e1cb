use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(
    component = "auth",
    level = "warning",
    message = "user {user_id} logged in"
)]
struct UserLogin {
    user_id: u64,
}

fn main() {}
