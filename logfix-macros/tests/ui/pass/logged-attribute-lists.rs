//! The attribute-list form (`skip(...)`, `redact(...)`, ...) and the argument form together.
use std::net::IpAddr;

use logfix_runtime::logged;

#[logged(
    component = "auth",
    event = "auth.login",
    level = "debug",
    err_level = "warn",
    message = "login done",
    err_message = "login refused",
    enter,
    skip(password),
    redact(email),
    display(ip),
    debug(roles),
    not_sensitive(token_count)
)]
fn login(
    user: &str,
    password: &str,
    email: &str,
    ip: IpAddr,
    roles: &[&str],
    token_count: u32,
    #[log(skip)] session_secret: &str,
) -> Result<u64, String> {
    let _ = (password, email, ip, roles, token_count, session_secret);
    if user.is_empty() {
        return Err("no user".to_owned());
    }
    Ok(1)
}

fn main() {
    let ip: IpAddr = [127, 0, 0, 1].into();
    assert!(login("ann", "p", "e", ip, &["admin"], 1, "s").is_ok());
}
