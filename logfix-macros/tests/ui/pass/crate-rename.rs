extern crate logfix_runtime as lf;

#[derive(lf::LogEvent)]
#[log(crate = "lf", component = "auth", message = "user {user_id} logged in")]
struct UserLogin {
    user_id: String,
}

#[derive(lf::LogEvent)]
#[log(crate = "::lf", component = "auth", message = "logged out")]
struct UserLogout;

mod nested {
    #[derive(lf::LogEvent)]
    #[log(crate = "crate::lf_path", component = "auth", message = "expired")]
    pub struct SessionExpired;
}

use lf as lf_path;

fn main() {
    use lf::LogEvent as _;
    assert_eq!(UserLogin { user_id: "u-1".to_owned() }.metadata().event(), "user_login");
    assert_eq!(UserLogout.metadata().event(), "user_logout");
    assert_eq!(nested::SessionExpired.metadata().event(), "session_expired");
}
