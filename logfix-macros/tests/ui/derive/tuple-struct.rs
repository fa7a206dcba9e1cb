use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user logged in")]
struct UserLogin(u64, String);

fn main() {}
