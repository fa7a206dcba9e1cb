use logfix_runtime::logged;

#[logged(component = "api", err_message = "")]
fn login(user: &str) -> Result<(), String> {
    let _ = user;
    Ok(())
}

fn main() {}
