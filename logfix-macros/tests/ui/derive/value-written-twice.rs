use logfix_runtime::{LogEvent, Value, ValueWriter, Written};

struct Range {
    start: u64,
    end: u64,
}

// Two values where a field has room for one would break the line: the writer is used up by the
// first.
impl Value for Range {
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.u64(self.start);
        out.u64(self.end)
    }
}

#[derive(LogEvent)]
#[log(component = "db", message = "scanned")]
struct Scanned {
    range: Range,
}

fn main() {}
