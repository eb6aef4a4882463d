//! `jobtab add`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::AddArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: AddArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
