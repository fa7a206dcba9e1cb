use std::cell::Cell;

use logfix_runtime::{LogEvent, Value, ValueWriter, Written};

struct Replay(Cell<Option<Written<'static>>>);

// A proof of an earlier write cannot stand in for this one, which would leave the field
// without a value: `Written` is tied to the writer that made it.
impl Value for Replay {
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        match self.0.take() {
            Some(kept) => kept,
            None => out.u64(1),
        }
    }
}

#[derive(LogEvent)]
#[log(component = "db", message = "replayed")]
struct Replayed {
    replay: Replay,
}

fn main() {}
