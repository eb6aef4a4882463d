//! `jobtab run`: the foreground scheduler (PRODUCT.md section 5); `run --check` validates the
//! job file and exits. The scheduler itself lives in `runner`.
//!
//! Exit status:
//! - 0 after SIGINT or SIGTERM: scheduling stopped, and the running jobs ended (or were killed
//!   once `--grace` was over);
//! - 130 when a second SIGINT/SIGTERM cut that wait short and killed the running jobs at once
//!   (as a shell reports an interrupted command: the jobs did not get to finish);
//! - 1 when it cannot start (invalid job file, another `run` holds it, a job file or state
//!   dir others can write, a bad `--metrics` address). With `--log-format json` that error is a JSON log line like every other
//!   message, so a log collector sees why the scheduler did not start.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};

use crate::cli::{LogFormat, RunArgs};
use crate::ctx::Ctx;
use crate::log::Logger;
use crate::runner;

pub(crate) fn run(args: &RunArgs, ctx: &Ctx) -> Result<ExitCode> {
    let grace = crate::duration::parse(&args.grace).context("invalid --grace")?;
    if args.check {
        for warning in crate::trust::check(&ctx.file, &ctx.state_dir, false)? {
            eprintln!("jobtab: warning: {warning}");
        }
        crate::output::print(&format!("{}\n", runner::check(&ctx.file)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let logger = Arc::new(Logger::new(args.log_format.into()));
    // A job file or state dir others can write is refused: anyone could add a command.
    let result = crate::trust::check(&ctx.file, &ctx.state_dir, true).and_then(|warnings| {
        for warning in warnings {
            logger.warn(None, &warning);
        }
        runner::run(runner::Options {
            file: ctx.file.clone(),
            state_dir: ctx.state_dir.clone(),
            grace,
            logger: Arc::clone(&logger),
            metrics: args.metrics.clone(),
        })
    });
    match result {
        Err(err) if args.log_format == LogFormat::Json => {
            logger.error(None, &format!("{err:#}"));
            Ok(ExitCode::FAILURE)
        }
        other => other,
    }
}
