use logfix_runtime::LogEvent;

// A number under `user_id` would give the key two JSON types: the context writes it as a string.
#[derive(LogEvent)]
#[log(component = "auth", message = "user {user_id} logged in")]
struct UserLogin {
    user_id: u64,
}

// Renamed onto a context id: the same rule.
#[derive(LogEvent)]
#[log(component = "auth", message = "order placed")]
struct OrderPlaced {
    #[log(rename = "request_id")]
    number: u32,
}

fn main() {}
