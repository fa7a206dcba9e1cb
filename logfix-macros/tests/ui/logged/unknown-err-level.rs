use logfix_runtime::logged;

#[logged(component = "api", err_level = "fatal")]
fn login(user: &str) -> Result<(), String> {
    let _ = user;
    Ok(())
}

fn main() {}
