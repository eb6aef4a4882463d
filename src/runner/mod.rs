//! The foreground scheduler behind `jobtab run` (PRODUCT.md section 5).
//!
//! One scheduler thread owns the plan (a heap of next instants, see `plan`) and sleeps on a
//! channel until the earliest one (`recv_timeout`, no polling), woken early by events: a
//! signal, a job file change, a finished run, a clock change, a request to run a job now
//! (`sources`: `@reboot` at start). Due runs go to a bounded pool of
//! worker threads (`pool`), so a slow job never delays another's start; each worker calls
//! `execute`, which logs the run's start and end, keeps history and sends notifications.
//! When `run` is PID 1 (a container's entrypoint), `reaper` reaps orphaned processes.
//!
//! Not here: how a run executes (`execute`), schedule arithmetic and DST (`schedule`), reading
//! the job file (`store`).

mod clock;
mod lock;
mod metrics;
mod overlap;
mod plan;
mod pool;
mod published;
mod reaper;
mod scheduler;
mod sources;

pub(crate) use metrics::Metrics;
pub(crate) use published::{JobList, Published};
pub(crate) use scheduler::{Answer, Event, RunRequest};

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::log::Logger;
use crate::store::JobFile;

/// What `jobtab run` was asked to do.
pub(crate) struct Options {
    pub(crate) file: PathBuf,
    pub(crate) state_dir: PathBuf,
    /// How long running jobs get on SIGINT/SIGTERM before they are cancelled.
    pub(crate) grace: Duration,
    pub(crate) logger: Arc<Logger>,
    /// `--metrics ADDR`.
    pub(crate) metrics: Option<String>,
    /// `--listen ADDR` (overrides `[server] listen`).
    pub(crate) listen: Option<String>,
}

/// `run --check`: validates the job file like `supercronic -test`; the line for stdout.
pub(crate) fn check(file: &std::path::Path) -> Result<String> {
    let jobs = JobFile::load(file)?;
    let count = jobs.jobs.len();
    Ok(format!(
        "{}: {count} job{}, valid",
        file.display(),
        if count == 1 { "" } else { "s" }
    ))
}

/// Runs the scheduler until SIGINT/SIGTERM. Exit status 0 after a graceful stop, 130 when a
/// second signal cut the wait short. Fails (before scheduling anything) when the job file is
/// invalid, another `run` holds this job file, or the metrics address cannot be served.
pub(crate) fn run(opts: Options) -> Result<ExitCode> {
    // Taken before reading, so a change made while we read is seen by the watcher.
    let baseline = sources::watch::signature(&opts.file);
    let file = JobFile::load(&opts.file)?;
    let run_lock = lock::RunLock::acquire(&opts.state_dir, &opts.file)?;
    if let Some(warning) = &run_lock.fallback {
        opts.logger.warn(None, warning);
    }
    // First of the threads: it blocks SIGCHLD for every thread started after it.
    reaper::start_if_init(&opts.logger);
    let (tx, rx) = mpsc::channel();
    let published = Arc::new(Published::default());
    let counters = Arc::new(metrics::Metrics::default());
    let metrics_server = match &opts.metrics {
        Some(addr) => Some(metrics::serve(addr, Arc::clone(&counters))?),
        None => None,
    };
    let server = crate::server::for_run(crate::server::RunServer {
        listen: opts.listen.clone(),
        file: &file,
        published: Arc::clone(&published),
        events: tx.clone(),
        state_dir: opts.state_dir.clone(),
        logger: Arc::clone(&opts.logger),
        metrics: Arc::clone(&counters),
    })?;
    let metrics = (metrics_server.is_some() || server.is_some()).then_some(counters);

    sources::signals::spawn(tx.clone(), scheduler::Event::Signal)
        .context("cannot install the signal handlers")?;
    if let Err(err) = sources::watch::spawn_watcher(opts.file.clone(), baseline, tx.clone(), || {
        scheduler::Event::Reload("the job file changed")
    }) {
        opts.logger.warn(
            None,
            &format!("cannot watch the job file ({err}); reload it with SIGHUP after editing"),
        );
    }
    // Optional: without it a clock change is noticed at the next capped wake.
    sources::clock_change::spawn(tx.clone(), || scheduler::Event::ClockChanged);

    let setup = scheduler::Setup {
        file: opts.file.clone(),
        grace: opts.grace,
        logger: Arc::clone(&opts.logger),
        metrics,
        published,
    };
    let executor = scheduler::PoolExecutor::new(crate::execute::ExecOptions {
        state_dir: opts.state_dir.clone(),
        job_file: opts.file.clone(),
        logger: Arc::clone(&opts.logger),
        passthrough: false,
    });
    let mut scheduler = scheduler::Scheduler::new(
        setup,
        Box::new(scheduler::SystemClock),
        Box::new(executor),
        tx.clone(),
    );
    scheduler.keep_server(file.server);
    scheduler.start(file.jobs);
    sources::at_start(scheduler.jobs(), &tx);
    let code = scheduler.run(&rx);
    // Open requests finish (they are answered 503 now), then the listeners close.
    for server in [server, metrics_server].into_iter().flatten() {
        server.stop();
    }
    Ok(code)
}
