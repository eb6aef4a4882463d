//! `jobtab list`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ListArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &ListArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
