//! Every attribute name and key, once. Parsing matches on these constants and messages quote
//! them, so that renaming a key is a one-line change.

/// `#[log(...)]`: on a `#[derive(LogEvent)]` struct, its fields, and `#[logged]` arguments.
pub(crate) const LOG: &str = "log";
/// `#[logged(...)]`: on a function.
pub(crate) const LOGGED: &str = "logged";

/// The attributes as messages name them.
pub(crate) const LOG_ATTRIBUTE: &str = "#[log(...)]";
pub(crate) const LOGGED_ATTRIBUTE: &str = "#[logged(...)]";

pub(crate) const COMPONENT: &str = "component";
pub(crate) const MESSAGE: &str = "message";
pub(crate) const EVENT: &str = "event";
pub(crate) const LEVEL: &str = "level";
pub(crate) const CRATE: &str = "crate";
pub(crate) const RATE: &str = "rate";
pub(crate) const ERR_MESSAGE: &str = "err_message";
pub(crate) const ERR_LEVEL: &str = "err_level";
pub(crate) const ENTER: &str = "enter";

pub(crate) const REDACT: &str = "redact";
pub(crate) const SKIP: &str = "skip";
pub(crate) const DISPLAY: &str = "display";
pub(crate) const DEBUG: &str = "debug";
pub(crate) const HEX: &str = "hex";
pub(crate) const BASE64: &str = "base64";
pub(crate) const SERDE: &str = "serde";
pub(crate) const RENAME: &str = "rename";
pub(crate) const NOT_SENSITIVE: &str = "not_sensitive";

/// The keys of `#[log(...)]` on a struct.
pub(crate) const CONTAINER_KEYS: [&str; 6] = [COMPONENT, MESSAGE, EVENT, LEVEL, RATE, CRATE];

/// `level = dynamic`: the level comes from the event's `level` field.
pub(crate) const DYNAMIC: &str = "dynamic";

/// The keys that say how a field or argument is logged; they exclude each other.
pub(crate) const MODE_KEYS: [&str; 7] = [REDACT, SKIP, DISPLAY, DEBUG, HEX, BASE64, SERDE];

/// The keys of `#[log(...)]` on a field or an argument.
pub(crate) const FIELD_KEYS: [&str; 9] =
    [REDACT, SKIP, DISPLAY, DEBUG, HEX, BASE64, SERDE, RENAME, NOT_SENSITIVE];

/// The keys of `#[logged(...)]`.
pub(crate) const LOGGED_KEYS: [&str; 16] = [
    COMPONENT,
    EVENT,
    MESSAGE,
    ERR_MESSAGE,
    LEVEL,
    ERR_LEVEL,
    ENTER,
    CRATE,
    SKIP,
    REDACT,
    DISPLAY,
    DEBUG,
    HEX,
    BASE64,
    SERDE,
    NOT_SENSITIVE,
];
