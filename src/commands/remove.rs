//! `jobtab remove`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::RemoveArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &RemoveArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
