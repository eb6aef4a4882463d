//! `jobtab next`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::NextArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &NextArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
