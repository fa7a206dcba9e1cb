use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(level = "loud", message = "user {usr} logged in at {when:?}")]
struct UserLogin {
    user_id: u64,
    api_key: String,
    timestamp: u64,
    #[log(skip, display)]
    session: String,
}

fn main() {}
