//! `jobtab history [NAME] [--limit N] [--failed] [--json]`: past runs, newest first, from the
//! history every `run` and `exec` appends to.

use std::process::ExitCode;

use std::collections::HashSet;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::HistoryArgs;
use crate::ctx::Ctx;
use crate::history::{self, RunRecord};
use crate::output::{self, Table};
use crate::running::{self, Running, RunningJson};
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
    let running = if args.failed {
        Vec::new()
    } else {
        running::live(&ctx.state_dir, &ctx.file, args.name.as_deref())
    };
    if records.is_empty()
        && running.is_empty()
        && let Some(name) = &args.name
    {
        require_known(name, ctx)?;
    }
    let rows = with_running(records, running, args.limit);
    let now = Utc::now();
    if args.json {
        let entries: Vec<Entry<'_>> = rows.iter().map(|row| Entry::new(row, now)).collect();
        output::print_json(&entries)?;
    } else if !rows.is_empty() {
        let text = table(&rows, now).render(output::terminal_width());
        let text = if args.output {
            with_output(&text, &rows)
        } else {
            text
        };
        output::print_styled(&text)?;
    }
    if rows.is_empty() {
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
    if !file.may_hold(name) {
        bail!(
            "no job named {name:?} in {}, and no runs recorded for one; `jobtab list` shows \
             the jobs there are, `jobtab history` the runs of all of them",
            ctx.file.display()
        );
    }
    Ok(())
}

/// `history --json` of `job` (or of all jobs) of `job_file`, at most `limit` runs, newest
/// first, runs in progress among them: what the API's `GET /api/runs` answers too.
pub(crate) fn history_json(
    state_dir: &std::path::Path,
    job_file: &std::path::Path,
    job: Option<&str>,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<serde_json::Value> {
    let mut records = history::recent(state_dir, job_file, job, usize::MAX, false)?;
    newest_first(&mut records, limit);
    let running = running::live(state_dir, job_file, job);
    let rows = with_running(records, running, limit);
    let entries: Vec<Entry<'_>> = rows.iter().map(|row| Entry::new(row, now)).collect();
    Ok(serde_json::to_value(entries)?)
}

/// One run of `job_file` by its id, as `history --json` shows it (a run in progress says
/// `running`), or `None` when no run has that id: the API's `GET /api/runs/RUN_ID`.
pub(crate) fn run_json(
    state_dir: &std::path::Path,
    job_file: &std::path::Path,
    run_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<serde_json::Value>> {
    let recorded = history::recent(state_dir, job_file, None, usize::MAX, false)?
        .into_iter()
        .find(|record| record.run_id == run_id);
    let row = match recorded {
        Some(record) => Row::Done(record),
        None => match running::live(state_dir, job_file, None)
            .into_iter()
            .find(|run| run.run_id == run_id)
        {
            Some(run) => Row::Running(run),
            None => return Ok(None),
        },
    };
    Ok(Some(serde_json::to_value(Entry::new(&row, now))?))
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

/// A line of the history: a recorded run, or one in progress.
enum Row {
    Done(RunRecord),
    Running(Running),
}

impl Row {
    fn started_at(&self) -> DateTime<Utc> {
        match self {
            Row::Done(record) => record.started_at,
            Row::Running(run) => run.started_at,
        }
    }
}

/// `records` (newest first, at most `limit`) with the runs in progress among them by start
/// time, newest first, cut to `limit`. A run both recorded and still marked (it is ending right
/// now) is shown once, as recorded.
fn with_running(records: Vec<RunRecord>, running: Vec<Running>, limit: usize) -> Vec<Row> {
    let recorded: HashSet<&str> = records.iter().map(|r| r.run_id.as_str()).collect();
    let running: Vec<Running> = running
        .into_iter()
        .filter(|run| !recorded.contains(run.run_id.as_str()))
        .collect();
    let mut rows: Vec<Row> = running
        .into_iter()
        .map(Row::Running)
        .chain(records.into_iter().map(Row::Done))
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.started_at()));
    rows.truncate(limit);
    rows
}

/// One run in `history --json`: the recorded fields, and `running` (null once recorded). A
/// run in progress has status `running`, its duration so far and no result yet.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Done {
        #[serde(flatten)]
        record: &'a RunRecord,
        running: Option<RunningJson>,
    },
    Running {
        job: &'a str,
        file: &'a str,
        run_id: &'a str,
        trigger: &'a str,
        status: &'static str,
        exit_code: Option<i32>,
        http_status: Option<u16>,
        scheduled_at: String,
        started_at: String,
        duration_ms: u64,
        attempts: Option<u32>,
        output_tail: &'static str,
        error: Option<&'static str>,
        notifications: [(); 0],
        running: RunningJson,
    },
}

impl<'a> Entry<'a> {
    fn new(row: &'a Row, now: DateTime<Utc>) -> Entry<'a> {
        let time = crate::json::time_utc;
        match row {
            Row::Done(record) => Entry::Done {
                record,
                running: None,
            },
            Row::Running(run) => Entry::Running {
                job: &run.job,
                file: &run.file,
                run_id: &run.run_id,
                trigger: &run.trigger,
                status: "running",
                exit_code: None,
                http_status: None,
                scheduled_at: time(run.scheduled_at),
                started_at: time(run.started_at),
                duration_ms: run.elapsed_ms(now),
                attempts: None,
                output_tail: "",
                error: None,
                notifications: [],
                running: run.json(),
            },
        }
    }
}

/// The most of a run's output shown under its line by `--output`; `logs` shows all of it.
const OUTPUT_LINES: usize = 10;

/// `table` (as rendered: a header, then one line per row) with the last lines of each
/// recorded run's output under its line, indented, control characters escaped.
fn with_output(table: &str, rows: &[Row]) -> String {
    let mut lines = table.lines();
    let mut out = String::new();
    if let Some(header) = lines.next() {
        out.push_str(header);
        out.push('\n');
    }
    for (line, row) in lines.zip(rows) {
        out.push_str(line);
        out.push('\n');
        let record = match row {
            Row::Done(record) => record,
            Row::Running(run) => {
                out.push_str(&format!(
                    "    (running; `jobtab logs {} --follow` prints its output when it ends)\n",
                    run.job
                ));
                continue;
            }
        };
        let text = record.output_tail.trim_end_matches('\n');
        if text.is_empty() {
            out.push_str("    (no output)\n");
            continue;
        }
        let all: Vec<&str> = text.split('\n').collect();
        let skipped = all.len().saturating_sub(OUTPUT_LINES);
        if skipped > 0 {
            out.push_str(&format!(
                "    … {skipped} more line{} before; `jobtab logs {} --run {}` prints all\n",
                if skipped == 1 { "" } else { "s" },
                record.job,
                short_id(&record.run_id)
            ));
        }
        for line in &all[skipped..] {
            out.push_str("    ");
            out.push_str(&output::one_line(line.trim_end_matches('\r')));
            out.push('\n');
        }
    }
    out
}

/// The first characters of a run id: enough to tell runs apart, and what `logs --run` takes.
pub(super) fn short_id(run_id: &str) -> &str {
    run_id.get(..8).unwrap_or(run_id)
}

/// The most of a run's error shown in the table; `show` and `--json` have all of it.
const ERROR_WIDTH: usize = 60;

/// The text table: one line per run; the error last, cut to fit.
fn table(rows: &[Row], now: DateTime<Utc>) -> Table {
    let mut table = Table::new(&[
        "STARTED",
        "JOB",
        "RUN",
        "STATUS",
        "DURATION",
        "ATTEMPTS",
        "EXIT/HTTP",
        "TRIGGER",
        "ERROR",
    ])
    .keep_whole(&["STARTED"])
    .status_columns(&["STATUS"]);
    for row in rows {
        let record = match row {
            Row::Done(record) => record,
            Row::Running(run) => {
                table.push(vec![
                    local_time(run.started_at, now),
                    run.job.clone(),
                    short_id(&run.run_id).to_owned(),
                    "running".to_owned(),
                    crate::duration::format(run.elapsed(now)),
                    "-".to_owned(),
                    "-".to_owned(),
                    run.trigger.clone(),
                    "-".to_owned(),
                ]);
                continue;
            }
        };
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
            local_time(record.started_at, now),
            record.job.clone(),
            short_id(&record.run_id).to_owned(),
            record.status.to_string(),
            crate::duration::format(record.took()),
            record.attempts.to_string(),
            code,
            record.trigger.clone(),
            error,
        ]);
    }
    table
}

/// A start time in the table: in the viewer's zone, to the second, and how long ago.
fn local_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    output::when(at, crate::zone::Zone::Local, now, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunStatus;

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
            delivery: None,
            upstream_run_id: None,
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
            amends: false,
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
        let rows = [Row::Done(base.clone()), Row::Done(http.clone())];
        let text = table(&rows, at).render(None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("STARTED"));
        let job_col = lines[0].find("JOB").unwrap();
        assert_eq!(lines[1].find("backup"), Some(job_col));
        assert_eq!(lines[2].find("ping-api"), Some(job_col));
        assert!(lines[2].contains("http 503"));
        assert!(lines[1].contains("1s200ms"));
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
        let text = table(&[Row::Done(long)], at).render(None);
        let line = text.lines().nth(1).unwrap();
        assert!(line.ends_with("…") && !line.contains("\x1b[2J"), "{line}");
        assert!(line.contains("\\x1b[2J"), "{line}");
        let plain = anstream::adapter::strip_str(line).to_string();
        assert!(output::columns(&plain) < 160, "{line}");
    }

    #[test]
    fn runs_in_progress_are_merged_by_start_and_shown_once() {
        let at = |second: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-03-01T10:00:{second:02}Z"))
                .unwrap()
                .with_timezone(&Utc)
        };
        let record = |id: &str, second: u32| RunRecord {
            job: "backup".into(),
            file: None,
            run_id: id.into(),
            trigger: "manual".into(),
            delivery: None,
            upstream_run_id: None,
            status: RunStatus::Ok,
            exit_code: Some(0),
            http_status: None,
            scheduled_at: at(second),
            started_at: at(second),
            duration_ms: 1,
            attempts: 1,
            output_tail: String::new(),
            error: None,
            notifications: Vec::new(),
            amends: false,
        };
        let running = |id: &str, second: u32| Running {
            job: "backup".into(),
            file: "/jobs.toml".into(),
            run_id: id.into(),
            pid: 1,
            trigger: "schedule".into(),
            delivery: None,
            upstream_run_id: None,
            scheduled_at: at(second),
            started_at: at(second),
        };
        // "ending" is both recorded and still marked: it is ending right now.
        let rows = with_running(
            vec![record("ending", 30), record("old", 10)],
            vec![
                running("ending", 30),
                running("now", 20),
                running("new", 40),
            ],
            3,
        );
        let ids: Vec<(&str, bool)> = rows
            .iter()
            .map(|row| match row {
                Row::Done(r) => (r.run_id.as_str(), false),
                Row::Running(r) => (r.run_id.as_str(), true),
            })
            .collect();
        assert_eq!(ids, [("new", true), ("ending", false), ("now", true)]);
        let json = serde_json::to_value(Entry::new(&rows[0], at(52))).unwrap();
        assert_eq!(json["status"], "running");
        assert_eq!(json["duration_ms"], 12_000);
        assert_eq!(json["running"]["run_id"], "new");
        let json = serde_json::to_value(Entry::new(&rows[1], at(52))).unwrap();
        assert_eq!(json["status"], "ok");
        assert!(json["running"].is_null());
        // The same fields either way.
        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let Row::Done(done) = &rows[1] else {
            panic!("not a recorded run");
        };
        let mut done = done.clone();
        done.file = Some("/jobs.toml".into());
        let done = serde_json::to_value(Entry::new(&Row::Done(done), at(52))).unwrap();
        let running = serde_json::to_value(Entry::new(&rows[0], at(52))).unwrap();
        assert_eq!(keys(&done), keys(&running));
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
            delivery: None,
            upstream_run_id: None,
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
            amends: false,
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
