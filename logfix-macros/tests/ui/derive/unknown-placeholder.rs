use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {usr_id} logged in")]
struct UserLogin {
    user_id: u64,
    attempts: u32,
}

fn main() {}
