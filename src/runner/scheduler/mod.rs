//! The scheduler thread: the loop that sleeps until the next due instant, starts due runs,
//! applies overlap policies, reloads, reacts to clock jumps and shuts down.
//!
//! The rules live in `plan`, `overlap` and `clock` (pure and unit-tested). Time and execution
//! come through two seams (`seams`): a [`Clock`] and an [`Executor`]; `jobtab run` passes the
//! system clocks and the worker pool, the tests (`tests`, on `fake`) a clock they move by hand
//! and an executor whose runs end when they say. Every source of "run this now" other than
//! the plan (`@reboot` at start, see `runner::sources`) is an event on the channel.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

pub(crate) use self::seams::{Clock, Executor, Launch, PoolExecutor, SystemClock};
use super::clock::{ClockWatch, Jump};
use super::metrics::Metrics;
use super::overlap::Decision;
use super::plan::{Backward, Due, Pending, Plan};
use super::pool::MAX_WORKERS;
use super::published::Published;
use super::sources::signals::Signal;
use crate::execute::{RunInput, Trigger};
use crate::history::{RunRecord, RunStatus};
use crate::log::Logger;
use crate::store::{Job, JobFile, ServerConfig};

/// The longest the scheduler sleeps without re-reading the clocks, so a suspend or clock
/// change is noticed even where the kernel does not report it (see `clock`). Waking this
/// rarely costs nothing measurable.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(60);

/// A run that starts this much after its instant gets a warning.
const LATE_WARNING: TimeDelta = TimeDelta::seconds(1);

/// At most this many jobs get their own "missed" line after a clock jump; the rest are
/// summed up in one line.
const MISSED_LINES: usize = 20;

/// What wakes the scheduler.
pub(crate) enum Event {
    Signal(Signal),
    /// Reload the job file (the reason, for the log).
    Reload(&'static str),
    /// A reload's reading of the job file, done off the scheduler thread; `None` when the
    /// file is gone (moved or deleted).
    Loaded {
        seq: u64,
        reason: &'static str,
        file: Option<Result<JobFile>>,
    },
    /// The kernel reported a clock change; the loop re-reads the clocks.
    ClockChanged,
    /// A run should start now (an event source asked for it: `@reboot` at start, a webhook
    /// delivery, a chain); the job is looked up in the plan when the event is handled.
    RunNow(RunRequest),
    /// A run ended: its job, its run id (empty when it never got one), and how.
    Finished {
        job: String,
        run_id: String,
        status: RunStatus,
        failed: bool,
        duration: Duration,
    },
}

/// A request to run a job now, from any source but the plan.
#[derive(Debug)]
pub(crate) struct RunRequest {
    pub(crate) job: String,
    pub(crate) trigger: Trigger,
    pub(crate) input: RunInput,
    /// Gets what the scheduler did with the request (a webhook answers from it). A request
    /// that gets no answer (the sender dropped) was not taken: the scheduler is stopping.
    pub(crate) answer: Option<SyncSender<Answer>>,
    /// Gets the run's record when it ends (`response = "wait"`).
    pub(crate) done: Option<SyncSender<RunRecord>>,
}

impl RunRequest {
    /// A request that hands nothing over and wants nothing back.
    pub(crate) fn plain(job: String, trigger: Trigger) -> RunRequest {
        RunRequest {
            job,
            trigger,
            input: RunInput::default(),
            answer: None,
            done: None,
        }
    }
}

/// What the scheduler did with a `RunRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The run started (was handed to the worker pool) with this run id.
    Started { run_id: String },
    /// The run waits for the running one to end (`overlap = "queue"`), with this run id.
    Queued { run_id: String },
    /// The run was dropped by the overlap policy: the reason, for the log.
    Skipped { reason: &'static str },
    /// No job of that name is loaded now.
    Unknown,
    /// The job is disabled.
    Disabled,
}

pub(crate) struct Scheduler {
    plan: Plan,
    file: PathBuf,
    grace: Duration,
    logger: Arc<Logger>,
    clock: Box<dyn Clock>,
    executor: Box<dyn Executor>,
    events: Sender<Event>,
    metrics: Option<Arc<Metrics>>,
    published: Arc<Published>,
    watch: ClockWatch,
    /// Reloads requested so far, and the latest one applied (older readings are dropped).
    reload_seq: u64,
    applied_seq: u64,
    /// Whether runs are waiting for a free worker (to warn once per episode).
    saturated: bool,
    /// Whether the latest reading found the job file gone.
    file_gone: bool,
    /// `[server]` as last read: the listener keeps the one read at start, so a reload that
    /// changes it says that a restart applies it.
    server_seen: ServerConfig,
}

impl Scheduler {
    /// A scheduler for the job file `file` that reads time from `clock` and starts runs
    /// with `executor`; `events` is the sending end of the channel it waits on.
    pub(crate) fn new(
        setup: Setup,
        clock: Box<dyn Clock>,
        executor: Box<dyn Executor>,
        events: Sender<Event>,
    ) -> Scheduler {
        let Setup {
            file,
            grace,
            logger,
            metrics,
            published,
        } = setup;
        let watch = ClockWatch::new(clock.now(), clock.mono());
        Scheduler {
            plan: Plan::new(),
            file,
            grace,
            logger,
            clock,
            executor,
            events,
            metrics,
            published,
            watch,
            reload_seq: 0,
            applied_seq: 0,
            saturated: false,
            file_gone: false,
            server_seen: ServerConfig::default(),
        }
    }

    /// The `[server]` the listener was started with (a reload compares the file's to it).
    pub(crate) fn keep_server(&mut self, server: ServerConfig) {
        self.server_seen = server;
    }

    /// Loads the first jobs and logs what will run. (The `@reboot` jobs are started by the
    /// `RunNow` events of the at-start source, `sources::at_start`.)
    pub(crate) fn start(&mut self, jobs: Vec<Job>) {
        let now = self.clock.now();
        self.plan.load(jobs, now);
        self.publish_plan();
        self.publish_jobs();
        let total = self.plan.jobs().count();
        if total == 0 {
            self.hint_no_jobs();
        } else {
            let disabled = self.plan.jobs().filter(|job| !job.enabled).count();
            let mut message = format!(
                "scheduling {total} job{} from {}",
                if total == 1 { "" } else { "s" },
                self.file.display()
            );
            if disabled > 0 {
                message.push_str(&format!(" ({disabled} disabled)"));
            }
            message.push_str(&self.next_note());
            self.logger.info(None, &message);
        }
    }

    /// The jobs loaded now.
    pub(crate) fn jobs(&self) -> impl Iterator<Item = &Arc<Job>> {
        self.plan.jobs()
    }

    /// "; next: backup at <time>", or a note that nothing is planned.
    fn next_note(&self) -> String {
        match self.plan.next_due() {
            Some((at, job)) => format!("; next: {} at {}", job.name, when(job, at)),
            None => {
                "; no job has a next run (each is disabled, @reboot only, started by a webhook \
                     or `after`, or never due)"
                    .into()
            }
        }
    }

    fn hint_no_jobs(&self) {
        self.logger.info(
            None,
            &format!(
                "no jobs in {}: add one with `jobtab add NAME SCHEDULE -- COMMAND`; this \
                 scheduler picks it up without a restart",
                self.file.display()
            ),
        );
    }

    /// The loop; returns the exit status once stopped.
    pub(crate) fn run(&mut self, events: &Receiver<Event>) -> ExitCode {
        loop {
            if let Step::Exit(code) = self.step(events) {
                return code;
            }
        }
    }

    /// One turn of the loop: start what is due, then wait for the next due instant or an
    /// event, and handle the event.
    fn step(&mut self, events: &Receiver<Event>) -> Step {
        let now = self.clock.now();
        if let Some(jump) = self.watch.observe(now, self.clock.mono()) {
            self.on_jump(&jump);
        }
        for due in self.plan.pop_due(now) {
            self.on_due(due);
        }
        // Measured again: starting many runs takes time, and the sleep must end on time.
        let sleep = match self.plan.next_due() {
            Some((at, _)) => (at - self.clock.now())
                .to_std()
                .unwrap_or_default()
                .min(MAX_SLEEP),
            None => MAX_SLEEP,
        };
        match self.clock.wait(events, self.clock.mono() + sleep) {
            Ok(event) => match self.handle(event, events) {
                Some(code) => Step::Exit(code),
                None => Step::Event,
            },
            Err(RecvTimeoutError::Timeout) => Step::Timeout,
            // Unreachable: the scheduler holds a sender itself.
            Err(RecvTimeoutError::Disconnected) => Step::Exit(ExitCode::SUCCESS),
        }
    }

    /// Reacts to one event; `Some` once `run` is to exit with that status.
    fn handle(&mut self, event: Event, events: &Receiver<Event>) -> Option<ExitCode> {
        match event {
            Event::Signal(Signal::Stop(signal)) => return Some(self.shutdown(events, signal)),
            Event::Signal(Signal::Reload) => self.request_reload("SIGHUP"),
            Event::Reload(reason) => self.request_reload(reason),
            Event::Loaded {
                seq,
                reason,
                file: Some(file),
            } => self.apply_reload(seq, reason, file),
            Event::Loaded {
                seq,
                reason,
                file: None,
            } => self.on_file_gone(seq, reason),
            Event::ClockChanged => {}
            Event::RunNow(request) => self.on_run_now(request),
            Event::Finished {
                job,
                run_id,
                status,
                failed,
                duration,
            } => self.on_finished(&job, &run_id, status, failed, duration),
        }
        None
    }

    /// A source asked for a run now; it hears back what became of it (`Answer`).
    fn on_run_now(&mut self, request: RunRequest) {
        let RunRequest {
            job,
            trigger,
            mut input,
            answer,
            done,
        } = request;
        let reply = |what: Answer| {
            if let Some(answer) = &answer {
                let _ = answer.try_send(what);
            }
        };
        let Some(job) = self.plan.job(&job).cloned() else {
            reply(Answer::Unknown);
            return;
        };
        if !job.enabled {
            reply(Answer::Disabled);
            return;
        }
        if trigger == Trigger::Start {
            self.logger
                .info(Some(&job.name), "running at start (@reboot)");
        }
        // Chosen now, so the answer can name the run before it starts.
        let run_id = input
            .run_id
            .get_or_insert_with(|| crate::execute::new_run_id(&job.name))
            .clone();
        let at = self.clock.now();
        let decision = self.offer(
            job,
            Pending {
                at,
                trigger,
                input,
                done,
            },
        );
        reply(match decision {
            Decision::Start => Answer::Started { run_id },
            Decision::Queue => Answer::Queued { run_id },
            skipped => Answer::Skipped {
                reason: skipped
                    .skip_reason()
                    .unwrap_or("previous run still running"),
            },
        });
    }

    fn on_due(&mut self, due: Due) {
        let Due {
            job,
            at,
            late,
            skipped_late,
            next,
        } = due;
        if let Some(metrics) = &self.metrics {
            metrics.set_next(&job.name, next);
        }
        if late > LATE_WARNING {
            let late = late.to_std().unwrap_or_default();
            self.logger.warn(
                Some(&job.name),
                &format!(
                    "run due at {} starts {} late (the scheduler was busy){}",
                    when(&job, at),
                    crate::duration::format(late),
                    if skipped_late {
                        "; runs due meanwhile are skipped"
                    } else {
                        ""
                    }
                ),
            );
        }
        self.offer(job, Pending::plain(at, Trigger::Schedule));
    }

    /// Starts a run unless the job's overlap policy says to queue or skip it; returns the
    /// decision.
    fn offer(&mut self, job: Arc<Job>, run: Pending) -> Decision {
        let decision = self.plan.decide(&job);
        // "run due at T" for the schedule's runs; "webhook run asked at T" for the others,
        // which were not due at any time.
        let what = match run.trigger {
            Trigger::Schedule | Trigger::CatchUp => format!("run due at {}", when(&job, run.at)),
            other => format!("{} run asked at {}", other.as_str(), when(&job, run.at)),
        };
        match decision {
            Decision::Start => self.launch(job, run),
            Decision::Queue => {
                self.logger.info(
                    Some(&job.name),
                    &format!("{what} queued: previous run still running"),
                );
                self.plan.queue(&job.name, run);
            }
            Decision::SkipRunning | Decision::SkipQueued => {
                let reason = decision
                    .skip_reason()
                    .unwrap_or("previous run still running");
                self.logger
                    .warn(Some(&job.name), &format!("skipped {what}: {reason}"));
                if let Some(metrics) = &self.metrics {
                    metrics.record_skips(&job.name, 1);
                }
            }
        }
        decision
    }

    /// Hands a run to the pool; the scheduler thread never waits for it.
    fn launch(&mut self, job: Arc<Job>, run: Pending) {
        self.plan.begin(&job.name);
        let Pending {
            at,
            trigger,
            input,
            done,
        } = run;
        let launch = Launch {
            job,
            at,
            trigger,
            input,
            done,
        };
        let waiting = self.executor.start(launch, self.events.clone());
        if waiting > 0 && !self.saturated {
            self.logger.warn(
                None,
                &format!("all {MAX_WORKERS} workers are busy; further runs wait for a free one"),
            );
        }
        self.saturated = waiting > 0;
        self.publish_running();
    }

    fn on_finished(
        &mut self,
        job: &str,
        run_id: &str,
        status: RunStatus,
        failed: bool,
        duration: Duration,
    ) {
        self.record_finished(job, status, failed, duration);
        self.start_dependents(job, run_id, status);
    }

    /// Books the end of a run and starts the job's queued run, if any; no dependents (also
    /// what shutdown does, where nothing new starts).
    fn record_finished(&mut self, job: &str, status: RunStatus, failed: bool, duration: Duration) {
        if let Some(metrics) = &self.metrics {
            metrics.record_run(job, &status.to_string(), failed, duration);
        }
        if let Some((job, run)) = self.plan.finish(job) {
            self.launch(job, run);
        }
        self.publish_running();
    }

    /// Starts the jobs that run `after` `job` when a run of it ends with `status` (each under
    /// its own overlap policy), handing them the upstream run's id.
    fn start_dependents(&mut self, job: &str, run_id: &str, status: RunStatus) {
        for dependent in self.plan.dependents(job, status) {
            self.logger.info(
                Some(&dependent.name),
                &format!("running after {job} (run {run_id} ended {status})"),
            );
            let input = RunInput {
                upstream_run_id: (!run_id.is_empty()).then(|| run_id.to_owned()),
                ..RunInput::default()
            };
            self.on_run_now(RunRequest {
                job: dependent.name.clone(),
                trigger: Trigger::After,
                input,
                answer: None,
                done: None,
            });
        }
    }

    fn publish_running(&self) {
        if let Some(metrics) = &self.metrics {
            metrics.set_running(self.plan.running_total());
        }
    }

    /// The loaded jobs, for the server (start and every reload).
    fn publish_jobs(&self) {
        self.published
            .publish_jobs(Arc::new(self.plan.jobs().cloned().collect()));
    }

    fn publish_plan(&self) {
        if let Some(metrics) = &self.metrics {
            metrics.set_plan(self.plan.jobs().count(), self.plan.next_runs());
        }
    }

    fn on_jump(&mut self, jump: &Jump) {
        let size = jump.describe();
        if !jump.is_forward() {
            let message = match self.plan.jump_backward(jump) {
                Backward::Correction => format!(
                    "the clock jumped {size}: treating it as a clock correction; every job is \
                     rescheduled from now"
                ),
                Backward::Replanned(_) => format!(
                    "the clock jumped {size}; jobs with * in the minute or hour field go on \
                     running on the new time, fixed-time runs already done are not repeated"
                ),
            };
            self.logger.warn(None, &message);
            self.publish_plan();
            return;
        }
        self.logger.warn(
            None,
            &format!(
                "the clock jumped {size} (or the machine slept); every job is rescheduled \
                 from now"
            ),
        );
        let missed = self.plan.jump_forward(jump);
        self.publish_plan();
        for (i, missed) in missed.iter().enumerate() {
            if let Some(metrics) = &self.metrics {
                metrics.record_skips(&missed.name, missed.count as u64);
            }
            let Some(job) = self.plan.job(&missed.name).cloned() else {
                continue;
            };
            if i < MISSED_LINES || missed.catch_up {
                let runs = if missed.count == 1 {
                    format!(
                        "missed run of {} due at {}",
                        job.name,
                        when(&job, missed.first)
                    )
                } else {
                    format!(
                        "missed {}{} runs of {} due from {} to {}",
                        missed.count,
                        if missed.more { "+" } else { "" },
                        job.name,
                        when(&job, missed.first),
                        when(&job, missed.last)
                    )
                };
                let tail = if missed.catch_up {
                    format!(
                        "; catching up once (catch_up = \"once\") for {}",
                        when(&job, missed.last)
                    )
                } else {
                    "; skipped (set catch_up = \"once\" to run one of them)".to_owned()
                };
                self.logger.warn(
                    Some(&job.name),
                    &format!("{runs} (clock jumped {size}){tail}"),
                );
            }
            if missed.catch_up {
                self.offer(job, Pending::plain(missed.last, Trigger::CatchUp));
            }
        }
        let silent = missed
            .iter()
            .skip(MISSED_LINES)
            .filter(|m| !m.catch_up)
            .count();
        if silent > 0 {
            self.logger.warn(
                None,
                &format!("{silent} more jobs missed runs (clock jumped {size}); skipped"),
            );
        }
    }
}

/// What one turn of the loop ended with.
#[derive(Debug, PartialEq)]
enum Step {
    /// The wait reached its end (a due instant, or `MAX_SLEEP`).
    Timeout,
    /// An event was handled.
    Event,
    /// `run` is to exit with this status.
    Exit(ExitCode),
}

/// What the scheduler needs from `run`'s options.
pub(crate) struct Setup {
    pub(crate) file: PathBuf,
    pub(crate) grace: Duration,
    pub(crate) logger: Arc<Logger>,
    pub(crate) metrics: Option<Arc<Metrics>>,
    /// Where the loaded jobs and the stopping flag are published for the server.
    pub(crate) published: Arc<Published>,
}

/// Runs `run` (one execution of `job`) and always reports it as finished, also when it
/// panics: a run never reported would keep the job "running" forever (every later run
/// skipped, shutdown waiting for it). A panic is logged and counted as a failed run.
fn run_and_report(
    job: &str,
    events: &Sender<Event>,
    logger: &Logger,
    run: impl FnOnce() -> crate::history::RunRecord,
) {
    let start = Instant::now();
    let finished = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(record) => Event::Finished {
            failed: !record.succeeded() && record.status != RunStatus::Skipped,
            status: record.status,
            duration: Duration::from_millis(record.duration_ms),
            job: job.to_owned(),
            run_id: record.run_id,
        },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            logger.error(
                Some(job),
                &format!(
                    "internal error: the run panicked ({what}); counted as failed, the job \
                     stays scheduled; please report this bug"
                ),
            );
            Event::Finished {
                failed: true,
                status: RunStatus::Failed,
                duration: start.elapsed(),
                job: job.to_owned(),
                run_id: String::new(),
            }
        }
    };
    let _ = events.send(finished);
}

/// An instant as shown in the log: RFC 3339 in the job's zone.
fn when(job: &Job, at: DateTime<Utc>) -> String {
    job.zone
        .to_fixed(at)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

mod reloading;
mod seams;
mod shutdown;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
