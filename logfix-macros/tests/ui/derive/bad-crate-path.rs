use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(
    crate = "logfix runtime",
    component = "auth",
    message = "user {user_id} logged in"
)]
struct UserLogin {
    user_id: u64,
}

fn main() {}
