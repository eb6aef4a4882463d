//! `jobtab install`: PLACEHOLDER until its owner lands it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{InstallArgs, UninstallArgs};
use crate::ctx::Ctx;

pub(crate) fn run_install(_args: &InstallArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

pub(crate) fn run_uninstall(_args: &UninstallArgs, _ctx: &Ctx) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
