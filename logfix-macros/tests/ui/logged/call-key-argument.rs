use logfix_runtime::logged;

#[logged(component = "jobs")]
fn finish(job: u64, outcome: &str) {
    let _ = (job, outcome);
}

fn main() {}
