//! A `log::Log` implementation that renders every record of the `log` facade in the logfix
//! schema. [`init`](crate::init) installs it; [`install`] does so for programs that configure
//! logging themselves.

use core::fmt::Write as _;

use log::kv::{Key, Value, VisitSource};

use super::ForeignEvent;
use crate::context::ContextValue;
use crate::dispatch;
use crate::event::Level;

/// The `log` logger; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogBridge {
    _private: (),
}

static BRIDGE: LogBridge = LogBridge { _private: () };

/// Installs the bridge as the `log` crate's global logger and lets every level through to it
/// (logfix's own directives decide what is written).
///
/// # Errors
/// When another logger is already installed.
pub fn install() -> Result<(), log::SetLoggerError> {
    log::set_logger(&BRIDGE)?;
    log::set_max_level(log::LevelFilter::Trace);
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
        if !self.enabled(record.metadata()) {
            return;
        }
        let mut event = ForeignEvent::new(level(record.level()), record.target(), "log");
        let _ = write!(event.message, "{}", record.args());
        let _ = record.key_values().visit(&mut Fields(&mut event));
        dispatch::emit_record(&event);
    }

    fn flush(&self) {
        crate::flush();
    }
}

struct Fields<'a, 'b>(&'a mut ForeignEvent<'b>);

impl<'kvs> VisitSource<'kvs> for Fields<'_, '_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let value = if let Some(v) = value.to_u64() {
            ContextValue::U64(v)
        } else if let Some(v) = value.to_i64() {
            ContextValue::I64(v)
        } else if let Some(v) = value.to_f64() {
            ContextValue::F64(v)
        } else if let Some(v) = value.to_bool() {
            ContextValue::Bool(v)
        } else {
            ContextValue::from(value.to_string())
        };
        self.0.field(key.as_str(), value);
        Ok(())
    }
}
