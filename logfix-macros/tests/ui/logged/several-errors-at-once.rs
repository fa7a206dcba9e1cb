use logfix_runtime::logged;

#[logged(level = "loud", skip(usr), message = "{user} logged in")]
fn login(user: &str, api_key: &str, #[log(skip, display)] session: u64) {
    let _ = (user, api_key, session);
}

fn main() {}
