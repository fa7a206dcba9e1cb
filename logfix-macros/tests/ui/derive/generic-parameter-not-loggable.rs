// The derive bounds `T: Value`, so the error is where the event is used with a type that cannot
// be logged, not in the derive.
use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "jobs", message = "job {id} finished")]
struct JobFinished<T> {
    id: T,
}

struct JobId(u64);

fn event_name(event: &dyn LogEvent) -> &'static str {
    event.metadata().event()
}

fn main() {
    let _ = event_name(&JobFinished { id: JobId(1) });
}
