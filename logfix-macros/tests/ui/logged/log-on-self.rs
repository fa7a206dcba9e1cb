use logfix_runtime::logged;

struct Session;

impl Session {
    #[logged(component = "api")]
    fn refresh(#[log(skip)] &self, user: &str) {
        let _ = user;
    }
}

fn main() {}
