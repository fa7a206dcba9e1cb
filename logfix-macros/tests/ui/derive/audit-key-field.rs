use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "admin", message = "role granted")]
struct RoleGranted {
    audit_seq: u64,
}

fn main() {}
