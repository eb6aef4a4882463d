//! `jobtab import`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &ImportArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
