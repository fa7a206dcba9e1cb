use logfix_runtime::LogEvent;

struct AccountId(u64);

#[derive(LogEvent)]
#[log(component = "auth", message = "signed in")]
struct SignedIn {
    #[log(redact = "hash")]
    account: AccountId,
}

fn main() {}
