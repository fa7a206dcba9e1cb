//! Configuration: built-in defaults, presets per environment, code, and `LOGFIX_*` variables.
//!
//! Precedence, lowest first: the built-in defaults, the preset of the environment
//! (`LOGFIX_ENV`, else [`Config::environment`], else production), what code sets with the
//! builder, and last the individual `LOGFIX_*` variables when the configuration was made by
//! [`Config::from_env`]. Operators can therefore always override what the code chose, without a
//! rebuild.

mod parse;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::event::{Level, REDACTED};
use crate::file_names::shares_files;
use crate::filter::Filter;
use crate::rate::RateLimits;
use crate::redact::pseudonym::{MissingKey, PseudonymKey};
use crate::redact::scrub::Patterns;
use crate::render::Format;

/// Default size at which the active file is rotated: 100 MB (100 000 000 bytes).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100_000_000;
/// Default number of rotated files kept.
pub const DEFAULT_MAX_FILES: u32 = 10;
/// Default capacity of the queue between callers and the writer, in events.
pub const DEFAULT_QUEUE_CAPACITY: usize = 16_384;
/// Default `LOGFIX_MAX_LINE`, in bytes: 64 KiB, under what log shippers and stores take whole
/// (Fluent Bit's default buffer is 32 KiB per line, Elasticsearch's keyword fields stop at 32 KiB
/// of text), far above an ordinary line.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
/// Default longest time a written line waits in the writer's buffer: 100 ms.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Default first wait before a log file that failed is tried again: 100 ms (doubled after each
/// failure, up to 30 s).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_millis(100);
/// Default permissions of log files: `0640`, read and write for the owner, read for the group.
/// Directories get `0750` (execute wherever there is read).
pub const DEFAULT_FILE_MODE: u32 = 0o640;
/// Default file name in the log directory.
pub const DEFAULT_FILE: &str = "app.log";
/// Default log directory, relative to the working directory.
pub const DEFAULT_DIR: &str = "logs";
/// Default name of the audit trail's active file, in the log directory.
pub const DEFAULT_AUDIT_FILE: &str = "audit.log";

/// Every `LOGFIX_*` variable logfix reads. Another name under the prefix is reported as a
/// `config_invalid` event (a typo, most likely), with the closest of these when one is close.
pub const VARIABLES: &[&str] = &[
    "LOGFIX_ENV",
    "LOGFIX_LEVEL",
    "LOGFIX_FORMAT",
    "LOGFIX_CONSOLE",
    "LOGFIX_SCHEMA",
    "LOGFIX_SERVICE_NAME",
    "LOGFIX_SERVICE_VERSION",
    "LOGFIX_SERVICE_ENVIRONMENT",
    "LOGFIX_EVENT_DATASET",
    "LOGFIX_FILE_ENABLED",
    "LOGFIX_DIR",
    "LOGFIX_FILE",
    "LOGFIX_FILE_MODE",
    "LOGFIX_MAX_FILE_SIZE",
    "LOGFIX_MAX_FILES",
    "LOGFIX_MAX_AGE",
    "LOGFIX_MAX_TOTAL_SIZE",
    "LOGFIX_COMPRESS",
    "LOGFIX_OVERFLOW",
    "LOGFIX_QUEUE_CAPACITY",
    "LOGFIX_MAX_LINE",
    "LOGFIX_RATE_LIMIT",
    "LOGFIX_FLUSH_INTERVAL",
    "LOGFIX_REDACT_KEYS",
    "LOGFIX_REDACT_PATTERNS",
    REDACT_KEY,
    "LOGFIX_AUDIT_FILE",
    AUDIT_KEY,
    "LOGFIX_AUDIT_MAX_AGE",
];

/// The variables that hold keys: their values are never shown, in a `config_invalid` event, in
/// `logging_started`, or by `logfix doctor`.
pub const SECRET_VARIABLES: &[&str] = &[REDACT_KEY, AUDIT_KEY];
const REDACT_KEY: &str = "LOGFIX_REDACT_KEY";
const AUDIT_KEY: &str = "LOGFIX_AUDIT_KEY";

/// Where lines go besides the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Console {
    /// Standard output: what container platforms collect.
    Stdout,
    /// Standard error.
    Stderr,
    /// No console output.
    Off,
}

/// A named set of defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// `debug`, pretty lines on stderr, and the file.
    Development,
    /// `debug`, JSON, the file only.
    Staging,
    /// `info`, JSON, the file only.
    #[default]
    Production,
}

/// What happens when the writer falls behind and the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overflow {
    /// The caller waits for room: nothing is lost.
    #[default]
    Block,
    /// The event is dropped and counted; an `events_dropped` line reports the count.
    Drop,
}

/// The form of the JSON lines written to the file, to stderr and to a JSON console
/// (`LOGFIX_SCHEMA`). The pretty console and the audit trail do not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Schema {
    /// logfix's own schema (`schema/logfix-event.schema.json`).
    #[default]
    Logfix,
    /// The Elastic Common Schema, as ECS logging libraries write it
    /// (`schema/ecs-event.schema.json`, [`logfix_core::ecs`]).
    Ecs,
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Schema::Logfix => "logfix",
            Schema::Ecs => "ecs",
        })
    }
}

/// How rotated files are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// gzip, on a background thread.
    #[default]
    Gzip,
    /// Rotated files are kept as they are.
    None,
}

/// The configuration in force once defaults, presets, code and environment are combined.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// The preset the other values started from.
    pub environment: Environment,
    /// Which events are written (`LOGFIX_LEVEL`).
    pub filter: Filter,
    /// `LOGFIX_FORMAT`.
    pub format: Format,
    /// `LOGFIX_CONSOLE`.
    pub console: Console,
    /// `LOGFIX_SCHEMA`.
    pub schema: Schema,
    /// `LOGFIX_SERVICE_NAME`: the ECS line's `service.name`; `None` means the executable's
    /// name.
    pub service_name: Option<String>,
    /// `LOGFIX_SERVICE_VERSION`: the ECS line's `service.version`, written when set.
    pub service_version: Option<String>,
    /// `LOGFIX_SERVICE_ENVIRONMENT`: the ECS line's `service.environment`, written when set.
    pub service_environment: Option<String>,
    /// `LOGFIX_EVENT_DATASET`: the ECS line's `event.dataset`; `None` means
    /// `<service.name>.log`.
    pub event_dataset: Option<String>,
    /// `LOGFIX_FILE_ENABLED`.
    pub file_enabled: bool,
    /// `LOGFIX_DIR`; `None` means [`DEFAULT_DIR`] under the working directory.
    pub dir: Option<PathBuf>,
    /// `LOGFIX_FILE`.
    pub file: String,
    /// `LOGFIX_FILE_MODE`: permissions of the files logfix creates (less the process's umask).
    pub file_mode: u32,
    /// `LOGFIX_MAX_FILE_SIZE`, in bytes.
    pub max_file_size: u64,
    /// `LOGFIX_MAX_FILES`.
    pub max_files: u32,
    /// `LOGFIX_MAX_AGE`: rotated files older than this are deleted.
    pub max_age: Option<Duration>,
    /// `LOGFIX_MAX_TOTAL_SIZE`: the oldest rotated files are deleted while all files together
    /// are larger than this.
    pub max_total_size: Option<u64>,
    /// `LOGFIX_COMPRESS`.
    pub compression: Compression,
    /// `LOGFIX_OVERFLOW`.
    pub overflow: Overflow,
    /// `LOGFIX_QUEUE_CAPACITY`, in events.
    pub queue_capacity: usize,
    /// `LOGFIX_MAX_LINE`, in bytes: longer lines have their longest values cut.
    pub max_line: usize,
    /// `LOGFIX_RATE_LIMIT`: events per call site let through per second or minute, by component
    /// (none by default).
    pub rate_limits: RateLimits,
    /// `LOGFIX_FLUSH_INTERVAL`.
    pub flush_interval: Duration,
    /// First wait before a log file that failed is tried again (code only).
    pub retry_after: Duration,
    /// Colour in the pretty format: on a terminal, unless `NO_COLOR` is set.
    pub color: bool,
    /// `LOGFIX_REDACT_KEYS`: names added to the sensitive-name vocabulary, as written (empty by
    /// default). Build a [`redact::Policy`](crate::redact::Policy) from them once:
    /// `Policy::with_extra(&settings.redact_keys)`.
    pub redact_keys: Vec<String>,
    /// The patterns the content scrubber applies besides its built-in kinds of secrets: those
    /// set in code, then those of `LOGFIX_REDACT_PATTERNS` (one per line).
    pub redact_patterns: Patterns,
    /// `LOGFIX_REDACT_KEY`: the key of pseudonyms; `None` when unset (pseudonyms are then
    /// written as `[REDACTED]`). Never shown: `Debug` and `Display` say only that it is set.
    pub redact_key: Option<PseudonymKey>,
    /// `LOGFIX_AUDIT_FILE`: the audit trail's file, in the application log's directory.
    pub audit_file: String,
    /// `LOGFIX_AUDIT_KEY`: keys the audit trail's chain (HMAC-SHA256); `None`: plain SHA-256.
    pub audit_key: Option<AuditKey>,
    /// `LOGFIX_AUDIT_MAX_AGE`: compressed audit files older than this are deleted; `None`
    /// keeps them all.
    pub audit_max_age: Option<Duration>,
}

/// The secret that keys the audit trail's chain (`LOGFIX_AUDIT_KEY`). It is never written
/// anywhere: `Debug` and the settings' summary say only whether one is set.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// A key of these bytes (any length; 32 random bytes or more is what HMAC-SHA256 wants).
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([REDACTED])")
    }
}

impl Settings {
    fn preset(environment: Environment) -> Self {
        let (level, format, console) = match environment {
            Environment::Development => (Level::Debug, Format::Pretty, Console::Stderr),
            Environment::Staging => (Level::Debug, Format::Json, Console::Off),
            Environment::Production => (Level::Info, Format::Json, Console::Off),
        };
        Settings {
            environment,
            filter: Filter::new(level),
            format,
            console,
            schema: Schema::Logfix,
            service_name: None,
            service_version: None,
            service_environment: None,
            event_dataset: None,
            file_enabled: true,
            dir: None,
            file: DEFAULT_FILE.to_owned(),
            file_mode: DEFAULT_FILE_MODE,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_files: DEFAULT_MAX_FILES,
            max_age: None,
            max_total_size: None,
            compression: Compression::Gzip,
            overflow: Overflow::Block,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_line: DEFAULT_MAX_LINE,
            rate_limits: RateLimits::default(),
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            retry_after: DEFAULT_RETRY_AFTER,
            color: false,
            redact_keys: Vec::new(),
            redact_patterns: Patterns::new(),
            redact_key: None,
            audit_file: DEFAULT_AUDIT_FILE.to_owned(),
            audit_key: None,
            audit_max_age: None,
        }
    }
}

/// A `LOGFIX_*` value, or a value set in code, that was rejected, and what was used instead.
/// Each is reported once, as a `"component":"logfix","event":"config_invalid"` event, when the
/// logger starts. A value set in code obeys the same rule as its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigIssue {
    /// The variable, e.g. `LOGFIX_MAX_FILE_SIZE`, or the builder method that set the value,
    /// e.g. `Config::queue_capacity`.
    pub variable: Cow<'static, str>,
    /// The rejected value, as given.
    pub value: String,
    /// The value used instead.
    pub used: String,
    /// What was expected.
    pub reason: String,
}

/// A logger configuration: code sets values with the builder methods, and `LOGFIX_*` variables
/// override them when the configuration comes from [`Config::from_env`].
///
/// # Examples
/// ```
/// use logfix_runtime::{Config, Console, Format, Level};
///
/// // The variables a deployment sets; `from_env()` reads the real environment instead.
/// let config = Config::from_env_vars([("LOGFIX_LEVEL", "warn,auth=debug"), ("LOGFIX_MAX_FILES", "lots")])
///     .level(Level::Debug) // a default: LOGFIX_LEVEL wins
///     .console(Console::Stdout)
///     .file_enabled(false);
/// let (settings, issues) = config.resolve();
/// assert_eq!(settings.filter.to_string(), "warn,auth=debug");
/// assert_eq!(settings.console, Console::Stdout);
/// assert_eq!(settings.max_files, 10);
/// assert_eq!(issues[0].variable, "LOGFIX_MAX_FILES");
/// assert_eq!(issues[0].used, "10");
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Config {
    code: CodeSettings,
    /// `LOGFIX_*` and `NO_COLOR`, captured when the configuration was made; `None` for
    /// [`Config::new`].
    env: Option<BTreeMap<String, OsString>>,
    /// Whether the console is a terminal; decided at `resolve` unless a test fixes it.
    terminal: Option<bool>,
    /// Whether `init()` installs the `tracing` and `log` bridges (`None`: yes).
    bridges: Option<bool>,
}

#[derive(Debug, Clone, Default)]
struct CodeSettings {
    environment: Option<Environment>,
    filter: Option<Filter>,
    format: Option<Format>,
    console: Option<Console>,
    schema: Option<Schema>,
    service_name: Option<String>,
    service_version: Option<String>,
    service_environment: Option<String>,
    event_dataset: Option<String>,
    file_enabled: Option<bool>,
    dir: Option<PathBuf>,
    file: Option<String>,
    file_mode: Option<u32>,
    max_file_size: Option<u64>,
    max_files: Option<u32>,
    max_age: Option<Duration>,
    max_total_size: Option<u64>,
    compression: Option<Compression>,
    overflow: Option<Overflow>,
    queue_capacity: Option<usize>,
    max_line: Option<usize>,
    rate_limits: Option<RateLimits>,
    flush_interval: Option<Duration>,
    retry_after: Option<Duration>,
    redact_keys: Option<Vec<String>>,
    redact_patterns: Option<Patterns>,
    redact_key: Option<PseudonymKey>,
    audit_file: Option<String>,
    audit_key: Option<AuditKey>,
    audit_max_age: Option<Duration>,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.code.$name = Some(value);
            self
        }
    )*};
}

/// Setters of text and paths: they take anything that converts, as `Context`'s do, so that
/// `.file("app.log")` and `.dir(temp.path())` need no `.into()`.
macro_rules! into_setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.code.$name = Some(value.into());
            self
        }
    )*};
}

impl Config {
    /// A configuration from code alone: the environment is not read.
    pub fn new() -> Self {
        Self::default()
    }

    /// A configuration whose `LOGFIX_*` variables override what code sets.
    pub fn from_env() -> Self {
        Self::from_env_vars(std::env::vars_os())
    }

    /// Like [`Config::from_env`], with the variables given instead of read from the process:
    /// for tests, or for settings that come from elsewhere. Names other than `LOGFIX_*` and
    /// `NO_COLOR` are ignored.
    pub fn from_env_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let env = vars
            .into_iter()
            .filter_map(|(k, v)| {
                let k = k.into().into_string().ok()?;
                (k.starts_with("LOGFIX_") || k == "NO_COLOR").then(|| (k, v.into()))
            })
            .collect();
        Self { env: Some(env), ..Self::default() }
    }

    setters! {
        /// The preset the other values start from (`LOGFIX_ENV`).
        environment: Environment;
        /// Which events are written (`LOGFIX_LEVEL`); see [`Filter`] for directives.
        filter: Filter;
        /// Line format (`LOGFIX_FORMAT`).
        format: Format;
        /// Console output (`LOGFIX_CONSOLE`).
        console: Console;
        /// The schema of JSON lines (`LOGFIX_SCHEMA`).
        schema: Schema;
        /// Whether to write the log file (`LOGFIX_FILE_ENABLED`).
        file_enabled: bool;
        /// Permissions of created log files, e.g. `0o640` (`LOGFIX_FILE_MODE`); directories
        /// get execute wherever files get read.
        file_mode: u32;
        /// Size in bytes at which the file is rotated (`LOGFIX_MAX_FILE_SIZE`).
        max_file_size: u64;
        /// Rotated files kept (`LOGFIX_MAX_FILES`).
        max_files: u32;
        /// Age after which rotated files are deleted (`LOGFIX_MAX_AGE`).
        max_age: Duration;
        /// Bound on all files together, in bytes (`LOGFIX_MAX_TOTAL_SIZE`).
        max_total_size: u64;
        /// Compression of rotated files (`LOGFIX_COMPRESS`).
        compression: Compression;
        /// What a caller does when the queue is full (`LOGFIX_OVERFLOW`).
        overflow: Overflow;
        /// Queue capacity in events (`LOGFIX_QUEUE_CAPACITY`).
        queue_capacity: usize;
        /// The longest line, in bytes (`LOGFIX_MAX_LINE`): longer ones have their longest
        /// values cut, with a marker.
        max_line: usize;
        /// Events let through per call site and second or minute, by component
        /// (`LOGFIX_RATE_LIMIT`).
        rate_limits: RateLimits;
        /// Longest time a line waits before it is written out (`LOGFIX_FLUSH_INTERVAL`).
        flush_interval: Duration;
        /// First wait before a log file that failed is tried again; doubled after each failure,
        /// up to 30 s. Code only: [`DEFAULT_RETRY_AFTER`] suits production.
        retry_after: Duration;
        /// Names added to the sensitive-name vocabulary, each written as a name is, such as
        /// `tenant_key` (`LOGFIX_REDACT_KEYS`); see [`redact`](crate::redact).
        redact_keys: Vec<String>;
        /// Patterns the content scrubber applies besides its built-in kinds of secrets; those
        /// of `LOGFIX_REDACT_PATTERNS` are added to them.
        redact_patterns: Patterns;
        /// The key of pseudonyms (`LOGFIX_REDACT_KEY`).
        redact_key: PseudonymKey;
        /// The key of the audit trail's chain (`LOGFIX_AUDIT_KEY`).
        audit_key: AuditKey;
        /// Age after which compressed audit files are deleted (`LOGFIX_AUDIT_MAX_AGE`).
        audit_max_age: Duration;
    }

    into_setters! {
        /// The service's name in ECS lines (`LOGFIX_SERVICE_NAME`).
        service_name: String;
        /// The service's version in ECS lines (`LOGFIX_SERVICE_VERSION`).
        service_version: String;
        /// The service's environment in ECS lines (`LOGFIX_SERVICE_ENVIRONMENT`).
        service_environment: String;
        /// `event.dataset` in ECS lines (`LOGFIX_EVENT_DATASET`).
        event_dataset: String;
        /// Log directory (`LOGFIX_DIR`).
        dir: PathBuf;
        /// File name in the log directory (`LOGFIX_FILE`).
        file: String;
        /// The audit trail's file name in the log directory (`LOGFIX_AUDIT_FILE`).
        audit_file: String;
    }

    /// Whether [`init`](Config::init) installs logfix's `tracing` subscriber and `log` logger
    /// (yes by default). Say `false` when the program installs them itself, e.g. with
    /// [`bridge::tracing::layer`](super::bridge::tracing::layer) in its own subscriber and
    /// tracing-log's `LogTracer`: `init()` then neither tries nor warns that it could not.
    pub fn install_bridges(mut self, install: bool) -> Self {
        self.bridges = Some(install);
        self
    }

    pub(crate) fn installs_bridges(&self) -> bool {
        self.bridges.unwrap_or(true)
    }

    /// Writes events at `level` and above from every component: shorthand for
    /// `filter(Filter::new(level))`.
    pub fn level(self, level: Level) -> Self {
        self.filter(Filter::new(level))
    }

    /// Fixes whether the console counts as a terminal (for colour), instead of asking the OS:
    /// for this module's tests.
    #[cfg(test)]
    pub(crate) fn terminal(mut self, is_terminal: bool) -> Self {
        self.terminal = Some(is_terminal);
        self
    }

    /// Combines defaults, preset, code and environment into the settings in force, with every
    /// rejected variable.
    #[must_use]
    #[allow(
        clippy::too_many_lines,
        reason = "one flat list of variables, in the order of the docs"
    )]
    pub fn resolve(&self) -> (Settings, Vec<ConfigIssue>) {
        let mut issues = Vec::new();
        let env = Env { vars: self.env.as_ref(), issues: &mut issues };
        let mut env = env;
        let environment = env
            .get("LOGFIX_ENV", environment_name(self.code.environment.unwrap_or_default()), |s| {
                parse::choice(s, &["development", "staging", "production"]).map(|i| match i {
                    0 => Environment::Development,
                    1 => Environment::Staging,
                    _ => Environment::Production,
                })
            })
            .or(self.code.environment)
            .unwrap_or_default();
        let mut s = Settings::preset(environment);
        let code = self.code.clone();
        macro_rules! overlay {
            ($($field:ident),*) => {$( if let Some(v) = code.$field { s.$field = v; } )*};
        }
        overlay!(
            filter,
            format,
            console,
            schema,
            file_enabled,
            file,
            file_mode,
            max_file_size,
            max_files,
            compression,
            overflow,
            queue_capacity,
            max_line,
            rate_limits,
            flush_interval,
            retry_after,
            redact_keys,
            audit_file
        );
        if code.dir.is_some() {
            s.dir = code.dir;
        }
        // A value set in code obeys its variable's rule, or the preset's stays.
        let preset = Settings::preset(environment);
        env.code("Config::file", &mut s.file, &preset.file, |v| parse::file_name(v));
        env.code("Config::audit_file", &mut s.audit_file, &preset.audit_file, |v| {
            parse::file_name(v)
        });
        env.code_shown(
            "Config::file_mode",
            &mut s.file_mode,
            &preset.file_mode,
            |m| format!("{m:04o}"),
            |m| parse::mode_bits(*m),
        );
        env.code("Config::max_file_size", &mut s.max_file_size, &preset.max_file_size, |n| {
            parse::at_least_kib(*n)
        });
        env.code("Config::max_files", &mut s.max_files, &preset.max_files, |n| {
            parse::within(u64::from(*n), 0, MAX_FILES).map(|_| *n)
        });
        env.code("Config::queue_capacity", &mut s.queue_capacity, &preset.queue_capacity, |n| {
            parse::within(u64::try_from(*n).unwrap_or(u64::MAX), 1, MAX_QUEUE_CAPACITY).map(|_| *n)
        });
        env.code("Config::max_line", &mut s.max_line, &preset.max_line, |n| {
            parse::at_least_kib(u64::try_from(*n).unwrap_or(u64::MAX)).map(|_| *n)
        });
        s.max_age = code.max_age.or(s.max_age);
        s.max_total_size = code.max_total_size.or(s.max_total_size);
        s.redact_patterns = code.redact_patterns.unwrap_or_default();
        s.redact_key = code.redact_key;
        s.audit_key = code.audit_key;
        s.audit_max_age = code.audit_max_age;
        s.service_name = code.service_name;
        s.service_version = code.service_version;
        s.service_environment = code.service_environment;
        s.event_dataset = code.event_dataset;

        let level = s.filter.to_string();
        if let Some(v) =
            env.get("LOGFIX_LEVEL", &level, |v| v.parse::<Filter>().map_err(|e| e.to_string()))
        {
            s.filter = v;
        }
        let format = s.format.to_string();
        let asked_format =
            env.get("LOGFIX_FORMAT", &format, |v| v.parse::<Format>().map_err(|e| e.to_string()));
        if let Some(v) = asked_format {
            s.format = v;
        }
        let console = console_name(s.console);
        if let Some(v) = env.get("LOGFIX_CONSOLE", console, |v| {
            parse::choice(v, &["stdout", "stderr", "off"]).map(|i| match i {
                0 => Console::Stdout,
                1 => Console::Stderr,
                _ => Console::Off,
            })
        }) {
            s.console = v;
        }
        let schema = s.schema.to_string();
        if let Some(v) = env.get("LOGFIX_SCHEMA", &schema, |v| {
            parse::choice(v, &["logfix", "ecs"]).map(|i| {
                if i == 0 {
                    Schema::Logfix
                } else {
                    Schema::Ecs
                }
            })
        }) {
            s.schema = v;
        }
        for (name, value, unset) in [
            ("LOGFIX_SERVICE_NAME", &mut s.service_name, "the executable's name"),
            ("LOGFIX_SERVICE_VERSION", &mut s.service_version, "none"),
            ("LOGFIX_SERVICE_ENVIRONMENT", &mut s.service_environment, "none"),
            ("LOGFIX_EVENT_DATASET", &mut s.event_dataset, "<service name>.log"),
        ] {
            let fallback = value.clone().unwrap_or_else(|| unset.to_owned());
            if let Some(v) = env.get(name, &fallback, parse::label) {
                *value = Some(v);
            }
        }
        let enabled = s.file_enabled.to_string();
        if let Some(v) = env.get("LOGFIX_FILE_ENABLED", &enabled, parse::boolean) {
            s.file_enabled = v;
        }
        if let Some(dir) = env.path("LOGFIX_DIR", s.dir.as_ref()) {
            s.dir = Some(dir);
        }
        let file = s.file.clone();
        if let Some(v) = env.get("LOGFIX_FILE", &file, parse::file_name) {
            s.file = v;
        }
        let mode = format!("{:04o}", s.file_mode);
        if let Some(v) = env.get("LOGFIX_FILE_MODE", &mode, parse::file_mode) {
            s.file_mode = v;
        }
        let size = s.max_file_size.to_string();
        if let Some(v) =
            env.get("LOGFIX_MAX_FILE_SIZE", &size, |v| parse::size(v).and_then(parse::at_least_kib))
        {
            s.max_file_size = v;
        }
        let files = s.max_files.to_string();
        if let Some(v) = env.get("LOGFIX_MAX_FILES", &files, |v| {
            parse::count(v, 0, MAX_FILES).and_then(|n| u32::try_from(n).map_err(|e| e.to_string()))
        }) {
            s.max_files = v;
        }
        let age = s.max_age.map_or("none".to_owned(), |d| format!("{}s", d.as_secs()));
        if let Some(v) = env.get("LOGFIX_MAX_AGE", &age, parse::duration) {
            s.max_age = Some(v);
        }
        let total = s.max_total_size.map_or("none".to_owned(), |n| n.to_string());
        if let Some(v) = env.get("LOGFIX_MAX_TOTAL_SIZE", &total, parse::size) {
            s.max_total_size = Some(v);
        }
        let compression = compression_name(s.compression);
        if let Some(v) = env.get("LOGFIX_COMPRESS", compression, |v| {
            parse::choice(v, &["gzip", "none"]).map(|i| {
                if i == 0 {
                    Compression::Gzip
                } else {
                    Compression::None
                }
            })
        }) {
            s.compression = v;
        }
        let overflow = overflow_name(s.overflow);
        if let Some(v) = env.get("LOGFIX_OVERFLOW", overflow, |v| {
            parse::choice(v, &["block", "drop"]).map(|i| {
                if i == 0 {
                    Overflow::Block
                } else {
                    Overflow::Drop
                }
            })
        }) {
            s.overflow = v;
        }
        let capacity = s.queue_capacity.to_string();
        if let Some(v) = env.get("LOGFIX_QUEUE_CAPACITY", &capacity, |v| {
            parse::count(v, 1, MAX_QUEUE_CAPACITY)
                .and_then(|n| usize::try_from(n).map_err(|e| e.to_string()))
        }) {
            s.queue_capacity = v;
        }
        let max_line = s.max_line.to_string();
        if let Some(v) = env.get("LOGFIX_MAX_LINE", &max_line, |v| {
            parse::size(v)
                .and_then(parse::at_least_kib)
                .and_then(|n| usize::try_from(n).map_err(|e| e.to_string()))
        }) {
            s.max_line = v;
        }
        let limits =
            if s.rate_limits.is_empty() { "none".to_owned() } else { s.rate_limits.to_string() };
        if let Some(v) = env.get("LOGFIX_RATE_LIMIT", &limits, |v| {
            v.parse::<RateLimits>().map_err(|e| e.to_string())
        }) {
            s.rate_limits = v;
        }
        let interval = format!("{}ms", s.flush_interval.as_millis());
        if let Some(v) = env.get("LOGFIX_FLUSH_INTERVAL", &interval, parse::duration) {
            s.flush_interval = v;
        }
        let keys =
            if s.redact_keys.is_empty() { "none".to_owned() } else { s.redact_keys.join(",") };
        if let Some(v) = env.get("LOGFIX_REDACT_KEYS", &keys, parse::names) {
            s.redact_keys = v;
        }
        env.patterns("LOGFIX_REDACT_PATTERNS", &mut s.redact_patterns);
        if let Some(key) = env.key(REDACT_KEY, s.redact_key.is_some()) {
            s.redact_key = Some(key);
        }
        let audit_file = s.audit_file.clone();
        if let Some(v) = env.get("LOGFIX_AUDIT_FILE", &audit_file, parse::file_name) {
            s.audit_file = v;
        }
        if shares_files(&s.file, &s.audit_file) {
            let used = [DEFAULT_AUDIT_FILE, "logfix-audit.log"]
                .into_iter()
                .find(|name| !shares_files(&s.file, name))
                .unwrap_or(DEFAULT_AUDIT_FILE);
            env.issues.push(ConfigIssue {
                variable: "LOGFIX_AUDIT_FILE".into(),
                value: std::mem::replace(&mut s.audit_file, used.to_owned()),
                used: used.to_owned(),
                reason: format!(
                    "names the application log `{}` or one of its files: the audit trail needs files of its own",
                    s.file
                ),
            });
        }
        if let Some(key) = env.secret(AUDIT_KEY, s.audit_key.is_some()) {
            s.audit_key = Some(AuditKey(key));
        }
        let age = s.audit_max_age.map_or("none".to_owned(), |d| format!("{}s", d.as_secs()));
        if let Some(v) = env.get("LOGFIX_AUDIT_MAX_AGE", &age, parse::duration) {
            s.audit_max_age = Some(v);
        }
        env.unknown_variables();
        if !s.file_enabled && s.console == Console::Off {
            env.issues.push(ConfigIssue {
                variable: "LOGFIX_CONSOLE".into(),
                value: "off".to_owned(),
                used: "stderr".to_owned(),
                reason: "the file is disabled too, and lines would go nowhere (to write nothing, set LOGFIX_LEVEL=off)".to_owned(),
            });
            s.console = Console::Stderr;
        }
        if s.format == Format::Pretty && s.console == Console::Off {
            // Files are always JSON: the format in force is JSON, whoever asked for pretty,
            // and an operator who asked for it is told why it does nothing.
            if asked_format == Some(Format::Pretty) {
                env.issues.push(ConfigIssue {
                    variable: "LOGFIX_FORMAT".into(),
                    value: "pretty".to_owned(),
                    used: "json".to_owned(),
                    reason: "the console is off and files are always JSON, so nothing would be pretty; set LOGFIX_CONSOLE=stderr to see pretty lines".to_owned(),
                });
            }
            s.format = Format::Json;
        }
        if let Some(total) = s.max_total_size.filter(|total| *total < s.max_file_size) {
            env.issues.push(ConfigIssue {
                variable: "LOGFIX_MAX_TOTAL_SIZE".into(),
                value: total.to_string(),
                used: s.max_file_size.to_string(),
                reason: format!(
                    "below LOGFIX_MAX_FILE_SIZE ({}): every rotated file would be deleted as it is made",
                    s.max_file_size
                ),
            });
            s.max_total_size = Some(s.max_file_size);
        }
        let no_color = self.env.as_ref().map_or_else(
            || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            |vars| vars.get("NO_COLOR").is_some_and(|v| !v.is_empty()),
        );
        let terminal = self.terminal.unwrap_or_else(|| console_is_terminal(s.console));
        s.color = s.format == Format::Pretty && terminal && !no_color;
        (s, issues)
    }
}

fn console_is_terminal(console: Console) -> bool {
    use std::io::IsTerminal;
    match console {
        Console::Stdout => std::io::stdout().is_terminal(),
        Console::Stderr => std::io::stderr().is_terminal(),
        Console::Off => false,
    }
}

fn environment_name(e: Environment) -> &'static str {
    match e {
        Environment::Development => "development",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

fn console_name(c: Console) -> &'static str {
    match c {
        Console::Stdout => "stdout",
        Console::Stderr => "stderr",
        Console::Off => "off",
    }
}

fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::Gzip => "gzip",
        Compression::None => "none",
    }
}

fn overflow_name(o: Overflow) -> &'static str {
    match o {
        Overflow::Block => "block",
        Overflow::Drop => "drop",
    }
}

/// The most rotated files kept (`LOGFIX_MAX_FILES`): a guard against a slip of the keyboard,
/// far above what a log needs (the stress test keeps every one of ~2 000 rotations).
const MAX_FILES: u64 = 100_000;
/// The largest queue, in events (`LOGFIX_QUEUE_CAPACITY`).
const MAX_QUEUE_CAPACITY: u64 = 1 << 24;

/// The captured variables, recording each rejected value.
struct Env<'a> {
    vars: Option<&'a BTreeMap<String, OsString>>,
    issues: &'a mut Vec<ConfigIssue>,
}

impl Env<'_> {
    /// The parsed value of `name` if it is set and valid; otherwise records an issue saying that
    /// `fallback` is used.
    fn get<T>(
        &mut self,
        name: &'static str,
        fallback: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.vars?.get(name)?;
        let result = match raw.to_str() {
            Some(text) => parse(text),
            None => Err("the value is not valid UTF-8".to_owned()),
        };
        result
            .map_err(|reason| {
                self.issues.push(ConfigIssue {
                    variable: name.into(),
                    value: raw.to_string_lossy().into_owned(),
                    used: fallback.to_owned(),
                    reason,
                });
            })
            .ok()
    }

    /// Checks a value set in code by `rule`, its variable's: one the rule refuses is recorded as
    /// an issue under the builder method's `name`, and `fallback` is used instead.
    fn code<T: Clone + fmt::Display>(
        &mut self,
        name: &'static str,
        value: &mut T,
        fallback: &T,
        rule: impl FnOnce(&T) -> Result<T, String>,
    ) {
        self.code_shown(name, value, fallback, T::to_string, rule);
    }

    /// [`code`](Self::code) for a value shown by `show`.
    fn code_shown<T: Clone>(
        &mut self,
        name: &'static str,
        value: &mut T,
        fallback: &T,
        show: impl Fn(&T) -> String,
        rule: impl FnOnce(&T) -> Result<T, String>,
    ) {
        match rule(value) {
            Ok(checked) => *value = checked,
            Err(reason) => {
                self.issues.push(ConfigIssue {
                    variable: name.into(),
                    value: show(value),
                    used: show(fallback),
                    reason,
                });
                *value = fallback.clone();
            }
        }
    }

    /// Adds each line of `name` that is a valid pattern to `patterns`, and records an issue for
    /// each line that is not (the others still apply).
    fn patterns(&mut self, name: &'static str, patterns: &mut Patterns) {
        let Some(raw) = self.vars.and_then(|vars| vars.get(name)) else { return };
        let Some(text) = raw.to_str() else {
            self.issues.push(ConfigIssue {
                variable: name.into(),
                value: raw.to_string_lossy().into_owned(),
                used: format!("{} patterns set in code", patterns.len()),
                reason: "the value is not valid UTF-8".to_owned(),
            });
            return;
        };
        for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
            if let Err(error) = patterns.add(line) {
                self.issues.push(ConfigIssue {
                    variable: name.into(),
                    value: line.to_owned(),
                    used: "the other patterns; this one is ignored".to_owned(),
                    reason: error.to_string(),
                });
            }
        }
    }

    /// The key in `name`, if it is set and long enough. An empty value counts as unset. The
    /// value is never recorded, not even in an issue.
    fn key(&mut self, name: &'static str, fallback_set: bool) -> Option<PseudonymKey> {
        let raw = self.vars?.get(name).filter(|raw| !raw.is_empty())?;
        let key = match raw.to_str() {
            Some(text) => PseudonymKey::new(text.as_bytes()).map_err(|error| error.to_string()),
            None => Err("the value is not valid UTF-8".to_owned()),
        };
        key.map_err(|reason| {
            self.issues.push(ConfigIssue {
                variable: name.into(),
                value: REDACTED.to_owned(),
                used: if fallback_set {
                    "the key set in code"
                } else {
                    "no key: pseudonyms are written as [REDACTED]"
                }
                .to_owned(),
                reason,
            });
        })
        .ok()
    }

    /// The bytes of a secret: any non-empty value. An issue never repeats the value.
    fn secret(&mut self, name: &'static str, fallback_set: bool) -> Option<Vec<u8>> {
        let raw = self.vars?.get(name)?;
        if raw.is_empty() {
            self.issues.push(ConfigIssue {
                variable: name.into(),
                value: String::new(),
                used: if fallback_set { "the key set in code" } else { "no key" }.to_owned(),
                reason: "expected a non-empty key".to_owned(),
            });
            return None;
        }
        #[cfg(unix)]
        let bytes = std::os::unix::ffi::OsStrExt::as_bytes(raw.as_os_str()).to_vec();
        #[cfg(not(unix))]
        let bytes = raw.to_string_lossy().into_owned().into_bytes();
        Some(bytes)
    }

    fn path(&mut self, name: &'static str, fallback: Option<&PathBuf>) -> Option<PathBuf> {
        let raw = self.vars?.get(name)?;
        let text = raw.to_string_lossy();
        let reason = if text.is_empty() || text.contains('\0') {
            "expected a directory path"
        } else if text.starts_with('~') {
            // Only a shell expands it, and systemd, Docker and Kubernetes pass it as it is.
            "`~` is not expanded here: give the absolute path"
        } else {
            return Some(PathBuf::from(raw));
        };
        self.issues.push(ConfigIssue {
            variable: name.into(),
            value: text.into_owned(),
            used: fallback.map_or(DEFAULT_DIR.to_owned(), |p| p.display().to_string()),
            reason: reason.to_owned(),
        });
        None
    }

    /// Reports every `LOGFIX_*` name that is not one of [`VARIABLES`], without its value (it
    /// may be a key under a misspelt name).
    fn unknown_variables(&mut self) {
        let Some(vars) = self.vars else { return };
        for name in vars.keys().filter(|k| k.starts_with("LOGFIX_")) {
            if VARIABLES.contains(&name.as_str()) {
                continue;
            }
            let hint = closest_variable(name)
                .map_or_else(String::new, |known| format!(": did you mean {known}?"));
            self.issues.push(ConfigIssue {
                variable: name.clone().into(),
                value: "(not shown)".to_owned(),
                used: "nothing: the variable is ignored".to_owned(),
                reason: format!("not a logfix variable{hint}"),
            });
        }
    }
}

/// The variable `name` most likely meant: one a typo or two away (`LOGFIX_MAX_FILESIZE`), or
/// whose own part `name` ends with (`LOGFIX_LOG_LEVEL`).
fn closest_variable(name: &str) -> Option<&'static str> {
    let own = |v: &'static str| v.strip_prefix("LOGFIX_").unwrap_or(v);
    let upper = name.to_ascii_uppercase();
    VARIABLES
        .iter()
        .map(|&v| (logfix_core::suggest::edit_distance(&upper, v), v))
        .filter(|&(distance, v)| distance <= 2 || upper.ends_with(&format!("_{}", own(v))))
        .min()
        .map(|(_, v)| v)
}

impl fmt::Display for Settings {
    /// A one-line summary, written in the `logging_started` event.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "env={} level={} format={} console={} file_enabled={} file_mode={:04o} max_file_size={} max_files={} compress={} overflow={} queue_capacity={} max_line={} flush_interval={}ms",
            environment_name(self.environment),
            self.filter,
            self.format,
            console_name(self.console),
            self.file_enabled,
            self.file_mode & 0o777,
            self.max_file_size,
            self.max_files,
            compression_name(self.compression),
            overflow_name(self.overflow),
            self.queue_capacity,
            self.max_line,
            self.flush_interval.as_millis(),
        )?;
        // Only what differs from the default, so that logfix-schema summaries stay as they were.
        if self.schema != Schema::Logfix {
            write!(f, " schema={}", self.schema)?;
        }
        for (name, value) in [
            ("service_name", &self.service_name),
            ("service_version", &self.service_version),
            ("service_environment", &self.service_environment),
            ("event_dataset", &self.event_dataset),
        ] {
            if let Some(value) = value {
                write!(f, " {name}={value}")?;
            }
        }
        if let Some(age) = self.max_age {
            write!(f, " max_age={}s", age.as_secs())?;
        }
        if let Some(total) = self.max_total_size {
            write!(f, " max_total_size={total}")?;
        }
        if !self.redact_keys.is_empty() {
            write!(f, " redact_keys={}", self.redact_keys.join(","))?;
        }
        if !self.rate_limits.is_empty() {
            write!(f, " rate_limit={}", self.rate_limits)?;
        }
        // How many patterns, not which: a pattern may spell out what it is meant to hide.
        if !self.redact_patterns.is_empty() {
            write!(f, " redact_patterns={}", self.redact_patterns.len())?;
        }
        if self.redact_key.is_some() {
            write!(f, " redact_key={REDACTED}")?;
        }
        // Whether a key is set, never the key.
        let key = if self.audit_key.is_some() { "set" } else { "none" };
        write!(f, " audit_file={} audit_key={key}", self.audit_file)?;
        if let Some(age) = self.audit_max_age {
            write!(f, " audit_max_age={}s", age.as_secs())?;
        }
        Ok(())
    }
}

/// The `config_invalid` event for a pseudonym asked for without a key (report it once).
impl From<MissingKey> for ConfigIssue {
    fn from(missing: MissingKey) -> Self {
        ConfigIssue {
            variable: "LOGFIX_REDACT_KEY".into(),
            value: String::new(),
            used: REDACTED.to_owned(),
            reason: missing.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(vars: &[(&str, &str)]) -> (Settings, Vec<ConfigIssue>) {
        Config::from_env_vars(vars.iter().copied()).terminal(true).resolve()
    }

    #[test]
    fn defaults_are_production() {
        let (s, issues) = resolve(&[]);
        assert!(issues.is_empty());
        assert_eq!(s, Settings { color: false, ..Settings::preset(Environment::Production) });
        assert_eq!(s.max_file_size, 100_000_000);
        assert_eq!(s.max_files, 10);
        assert_eq!(s.file, "app.log");
        assert_eq!(s.filter.to_string(), "info");
    }

    #[test]
    fn the_schema_and_the_service_come_from_the_environment() {
        let (s, issues) = resolve(&[
            ("LOGFIX_SCHEMA", "ECS"),
            ("LOGFIX_SERVICE_NAME", " shop "),
            ("LOGFIX_SERVICE_VERSION", "1.4.0"),
            ("LOGFIX_SERVICE_ENVIRONMENT", "prod"),
            ("LOGFIX_EVENT_DATASET", "shop.access"),
        ]);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(s.schema, Schema::Ecs);
        assert_eq!(s.service_name.as_deref(), Some("shop"));
        assert_eq!(s.service_version.as_deref(), Some("1.4.0"));
        assert_eq!(s.service_environment.as_deref(), Some("prod"));
        assert_eq!(s.event_dataset.as_deref(), Some("shop.access"));
        assert!(s.to_string().contains(" schema=ecs service_name=shop "), "{s}");
    }

    #[test]
    fn a_bad_schema_falls_back_to_logfix_and_says_so() {
        let (s, issues) = resolve(&[("LOGFIX_SCHEMA", "elastic"), ("LOGFIX_SERVICE_NAME", "")]);
        assert_eq!(s.schema, Schema::Logfix);
        assert_eq!(s.service_name, None);
        let variables: Vec<_> =
            issues.iter().map(|i| (i.variable.as_ref(), i.used.as_str())).collect();
        assert_eq!(
            variables,
            [("LOGFIX_SCHEMA", "logfix"), ("LOGFIX_SERVICE_NAME", "the executable's name")]
        );
        assert_eq!(issues[0].reason, "expected one of `logfix`, `ecs`");
        assert!(!s.to_string().contains("schema="), "the default is not repeated: {s}");
    }

    #[test]
    fn presets_set_level_format_and_console() {
        let (dev, _) = resolve(&[("LOGFIX_ENV", "development")]);
        assert_eq!((dev.format, dev.console), (Format::Pretty, Console::Stderr));
        assert_eq!(dev.filter.to_string(), "debug");
        assert!(dev.color);
        let (staging, _) = resolve(&[("LOGFIX_ENV", "Staging")]);
        assert_eq!((staging.format, staging.console), (Format::Json, Console::Off));
    }

    #[test]
    fn every_variable_is_read() {
        let (s, issues) = resolve(&[
            ("LOGFIX_LEVEL", "warn,auth=debug,payments=trace"),
            ("LOGFIX_FORMAT", "pretty"),
            ("LOGFIX_CONSOLE", "stdout"),
            ("LOGFIX_DIR", "/var/log/svc"),
            ("LOGFIX_FILE", "svc.log"),
            ("LOGFIX_FILE_MODE", "0600"),
            ("LOGFIX_FILE_ENABLED", "false"),
            ("LOGFIX_MAX_FILE_SIZE", "64KiB"),
            ("LOGFIX_MAX_FILES", "3"),
            ("LOGFIX_MAX_AGE", "30d"),
            ("LOGFIX_MAX_TOTAL_SIZE", "1GB"),
            ("LOGFIX_COMPRESS", "none"),
            ("LOGFIX_OVERFLOW", "drop"),
            ("LOGFIX_QUEUE_CAPACITY", "1024"),
            ("LOGFIX_FLUSH_INTERVAL", "5ms"),
            ("LOGFIX_REDACT_KEYS", "tenant_key, X-Internal-Auth"),
            ("LOGFIX_REDACT_PATTERNS", "ticket-\\d+\n\n  ghp_\\w+  "),
            ("LOGFIX_REDACT_KEY", "0123456789abcdef0123456789abcdef"),
            ("LOGFIX_AUDIT_FILE", "trail.log"),
            ("LOGFIX_AUDIT_KEY", "s3cr3t-key"),
            ("LOGFIX_AUDIT_MAX_AGE", "365d"),
            ("NO_COLOR", "1"),
        ]);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(s.filter.to_string(), "warn,auth=debug,payments=trace");
        assert_eq!(s.format, Format::Pretty);
        assert_eq!(s.console, Console::Stdout);
        assert_eq!(s.dir, Some(PathBuf::from("/var/log/svc")));
        assert_eq!(s.file, "svc.log");
        assert_eq!(s.file_mode, 0o600);
        assert!(!s.file_enabled);
        assert_eq!(s.max_file_size, 65_536);
        assert_eq!(s.max_files, 3);
        assert_eq!(s.max_age, Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(s.max_total_size, Some(1_000_000_000));
        assert_eq!(s.compression, Compression::None);
        assert_eq!(s.overflow, Overflow::Drop);
        assert_eq!(s.queue_capacity, 1024);
        assert_eq!(s.flush_interval, Duration::from_millis(5));
        assert_eq!(s.redact_keys, ["tenant_key", "X-Internal-Auth"]);
        assert!(!s.color, "NO_COLOR turns colour off");
        assert_eq!(format!("{:?}", s.redact_patterns), r#"["ticket-\\d+", "ghp_\\w+"]"#);
        assert_eq!(s.redact_key, PseudonymKey::new(b"0123456789abcdef0123456789abcdef").ok());
        assert_eq!(s.audit_file, "trail.log");
        assert_eq!(s.audit_key, Some(AuditKey::new("s3cr3t-key")));
        assert_eq!(s.audit_max_age, Some(Duration::from_secs(365 * 86_400)));
    }

    /// A name under logfix's prefix that logfix does not read is a typo until shown otherwise:
    /// reported, with the variable it most likely meant, and without its value.
    #[test]
    fn unknown_variables_are_reported_with_the_closest_name() {
        let (s, issues) = resolve(&[
            ("LOGFIX_LOG_LEVEL", "debug"),
            ("LOGFIX_MAX_FILESIZE", "1MiB"),
            ("LOGFIX_AUDITKEY", "a-secret-key-of-32-characters!!!"),
            ("LOGFIX_SHINY", "yes"),
            ("LOGFIX_LEVEL", "warn"),
        ]);
        assert_eq!(s.filter.to_string(), "warn");
        let reasons: Vec<_> =
            issues.iter().map(|i| (i.variable.as_ref(), i.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                ("LOGFIX_AUDITKEY", "not a logfix variable: did you mean LOGFIX_AUDIT_KEY?"),
                ("LOGFIX_LOG_LEVEL", "not a logfix variable: did you mean LOGFIX_LEVEL?"),
                (
                    "LOGFIX_MAX_FILESIZE",
                    "not a logfix variable: did you mean LOGFIX_MAX_FILE_SIZE?"
                ),
                ("LOGFIX_SHINY", "not a logfix variable"),
            ]
        );
        assert!(issues.iter().all(|i| i.value == "(not shown)"), "{issues:?}");
    }

    /// Settings that would throw lines away, or keep no history, without a word.
    #[test]
    fn settings_that_would_lose_everything_are_reported() {
        let (s, issues) = resolve(&[("LOGFIX_FILE_ENABLED", "false")]);
        assert_eq!(s.console, Console::Stderr, "no file and no console: stderr, not nowhere");
        assert_eq!(
            (issues[0].variable.as_ref(), issues[0].used.as_str()),
            ("LOGFIX_CONSOLE", "stderr")
        );
        let (s, issues) =
            resolve(&[("LOGFIX_FILE_ENABLED", "false"), ("LOGFIX_CONSOLE", "stdout")]);
        assert_eq!((s.console, issues.len()), (Console::Stdout, 0));

        let (s, issues) =
            resolve(&[("LOGFIX_MAX_FILE_SIZE", "8KiB"), ("LOGFIX_MAX_TOTAL_SIZE", "2KiB")]);
        assert_eq!(s.max_total_size, Some(8192), "at least one file");
        assert_eq!(issues[0].variable, "LOGFIX_MAX_TOTAL_SIZE");

        // Asked for a format that nothing would show: said, not silently ignored.
        let (s, issues) = resolve(&[("LOGFIX_FORMAT", "pretty"), ("LOGFIX_CONSOLE", "off")]);
        assert_eq!(s.format, Format::Json, "files are always JSON");
        assert_eq!(
            (issues[0].variable.as_ref(), issues[0].value.as_str()),
            ("LOGFIX_FORMAT", "pretty")
        );
        assert!(issues[0].reason.contains("LOGFIX_CONSOLE"), "{issues:?}");
        let (_, issues) = resolve(&[("LOGFIX_FORMAT", "pretty"), ("LOGFIX_CONSOLE", "stderr")]);
        assert!(issues.is_empty(), "{issues:?}");
        let (_, issues) = resolve(&[("LOGFIX_ENV", "production"), ("LOGFIX_FORMAT", "json")]);
        assert!(issues.is_empty(), "{issues:?}");
        // The preset's pretty, with the console turned off: JSON in force, nothing to report.
        let (s, issues) = resolve(&[("LOGFIX_ENV", "development"), ("LOGFIX_CONSOLE", "off")]);
        assert_eq!((s.format, issues.len()), (Format::Json, 0), "{issues:?}");

        let (s, issues) = resolve(&[("LOGFIX_DIR", "~/logs")]);
        assert_eq!(s.dir, None, "the default directory, not one named `~`");
        assert!(issues[0].reason.contains("`~` is not expanded"), "{issues:?}");
    }

    /// The audit key is in no summary, no `Debug` output and no `config_invalid` issue.
    #[test]
    fn the_audit_key_is_never_shown() {
        let (s, issues) = resolve(&[("LOGFIX_AUDIT_KEY", "s3cr3t-key")]);
        assert!(issues.is_empty());
        assert!(s.to_string().contains("audit_key=set"), "{s}");
        for shown in [
            s.to_string(),
            format!("{s:?}"),
            format!("{:?}", Config::new().audit_key(AuditKey::new("s3cr3t-key"))),
        ] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        let (s, issues) = resolve(&[("LOGFIX_AUDIT_KEY", "")]);
        assert_eq!(s.audit_key, None);
        assert_eq!(
            (issues[0].variable.as_ref(), issues[0].value.as_str()),
            ("LOGFIX_AUDIT_KEY", "")
        );
    }

    #[test]
    fn bad_values_fall_back_and_are_reported_once_each() {
        let (s, issues) = resolve(&[
            ("LOGFIX_LEVEL", "loud"),
            ("LOGFIX_MAX_FILE_SIZE", "huge"),
            ("LOGFIX_MAX_FILES", "-1"),
            ("LOGFIX_ENV", "prod"),
            ("LOGFIX_FILE", "../etc/passwd"),
            ("LOGFIX_DIR", ""),
            ("LOGFIX_FILE_MODE", "0666x"),
        ]);
        assert_eq!(s, Settings { color: false, ..Settings::preset(Environment::Production) });
        let summary: Vec<_> = issues
            .iter()
            .map(|i| (i.variable.as_ref(), i.value.as_str(), i.used.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("LOGFIX_ENV", "prod", "production"),
                ("LOGFIX_LEVEL", "loud", "info"),
                ("LOGFIX_DIR", "", "logs"),
                ("LOGFIX_FILE", "../etc/passwd", "app.log"),
                ("LOGFIX_FILE_MODE", "0666x", "0640"),
                ("LOGFIX_MAX_FILE_SIZE", "huge", "100000000"),
                ("LOGFIX_MAX_FILES", "-1", "10"),
            ]
        );
        assert!(issues.iter().all(|i| !i.reason.is_empty()));
    }

    /// A bad pattern is reported and ignored, the others apply; a bad key is reported without
    /// its value; the key never shows in `Display` (the `logging_started` summary) or `Debug`.
    #[test]
    fn redaction_settings_never_show_the_key() {
        let key = "0123456789abcdef-THE-KEY-0123456789abcdef";
        let mut in_code = Patterns::new();
        in_code.add("internal-[0-9]+").unwrap();
        let (s, issues) = Config::from_env_vars([
            ("LOGFIX_REDACT_PATTERNS", "(unclosed\nticket-\\d+"),
            ("LOGFIX_REDACT_KEY", key),
        ])
        .redact_patterns(in_code)
        .resolve();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].value, "(unclosed");
        assert_eq!(issues[0].reason, "not a valid regular expression (error: unclosed group)");
        assert_eq!(s.redact_patterns.len(), 2);
        let summary = s.to_string();
        assert!(summary.contains(" redact_patterns=2 redact_key=[REDACTED] "), "{summary}");
        for shown in [
            summary,
            format!("{s:?}"),
            format!("{:?}", Config::new().redact_key(s.redact_key.clone().unwrap())),
        ] {
            assert!(!shown.contains("THE-KEY"), "{shown}");
        }

        let (s, issues) = resolve(&[("LOGFIX_REDACT_KEY", "short-THE-KEY")]);
        assert_eq!(s.redact_key, None);
        assert_eq!(issues[0].variable.as_ref(), "LOGFIX_REDACT_KEY");
        assert_eq!(issues[0].value, "[REDACTED]");
        assert!(!format!("{issues:?}").contains("THE-KEY"));
        let (s, issues) = resolve(&[("LOGFIX_REDACT_KEY", "")]);
        assert!(s.redact_key.is_none() && issues.is_empty());
        assert!(!resolve(&[]).0.to_string().contains("redact"));
        assert_eq!(ConfigIssue::from(MissingKey).used, "[REDACTED]");
    }

    #[test]
    fn environment_overrides_code_and_code_overrides_the_preset() {
        let config = Config::from_env_vars([("LOGFIX_FORMAT", "json")])
            .environment(Environment::Development)
            .format(Format::Pretty)
            .console(Console::Stdout)
            .terminal(false);
        let (s, _) = config.resolve();
        assert_eq!(s.format, Format::Json, "the variable wins over code");
        assert_eq!(s.console, Console::Stdout, "code wins over the preset");
        assert_eq!(s.filter.to_string(), "debug", "the preset fills the rest");
    }

    #[test]
    fn values_set_in_code_obey_their_variables_rules() {
        let (s, issues) = Config::new()
            .queue_capacity(usize::MAX)
            .max_line(10)
            .max_file_size(0)
            .max_files(u32::MAX)
            .file_mode(0o7777)
            .file("../elsewhere.log".to_owned())
            .audit_file(String::new())
            .resolve();
        let defaults = Settings::preset(Environment::Production);
        assert_eq!(s.queue_capacity, defaults.queue_capacity);
        assert_eq!(s.max_line, defaults.max_line);
        assert_eq!(s.max_file_size, defaults.max_file_size);
        assert_eq!(s.max_files, defaults.max_files);
        assert_eq!(s.file_mode, defaults.file_mode);
        assert_eq!((s.file.as_str(), s.audit_file.as_str()), ("app.log", "audit.log"));
        let refused: Vec<_> =
            issues.iter().map(|i| (i.variable.as_ref(), i.value.as_str())).collect();
        assert_eq!(
            refused,
            [
                ("Config::file", "../elsewhere.log"),
                ("Config::audit_file", ""),
                ("Config::file_mode", "7777"),
                ("Config::max_file_size", "0"),
                ("Config::max_files", "4294967295"),
                ("Config::queue_capacity", "18446744073709551615"),
                ("Config::max_line", "10"),
            ]
        );
        let mode = issues.iter().find(|i| i.variable == "Config::file_mode");
        assert_eq!(mode.map(|i| i.used.as_str()), Some("0640"));

        let (s, issues) =
            Config::new().file(" audit-free.log ".to_owned()).max_line(1024).resolve();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            (s.file.as_str(), s.max_line),
            ("audit-free.log", 1024),
            "as a variable's value"
        );
    }

    #[test]
    fn the_audit_trail_never_shares_the_logs_files() {
        for (vars, used) in [
            (&[("LOGFIX_AUDIT_FILE", "app.log")][..], "audit.log"),
            (&[("LOGFIX_AUDIT_FILE", "app.log.00000003")][..], "audit.log"),
            (&[("LOGFIX_FILE", "audit.log")][..], "logfix-audit.log"),
        ] {
            let (s, issues) = resolve(vars);
            assert_eq!(s.audit_file, used, "{vars:?}");
            assert_eq!(issues.len(), 1, "{issues:?}");
            assert_eq!(
                (issues[0].variable.as_ref(), issues[0].used.as_str()),
                ("LOGFIX_AUDIT_FILE", used)
            );
        }
    }

    #[test]
    fn new_ignores_the_environment() {
        let (s, issues) = Config::new().max_files(2).resolve();
        assert!(issues.is_empty());
        assert_eq!(s.max_files, 2);
    }

    #[test]
    fn colour_needs_pretty_a_terminal_and_no_no_color() {
        let pretty = [("LOGFIX_FORMAT", "pretty"), ("LOGFIX_CONSOLE", "stderr")];
        assert!(Config::from_env_vars(pretty).terminal(true).resolve().0.color);
        assert!(!Config::from_env_vars(pretty).terminal(false).resolve().0.color);
        let json = [("LOGFIX_FORMAT", "json"), ("LOGFIX_CONSOLE", "stderr")];
        assert!(!Config::from_env_vars(json).terminal(true).resolve().0.color);
        let empty_no_color =
            [("LOGFIX_FORMAT", "pretty"), ("LOGFIX_CONSOLE", "stderr"), ("NO_COLOR", "")];
        assert!(Config::from_env_vars(empty_no_color).terminal(true).resolve().0.color);
    }

    #[test]
    fn redact_keys_extend_the_policy_and_code_yields_to_the_variable() {
        let (s, issues) = Config::from_env_vars([("LOGFIX_REDACT_KEYS", "tenantKey")])
            .redact_keys(vec!["internal_auth".to_owned()])
            .resolve();
        assert!(issues.is_empty(), "{issues:?}");
        let policy = crate::redact::Policy::with_extra(&s.redact_keys);
        assert!(policy.is_sensitive("x-tenant-key"));
        assert!(policy.is_sensitive("password"));
        assert!(!policy.is_sensitive("internal_auth"), "the variable replaces what code set");
        assert!(s.to_string().contains(" redact_keys=tenantKey "), "{s}");

        let (s, _) = Config::new().redact_keys(vec!["internal_auth".to_owned()]).resolve();
        assert_eq!(s.redact_keys, ["internal_auth"]);
        let (s, issues) = Config::from_env_vars([("LOGFIX_REDACT_KEYS", "")]).resolve();
        assert!(issues.is_empty() && s.redact_keys.is_empty());
        let (s, issues) = resolve(&[("LOGFIX_REDACT_KEYS", "tenant_key,,")]);
        assert!(s.redact_keys.is_empty());
        let summary: Vec<_> = issues
            .iter()
            .map(|i| (i.variable.as_ref(), i.value.as_str(), i.used.as_str()))
            .collect();
        assert_eq!(summary, [("LOGFIX_REDACT_KEYS", "tenant_key,,", "none")]);
    }
}
