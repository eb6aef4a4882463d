//! Executing one run of a job to the end, the same way for `run` and `exec` (PRODUCT.md
//! section 5): the cross-process overlap lock, attempts with a timeout, retries with
//! exponential backoff and jitter, the result notification and the history record.
//!
//! How one attempt runs lives in `shell` and `http`; this module owns the policy around them.
//! It never schedules anything: that is `runner`'s job.

mod cancel;
mod capture;
pub(crate) mod expand;
pub(crate) mod failure;
pub(crate) mod http;
mod ids;
mod input;
pub(crate) mod notify;
mod overlap;
mod payload_file;
mod pidfd;
mod shell;

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound as _, Utc};

pub(crate) use cancel::{Cancel, Level};
use expand::Redactor;
pub(crate) use expand::expand;
pub(crate) use input::{RunInput, RunVars};

use crate::history::{self, RunRecord, RunStatus};
use crate::log::Logger;
use crate::running;
use crate::store::{Action, Job};

/// After SIGTERM (timeout or cancel), how long a process group gets before SIGKILL.
pub(crate) const KILL_GRACE: Duration = Duration::from_secs(2);
/// The longest wait before one retry: the delay doubles after each attempt up to this, and the
/// jitter never takes it past this either (`export` uses it to bound a run's whole budget).
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 60 * 60);
/// How much a retry delay varies either way (0.2 = ±20 %), so retries of many jobs spread out.
const JITTER: f64 = 0.2;

/// How `execute` reports and where it keeps state.
pub(crate) struct ExecOptions {
    pub(crate) state_dir: PathBuf,
    /// The job file the jobs come from: with the job's name it keys the overlap lock and the
    /// history records, so two job files that both have a `backup` job keep apart.
    pub(crate) job_file: PathBuf,
    pub(crate) logger: Arc<Logger>,
    /// true for `exec`: the job's output is streamed raw to our stdout/stderr (still captured),
    /// and `execute` logs neither the run's start nor its outcome (ok, failed, skipped): the
    /// caller says those in its own words. The logger still gets what only `execute` knows
    /// (retries, notifications that failed, history errors).
    /// false for `run`: each output line goes through `logger.output`, and every line is logged.
    pub(crate) passthrough: bool,
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// Its schedule came due under `run`.
    Schedule,
    /// `jobtab exec` (also what installed crontab lines call).
    Manual,
    /// A missed run made up for (`catch_up = "once"`).
    CatchUp,
    /// `@reboot` under `run`: once when the scheduler starts.
    Start,
    /// An accepted request to the job's webhook (PRODUCT.md section 9).
    Webhook,
    /// The end of a run of a job named in `after` (PRODUCT.md section 12).
    After,
}

impl Trigger {
    /// The name stored in history.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::CatchUp => "catch_up",
            Trigger::Start => "start",
            Trigger::Webhook => "webhook",
            Trigger::After => "after",
        }
    }
}

/// How one attempt ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Ok, Failed, Timeout or Cancelled.
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) http_status: Option<u16>,
    /// The attempt's output tail (shell) or response body tail (HTTP).
    pub(crate) output: String,
    pub(crate) error: Option<String>,
    /// Whether another attempt may help (shell: any failure; HTTP: network, timeout, 5xx).
    pub(crate) retryable: bool,
}

impl Outcome {
    fn failed(error: String, retryable: bool) -> Outcome {
        Outcome {
            status: RunStatus::Failed,
            exit_code: None,
            http_status: None,
            output: String::new(),
            error: Some(error),
            retryable,
        }
    }

    fn cancelled() -> Outcome {
        Outcome {
            status: RunStatus::Cancelled,
            error: Some("cancelled".to_owned()),
            ..Outcome::failed(String::new(), false)
        }
    }
}

/// One scheduled run of `job`, to the end: per-job overlap lock, attempts with timeout,
/// retries with exponential backoff + jitter, notification, history record appended.
/// Never panics; returns the record it appended (also when appending failed: that is logged).
///
/// The record's `output_tail` is the last attempt's output. `scheduled_at` also derives the
/// `Idempotency-Key` of HTTP calls, so pass the slot's time, not "now", for scheduled runs.
pub(crate) fn execute(
    job: &Job,
    scheduled_at: DateTime<Utc>,
    trigger: Trigger,
    input: &RunInput,
    opts: &ExecOptions,
    cancel: &Cancel,
) -> RunRecord {
    let name = job.name.as_str();
    let file = history::job_file_key(&opts.job_file);
    let scheduled_at = slot_time(scheduled_at, trigger);
    // Only what the spawn needs happens before it (the run id: `$JOBTAB_RUN_ID`); the log
    // line and the Idempotency-Key (HTTP only) come later.
    let mut record = new_record(job, &file, trigger, scheduled_at, input);
    // A run id chosen by the caller names the run also when it never starts (skipped).
    record.run_id = (input.run_id.clone()).unwrap_or_else(|| ids::run_id(name));

    // Every `${VAR}` of the notification channels is expanded first: one that is not set
    // (or a key that is not valid) fails the run before anything starts.
    let (channels, config_error) = notify::prepare(job);
    if let Some(error) = config_error {
        record.status = RunStatus::Failed;
        record.error = Some(error.clone());
        if !opts.passthrough {
            opts.logger.error(Some(name), &format!("failed: {error}"));
        }
        finish(job, &mut record, opts, channels, None, cancel);
        return record;
    }

    let _lock = match overlap::acquire(job, &file, &opts.state_dir, cancel) {
        overlap::Acquired::Lock(lock) => lock,
        overlap::Acquired::Busy => {
            record.status = RunStatus::Skipped;
            record.error = Some("skipped: previous run still running".to_owned());
            if !opts.passthrough {
                opts.logger
                    .warn(Some(name), "skipped: previous run still running");
            }
            finish(job, &mut record, opts, channels, None, cancel);
            return record;
        }
        overlap::Acquired::Cancelled => {
            record.error = Some("cancelled while waiting for the previous run".to_owned());
            finish(job, &mut record, opts, channels, None, cancel);
            return record;
        }
    };
    // The payload's file is removed when this guard goes: right after the attempts.
    let payload = match &input.payload {
        None => None,
        Some(body) => match payload_file::PayloadFile::write(&opts.state_dir, &record.run_id, body)
        {
            Ok(file) => Some(file),
            Err(error) => {
                record.status = RunStatus::Failed;
                record.error = Some(error.clone());
                opts.logger.error(Some(name), &format!("failed: {error}"));
                finish(job, &mut record, opts, channels, None, cancel);
                return record;
            }
        },
    };
    let payload_path = payload.as_ref().map(|p| p.path());
    let vars = RunVars::new(trigger, &record.run_id, input, payload_path);
    let started = notify::start(&channels);

    record.started_at = Utc::now().trunc_subsecs(3);
    let clock = Instant::now();
    let run_id = record.run_id.clone();
    let start = Start {
        job,
        file: &file,
        run_id: &run_id,
        trigger,
        scheduled_at,
        started_at: record.started_at,
        input,
        opts,
        running: OnceCell::new(),
    };
    let mut attempts = Attempts {
        job,
        scheduled_at,
        opts,
        cancel,
        vars: &vars,
        stdin: payload_path,
        key: None,
        delay: job.retry_delay.min(MAX_RETRY_DELAY),
    };
    let outcome = attempts.run(&mut record, &|| start.announce());
    start.announce();
    drop(payload);
    // Kept until the function returns: the run shows as running until `finish` is done.
    let _marker = start.running.into_inner().flatten();
    settle(&mut record, outcome, clock);
    if !opts.passthrough {
        log_result(job, &record, opts);
    }
    finish(job, &mut record, opts, channels, started, cancel);
    record
}

/// The run's time as history keeps it (milliseconds), the returned record equal to the stored
/// one. A manual run (`exec`, also from cron) is "scheduled" at the whole second it was asked
/// for, so two execs of one cron slot in one second share their Idempotency-Key.
fn slot_time(scheduled_at: DateTime<Utc>, trigger: Trigger) -> DateTime<Utc> {
    if trigger == Trigger::Manual {
        scheduled_at.trunc_subsecs(0)
    } else {
        scheduled_at.trunc_subsecs(3)
    }
}

/// The record of a run that has not started yet: cancelled, no attempts, started now.
fn new_record(
    job: &Job,
    file: &str,
    trigger: Trigger,
    scheduled_at: DateTime<Utc>,
    input: &RunInput,
) -> RunRecord {
    RunRecord {
        job: job.name.clone(),
        file: Some(file.to_owned()),
        run_id: String::new(),
        trigger: trigger.as_str().to_owned(),
        delivery: input.delivery.clone(),
        upstream_run_id: input.upstream_run_id.clone(),
        status: RunStatus::Cancelled,
        exit_code: None,
        http_status: None,
        scheduled_at,
        started_at: Utc::now().trunc_subsecs(3),
        duration_ms: 0,
        attempts: 0,
        output_tail: String::new(),
        error: None,
        notifications: Vec::new(),
        amends: false,
    }
}

/// What a run shows once it started, right after the first spawn (or before the first
/// call), once: the "started" log line, then the "running" marker (`list` shows the run until
/// the marker is dropped).
struct Start<'a> {
    job: &'a Job,
    file: &'a str,
    run_id: &'a str,
    trigger: Trigger,
    scheduled_at: DateTime<Utc>,
    started_at: DateTime<Utc>,
    input: &'a RunInput,
    opts: &'a ExecOptions,
    /// The marker, once announced (`None` when it could not be written).
    running: OnceCell<Option<running::Marker>>,
}

impl Start<'_> {
    /// Logs "started" and marks the run as running, the first time only.
    fn announce(&self) {
        self.running.get_or_init(|| {
            if !self.opts.passthrough {
                self.opts.logger.info(Some(&self.job.name), "started");
            }
            self.mark_running()
        });
    }

    /// The marker that shows the run as running to other processes (none when the state dir
    /// cannot be written: that is logged, and the run goes on).
    fn mark_running(&self) -> Option<running::Marker> {
        let (job, opts) = (self.job, self.opts);
        let run = running::Running {
            job: job.name.clone(),
            file: self.file.to_owned(),
            run_id: self.run_id.to_owned(),
            pid: std::process::id(),
            trigger: self.trigger.as_str().to_owned(),
            delivery: self.input.delivery.clone(),
            upstream_run_id: self.input.upstream_run_id.clone(),
            scheduled_at: self.scheduled_at,
            started_at: self.started_at,
        };
        running::start(&opts.state_dir, &run)
            .map_err(|err| {
                opts.logger.warn(
                    Some(&job.name),
                    &format!("cannot mark the run as running: {err:#}"),
                );
            })
            .ok()
    }
}

/// The attempts of one run: the first at once, each retry after a doubling delay with jitter,
/// until one succeeds, fails in a way another attempt cannot mend, or the run is cancelled.
struct Attempts<'a> {
    job: &'a Job,
    /// The slot's time, from which an HTTP job's Idempotency-Key derives.
    scheduled_at: DateTime<Utc>,
    opts: &'a ExecOptions,
    cancel: &'a Cancel,
    /// The Idempotency-Key of an HTTP job's calls: made for the first, the same for all.
    key: Option<String>,
    /// The wait before the next retry, before jitter.
    delay: Duration,
    /// The run's variables (`RunVars`).
    vars: &'a RunVars,
    /// The file a shell job's stdin reads (the payload); /dev/null when `None`.
    stdin: Option<&'a Path>,
}

impl Attempts<'_> {
    /// Runs the attempts, counting them in `record.attempts`; `announce` is called right after
    /// each spawn (or before each call). Returns how the last one ended.
    fn run(&mut self, record: &mut RunRecord, announce: &dyn Fn()) -> Outcome {
        let total = self.job.retries.saturating_add(1);
        let mut outcome = Outcome::cancelled();
        for attempt in 1..=total {
            if attempt > 1 && self.back_off(attempt, total, &mut outcome) {
                break;
            }
            if self.cancel.is_cancelled() {
                outcome = Outcome::cancelled();
                break;
            }
            record.attempts = attempt;
            outcome = self.attempt(announce);
            if outcome.status == RunStatus::Ok || !outcome.retryable || self.cancel.is_cancelled() {
                break;
            }
        }
        outcome
    }

    /// Before retry `attempt` of `total`: logs why, waits the delay with jitter, and doubles
    /// the delay. Returns true when cancelled meanwhile, `outcome` then saying so.
    fn back_off(&mut self, attempt: u32, total: u32, outcome: &mut Outcome) -> bool {
        let wait = jitter(self.delay, ids::random_unit()).min(MAX_RETRY_DELAY);
        self.opts.logger.warn(
            Some(&self.job.name),
            &format!(
                "attempt {} of {total} failed: {}; retrying in {}",
                attempt - 1,
                outcome.error.as_deref().unwrap_or("failed"),
                crate::duration::format(wait),
            ),
        );
        if self.cancel.sleep(wait) {
            // Keep the failed attempt's result, but say why no more attempts came.
            outcome.status = RunStatus::Cancelled;
            outcome.error = Some(format!(
                "cancelled before attempt {attempt} ({})",
                outcome.error.as_deref().unwrap_or("failed")
            ));
            return true;
        }
        self.delay = self.delay.saturating_mul(2).min(MAX_RETRY_DELAY);
        false
    }

    /// One attempt of the job's action, with every expanded value taken out of its error.
    fn attempt(&mut self, announce: &dyn Fn()) -> Outcome {
        let job = self.job;
        let mut outcome = match &job.action {
            Action::Shell {
                command,
                shell,
                workdir,
            } => shell::attempt(
                job,
                command,
                shell::Inputs {
                    shell: shell.as_deref(),
                    workdir: workdir.as_deref(),
                    vars: self.vars,
                    stdin: self.stdin,
                },
                self.opts,
                self.cancel,
                announce,
            ),
            Action::Http(spec) => {
                announce();
                let (name, scheduled_at) = (job.name.as_str(), self.scheduled_at);
                let key = self
                    .key
                    .get_or_insert_with(|| ids::idempotency_key(name, scheduled_at));
                http::attempt(job, spec, key, self.vars, self.cancel)
            }
        };
        // Messages are written from templates, but a library's text may still echo an
        // expanded value: take any out before the error is logged, stored or sent. So does
        // a server that answers with the token it was sent (echo services, "invalid token
        // ..." pages): an HTTP job's response body is kept without it too. A shell job's
        // output is left as the command printed it.
        if let Some(error) = &outcome.error {
            outcome.error = Some(redact(job, error));
        }
        if matches!(job.action, Action::Http(_)) && !outcome.output.is_empty() {
            outcome.output = redact(job, &outcome.output);
        }
        outcome
    }
}

/// Puts how the last attempt ended into `record`, and the run's duration since `clock`.
fn settle(record: &mut RunRecord, outcome: Outcome, clock: Instant) {
    record.status = outcome.status;
    record.exit_code = outcome.exit_code;
    record.http_status = outcome.http_status;
    record.output_tail = history::tail(&outcome.output, history::OUTPUT_TAIL_BYTES).to_owned();
    record.error = outcome.error;
    record.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
}

/// Logs how the run ended: `ok in 1.2s`, or the line `ending` writes.
fn log_result(job: &Job, record: &RunRecord, opts: &ExecOptions) {
    let name = Some(job.name.as_str());
    let took = crate::duration::format(record.took());
    match &record.error {
        None => opts.logger.info(name, &format!("ok in {took}")),
        Some(error) => opts.logger.error(name, &ending(record, error, &took, job)),
    }
}

/// Gives the record its run id and appends it to history at once; then, when a channel
/// wants this result, delivers the notifications on their own thread (retrying failed ones
/// for a bounded time) and appends the record again with their outcomes
/// (`RunRecord::amends`). So the run is over, its lock released and its result shown, while
/// a slow receiver is still retried; nothing here changes the run's result.
fn finish(
    job: &Job,
    record: &mut RunRecord,
    opts: &ExecOptions,
    channels: notify::Channels,
    started: Option<std::thread::JoinHandle<history::Notification>>,
    cancel: &Cancel,
) {
    if record.run_id.is_empty() {
        record.run_id = ids::run_id(&job.name);
    }
    record_run(&opts.state_dir, record, &opts.logger);
    if !notify::any_wanted(&channels, record.status) {
        return;
    }
    let mut amended = record.clone();
    amended.amends = true;
    let (job, logger, state_dir, cancel) = (
        job.clone(),
        Arc::clone(&opts.logger),
        opts.state_dir.clone(),
        cancel.clone(),
    );
    notify::deliver_later(move || {
        let redact = |text: &str| redact(&job, text);
        amended.notifications =
            notify::finish(&channels, started, &amended, &cancel, &logger, &redact);
        record_run(&state_dir, &amended, &logger);
    });
}

/// Appends `record` to history; a failure is logged (the run's result stands).
fn record_run(state_dir: &Path, record: &RunRecord, logger: &Logger) {
    if let Err(err) = history::append(state_dir, record) {
        logger.error(
            Some(&record.job),
            &format!("cannot record the run in history: {err:#}"),
        );
    }
}

/// A new run id (for `notify test`'s sample).
pub(crate) fn new_run_id(job: &str) -> String {
    ids::run_id(job)
}

/// `text` with the value of every `${VAR}` that `job` uses replaced by its `${VAR}`. Only
/// error texts pass through here, so the environment is read only when something failed.
fn redact(job: &Job, text: &str) -> String {
    let mut templates: Vec<&str> = job.env.values().map(String::as_str).collect();
    if let Action::Http(spec) = &job.action {
        templates.push(&spec.url);
        templates.extend(spec.headers.iter().map(|(_, value)| value.as_str()));
        templates.extend(spec.body.as_deref());
    }
    if let Some(notify) = &job.notify {
        templates.push(&notify.url);
        templates.extend(notify.secret.as_deref());
    }
    templates.extend(job.ping.as_deref());
    Redactor::new(templates).redact(text)
}

/// The log line of a run that did not succeed: `failed: exit code 3 after 1s200ms`,
/// `timed out after 3s`, `cancelled after 1.8s`, each with `attempts_note`. A status the
/// error already says (`timed out after 3s`, `cancelled before attempt 2 (...)`) is not said
/// twice, and a timeout's limit is its duration.
fn ending(record: &RunRecord, error: &str, took: &str, job: &Job) -> String {
    let note = attempts_note(record, job);
    match record.status {
        RunStatus::Timeout if error.starts_with("timed out") => format!("{error}{note}"),
        RunStatus::Cancelled if error == "cancelled" => format!("cancelled after {took}{note}"),
        RunStatus::Cancelled if error.starts_with("cancelled") => {
            format!("{error} after {took}{note}")
        }
        status => format!("{status}: {error} after {took}{note}"),
    }
}

/// ` (attempt 3 of 3)` when the job has retries, else "".
pub(crate) fn attempts_note(record: &RunRecord, job: &Job) -> String {
    if job.retries == 0 {
        String::new()
    } else {
        format!(
            " (attempt {} of {})",
            record.attempts,
            job.retries.saturating_add(1)
        )
    }
}

/// `delay` varied by ±`JITTER`, with `unit` uniform in [0, 1); saturating (never panics, even
/// for `Duration::MAX` or a `unit` out of range).
fn jitter(delay: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let factor = 1.0 + JITTER * (2.0 * unit - 1.0);
    Duration::try_from_secs_f64(delay.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests;
