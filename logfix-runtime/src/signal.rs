//! Graceful shutdown on SIGTERM and SIGINT for servers running on Tokio (feature `signal`).

use crate::event::notice::Notice;
use crate::event::{Level, Metadata};

/// The signal arrived: the line that explains why the log ends here.
static SHUTDOWN_SIGNAL: Metadata = Metadata::new("logfix", "shutdown_signal", Level::Info, &[]);
/// A second signal arrived while the server was shutting down.
static SHUTDOWN_FORCED: Metadata = Metadata::new("logfix", "shutdown_forced", Level::Warn, &[]);
/// The signals could not be listened for.
static SHUTDOWN_SIGNAL_UNAVAILABLE: Metadata =
    Metadata::new("logfix", "shutdown_signal_unavailable", Level::Error, &[]);

/// Waits until the process receives SIGTERM (what `docker stop`, Kubernetes and systemd send)
/// or SIGINT (Ctrl-C), writes a `"component":"logfix","event":"shutdown_signal"` line naming
/// it, and returns: the shutdown signal of a server's graceful shutdown. Where there are no
/// Unix signals, Ctrl-C.
///
/// Give it to the server, and let `main` return when the server has stopped: the server stops
/// accepting connections, lets the requests in progress finish (their lines are logged), and
/// returns; then the guard of [`init`](crate::init), dropped at the end of `main`, and the
/// at-exit handler write out every queued line. logfix is flushed last, after the last request.
///
/// Once it listens, SIGTERM and SIGINT no longer end the process by themselves: a second one,
/// while the server is shutting down (requests that do not finish), writes a `shutdown_forced`
/// line and exits at once with status 130 (SIGINT) or 143 (SIGTERM), after writing out the
/// queued lines. SIGKILL (`docker kill`, the end of Kubernetes' grace period) cannot be caught:
/// see `docs/OPERATIONS.md` for what each way of stopping can lose.
///
/// It must be polled inside a Tokio runtime with I/O enabled (which any server has). Outside
/// one, or if the signals cannot be listened for, it writes a `shutdown_signal_unavailable`
/// error and never resolves: the server then runs until the process is killed.
///
/// # Examples
/// ```no_run
/// # async fn serve(shutdown: impl std::future::Future<Output = ()>) { shutdown.await }
/// # async fn run() {
/// let _guard = logfix_runtime::init();
/// // With axum: axum::serve(listener, router)
/// //     .with_graceful_shutdown(logfix_runtime::shutdown_signal())
/// //     .await?;
/// serve(logfix_runtime::shutdown_signal()).await;
/// // `_guard` is dropped: the last requests' lines are written out.
/// # }
/// ```
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "signal")))]
pub async fn shutdown_signal() {
    let mut signals = match Signals::listen() {
        Ok(signals) => signals,
        Err(error) => {
            crate::emit(
                &Notice::new(
                    &SHUTDOWN_SIGNAL_UNAVAILABLE,
                    format!(
                        "shutdown_signal() cannot listen for SIGTERM and SIGINT ({error}): the \
                         process stops only when it is killed"
                    ),
                )
                .field("error", error),
            );
            return core::future::pending().await;
        }
    };
    let name = signals.next().await;
    crate::emit(
        &Notice::new(
            &SHUTDOWN_SIGNAL,
            format!("{name} received: shutting down once the requests in progress finish"),
        )
        .field("signal", name),
    );
    signals.force_on_next();
}

/// SIGTERM and SIGINT, listened for.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    runtime: tokio::runtime::Handle,
}

impl Signals {
    /// Starts listening. Tokio's signal handling panics outside a runtime with I/O enabled:
    /// that becomes an error here.
    fn listen() -> Result<Self, String> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = || -> std::io::Result<Self> {
                let term = signal(SignalKind::terminate())?;
                let int = signal(SignalKind::interrupt())?;
                Ok(Self { term, int, runtime: runtime.clone() })
            };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(listen)) {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err("the Tokio runtime has no I/O driver (enable_io)".to_owned()),
            }
        }
        #[cfg(not(unix))]
        Ok(Self { runtime })
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            use core::task::Poll;
            core::future::poll_fn(|cx| {
                if self.term.poll_recv(cx).is_ready() {
                    Poll::Ready("SIGTERM")
                } else if self.int.poll_recv(cx).is_ready() {
                    Poll::Ready("SIGINT")
                } else {
                    Poll::Pending
                }
            })
            .await
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                core::future::pending::<()>().await;
            }
            "Ctrl-C"
        }
    }

    /// From now on, the next signal ends the process at once (a task on the runtime waits for
    /// it; it goes away with the runtime).
    fn force_on_next(mut self) {
        let runtime = self.runtime.clone();
        runtime.spawn(async move {
            let name = self.next().await;
            crate::emit(
                &Notice::new(
                    &SHUTDOWN_FORCED,
                    format!("{name} received again: exiting without waiting for the requests"),
                )
                .field("signal", name),
            );
            // `exit` runs the at-exit handler of `init()`, which writes out the queued lines.
            std::process::exit(if name == "SIGTERM" { 143 } else { 130 });
        });
    }
}
