//! `logfix`, the operator's command for logfix logs: it reads a log directory (the active file
//! and its rotated files, gzip or not) in timestamp order across rotations.
//!
//! - `logfix check DIR|FILE...`: every line against the schema; exit 1 if any is invalid.
//! - `logfix query DIR --request-id req-7f3a`: every matching line, in timestamp order.
//! - `logfix tail -f DIR`: the newest lines, then new ones as they are written, across rotations.
//! - `logfix stats DIR`: volume by level, component and event, errors per minute.
//! - `logfix doctor`: the configuration `init()` would use, where lines would go, disk budget.
//! - `logfix audit verify DIR`: the audit trail's chain and seal; exit 1 if tampered with.
//! - `logfix audit accept-gap DIR --reason TEXT`: records that a removed audit file's loss is
//!   accepted, so that `verify` and retention go on past it.
//!
//! Exit codes: 0 success, 1 a problem found (invalid lines, a degraded configuration), 2 bad
//! usage or input that could not be read. See `docs/CLI.md`.
//!
//! ```sh
//! cargo install --path logfix-cli
//! logfix query /srv/app/logs --request-id req-7f3a --format pretty
//! ```
//!
//! Nothing here prints with `println!`, which panics when stdout is closed: output goes through
//! `write!` on a locked stdout, and a reader that went away (`| head`) ends the command quietly.

mod command;
mod error;
mod filter;
mod follow;
mod merge;
mod output;
mod scan;
mod schema;
mod source;
mod time;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Check, query, follow and summarise logfix logs, and diagnose a service's logging set-up.
#[derive(Parser)]
#[command(name = "logfix", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  logfix check logs/                          validate every line, rotated .gz files included
  logfix query logs/ --request-id req-7f3a    follow one request across rotations
  logfix query logs/ --level warn.. --since 1h
  logfix tail -f logs/ --component db         new lines as they are written, pretty
  logfix stats logs/ --since 1d               volume by level, component, event
  logfix doctor                               what init() would do with this environment
  logfix audit verify logs/                   the audit trail intact, or where it was tampered with
  logfix audit accept-gap logs/ --reason ...  record that a removed audit file's loss is accepted

Exit codes: 0 success, 1 a problem found, 2 bad usage or unreadable input.";

/// The subcommands. A new one is a variant here, a module in `command/`, and an arm in `main`;
/// one with subcommands of its own (`audit verify`) is a variant holding another `Subcommand`.
#[derive(Subcommand)]
enum Command {
    Check(command::check::Args),
    Query(command::query::Args),
    Tail(command::tail::Args),
    Stats(command::stats::Args),
    Doctor(command::doctor::Args),
    /// Commands on the audit trail.
    #[command(subcommand)]
    Audit(command::audit::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => command::check::run(&args),
        Command::Query(args) => command::query::run(&args),
        Command::Tail(args) => command::tail::run(&args),
        Command::Stats(args) => command::stats::run(&args),
        Command::Doctor(args) => command::doctor::run(&args),
        Command::Audit(command) => command::audit::run(&command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}
