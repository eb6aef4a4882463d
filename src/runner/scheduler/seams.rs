//! The scheduler's two seams, in the spirit of supercronic's one-method `Expression` and
//! `startFunc`: a [`Clock`] (what time it is, and an interruptible wait) and an [`Executor`]
//! (start a run without waiting for it). The real ones read the system clocks, wait on the
//! event channel and run jobs on the worker pool; the tests' fakes (`fake`) move time by hand
//! and record runs, so the scheduler's behaviour is tested in milliseconds.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{Event, run_and_report};
use crate::execute::{self, Cancel, ExecOptions, RunInput, Trigger};
use crate::history::RunRecord;
use crate::runner::pool::Pool;
use crate::store::Job;

/// Time as the scheduler sees it.
pub(crate) trait Clock: Send {
    /// The wall clock.
    fn now(&self) -> DateTime<Utc>;
    /// The monotonic clock (stops during a suspend; never jumps).
    fn mono(&self) -> Instant;
    /// The next event, or `Err(Timeout)` once the monotonic clock reaches `until`.
    fn wait(&self, events: &Receiver<Event>, until: Instant) -> Result<Event, RecvTimeoutError>;
}

/// The system clocks; the wait is the channel's `recv_timeout`.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn mono(&self) -> Instant {
        Instant::now()
    }

    fn wait(&self, events: &Receiver<Event>, until: Instant) -> Result<Event, RecvTimeoutError> {
        events.recv_timeout(until.saturating_duration_since(Instant::now()))
    }
}

/// One run to start.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub(crate) job: Arc<Job>,
    pub(crate) at: DateTime<Utc>,
    pub(crate) trigger: Trigger,
    pub(crate) input: RunInput,
    /// Gets the run's record when it ends.
    pub(crate) done: Option<SyncSender<RunRecord>>,
}

/// Starts runs. A run must always end with one `Event::Finished` for its job on `events`
/// (also when it panics: [`run_and_report`] sees to that), or the job stays "running".
pub(crate) trait Executor: Send {
    /// Starts `run` without waiting for it; returns how many runs wait for a free worker.
    fn start(&mut self, run: Launch, events: Sender<Event>) -> usize;
    /// Asks every run in flight to stop (SIGTERM, then SIGKILL after `execute::KILL_GRACE`).
    fn cancel(&self);
    /// Kills every run in flight at once.
    fn kill(&self);
}

/// The real executor: `execute::execute` on the bounded worker pool.
pub(crate) struct PoolExecutor {
    pool: Pool,
    exec: Arc<ExecOptions>,
    cancel: Cancel,
}

impl PoolExecutor {
    pub(crate) fn new(exec: ExecOptions) -> PoolExecutor {
        PoolExecutor {
            pool: Pool::new(),
            exec: Arc::new(exec),
            cancel: Cancel::new(),
        }
    }
}

impl Executor for PoolExecutor {
    fn start(&mut self, run: Launch, events: Sender<Event>) -> usize {
        let (exec, cancel) = (Arc::clone(&self.exec), self.cancel.clone());
        self.pool.submit(move || {
            let Launch {
                job,
                at,
                trigger,
                input,
                done,
            } = run;
            let logger = Arc::clone(&exec.logger);
            run_and_report(&job.name, &events, &logger, || {
                let record = execute::execute(&job, at, trigger, &input, &exec, &cancel);
                if let Some(done) = done {
                    let _ = done.try_send(record.clone());
                }
                record
            });
        })
    }

    fn cancel(&self) {
        self.cancel.cancel();
    }

    fn kill(&self) {
        self.cancel.kill();
    }
}
