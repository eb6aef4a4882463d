//! `jobtab exec`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ExecArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &ExecArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
