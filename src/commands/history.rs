//! `jobtab history`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::HistoryArgs;
use crate::ctx::Ctx;

pub(crate) fn run(_args: &HistoryArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
