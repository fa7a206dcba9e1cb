use logfix_runtime::logged;

#[logged(component = "server")]
fn serve(port: u16) -> ! {
    let _ = port;
    loop {}
}

fn main() {}
