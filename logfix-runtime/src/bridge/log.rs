//! A `log::Log` implementation that renders every record of the `log` facade in the logfix
//! schema. [`init`](crate::init) installs it; [`install`] does so for programs that configure
//! logging themselves.

use std::borrow::Cow;

use log::kv::{Key, Value, VisitSource};

use super::{FieldValue, Fields, ForeignEvent};
use crate::event::Level;
use crate::{dispatch, interest};

/// The `log` logger; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogBridge {
    _private: (),
}

static BRIDGE: LogBridge = LogBridge { _private: () };

/// Installs the bridge as the `log` crate's global logger. From then on `log::max_level()`
/// follows logfix's level directives, so that a disabled `log::trace!` costs a load and a
/// branch.
///
/// # Errors
/// When another logger is already installed.
pub fn install() -> Result<(), log::SetLoggerError> {
    log::set_logger(&BRIDGE)?;
    interest::log_bridge_installed();
    Ok(())
}

fn level(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warn,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}

impl log::Log for LogBridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        dispatch::enabled(metadata.target(), level(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        // A target other than the module path is text made at run time
        // (`target: &format!(..)`), not the program's: scrubbed like any other, before the
        // filter, the rate limit (and its `suppressed` line) or the line itself names it.
        let target = record.target();
        let component = if record.module_path() == Some(target) {
            Cow::Borrowed(target)
        } else {
            crate::redact::global().scrub(target)
        };
        let level = level(record.level());
        if !dispatch::enabled(&component, level) {
            return;
        }
        // A `log` call site: its target, file and line.
        let site = || {
            super::text_site(&component)
                ^ record.file_static().map_or(0, |f| f.as_ptr() as usize)
                ^ record.line().map_or(0, |l| l as usize)
        };
        if !dispatch::rate_limited(site, &component, "log") {
            return;
        }
        super::with_fields(|fields| {
            fields.message(*record.args());
            let _ = record.key_values().visit(&mut Visitor(fields));
            fields.yield_to_context();
            let event = ForeignEvent {
                static_component: None,
                level,
                component: &component,
                event: "log",
                fields,
            };
            dispatch::emit_record(&event);
        });
    }

    fn flush(&self) {
        crate::flush();
    }
}

struct Visitor<'a>(&'a mut Fields);

impl<'kvs> VisitSource<'kvs> for Visitor<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let key = key.as_str();
        let value = if crate::redact::global().is_sensitive(key) {
            self.0.redacted()
        } else if let Some(v) = value.to_u64() {
            FieldValue::U64(v)
        } else if let Some(v) = value.to_i64() {
            FieldValue::I64(v)
        } else if let Some(v) = value.to_f64() {
            FieldValue::F64(v)
        } else if let Some(v) = value.to_bool() {
            FieldValue::Bool(v)
        } else {
            self.0.fmt(format_args!("{value}"))
        };
        self.0.event_field(key, value);
        Ok(())
    }
}
