//! `logfix audit verify`: checks an audit trail's chain, across rotated and compressed files,
//! against its seal (see docs/AUDIT.md).

use std::io::{self, Write as _};
use std::path::PathBuf;

use crate::error::{warn, Error, ERROR, PROBLEM, SUCCESS};

/// Commands on the audit trail that `logfix_runtime::audit()` writes.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Verify(VerifyArgs),
}

/// Read every file of the audit trail in order, `.gz` included, and report the first break:
/// a record edited, inserted, deleted or reordered, a file removed from the middle, the tail
/// truncated (detected with the seal file).
///
/// The file name and the chain's key come from the environment, as for the service:
/// `LOGFIX_AUDIT_FILE` (default `audit.log`) and `LOGFIX_AUDIT_KEY`. Exit code 0 when the
/// trail is intact, 1 when it was tampered with, 2 on bad usage or a trail that cannot be read.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix audit verify /srv/app/logs
  LOGFIX_AUDIT_KEY=\"$(cat /run/secrets/audit-key)\" logfix audit verify /srv/app/logs")]
pub(crate) struct VerifyArgs {
    /// The log directory that holds the audit trail.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

pub(crate) fn run(command: &Command) -> Result<u8, Error> {
    let Command::Verify(args) = command;
    match logfix_runtime::audit::verify(&args.dir) {
        Ok(report) => {
            writeln!(io::stdout().lock(), "{report}")?;
            Ok(if report.is_intact() { SUCCESS } else { PROBLEM })
        }
        Err(e) => {
            warn(format_args!("cannot verify the audit trail in {}: {e}", args.dir.display()));
            Ok(ERROR)
        }
    }
}
