//! `jobtab toggle`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ToggleArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &ToggleArgs, _enable: bool, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
