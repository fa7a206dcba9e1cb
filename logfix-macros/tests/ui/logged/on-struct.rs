use logfix_runtime::logged;

#[logged(component = "api")]
struct Login {
    user: String,
}

fn main() {}
