//! `logfix audit verify`: checks an audit trail's chain, across rotated and compressed files,
//! against its seal; `logfix audit accept-gap`: records that the loss of a removed file is
//! known and accepted (see docs/AUDIT.md).

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use logfix_runtime::{AuditError, Config};

use crate::error::{warn, Error, ERROR, PROBLEM, SUCCESS};

/// Commands on the audit trail that `logfix_runtime::audit()` writes.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Verify(VerifyArgs),
    AcceptGap(AcceptGapArgs),
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

/// Record that the first break of the audit trail, a removed file, is a known and accepted
/// loss: append an `audit_gap_accepted` record naming the missing records and the record the
/// trail resumes at. `verify` then lists the gap instead of reporting it, and retention
/// (`LOGFIX_AUDIT_MAX_AGE`) deletes past it.
///
/// The trail is verified first, with `LOGFIX_AUDIT_FILE` (or `--file`) and `LOGFIX_AUDIT_KEY`
/// as for `verify`; the record is chained with that key. Works while the application runs.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit codes: 0 the record is written; 1 nothing to accept (the trail is intact, or its first
break is not a removed file); 2 bad usage, no readable trail, or a write that failed.

Examples:
  logfix audit accept-gap /srv/app/logs --reason \"disk replaced; file not in any backup (INC-123)\"
  LOGFIX_AUDIT_KEY=\"$(cat /run/secrets/audit-key)\" logfix audit accept-gap /srv/app/logs --reason \"...\"")]
pub(crate) struct AcceptGapArgs {
    /// The log directory that holds the audit trail.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// Why the loss is accepted: written into the trail (secrets in it are redacted).
    #[arg(long = "reason", value_name = "TEXT", required = true, value_parser = reason)]
    reason: String,

    /// The trail's file name in the directory [default: `LOGFIX_AUDIT_FILE`, else audit.log]
    #[arg(long = "file", value_name = "NAME", value_parser = trail_name)]
    file: Option<String>,
}

/// A reason that says something.
fn reason(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("the reason must not be empty: say why the loss is accepted".to_owned())
    } else {
        Ok(text.to_owned())
    }
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
    match command {
        Command::Verify(args) => verify(args),
        Command::AcceptGap(args) => accept_gap(args),
    }
}

/// The configuration of the trail `file` names, else `LOGFIX_AUDIT_FILE`, with the rest of the
/// environment (the key).
fn trail_config(file: Option<&String>) -> Result<(Config, String), Error> {
    let config = match file {
        // The option wins over `LOGFIX_AUDIT_FILE`, which `from_env` would put first.
        Some(name) => {
            Config::from_env_vars(std::env::vars_os().filter(|(key, _)| key != "LOGFIX_AUDIT_FILE"))
                .audit_file(name.clone())
        }
        None => Config::from_env(),
    };
    let trail = config.resolve().0.audit_file;
    if let Some(name) = file.filter(|name| **name != trail) {
        return Err(Error::Usage(format!(
            "--file {name}: the audit trail cannot be named like the application log \
             (`LOGFIX_FILE`) or its files"
        )));
    }
    Ok((config, trail))
}

/// The hint for a directory with no file of the trail and no seal.
fn other_name_hint(e: &AuditError, dir: &Path, trail: &str) -> &'static str {
    match e {
        // No file of the trail and no seal: most often a trail under another name.
        AuditError::Io { path, kind: io::ErrorKind::NotFound, .. } if *path == dir.join(trail) => {
            " (a trail under another name: choose it with --file NAME)"
        }
        _ => "",
    }
}

fn verify(args: &VerifyArgs) -> Result<u8, Error> {
    let (config, trail) = trail_config(args.file.as_ref())?;
    match logfix_runtime::audit::verify_with(&args.dir, &config) {
        Ok(report) => {
            writeln!(io::stdout().lock(), "{report}")?;
            Ok(if report.is_intact() { SUCCESS } else { PROBLEM })
        }
        Err(e) => {
            let hint = other_name_hint(&e, &args.dir, &trail);
            warn(format_args!(
                "cannot verify the audit trail in {}: {e}{hint}",
                args.dir.display()
            ));
            Ok(ERROR)
        }
    }
}

fn accept_gap(args: &AcceptGapArgs) -> Result<u8, Error> {
    let (config, trail) = trail_config(args.file.as_ref())?;
    match logfix_runtime::audit::accept_gap(&args.dir, &config, &args.reason) {
        Ok(gap) => {
            let missing = if gap.first_missing == gap.last_missing {
                format!("record {} is missing", gap.first_missing)
            } else {
                format!("records {} to {} are missing", gap.first_missing, gap.last_missing)
            };
            writeln!(
                io::stdout().lock(),
                "accepted: {missing}, the trail resuming at {}:{}; reason: {}",
                gap.file.display(),
                gap.line,
                gap.reason
            )?;
            Ok(SUCCESS)
        }
        Err(e @ AuditError::NothingToAccept { .. }) => {
            warn(format_args!("{e}"));
            Ok(PROBLEM)
        }
        Err(e) => {
            let hint = other_name_hint(&e, &args.dir, &trail);
            warn(format_args!(
                "cannot accept a gap in the audit trail in {}: {e}{hint}",
                args.dir.display()
            ));
            Ok(ERROR)
        }
    }
}
