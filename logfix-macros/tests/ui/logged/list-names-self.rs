use logfix_runtime::logged;

struct Session;

impl Session {
    #[logged(component = "api", skip(self))]
    fn refresh(&self, user: &str) {
        let _ = user;
    }
}

fn main() {
    Session.refresh("ann");
}
