//! Every entry of the sensitive-name vocabulary is refused as an untagged argument name, each
//! error saying how to fix it. `tests/ui.rs` checks that the list is complete.
use logfix_runtime::logged;

#[logged(component = "auth")]
fn vocabulary(
    access_key: &str,
    api_key: &str,
    apikey: &str,
    authorization: &str,
    bearer: &str,
    card_number: &str,
    cookie: &str,
    credential: &str,
    creds: &str,
    cvc: &str,
    cvv: &str,
    iban: &str,
    jsessionid: &str,
    jwt: &str,
    mfa_code: &str,
    otp: &str,
    pan: &str,
    passphrase: &str,
    passwd: &str,
    password: &str,
    pin: &str,
    private_key: &str,
    privatekey: &str,
    pwd: &str,
    secret: &str,
    session_id: &str,
    sessionid: &str,
    signing_key: &str,
    ssn: &str,
    token: &str,
    totp: &str,
) {
}

fn main() {}
