use logfix_runtime::LogEvent;

struct Account {
    id: u64,
}

#[derive(LogEvent)]
#[log(component = "billing", message = "loaded")]
struct Loaded {
    #[log(serde)]
    account: Account,
}

fn main() {}
