//! `jobtab logs NAME [--run ID] [--follow]`: the captured output of a job's last run (or of
//! one run) from history; with `--follow`, the output of each new run as `run` or `exec`
//! records it (PRODUCT.md section 4).
//!
//! Without `--follow`, stdout is the output alone (so it can be piped or saved) and a line
//! about the run goes to stderr. With `--follow`, each run's output comes after a one-line
//! header on stdout, as `tail -f` of several files does. Following stops on Ctrl-C or SIGTERM
//! (their default action) and when stdout is closed (`jobtab logs x -F | head`), which is
//! noticed between polls even when no run comes.

use std::io::Write as _;
use std::os::fd::AsFd as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::Utc;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::history::short_id;
use crate::cli::LogsArgs;
use crate::ctx::Ctx;
use crate::history::{self, Follower, RunRecord, RunStatus};
use crate::running;
use crate::store::JobFile;

/// How often `--follow` looks for new records.
const POLL: Duration = Duration::from_millis(200);

pub(crate) fn run(args: &LogsArgs, ctx: &Ctx) -> Result<ExitCode> {
    let name = args.name.as_str();
    let file = JobFile::read(&ctx.file)?;
    // Started before the records are read, so no run recorded in between is missed.
    let mut follower = if args.follow {
        Some(Follower::new(&ctx.state_dir, &ctx.file, name)?)
    } else {
        None
    };
    let mut records = history::recent(&ctx.state_dir, &ctx.file, Some(name), usize::MAX, false)?;
    // A removed job whose runs are still in history is fine.
    if file.job(name).is_none() && records.is_empty() {
        file.require(name)?;
    }
    records.sort_by_key(|record| std::cmp::Reverse(record.started_at));
    let chosen = match &args.run {
        Some(id) => Some(find_run(&records, id, name, ctx)?),
        None => last_run(&records),
    };

    let Some(mut follower) = follower.take() else {
        let Some(record) = chosen else {
            eprintln!("jobtab: no runs of {name} recorded yet; `jobtab exec {name}` runs it now");
            say_running(name, ctx);
            return Ok(ExitCode::SUCCESS);
        };
        eprintln!("jobtab: {}", header(record, Utc::now()));
        if record.output_tail.is_empty() {
            eprintln!("jobtab: the run printed nothing");
        } else if record.output_tail.len() + 4 >= history::OUTPUT_TAIL_BYTES {
            eprintln!(
                "jobtab: only the last {} KiB of its output were kept",
                history::OUTPUT_TAIL_BYTES / 1024
            );
        }
        if args.run.is_none() {
            say_running(name, ctx);
        }
        let mut out = std::io::stdout().lock();
        out.write_all(output_text(record).as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };

    let mut out = std::io::stdout().lock();
    let shown = chosen.map(|record| record.run_id.clone());
    if let Some(record) = chosen {
        print_run(&mut out, record)?;
    }
    eprintln!("jobtab: waiting for runs of {name} (Ctrl-C stops)");
    say_running(name, ctx);
    loop {
        for record in follower.poll()? {
            if shown.as_deref() != Some(record.run_id.as_str()) {
                print_run(&mut out, &record)?;
            }
        }
        if stdout_closed(POLL)? {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// The run whose id is `id` or starts with it, or an error that names it.
fn find_run<'r>(
    records: &'r [RunRecord],
    id: &str,
    name: &str,
    ctx: &Ctx,
) -> Result<&'r RunRecord> {
    let id = id.trim();
    if id.is_empty() {
        anyhow::bail!("--run needs a run id; `jobtab history {name}` shows them (column RUN)");
    }
    let found: Vec<&RunRecord> = records
        .iter()
        .filter(|record| record.run_id.starts_with(id))
        .collect();
    match found.as_slice() {
        [record] => Ok(record),
        [] => {
            if running::live(&ctx.state_dir, &ctx.file, Some(name))
                .iter()
                .any(|run| run.run_id.starts_with(id))
            {
                anyhow::bail!(
                    "run {id} of {name} is still running; its output is recorded when it ends \
                     (`jobtab logs {name} --follow` prints it then)"
                );
            }
            anyhow::bail!(
                "no run {id:?} of job {name} in history; `jobtab history {name}` lists its runs \
                 (column RUN)"
            )
        }
        many => anyhow::bail!(
            "run id {id:?} is ambiguous: {} runs of {name} start with it; give more of it",
            many.len()
        ),
    }
}

/// The newest run that ran (not one skipped because the previous run still ran), else the
/// newest record.
fn last_run(records: &[RunRecord]) -> Option<&RunRecord> {
    records
        .iter()
        .find(|record| record.status != RunStatus::Skipped)
        .or_else(|| records.first())
}

/// `backup run 3f2a9c1b, started 2026-03-01 10:00:00 +01:00 (5m ago): ok in 1s200ms`, the start
/// in the viewer's zone.
fn header(record: &RunRecord, now: chrono::DateTime<Utc>) -> String {
    let took = crate::duration::format(record.took());
    let result = match (&record.status, &record.error) {
        (RunStatus::Ok, _) => format!("ok in {took}"),
        (RunStatus::Skipped, error) => error.clone().unwrap_or_else(|| "skipped".into()),
        (status, Some(error)) => format!("{status}: {error} after {took}"),
        (status, None) => format!("{status} after {took}"),
    };
    crate::output::one_line(&format!(
        "{} run {}, started {}: {result}",
        record.job,
        short_id(&record.run_id),
        crate::output::when(record.started_at, crate::zone::Zone::Local, now, true)
    ))
}

/// The output as printed: as captured, with a final newline.
fn output_text(record: &RunRecord) -> String {
    let mut text = record.output_tail.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// One run under `--follow`: `==> header <==`, then its output.
fn print_run(out: &mut impl std::io::Write, record: &RunRecord) -> Result<()> {
    let text = format!(
        "==> {} <==\n{}",
        header(record, Utc::now()),
        output_text(record)
    );
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// On stderr: the job's runs in progress, whose output is not recorded yet.
fn say_running(name: &str, ctx: &Ctx) {
    let now = Utc::now();
    for run in running::live(&ctx.state_dir, &ctx.file, Some(name)) {
        eprintln!(
            "jobtab: {name} is {} now (run {}); its output is recorded when it ends",
            run.words(now),
            short_id(&run.run_id)
        );
    }
}

/// Waits up to `wait`, returning early with true when stdout is a pipe or socket whose reader
/// went away (poll reports an error or hang-up on it without being asked to).
fn stdout_closed(wait: Duration) -> Result<bool> {
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::empty())];
    let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(0) | Err(nix::errno::Errno::EINTR) => Ok(false),
        Ok(_) => {
            let events = fds[0].revents().unwrap_or(PollFlags::empty());
            if events.intersects(PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL) {
                return Ok(true);
            }
            // Some other readiness (should not happen with no events asked): just wait.
            std::thread::sleep(wait);
            Ok(false)
        }
        Err(err) => Err(err).context("cannot wait for new runs"),
    }
}
