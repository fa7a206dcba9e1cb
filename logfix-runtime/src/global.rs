//! The global logger's set-up: [`init`], the panic hook, the `tracing` and `log` bridges, and
//! writing out at process exit.

use crate::config::Config;
use crate::dispatch::{self, Logger};
use crate::event::notice::{self, Notice};
use crate::guard::Guard;
use crate::worker;

/// Configures the global logger from the environment and starts its writer. Same as
/// `Config::from_env().init()`; see [`Config::init`].
///
/// # Examples
/// ```
/// # // The operator's directory: not `./logs` in the source tree while the doctests run.
/// # let dir = std::env::temp_dir().join(format!("logfix-doc-init-{}", std::process::id()));
/// # std::env::set_var("LOGFIX_DIR", &dir);
/// let _guard = logfix_runtime::init(); // writes out every queued line when dropped
/// # drop(_guard);
/// # assert!(std::fs::read_to_string(dir.join("app.log")).unwrap().contains("logging_started"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn init() -> Guard {
    Config::from_env().init()
}

impl Config {
    /// Starts the global logger with this configuration and returns a guard that writes out
    /// every queued line when dropped.
    ///
    /// The logger stays in force until the process ends, whatever becomes of the guard (even
    /// `let _ = init();`), and its lines are written out when the process exits normally
    /// (returning from `main`, `std::process::exit`). [`shutdown`](crate::shutdown) stops it
    /// explicitly.
    ///
    /// Never panics and never fails: the first call installs the logger; later calls (also
    /// concurrent ones) return an inactive guard and write one `already_initialized` warning.
    /// Without any call, events go to the application's `tracing` subscriber if it has one,
    /// else synchronously to stderr as JSON at `info` and above (or at `LOGFIX_LEVEL`).
    pub fn init(self) -> Guard {
        let bridges = self.installs_bridges();
        let (logger, installed) = dispatch::install_global(|| {
            let (settings, issues) = self.resolve();
            // Before the logger starts, so that it renders with the global path's redaction.
            crate::redact::set_global(&settings);
            Logger::start(settings, issues)
        });
        if installed {
            crate::rate::set_global(&logger.settings().rate_limits);
            install_panic_hook();
            if bridges {
                install_bridges(logger);
            }
            flush_at_exit();
            Guard::new(logger.clone())
        } else {
            logger.notice(&Notice::new(
                &notice::ALREADY_INITIALIZED,
                "init() was called again; the logger installed first stays in force",
            ));
            Guard::inactive()
        }
    }
}

/// Routes `tracing` and `log` into this pipeline. A framework whose global slot is taken by
/// something that does not reach logfix is reported with what to do; logfix's own events are
/// unaffected.
fn install_bridges(logger: &Logger) {
    #[cfg_attr(not(any(feature = "tracing", feature = "log")), allow(unused_mut))]
    let mut refused: Vec<(&str, String, &str)> = Vec::new();
    #[cfg(feature = "tracing")]
    if let Err(e) = crate::bridge::tracing::install() {
        // A subscriber the program composed with logfix's layer is what the layer is for.
        if !crate::bridge::tracing::in_global_subscriber() {
            refused.push((
                "tracing",
                e.to_string(),
                "tracing events do not reach logfix: add logfix_runtime::bridge::tracing::layer() \
                 to that subscriber, or drop it",
            ));
        }
    }
    #[cfg(feature = "log")]
    if let Err(e) = crate::bridge::log::install() {
        refused.push((
            "log",
            e.to_string(),
            "log records reach logfix only if that logger forwards them to tracing (tracing-log's \
             LogTracer, with logfix's layer in the subscriber); if it does, or to keep that \
             logger, call Config::install_bridges(false) before init() and this warning goes",
        ));
    }
    for (framework, error, what_to_do) in refused {
        logger.notice(
            &Notice::new(
                &notice::BRIDGE_NOT_INSTALLED,
                format!("the {framework} bridge was not installed ({error}): {what_to_do}"),
            )
            .field("framework", framework)
            .field("error", error),
        );
    }
}

/// Chains a panic hook that writes an `error` event (`"event":"panic"`) and flushes it before
/// the previous hook runs (which usually prints the panic and may abort).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(a panic payload that is not a string)");
        // A panic message quotes whatever the code put in it, secrets included.
        let message = crate::redact::global().scrub(message);
        let thread = std::thread::current();
        let thread_name = thread.name().unwrap_or("<unnamed>");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        dispatch::emit(
            &Notice::new(&notice::PANIC, format!("thread '{thread_name}' panicked: {message}"))
                .field("panic_message", &*message)
                .field("location", location)
                .field("thread", thread_name),
        );
        // The writer cannot wait for itself. A panic in a `Display` impl of an event being
        // rendered is caught and written as `render_failed`: no need to wait there either.
        if thread_name != worker::THREAD_NAME && !dispatch::rendering() {
            dispatch::flush();
        }
        previous(info);
    }));
}

/// Registers a handler that writes out the global logger's lines when the process exits
/// normally: returning from `main` and `std::process::exit` run it (a signal's default action,
/// `abort` and SIGKILL do not: see docs/OPERATIONS.md).
fn flush_at_exit() {
    #[cfg(unix)]
    {
        extern "C" fn at_exit() {
            dispatch::flush();
        }
        // SAFETY: `atexit` only registers a function pointer; `at_exit` is an `extern "C" fn()`
        // that cannot unwind (`flush` never panics) and only sends a request to the writer
        // thread, which keeps running until the process ends, and waits a bounded time.
        #[allow(unsafe_code, reason = "no safe API runs code at process exit")]
        let _ = unsafe { libc::atexit(at_exit) };
    }
}
