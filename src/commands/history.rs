//! `jobtab history [NAME] [--limit N] [--failed] [--json]`: past runs, newest first, from the
//! history every `run` and `exec` appends to.

use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{Local, SecondsFormat};

use crate::cli::HistoryArgs;
use crate::ctx::Ctx;
use crate::execute::describe_duration;
use crate::history::{self, RunRecord};
use crate::output::{self, Table};
use crate::store::JobFile;

pub(crate) fn run(args: &HistoryArgs, ctx: &Ctx) -> Result<ExitCode> {
    if args.limit == 0 {
        if let Some(name) = &args.name {
            require_known(name, ctx)?;
        }
        // Nothing asked for: not a claim that nothing was recorded.
        if args.json {
            output::print("[]\n")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Records are appended when a run ends, so a long run that started first is written after
    // shorter ones that started later: read them all, then order them by start time.
    let found = history::read_recent(
        &ctx.state_dir,
        &ctx.file,
        args.name.as_deref(),
        usize::MAX,
        args.failed,
    )?;
    if found.unreadable > 0 {
        eprintln!("jobtab: note: {}", unreadable_note(found.unreadable, ctx));
    }
    let mut records = found.records;
    newest_first(&mut records, args.limit);
    if records.is_empty()
        && let Some(name) = &args.name
    {
        require_known(name, ctx)?;
    }
    if args.json {
        output::print_json(&records)?;
    } else if !records.is_empty() {
        output::print(&table(&records).render(output::terminal_width()))?;
    }
    if records.is_empty() {
        let what = if args.failed { "failed runs" } else { "runs" };
        match &args.name {
            Some(name) => eprintln!("jobtab: no {what} recorded for {name}"),
            None => eprintln!(
                "jobtab: no {what} recorded yet; `jobtab exec NAME` or `jobtab run` records them"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails unless `name` is a job of the file or has runs recorded (a job removed since keeps
/// its records, and those are worth showing), so a typo is not answered with "no runs
/// recorded". When the file cannot be read or parsed, no name is refused: it may be there.
fn require_known(name: &str, ctx: &Ctx) -> Result<()> {
    if !history::recent(&ctx.state_dir, &ctx.file, Some(name), 1, false)?.is_empty() {
        return Ok(());
    }
    let Ok(file) = JobFile::read(&ctx.file) else {
        return Ok(());
    };
    let known = file.job(name).is_some()
        || file
            .problems
            .iter()
            .any(|problem| problem.job.as_deref().is_none_or(|job| job == name));
    if !known {
        bail!(
            "no job named {name:?} in {}, and no runs recorded for one; `jobtab list` shows \
             the jobs there are, `jobtab history` the runs of all of them",
            ctx.file.display()
        );
    }
    Ok(())
}

/// What `history` says about lines it skipped.
fn unreadable_note(count: usize, ctx: &Ctx) -> String {
    let lines = if count == 1 {
        "1 unreadable line".to_owned()
    } else {
        format!("{count} unreadable lines")
    };
    format!(
        "skipped {lines} in the history in {} (cut short by a crash or a full disk, or not \
         written by jobtab); the other runs are shown",
        ctx.state_dir.display()
    )
}

/// `records` (newest appended first) ordered by start time, newest first, and cut to `limit`.
/// Runs that started at the same time keep the order they were recorded in.
fn newest_first(records: &mut Vec<RunRecord>, limit: usize) {
    records.sort_by_key(|record| std::cmp::Reverse(record.started_at));
    records.truncate(limit);
}

/// The most of a run's error shown in the table; `show` and `--json` have all of it.
const ERROR_WIDTH: usize = 60;

/// The text table: one line per run; the error last, cut to fit.
fn table(records: &[RunRecord]) -> Table {
    let mut table = Table::new(&[
        "STARTED",
        "JOB",
        "STATUS",
        "DURATION",
        "ATTEMPTS",
        "EXIT/HTTP",
        "TRIGGER",
        "ERROR",
    ])
    .keep_whole(&["STARTED", "JOB"]);
    for record in records {
        let code = match (record.exit_code, record.http_status) {
            (_, Some(status)) => format!("http {status}"),
            (Some(code), None) => code.to_string(),
            (None, None) => "-".to_owned(),
        };
        let error = record.error.as_deref().map_or_else(
            || "-".to_owned(),
            |e| output::truncate(&output::one_line(e), ERROR_WIDTH),
        );
        table.push(vec![
            record
                .started_at
                .with_timezone(&Local)
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            record.job.clone(),
            record.status.to_string(),
            describe_duration(record.duration_ms),
            record.attempts.to_string(),
            code,
            record.trigger.clone(),
            error,
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunStatus;
    use chrono::{DateTime, Utc};

    #[test]
    fn table_aligns_columns() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let base = RunRecord {
            job: "backup".into(),
            file: None,
            run_id: "r1".into(),
            trigger: "manual".into(),
            status: RunStatus::Ok,
            exit_code: Some(0),
            http_status: None,
            scheduled_at: at,
            started_at: at,
            duration_ms: 1_200,
            attempts: 1,
            output_tail: String::new(),
            error: None,
            notifications: Vec::new(),
        };
        let http = RunRecord {
            job: "ping-api".into(),
            status: RunStatus::Failed,
            exit_code: None,
            http_status: Some(503),
            attempts: 3,
            trigger: "schedule".into(),
            error: Some("HTTP 503 Service Unavailable".into()),
            ..base.clone()
        };
        let text = table(&[base.clone(), http.clone()]).render(None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("STARTED"));
        let job_col = lines[0].find("JOB").unwrap();
        assert_eq!(lines[1].find("backup"), Some(job_col));
        assert_eq!(lines[2].find("ping-api"), Some(job_col));
        assert!(lines[2].contains("http 503"));
        assert!(lines[1].contains("1.2s"));
        assert!(lines[1].ends_with("manual    -"), "{text}");
        assert!(
            lines[2].ends_with("schedule  HTTP 503 Service Unavailable"),
            "{text}"
        );
        // A long error is cut; control characters never reach the terminal.
        let long = RunRecord {
            error: Some(format!("\x1b[2J{}", "x".repeat(200))),
            ..http.clone()
        };
        let text = table(&[long]).render(None);
        let line = text.lines().nth(1).unwrap();
        assert!(line.ends_with("…") && !line.contains('\x1b'), "{line}");
        assert!(line.chars().count() < 150, "{line}");
    }

    #[test]
    fn runs_are_ordered_by_start_not_by_when_they_ended() {
        let at = |minute: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-03-01T10:{minute:02}:00Z"))
                .unwrap()
                .with_timezone(&Utc)
        };
        let record = |job: &str, minute: u32| RunRecord {
            job: job.into(),
            file: None,
            run_id: job.into(),
            trigger: "manual".into(),
            status: RunStatus::Ok,
            exit_code: Some(0),
            http_status: None,
            scheduled_at: at(minute),
            started_at: at(minute),
            duration_ms: 1,
            attempts: 1,
            output_tail: String::new(),
            error: None,
            notifications: Vec::new(),
        };
        // As `recent` gives them: newest appended first. The long run started first but
        // ended last.
        let mut records = vec![
            record("long", 1),
            record("quick-b", 5),
            record("quick-a", 3),
            record("tie-later", 7),
            record("tie-earlier", 7),
        ];
        newest_first(&mut records, 4);
        let jobs: Vec<&str> = records.iter().map(|r| r.job.as_str()).collect();
        assert_eq!(jobs, ["tie-later", "tie-earlier", "quick-b", "quick-a"]);
    }
}
