//! `jobtab exec NAME`: run one job now, exactly as the scheduler would (timeout, retries,
//! overlap lock, notify, history), with its output streamed to the terminal. This is also what
//! installed crontab lines call, so it needs nothing from the environment but the job file.
//!
//! A disabled job is refused unless `--force`: a crontab line installed before `disable` still
//! calls `exec`, and must not run it. A job the file no longer has is an error that, when the
//! crontab's block for this file is out of date, says how to update it.
//!
//! SIGINT, SIGTERM, SIGHUP (the terminal closed) and SIGQUIT cancel the run (SIGTERM to the
//! job's process group, SIGKILL after a grace), which is recorded in history; a second signal
//! kills it at once. Exit status: 0 when the run succeeded or was skipped because the previous
//! run still holds the job's lock, 1 otherwise.
//!
//! Chains (PRODUCT.md section 12): once the run ends, the jobs that run `after` it (and
//! theirs, depth first, in file order) run here, each as `exec` runs a job, with the
//! upstream's run id, unless `--no-chain`; so an installed crontab keeps chains working with
//! no scheduler. Each job runs at most once per `exec`; disabled ones are left out; a signal
//! stops the chain. The exit status is 1 when any run of the chain failed.
//!
//! Quiet under cron: cron mails whatever a job writes, so a run that succeeded (or was skipped)
//! prints nothing of jobtab's own unless stderr is a terminal; a failure always prints its
//! one-line reason.
//!
//! `--payload FILE|-` runs the job with that body as a webhook delivery would (PRODUCT.md
//! section 9): stdin, `$JOBTAB_PAYLOAD`, the webhook's `env` pointers (`payload::vars`). It is
//! read whole before the run, at most the hook's `max_body`; a body the hook's `match` would
//! ignore runs anyway (this is a test), with a warning saying which match failed.

use std::collections::HashSet;
use std::io::{IsTerminal as _, Read as _};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use chrono::Utc;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::ExecArgs;
use crate::crontab::{self, InstallStatus};
use crate::ctx::Ctx;
use crate::execute::{self, Cancel, ExecOptions, Trigger};
use crate::history::{RunRecord, RunStatus};
use crate::log::{self, Logger};
use crate::store::{Job, JobFile};

pub(crate) fn run(args: &ExecArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::read(&ctx.file)?;
    // A problem elsewhere in the file must not stop cron from running the jobs that are fine.
    let Some(job) = file.job(&args.name) else {
        // With no problem in the file (none of its own either), the job is not there.
        file.ensure_valid()?;
        bail!(missing_job(
            &args.name,
            &file,
            &crontab::install_status(ctx, &file)
        ));
    };
    if !file.problems.is_empty() {
        crate::output::warning(format_args!(
            "{} has {} problem(s) in other jobs; `jobtab check` lists them",
            ctx.file.display(),
            file.problems.len()
        ));
    }
    if !job.enabled && !args.force {
        bail!(disabled_job(
            &job.name,
            &file,
            &crontab::install_status(ctx, &file)
        ));
    }

    let input = match &args.payload {
        Some(path) => payload_input(job, path)?,
        None => execute::RunInput::default(),
    };

    let cancel = Cancel::new();
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        .context("cannot install the signal handlers")?;
    let handle = signals.handle();
    let on_signal = cancel.clone();
    std::thread::spawn(move || {
        for (count, _) in signals.forever().enumerate() {
            if count == 0 {
                on_signal.cancel();
            } else {
                on_signal.kill();
            }
        }
    });

    // With --json, stdout holds only the record: the job's output is logged to stderr, line by
    // line, as `run` logs it, instead of passed through.
    let opts = ExecOptions {
        state_dir: ctx.state_dir.clone(),
        job_file: ctx.file.clone(),
        logger: Arc::new(Logger::new(log::Format::Text)),
        passthrough: !args.json,
    };
    let now = Utc::now();
    let scheduled_at = if args.jitter_slot {
        jitter_slot(job, now)
    } else {
        now
    };
    let record = execute::execute(job, scheduled_at, Trigger::Manual, &input, &opts, &cancel);
    let fine = ended_fine(&record);
    if !args.json && (!fine || std::io::stderr().is_terminal()) {
        eprintln!("jobtab: {}", summary(job, &record));
    }
    // The jobs that run after it get its run id, not its payload.
    let mut chain = Chain {
        file: &file,
        opts: &opts,
        cancel: &cancel,
        json: args.json,
        seen: HashSet::from([job.name.clone()]),
    };
    let chain_fine = args.no_chain || chain.run_after(job, &record);
    // The notifications go out after the run is recorded and its lock released; they end
    // within their own time budget (sooner after a signal), and cron must not cut them off.
    execute::notify::wait_pending(Duration::MAX);
    handle.close();
    if args.json {
        crate::output::print_json(&recorded(ctx, record))?;
    }
    Ok(if fine && chain_fine {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The input of a run with the body read from `path` (`-`: stdin): the payload and the
/// variables the job's webhook `env` picks from it.
fn payload_input(job: &Job, path: &Path) -> Result<execute::RunInput> {
    let hook = job.triggers.webhook.as_ref();
    let limit = hook.map_or(crate::store::webhook::MAX_MAX_BODY, |h| h.max_body);
    let (what, reader): (String, Box<dyn std::io::Read>) = if path == Path::new("-") {
        (
            "standard input".to_owned(),
            Box::new(std::io::stdin().lock()),
        )
    } else {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot read the payload file {}", path.display()))?;
        (path.display().to_string(), Box::new(file))
    };
    let mut body = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .with_context(|| format!("cannot read the payload from {what}"))?;
    if u64::try_from(body.len()).unwrap_or(u64::MAX) > limit {
        let why = if hook.is_some() {
            "the job's webhook max_body"
        } else {
            "what a webhook may set as max_body"
        };
        bail!(
            "the payload from {what} is larger than {limit} bytes, {why}: a delivery that large \
             would be refused with 413; send a smaller one{}",
            if hook.is_some() {
                " or raise max_body"
            } else {
                ""
            }
        );
    }
    let mut input = execute::RunInput::default();
    if let Some(hook) = hook {
        input.vars = crate::payload::vars(hook, &body);
        let mut pointers = hook.clone();
        pointers
            .matches
            .retain(|m| matches!(m.source, crate::store::MatchSource::Pointer(_)));
        if let Err(why) = crate::payload::check_matches(&pointers, &|_| None, &body) {
            crate::output::warning(format_args!(
                "a delivery with this payload would be ignored ({why}); running it anyway"
            ));
        }
    }
    input.payload = Some(body.into());
    Ok(input)
}

/// The slot of a run a jittered job's crontab line started at `now`: cron starts lines at the
/// top of a minute, and `install` shifted the minute by the job's offset (whole minutes).
fn jitter_slot(job: &Job, now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    use chrono::DurationRound as _;
    now.duration_trunc(chrono::TimeDelta::minutes(1))
        .unwrap_or(now)
        - job.triggers.offset()
}

/// Whether a run ended as `exec` counts success: it succeeded, or was skipped because the
/// previous run still held the job's lock.
fn ended_fine(record: &RunRecord) -> bool {
    matches!(record.status, RunStatus::Ok | RunStatus::Skipped)
}

/// The jobs that run `after` others, run by this `exec` once their upstream's run ends.
struct Chain<'a> {
    file: &'a JobFile,
    opts: &'a ExecOptions,
    cancel: &'a Cancel,
    json: bool,
    /// The jobs run so far: none runs twice.
    seen: HashSet<String>,
}

impl Chain<'_> {
    /// Runs the jobs that run after `upstream`, whose run ended as `record` says, and theirs
    /// (depth first, in file order); whether every one of those runs ended fine.
    fn run_after(&mut self, upstream: &Job, record: &RunRecord) -> bool {
        let mut fine = true;
        let file = self.file;
        let dependents = file.jobs.iter().filter(|job| {
            job.triggers.after.contains(&upstream.name)
                && job.triggers.after_status.matches(record.status)
        });
        for job in dependents {
            if self.cancel.is_cancelled() {
                break;
            }
            let terminal = std::io::stderr().is_terminal();
            if !job.enabled {
                if terminal {
                    eprintln!(
                        "jobtab: {} runs after {} but is disabled: not run",
                        job.name, upstream.name
                    );
                }
                continue;
            }
            if !self.seen.insert(job.name.clone()) {
                continue;
            }
            if terminal && !self.json {
                eprintln!(
                    "jobtab: running {} after {} ({})",
                    job.name, upstream.name, record.status
                );
            }
            let input = execute::RunInput {
                upstream_run_id: Some(record.run_id.clone()).filter(|id| !id.is_empty()),
                ..execute::RunInput::default()
            };
            let run = execute::execute(
                job,
                Utc::now(),
                Trigger::After,
                &input,
                self.opts,
                self.cancel,
            );
            let ok = ended_fine(&run);
            if !self.json && (!ok || terminal) {
                eprintln!("jobtab: {}", summary(job, &run));
            }
            fine &= ok;
            fine &= self.run_after(job, &run);
        }
        fine
    }
}

/// The run's record as history has it now: its notifications are delivered (and recorded)
/// after the run's first record, so the last line written for the run is read back; `record`
/// (the run as `execute` returned it) when it cannot be.
fn recorded(ctx: &Ctx, record: RunRecord) -> RunRecord {
    crate::history::recent(&ctx.state_dir, &ctx.file, Some(&record.job), 64, false)
        .ok()
        .and_then(|runs| runs.into_iter().find(|run| run.run_id == record.run_id))
        .unwrap_or(record)
}

/// Why a disabled job was not run and what to do; `status` is the crontab's install status for
/// this file (out of date: a crontab line installed before the job was disabled called this).
fn disabled_job(name: &str, file: &JobFile, status: &InstallStatus) -> String {
    let mut message = format!(
        "job {name:?} is disabled, so it was not run; `jobtab enable {name}` turns it back on, \
         or `jobtab exec --force {name}` runs it once anyway"
    );
    if *status == InstallStatus::OutOfDate {
        message.push_str(&format!(
            "\nthe crontab block for {} is out of date (it still runs this job); \
             `jobtab install` updates it",
            file.path.display()
        ));
    }
    message
}

/// The error for a job the file does not have; `status` is the crontab's install status for
/// this file. A crontab line installed before the job was removed (or renamed) still calls
/// `exec` with its name: then the error says how to bring the crontab up to date.
fn missing_job(name: &str, file: &JobFile, status: &InstallStatus) -> String {
    let path = file.path.display();
    let mut message = format!("no job named {name:?} in {path}");
    match status {
        InstallStatus::OutOfDate => message.push_str(&format!(
            "; the crontab block for {path} is out of date (it still runs jobs the file no \
             longer has): `jobtab install` updates it to the file's jobs, `jobtab uninstall` \
             removes it"
        )),
        // No crontab to read (no cron here), or an installed block that cannot have this job.
        InstallStatus::Unknown(_) | InstallStatus::Installed | InstallStatus::NotInstalled => {
            message.push_str("; `jobtab list` shows the jobs there are");
        }
    }
    message
}

/// `backup ok in 1s200ms`, `backup failed: exit code 3 (attempt 3 of 3)`.
fn summary(job: &Job, record: &RunRecord) -> String {
    let name = &job.name;
    let error = record.error.as_deref().unwrap_or("failed");
    let note = execute::attempts_note(record, job);
    match record.status {
        RunStatus::Ok => format!(
            "{name} ok in {}{}",
            crate::duration::format(record.took()),
            if record.attempts > 1 {
                note
            } else {
                String::new()
            }
        ),
        RunStatus::Skipped => format!("{name} {error}"),
        RunStatus::Timeout => format!("{name} {error}{note}"),
        // "cancelled", "cancelled before attempt 2 (exit code 1)": the status is said once.
        RunStatus::Cancelled if error.starts_with("cancelled") => format!("{name} {error}{note}"),
        RunStatus::Failed | RunStatus::Cancelled => {
            format!("{name} {}: {error}{note}", record.status)
        }
    }
}
