//! `jobtab explain`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ExplainArgs;

pub(crate) fn run(_args: &ExplainArgs) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
