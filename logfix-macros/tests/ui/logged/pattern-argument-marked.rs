use logfix_runtime::logged;

#[logged(component = "geo")]
fn distance(#[log(display)] (x, y): (f64, f64)) -> f64 {
    x.hypot(y)
}

fn main() {}
