//! `jobtab next`: the upcoming runs of all enabled jobs (or the named ones), merged in time
//! order. Jobs that run only on webhook deliveries have no upcoming runs: they are left out,
//! and stderr says which.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::NextArgs;
use crate::ctx::Ctx;
use crate::output::{self, Table};
use crate::store::{Job, JobFile};

/// One upcoming run in `next --json` (docs/json.md): the job, the time it is due in the
/// job's zone under the name history gives it, `scheduled_at`, and when it starts, `runs_at`
/// (later by the job's `jitter` offset).
#[derive(Debug, Serialize)]
struct Upcoming<'a> {
    job: &'a str,
    scheduled_at: String,
    runs_at: String,
    schedule: &'a str,
    timezone: String,
}

pub(crate) fn run(args: &NextArgs, ctx: &Ctx) -> Result<ExitCode> {
    let file = JobFile::load(&ctx.file)?;
    let empty_json = || -> Result<ExitCode> {
        if args.json {
            output::print("[]\n")?;
        }
        Ok(ExitCode::SUCCESS)
    };
    if file.jobs.is_empty() {
        eprintln!(
            "no jobs in {}; add one with `jobtab add NAME SCHEDULE -- COMMAND`",
            file.path.display()
        );
        return empty_json();
    }
    let named = !args.names.is_empty();
    let mut jobs: Vec<&Job> = Vec::new();
    let mut disabled: Vec<&Job> = Vec::new();
    if named {
        for name in &args.names {
            let job = file.require(name)?;
            let list = if job.enabled {
                &mut jobs
            } else {
                &mut disabled
            };
            if !list.iter().any(|j| j.name == job.name) {
                list.push(job);
            }
        }
    } else {
        jobs.extend(file.jobs.iter().filter(|job| job.enabled));
    }
    if args.count == 0 {
        // Nothing asked for: not a claim that there is nothing.
        return empty_json();
    }
    if !named && jobs.is_empty() {
        eprintln!("every job is disabled; `jobtab enable NAME` turns one back on");
        return empty_json();
    }
    for job in &disabled {
        let name = &job.name;
        eprintln!(
            "job {name:?} is disabled, so it has no upcoming runs; `jobtab enable {name}` turns \
             it back on"
        );
    }
    let (hooks, jobs): (Vec<&Job>, Vec<&Job>) = jobs
        .into_iter()
        .partition(|job| job.triggers.webhook_only_job());
    if let Some(note) = webhook_note(&hooks, named) {
        eprintln!("{note}");
    }
    let now = Utc::now();
    let runs = merge(&jobs, now, args.count);
    // Say why a job has no upcoming runs when it was asked for by name, or when no job has any.
    if named || runs.is_empty() {
        for job in &jobs {
            if job.triggers.next_after(now, job.zone).is_none() {
                eprintln!("{}", no_runs_reason(job));
            }
        }
    }
    if args.json {
        let rows: Vec<Upcoming> = runs
            .iter()
            .map(|(at, job)| Upcoming {
                job: &job.name,
                scheduled_at: crate::json::time_in(*at - job.triggers.offset(), job.zone),
                runs_at: crate::json::time_in(*at, job.zone),
                schedule: job.triggers.as_str(),
                timezone: job.zone.to_string(),
            })
            .collect();
        output::print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["TIME", "JOB", "SCHEDULE", "ZONE"]).keep_whole(&["TIME"]);
    // Times in the viewer's zone; with seconds for all when one job's schedule has them.
    let seconds = runs.iter().any(|(_, job)| job.triggers.shows_seconds());
    for (at, job) in &runs {
        table.push(vec![
            output::when(*at, crate::zone::Zone::Local, now, seconds),
            job.name.clone(),
            job.triggers.shown(),
            job.zone.to_string(),
        ]);
    }
    output::print_styled(&table.render(output::terminal_width()))?;
    Ok(ExitCode::SUCCESS)
}

/// What to say about the webhook-only jobs left out: each by name when they were asked for,
/// else one line naming (at most 10 of) them.
fn webhook_note(hooks: &[&Job], named: bool) -> Option<String> {
    if hooks.is_empty() {
        return None;
    }
    if named {
        let lines: Vec<String> = hooks
            .iter()
            .map(|job| {
                let hook = job.triggers.webhook.as_ref().map(|w| w.summary());
                format!(
                    "job {:?} runs only on webhook deliveries ({}), so it has no upcoming runs",
                    job.name,
                    hook.unwrap_or_default()
                )
            })
            .collect();
        return Some(lines.join("\n"));
    }
    let mut names: Vec<&str> = hooks.iter().take(10).map(|job| job.name.as_str()).collect();
    if hooks.len() > 10 {
        names.push("...");
    }
    let (count, run) = if hooks.len() == 1 {
        ("1 job".to_owned(), "runs")
    } else {
        (format!("{} jobs", hooks.len()), "run")
    };
    Some(format!(
        "not listed: {count} that {run} only on webhook deliveries ({}), under `jobtab run --listen`",
        names.join(", ")
    ))
}

/// Why an enabled job has no upcoming run.
fn no_runs_reason(job: &Job) -> String {
    let name = &job.name;
    if job.triggers.at_start_only() {
        format!(
            "job {name:?} runs only at start (@reboot: when `jobtab run` starts, or at boot once \
             installed), so it has no upcoming runs"
        )
    } else if !job.triggers.has_schedule() {
        // `after`, maybe with a webhook (a webhook alone was noted already).
        let mut ways = Vec::new();
        if let Some(hook) = &job.triggers.webhook {
            ways.push(format!("on webhook deliveries ({})", hook.summary()));
        }
        if let Some(after) = job.triggers.after_words() {
            ways.push(format!("{after} (`after`)"));
        }
        format!(
            "job {name:?} runs only {}, so it has no upcoming runs of its own",
            ways.join(" and ")
        )
    } else {
        format!(
            "job {name:?} has no upcoming runs: its schedule {:?} never fires again",
            job.triggers.as_str()
        )
    }
}

/// The first `count` runs of all `jobs` after `now`, in time order (ties by job order), with a
/// heap: one pending run per job, so the work is one `next_after` per job plus one per run.
fn merge<'a>(jobs: &[&'a Job], now: DateTime<Utc>, count: usize) -> Vec<(DateTime<Utc>, &'a Job)> {
    let mut heap = BinaryHeap::new();
    for (index, job) in jobs.iter().enumerate() {
        if let Some(at) = job.triggers.next_after(now, job.zone) {
            heap.push(Reverse((at, index)));
        }
    }
    let mut out = Vec::with_capacity(count.min(1024));
    while out.len() < count {
        let Some(Reverse((at, index))) = heap.pop() else {
            break;
        };
        let job = jobs[index];
        out.push((at, job));
        if let Some(next) = job.triggers.next_after(at, job.zone) {
            heap.push(Reverse((next, index)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::parse;

    #[test]
    fn merges_jobs_in_time_order() {
        let (jobs, problems) = parse(
            "[jobs.a]\nschedule = \"0 * * * *\"\ncommand = \"true\"\ntimezone = \"UTC\"\n\
             [jobs.b]\nschedule = \"30 */2 * * *\"\ncommand = \"true\"\ntimezone = \"Asia/Kolkata\"\n\
             [jobs.c]\nschedule = \"@reboot\"\ncommand = \"true\"\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let refs: Vec<&Job> = jobs.iter().collect();
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:10:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let runs: Vec<String> = merge(&refs, now, 5)
            .into_iter()
            .map(|(at, job)| format!("{} {}", at.to_rfc3339(), job.name))
            .collect();
        // Kolkata is +05:30, so b's :30 of even local hours is :00 UTC of odd hours.
        assert_eq!(
            runs,
            [
                "2026-01-01T01:00:00+00:00 a",
                "2026-01-01T01:00:00+00:00 b",
                "2026-01-01T02:00:00+00:00 a",
                "2026-01-01T03:00:00+00:00 a",
                "2026-01-01T03:00:00+00:00 b"
            ]
        );
        assert!(merge(&refs, now, 0).is_empty());
    }
}
