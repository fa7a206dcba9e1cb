//! `logfix audit verify`: checks an audit trail's chain, across rotated and compressed files,
//! against its seal (see docs/AUDIT.md).

use std::io::{self, Write as _};
use std::path::PathBuf;

use logfix_runtime::{AuditError, Config};

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
/// `LOGFIX_AUDIT_FILE` (default `audit.log`, or `--file`) and `LOGFIX_AUDIT_KEY`. Exit code 0
/// when the trail is intact, 1 when it was tampered with, 2 on bad usage or a trail that cannot
/// be read.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix audit verify /srv/app/logs
  logfix audit verify /srv/app/logs --file trail.log
  LOGFIX_AUDIT_KEY=\"$(cat /run/secrets/audit-key)\" logfix audit verify /srv/app/logs")]
pub(crate) struct VerifyArgs {
    /// The log directory that holds the audit trail.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// The trail's file name in the directory; its rotated files are NAME.*, its seal
    /// NAME.seal [default: `LOGFIX_AUDIT_FILE`, else audit.log]
    #[arg(long = "file", value_name = "NAME", value_parser = trail_name)]
    file: Option<String>,
}

/// A trail's file name, by the rule `init()` applies to `LOGFIX_AUDIT_FILE`.
fn trail_name(name: &str) -> Result<String, String> {
    let (settings, issues) = Config::new().audit_file(name.to_owned()).resolve();
    match issues.into_iter().next() {
        Some(issue) => Err(issue.reason),
        None => Ok(settings.audit_file),
    }
}

pub(crate) fn run(command: &Command) -> Result<u8, Error> {
    let Command::Verify(args) = command;
    let config = match &args.file {
        // The option wins over `LOGFIX_AUDIT_FILE`, which `from_env` would put first.
        Some(name) => {
            Config::from_env_vars(std::env::vars_os().filter(|(key, _)| key != "LOGFIX_AUDIT_FILE"))
                .audit_file(name.clone())
        }
        None => Config::from_env(),
    };
    let trail = config.resolve().0.audit_file;
    if let Some(name) = args.file.as_ref().filter(|name| **name != trail) {
        return Err(Error::Usage(format!(
            "--file {name}: the audit trail cannot be named like the application log \
             (`LOGFIX_FILE`) or its files"
        )));
    }
    match logfix_runtime::audit::verify_with(&args.dir, &config) {
        Ok(report) => {
            writeln!(io::stdout().lock(), "{report}")?;
            Ok(if report.is_intact() { SUCCESS } else { PROBLEM })
        }
        Err(e) => {
            // No file of the trail and no seal: most often a trail under another name.
            let hint = match &e {
                AuditError::Io { path, kind: io::ErrorKind::NotFound, .. }
                    if *path == args.dir.join(&trail) =>
                {
                    " (a trail under another name: choose it with --file NAME)"
                }
                _ => "",
            };
            warn(format_args!(
                "cannot verify the audit trail in {}: {e}{hint}",
                args.dir.display()
            ));
            Ok(ERROR)
        }
    }
}
