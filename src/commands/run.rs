//! `jobtab run`: the foreground scheduler (PRODUCT.md section 5); `run --check` validates the
//! job file and exits. The scheduler itself lives in `runner`.
//!
//! Exit status:
//! - 0 after SIGINT or SIGTERM: scheduling stopped, and the running jobs ended (or were killed
//!   once `--grace` was over);
//! - 128 + the signal's number (130 after SIGINT, 143 after SIGTERM) when a second signal
//!   cut that wait short and killed the running jobs at once (as a shell reports a command a
//!   signal ended: the jobs did not get to finish);
//! - 1 when it cannot start (invalid job file, another `run` holds it, a job file or state
//!   dir others can write, a bad `--metrics` or `--listen` address). With `--log-format json` that error is a JSON log line like every other
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
        // As `check`: a job file the user named that is not there is a mistake, not "0 jobs".
        ctx.named_file_exists()?;
        for warning in crate::trust::check(&ctx.file, &ctx.state_dir, false)? {
            crate::output::warning(format_args!("{warning}"));
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
        let code = runner::run(runner::Options {
            file: ctx.file.clone(),
            state_dir: ctx.state_dir.clone(),
            grace,
            logger: Arc::clone(&logger),
            metrics: args.metrics.clone(),
            listen: args.listen.clone(),
        })?;
        // Notifications of the last runs are delivered after those runs ended: give them the
        // grace too, then go (each ends within its own budget anyway).
        // After a second signal nothing more is waited for.
        if code == ExitCode::SUCCESS && !crate::execute::notify::wait_pending(grace) {
            logger.warn(
                None,
                "exiting with notifications still being delivered (--grace is over)",
            );
        }
        Ok(code)
    });
    match result {
        Err(err) if args.log_format == LogFormat::Json => {
            logger.error(None, &format!("{err:#}"));
            Ok(ExitCode::FAILURE)
        }
        other => other,
    }
}
