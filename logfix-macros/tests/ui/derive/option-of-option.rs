use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "profile", message = "updated")]
struct Updated {
    nickname: Option<Option<String>>,
}

fn main() {}
