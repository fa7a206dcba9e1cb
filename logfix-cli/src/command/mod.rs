//! One module a subcommand, each with its clap `Args` (whose doc comment and `after_help`
//! are its `--help`) and a `run` that returns the exit code.

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod doctor;
pub(crate) mod query;
pub(crate) mod stats;
pub(crate) mod tail;
