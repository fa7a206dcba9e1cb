use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "")]
struct UserLogin {
    user_id: u64,
}

fn main() {}
