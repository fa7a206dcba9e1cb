//! Macros for logfix. Use them through `logfix_runtime`, which re-exports them.
//!
//! One stage of the pipeline per module: `attr` parses `#[log(...)]` and `#[logged(...)]` (the
//! keys are in `symbol`, the message template is parsed by `template`), `check` applies the rules
//! that span several attributes, `derive` and `logged` expand, and `fallback` is what is emitted
//! instead when the input has errors. `ctxt` collects the errors of all stages; `case` and
//! `suggest` help word them.

mod attr;
mod case;
mod check;
mod ctxt;
mod derive;
mod fallback;
mod logged;
mod suggest;
mod symbol;
mod template;

use proc_macro::TokenStream;

/// Derives `logfix_runtime::LogEvent` for a struct with named fields (or a unit struct).
///
/// On the struct, `#[log(...)]` takes:
/// - `component = "..."` (required): the part of the service, `[a-z0-9_.-]+`;
/// - `message = "..."` (required): a template where `{field}` is replaced by the field's value
///   and `{{` / `}}` are literal braces;
/// - `event = "..."`: the event name, `[a-z0-9_.-]+`; by default the struct name in snake case
///   (`HTTPRequest` becomes `http_request`);
/// - `level = "..."`: `trace`, `debug`, `info` (the default), `warn` or `error`; or
///   `level = dynamic`: each event's level is its field `level: logfix_runtime::Level` (which is
///   not written as a field);
/// - `rate = "..."`: at most so many events of this type per second or minute (`"100/s"`,
///   `"600/m"`), wherever they are emitted from; the others are suppressed and counted
///   (`suppressed` in `metrics()`), and the first event of a later window comes after a
///   `"event":"suppressed"` line with their count and time span;
/// - `crate = "..."`: the path to `logfix_runtime` if it was renamed.
///
/// On a field, `#[log(...)]` takes one of `redact` (log the key with `"[REDACTED]"`; the value is
/// never written, and its `Display` text, if it has one, is only read to remove it from the
/// event's `display` and `debug` values), `redact = "hash"`, `"last4"` or `"email"` (the value's
/// `Display` text as a keyed pseudonym, its last four digits, or an address without its local
/// part: see `logfix_runtime::redact::Mask`), `skip` (leave the field out), `display` or `debug`
/// (log it with `Display` or `Debug` instead of `logfix_runtime::Value`; the text loses the
/// secrets the content scrubber finds), `hex` or `base64` (bytes: any `AsRef<[u8]>`, as a string)
/// and `serde` (any `serde::Serialize` value as nested JSON, sensitive keys inside redacted at run
/// time; feature `serde` of `logfix-runtime`), plus `rename = "..."` for another JSON key and
/// `not_sensitive` for a field whose name looks like a secret but is not.
///
/// Mistakes are compile errors: missing keys, placeholders that name no field or a secret one,
/// reserved or duplicate keys, sensitive-looking names that are neither redacted nor skipped,
/// field types that cannot be logged, bytes (`Vec<u8>`, `&[u8]`, `[u8; N]`, ...) without `hex` or
/// `base64`, which would be written as an array of numbers, `Option<Option<T>>`, whose `None`
/// and `Some(None)` would both be written `null`, and functions or closures not marked `skip`.
///
/// # Examples
/// ```
/// use logfix_runtime::LogEvent;
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", message = "user {account_id} logged in")]
/// struct UserLogin<'a> {
///     account_id: u64,
///     #[log(redact)]
///     email: &'a str,
/// }
///
/// let event = UserLogin { account_id: 42, email: "ann@example.com" };
/// assert_eq!(event.metadata().event(), "user_login");
/// assert_eq!(event.metadata().fields(), ["account_id", "email"]);
/// ```
#[proc_macro_derive(LogEvent, attributes(log))]
pub fn derive_log_event(input: TokenStream) -> TokenStream {
    derive::derive(&syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// Logs every call of a function: one event when it returns, with its arguments, how long it
/// took and whether it succeeded.
///
/// ```text
/// {"level":"info","component":"api","event":"login","message":"login succeeded",
///  "user":"ann","duration_us":412,"outcome":"ok"}
/// {"level":"error","component":"api","event":"login","message":"login failed: bad password",
///  "user":"ann","duration_us":9,"outcome":"error","error":"bad password",
///  "error_type":"api::LoginError","error_sources":["hash mismatch"]}
/// ```
///
/// `#[logged(...)]` takes:
/// - `component = "..."` (required): the part of the service, `[a-z0-9_.-]+`;
/// - `event = "..."`: the event name, by default the function name;
/// - `level = "..."`: the level of a normal return (or `Ok`), `info` by default; `err_level =
///   "..."`: the level of an `Err`, `error` by default (`trace`, `debug`, `info`, `warn`, `error`);
/// - `message = "..."` / `err_message = "..."`: plain text instead of "`<fn>` succeeded" /
///   "`<fn>` failed" (the error's `Display` is appended to the latter after `": "`). No `{...}`
///   placeholders: the arguments are fields of the event anyway;
/// - `enter`: also log an event when the function is called, named `<event>_started`, with the
///   arguments and the message "`<fn>` called";
/// - `skip(a, b)`, `redact(a)`, `display(a)`, `debug(a)`, `not_sensitive(a)`: the same as
///   `#[log(skip)]` (and so on) on each argument named, for those who prefer one place;
/// - `crate = "..."`: the path to `logfix_runtime` if it was renamed.
///
/// On an argument, `#[log(...)]` takes one of `skip` (leave it out), `redact` (log the key with
/// `"[REDACTED]"`), `redact = "hash"`, `"last4"` or `"email"` (as on a field), `display` or
/// `debug` (log it with `Display` or `Debug` instead of `logfix_runtime::Value`), plus
/// `rename = "..."` for another JSON key and
/// `not_sensitive` for an argument whose name looks like a secret but is not. These attributes
/// are removed from the function the compiler sees.
///
/// # The event
///
/// The arguments are rendered when the function is called, so the body may consume them. `self`
/// is never logged, nor an argument written as a pattern (`(a, b): (u8, u8)`, `_: u8`), which has
/// no name to log it under: bind it to a name and destructure it in the body to log it.
///
/// The return value itself is not logged. Only a return type spelled `Result<...>` (the last
/// segment of its path: `Result<T, E>`, `io::Result<T>`, an alias named `Result`) is inspected:
/// `Ok` gives `"outcome":"ok"`, `Err(e)` gives `"outcome":"error"`, `"error"` (`e`'s `Display`),
/// `"error_type"` (`e`'s type, as `std::any::type_name` spells it) and, if `e` implements
/// `std::error::Error`, `"error_sources"` (its `source()` chain). The
/// error type must implement `Display`. Any other return type is always `"ok"`. Early `return`
/// and `?` give one event, like the tail of the body.
///
/// A call that does not return writes its event too, then lets what stopped it go on: a panic
/// gives `"outcome":"panicked"` at the `err_level` (the panic then unwinds as before), and an
/// `async` call whose future is dropped before it completes (cancelled: a timeout, `select!`, or
/// a server dropping the handler of a client that went away) gives `"outcome":"cancelled"` at the
/// `level` of a normal return. Their messages are "`<fn>` panicked" and "`<fn>` cancelled". With
/// `panic = "abort"` a panic writes nothing: the process ends at once.
///
/// The signature is kept exactly as written: sync or `async`, methods taking `self` in any
/// form, generics, `where` clauses, `impl Trait` arguments and return types, `unsafe`, `extern`,
/// attributes and doc comments. `const fn` (which may run at compile time) and `-> !` (which never
/// returns) are rejected.
///
/// # Limits
///
/// - A function that returns a future without being `async` (including methods that
///   `#[async_trait]` has rewritten before `#[logged]` sees them) is logged when it returns the
///   future, not when the future completes.
/// - The body of a sync function runs in a closure (see `logged.rs` for why): `#[track_caller]`
///   does not reach into it, so a panic in the body reports the body's line.
///
/// Mistakes are compile errors, pointed at the offending token: `component` missing, unknown or
/// duplicate keys, a bad level, a `skip(...)`-style list naming no argument, an argument both
/// skipped and redacted, an argument whose type cannot be logged, an argument whose name looks
/// sensitive (`password`, `token`, `api_key`, ...) but is neither skipped nor redacted, and
/// `#[logged]` on something that is not a function.
///
/// # Examples
/// ```
/// use logfix_runtime::logged;
///
/// #[derive(Debug)]
/// struct BadPassword;
///
/// impl std::fmt::Display for BadPassword {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("bad password")
///     }
/// }
///
/// impl std::error::Error for BadPassword {}
///
/// #[logged(component = "api", redact(email))]
/// fn login(user: &str, email: &str, #[log(skip)] password: &str) -> Result<u64, BadPassword> {
///     if password == "hunter2" { Ok(42) } else { Err(BadPassword) }
/// }
///
/// let events = logfix_testkit::capture(|| login("ann", "ann@example.com", "nope"));
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0]["event"], "login");
/// assert_eq!(events[0]["level"], "error");
/// assert_eq!(events[0]["message"], "login failed: bad password");
/// assert_eq!(events[0]["user"], "ann");
/// assert_eq!(events[0]["email"], "[REDACTED]");
/// assert_eq!(events[0]["outcome"], "error");
/// assert!(events[0].get("password").is_none());
/// assert!(events[0]["duration_us"].is_u64());
/// ```
#[proc_macro_attribute]
pub fn logged(args: TokenStream, input: TokenStream) -> TokenStream {
    logged::logged(args.into(), &input.into()).into()
}
