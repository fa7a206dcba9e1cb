use logfix_runtime::logged;

trait Auth {
    #[logged(component = "api")]
    fn login(&self, user: &str);
}

fn main() {}
