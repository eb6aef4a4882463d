//! `jobtab list`: every job with its schedule, next run, last result and what it runs, as a
//! table that fits the terminal or as JSON; the crontab install status on stderr.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::ListArgs;
use crate::crontab::{self, InstallStatus};
use crate::ctx::Ctx;
use crate::history::{self, RunRecord};
use crate::json::{self, ResultJson};
use crate::output::{self, Table};
use crate::running::{self, Running, RunningJson};
use crate::store::{Action, Job, JobFile};
use crate::zone::Zone;

pub(crate) fn run(args: &ListArgs, ctx: &Ctx) -> Result<ExitCode> {
    // The history is read while the job file is parsed: both take a while on big files.
    let (file, last) = std::thread::scope(|scope| {
        let last = scope.spawn(|| last_results(ctx));
        let file = JobFile::read(&ctx.file);
        (file, last.join().unwrap_or_default())
    });
    let file = file?;
    if file.jobs.is_empty() && file.problems.is_empty() {
        if args.json {
            output::print("[]\n")?;
        }
        let folder = ctx.file.parent().filter(|folder| !folder.is_dir());
        match folder {
            // A file named in a folder that does not exist: probably a mistyped path.
            Some(folder) if ctx.explicit_file => eprintln!(
                "no jobs in {}: its folder {} does not exist; check the path given with --file \
                 or $JOBTAB_FILE",
                ctx.file.display(),
                folder.display()
            ),
            _ => eprintln!(
                "no jobs in {}{}; add one with `jobtab add backup '0 2 * * *' -- pg_dump app` or \
                 `jobtab edit`",
                ctx.file.display(),
                if ctx.file.exists() {
                    ""
                } else {
                    " (the file does not exist yet)"
                }
            ),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let now = Utc::now();
    let running = running_now(ctx);
    let install = crontab::install_status(ctx, &file);
    let next = next_runs(&file.jobs, now);
    if args.json {
        output::print_json(&rows(&file.jobs, &next, &last, &running, &install))?;
    } else {
        let mut table = Table::new(&["NAME", "SCHEDULE", "NEXT RUN", "LAST RESULT", "COMMAND/URL"])
            .keep_whole(&["SCHEDULE", "NEXT RUN"])
            .status_columns(&["NEXT RUN", "LAST RESULT"]);
        for (job, next) in file.jobs.iter().zip(&next) {
            table.push(vec![
                job.name.clone(),
                job.triggers.summary(),
                next_run_cell(job, *next, now),
                match (running.get(&job.name), last.get(&job.name)) {
                    (Some(run), _) => run.words(now),
                    (None, Some(record)) => result_words(record, now),
                    (None, None) => "-".to_owned(),
                },
                job.action_summary(),
            ]);
        }
        output::print_styled(&table.render(output::terminal_width()))?;
        eprintln!("crontab: {}", install_words(&install));
    }
    report_problems(&file)
}

/// `list --json`'s rows: one per job, with its next run (`next`, from `next_runs`).
fn rows<'a, J: Borrow<Job>>(
    jobs: &'a [J],
    next: &[Option<DateTime<Utc>>],
    last: &'a HashMap<String, RunRecord>,
    running: &HashMap<String, Running>,
    install: &InstallStatus,
) -> Vec<JobJson<'a>> {
    let local = Zone::Local.to_string();
    jobs.iter()
        .map(Borrow::borrow)
        .zip(next)
        .map(|(job, next)| {
            let mut row = JobJson::new(job, *next, last.get(&job.name), install, &local);
            row.running = running.get(&job.name).map(Running::json);
            row
        })
        .collect()
}

/// `list --json` of `jobs` (the jobs `run` has loaded): what the API's `GET /api/jobs` answers.
pub(crate) fn list_json<J: Borrow<Job>>(
    jobs: &[J],
    state_dir: &Path,
    job_file: &Path,
    install: &InstallStatus,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let ctx = Ctx {
        file: job_file.to_path_buf(),
        explicit_file: true,
        state_dir: state_dir.to_path_buf(),
    };
    let last = last_results(&ctx);
    let running = running_now(&ctx);
    let next = next_runs(jobs, now);
    serde_json::to_value(rows(jobs, &next, &last, &running, install))
        .unwrap_or(serde_json::Value::Null)
}

/// The last run of every job, or none (with a warning) when the history cannot be read.
pub(super) fn last_results(ctx: &Ctx) -> HashMap<String, RunRecord> {
    history::last_results(&ctx.state_dir, &ctx.file).unwrap_or_else(|err| {
        crate::output::warning(format_args!("cannot read the run history: {err:#}"));
        HashMap::new()
    })
}

/// The run in progress of every job that has one (the one that started first, when a job with
/// `overlap = "allow"` has several).
pub(super) fn running_now(ctx: &Ctx) -> HashMap<String, Running> {
    let mut by_job = HashMap::new();
    // Oldest first: the first one seen per job is kept.
    for run in running::live(&ctx.state_dir, &ctx.file, None) {
        by_job.entry(run.job.clone()).or_insert(run);
    }
    by_job
}

/// The jobs that have problems are not listed: say so, and exit 1 as `check` would.
pub(super) fn report_problems(file: &JobFile) -> Result<ExitCode> {
    if file.problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    crate::output::warning(format_args!(
        "{} has {} problem{} (jobs with problems are not shown):",
        file.path.display(),
        file.problems.len(),
        if file.problems.len() == 1 { "" } else { "s" }
    ));
    for problem in &file.problems {
        eprintln!("  {}", problem.located(&file.path));
    }
    eprintln!("fix them with `jobtab edit`, then `jobtab check`");
    Ok(ExitCode::FAILURE)
}

/// The install status with what to do about it.
pub(super) fn install_words(status: &InstallStatus) -> String {
    match status {
        InstallStatus::Installed => "installed".into(),
        InstallStatus::OutOfDate => "out of date; `jobtab install` updates it".into(),
        InstallStatus::NotInstalled => {
            "not installed (`jobtab install` installs the enabled jobs; `jobtab run` runs them \
             without cron)"
                .into()
        }
        InstallStatus::Unknown(reason) => format!("unknown ({reason})"),
    }
}

/// The next run of every job (`None`: disabled, `@reboot`, or never again). Jobs that share a
/// schedule and a zone share the computation (big files repeat schedules a lot); when many
/// remain, half of them are computed on another core.
fn next_runs<J: Borrow<Job>>(jobs: &[J], now: DateTime<Utc>) -> Vec<Option<DateTime<Utc>>> {
    // The jitter offset too: jobs that share a schedule fire apart with their own offsets.
    type Key<'j> = (&'j str, Option<chrono_tz::Tz>, chrono::TimeDelta);
    fn key(job: &Job) -> Key<'_> {
        let zone = match job.zone {
            Zone::Local => None,
            Zone::Named(tz) => Some(tz),
        };
        (job.triggers.as_str(), zone, job.triggers.offset())
    }
    // One job per distinct schedule and zone.
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut distinct: Vec<&Job> = Vec::new();
    for job in jobs.iter().map(Borrow::borrow).filter(|job| job.enabled) {
        index.entry(key(job)).or_insert_with(|| {
            distinct.push(job);
            distinct.len() - 1
        });
    }
    let compute = |jobs: &[&Job]| -> Vec<Option<DateTime<Utc>>> {
        jobs.iter()
            .map(|job| job.triggers.next_after(now, job.zone))
            .collect()
    };
    let runs = if distinct.len() >= 2000
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
    {
        let (first, second) = distinct.split_at(distinct.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| compute(second));
            let mut runs = compute(first);
            runs.extend(other.join().unwrap_or_else(|_| compute(second)));
            runs
        })
    } else {
        compute(&distinct)
    };
    jobs.iter()
        .map(Borrow::borrow)
        .map(|job| {
            job.enabled
                .then(|| index.get(&key(job)).and_then(|&i| runs[i]))
                .flatten()
        })
        .collect()
}

/// The next run for the table: a time in the viewer's zone and how soon, or why there is none.
fn next_run_cell(job: &Job, next: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    if !job.enabled {
        return "(disabled)".into();
    }
    if job.triggers.at_start_only() {
        return "at start".into();
    }
    if job.triggers.webhook_only_job() {
        return "on webhook".into();
    }
    if !job.triggers.has_schedule() {
        // `after`, maybe with a webhook too.
        let after = job.triggers.after_words().unwrap_or_default();
        return match job.triggers.webhook {
            Some(_) => format!("on webhook, {after}"),
            None => after,
        };
    }
    match next {
        Some(next) => output::when(next, Zone::Local, now, job.triggers.shows_seconds()),
        None => "never".into(),
    }
}

/// A run's result in a few words: `ok 5m ago`, `failed (exit 2) 1h ago`.
pub(super) fn result_words(record: &RunRecord, now: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        status_words(record),
        output::ago(now, record.started_at)
    )
}

/// A run's status with its exit code or HTTP status when it failed: `ok`, `failed (exit 2)`.
pub(super) fn status_words(record: &RunRecord) -> String {
    let detail = match (record.succeeded(), record.exit_code, record.http_status) {
        (false, _, Some(status)) => format!(" (HTTP {status})"),
        (false, Some(code), None) => format!(" (exit {code})"),
        _ => String::new(),
    };
    format!("{}{detail}", record.status)
}

/// One job in `list --json` (docs/json.md); the field names are stable.
#[derive(Debug, Serialize)]
struct JobJson<'a> {
    name: &'a str,
    description: Option<&'a str>,
    /// null for a job with only a webhook.
    schedule: Option<&'a str>,
    /// The webhook trigger, or null.
    webhook: Option<json::WebhookBrief<'a>>,
    /// IANA name, or "local" when it cannot be told.
    timezone: String,
    enabled: bool,
    /// "shell" or "http".
    kind: &'static str,
    command: Option<&'a str>,
    /// What an HTTP job calls (null for shell jobs): `show --json`'s `http` without the
    /// headers, body and expected codes.
    http: Option<HttpJson<'a>>,
    /// The next run, in the job's zone: one time, or none when disabled, `@reboot`, or never
    /// again. An array, as `next` is everywhere (`show` has five).
    next: Vec<String>,
    last_result: Option<ResultJson<'a>>,
    /// The run in progress (`run`, `exec` or cron's `exec`), or null.
    running: Option<RunningJson>,
    /// Whether the job is in the installed crontab block; null when that cannot be told (the
    /// block is out of date, or the crontab cannot be read).
    installed: Option<bool>,
}

/// `http` in `list --json`.
#[derive(Debug, Serialize)]
struct HttpJson<'a> {
    method: &'a str,
    url: &'a str,
}

/// `installed` of a job (`list --json`, `show --json`): whether its line is in the crontab.
pub(super) fn installed(job: &Job, install: &InstallStatus) -> Option<bool> {
    match install {
        InstallStatus::Installed => Some(job.enabled),
        InstallStatus::NotInstalled => Some(false),
        InstallStatus::OutOfDate | InstallStatus::Unknown(_) => None,
    }
}

impl<'a> JobJson<'a> {
    fn new(
        job: &'a Job,
        next: Option<DateTime<Utc>>,
        last: Option<&'a RunRecord>,
        install: &InstallStatus,
        local: &str,
    ) -> JobJson<'a> {
        let (kind, command) = json::kind_and_command(job);
        JobJson {
            name: &job.name,
            description: job.description.as_deref(),
            schedule: job.triggers.schedule_text(),
            webhook: job.triggers.webhook.as_ref().map(json::WebhookBrief::new),
            // The machine's zone name is looked up once, not once per job.
            timezone: match job.zone {
                Zone::Local => local.to_owned(),
                Zone::Named(_) => job.zone.to_string(),
            },
            enabled: job.enabled,
            kind,
            command,
            http: match &job.action {
                Action::Http(http) => Some(HttpJson {
                    method: &http.method,
                    url: &http.url,
                }),
                Action::Shell { .. } => None,
            },
            next: next
                .map(|t| json::time_in(t, job.zone))
                .into_iter()
                .collect(),
            last_result: last.map(ResultJson::new),
            running: None,
            installed: installed(job, install),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn next_runs_are_shared_between_jobs_with_the_same_schedule() {
        let mut text = String::new();
        for i in 0..1500 {
            let enabled = if i % 7 == 0 { "enabled = false\n" } else { "" };
            text.push_str(&format!(
                "[jobs.j{i}]\nschedule = \"{} {} * * *\"\ncommand = \"x\"\n{enabled}",
                i % 60,
                i % 24
            ));
        }
        let (jobs, problems) = crate::store::parse(&text);
        assert!(problems.is_empty());
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let runs = next_runs(&jobs, now);
        assert_eq!(runs.len(), jobs.len());
        for (job, run) in jobs.iter().zip(&runs) {
            let expected = job
                .enabled
                .then(|| job.triggers.next_after(now, job.zone))
                .flatten();
            assert_eq!(*run, expected, "{}", job.name);
        }
        assert_eq!(runs[0], None);
        assert!(runs[1].is_some());
        // Many distinct schedules: computed on two cores, still in order.
        let mut text = String::new();
        for i in 0..4500 {
            text.push_str(&format!(
                "[jobs.j{i}]\nschedule = \"{} {} {} * *\"\ncommand = \"x\"\n",
                i % 60,
                (i / 60) % 24,
                (i / 1440) % 28 + 1
            ));
        }
        let (jobs, _) = crate::store::parse(&text);
        let runs = next_runs(&jobs, now);
        for (job, run) in jobs.iter().zip(&runs) {
            assert_eq!(*run, job.triggers.next_after(now, job.zone), "{}", job.name);
        }
    }
}
