use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {email} logged in")]
struct UserLogin {
    user_id: u64,
    #[log(redact)]
    email: String,
}

fn main() {}
