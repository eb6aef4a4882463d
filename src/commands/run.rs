//! `jobtab run`: the foreground scheduler (PRODUCT.md section 5); `run --check` validates the
//! job file and exits. The scheduler itself lives in `runner`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};

use crate::cli::RunArgs;
use crate::ctx::Ctx;
use crate::log::Logger;
use crate::runner;

pub(crate) fn run(args: &RunArgs, ctx: &Ctx) -> Result<ExitCode> {
    let grace = crate::duration::parse(&args.grace).context("invalid --grace")?;
    if args.check {
        println!("{}", runner::check(&ctx.file)?);
        return Ok(ExitCode::SUCCESS);
    }
    runner::run(runner::Options {
        file: ctx.file.clone(),
        state_dir: ctx.state_dir.clone(),
        grace,
        logger: Arc::new(Logger::new(args.log_format)),
        metrics: args.metrics.clone(),
    })
}
