// One mistake in the derive must not add "`LogEvent` is not implemented" errors where the type is
// used as an event.
use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {usr} logged in")]
struct UserLogin {
    user_id: u64,
}

fn takes_event(event: &dyn LogEvent) -> &'static str {
    event.metadata().event()
}

fn main() {
    let _ = takes_event(&UserLogin { user_id: 1 });
}
