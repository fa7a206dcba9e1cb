//! Macros for logfix. Use them through `logfix_runtime`, which re-exports them.
//!
//! One stage of the pipeline per module: `attr` parses `#[log(...)]`, `check` applies the rules
//! that span several attributes, `derive` expands, and `fallback` is what is emitted instead when
//! the input has errors.

mod attr;
mod check;
mod derive;
mod fallback;

use proc_macro::TokenStream;

/// Derives `logfix_runtime::LogEvent` for a struct with named fields (or a unit struct).
///
/// On the struct, `#[log(...)]` takes:
/// - `component = "..."` (required): the part of the service, `[a-z0-9_.-]+`;
/// - `message = "..."` (required): a template where `{field}` is replaced by the field's value
///   and `{{` / `}}` are literal braces;
/// - `event = "..."`: the event name, `[a-z0-9_.-]+`; by default the struct name in snake case
///   (`HTTPRequest` becomes `http_request`);
/// - `level = "..."`: `trace`, `debug`, `info` (the default), `warn` or `error`;
/// - `crate = "..."`: the path to `logfix_runtime` if it was renamed.
///
/// On a field, `#[log(...)]` takes one of `redact` (log the key with `"[REDACTED]"`, never reading
/// the value), `skip` (leave the field out), `display` or `debug` (log it with `Display` or `Debug`
/// instead of `logfix_runtime::Value`), plus `rename = "..."` for another JSON key and
/// `not_sensitive` for a field whose name looks like a secret but is not.
///
/// Mistakes are compile errors: missing keys, placeholders that name no field or a secret one,
/// reserved or duplicate keys, sensitive-looking names that are neither redacted nor skipped, and
/// field types that cannot be logged.
///
/// # Examples
/// ```
/// use logfix_runtime::LogEvent;
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", message = "user {user_id} logged in")]
/// struct UserLogin<'a> {
///     user_id: u64,
///     #[log(redact)]
///     email: &'a str,
/// }
///
/// let event = UserLogin { user_id: 42, email: "ann@example.com" };
/// assert_eq!(event.metadata().event(), "user_login");
/// assert_eq!(event.metadata().fields(), ["user_id", "email"]);
/// ```
#[proc_macro_derive(LogEvent, attributes(log))]
pub fn derive_log_event(input: TokenStream) -> TokenStream {
    derive::derive(&syn::parse_macro_input!(input as syn::DeriveInput)).into()
}
