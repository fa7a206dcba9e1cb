use logfix_runtime::{LogEvent, Value, ValueWriter, Written};

struct Nothing;

// No value where a field needs one would break the line: only a writer's method makes `Written`.
impl Value for Nothing {
    fn record<'w>(&self, _: ValueWriter<'w>) -> Written<'w> {
        Written(())
    }
}

#[derive(LogEvent)]
#[log(component = "db", message = "scanned")]
struct Scanned {
    nothing: Nothing,
}

fn main() {}
