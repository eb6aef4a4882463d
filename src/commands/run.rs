//! `jobtab run`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &RunArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
