use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", level = "WARN", message = "login refused")]
struct LoginRefused;

fn main() {}
