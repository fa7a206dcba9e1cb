use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {user_id} logged in")]
struct UserLogin {
    user_id: u64,
    #[log(rename = "sessionToken")]
    handle: String,
}

fn main() {}
