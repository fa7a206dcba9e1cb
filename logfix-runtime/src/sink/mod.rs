//! Where lines end up: the log file with its rotation, compression and retention, and stderr.

pub(crate) mod compress;
pub(crate) mod dir;
pub(crate) mod file;
pub(crate) mod rotate;
pub(crate) mod stderr;

pub(crate) use dir::Placement;
pub(crate) use file::FileSink;
