use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "signed in")]
struct SignedIn {
    #[log(redact = "sha256")]
    account: String,
}

fn main() {}
