//! `jobtab history [NAME] [--limit N] [--failed] [--json]`: past runs, newest first, from the
//! history every `run` and `exec` appends to.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{Local, SecondsFormat};

use crate::cli::HistoryArgs;
use crate::ctx::Ctx;
use crate::execute::describe_duration;
use crate::history::{self, RunRecord};
use crate::output;

pub(crate) fn run(args: &HistoryArgs, ctx: &Ctx) -> Result<ExitCode> {
    let records = history::recent(
        &ctx.state_dir,
        args.name.as_deref(),
        args.limit,
        args.failed,
    )?;
    if args.json {
        output::print_json(&records)?;
    } else if !records.is_empty() {
        output::print(&table(&records))?;
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

/// The text table: one line per run, columns padded to their widest cell.
fn table(records: &[RunRecord]) -> String {
    let header = [
        "STARTED",
        "JOB",
        "STATUS",
        "DURATION",
        "ATTEMPTS",
        "EXIT/HTTP",
        "TRIGGER",
    ];
    let rows: Vec<[String; 7]> = records
        .iter()
        .map(|record| {
            let code = match (record.exit_code, record.http_status) {
                (_, Some(status)) => format!("http {status}"),
                (Some(code), None) => code.to_string(),
                (None, None) => "-".to_owned(),
            };
            [
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
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut push_row = |cells: &[&str]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    };
    push_row(&header);
    for row in &rows {
        push_row(&row.each_ref().map(String::as_str));
    }
    text
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
        };
        let http = RunRecord {
            job: "ping-api".into(),
            status: RunStatus::Failed,
            exit_code: None,
            http_status: Some(503),
            attempts: 3,
            trigger: "schedule".into(),
            ..base.clone()
        };
        let text = table(&[base, http]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("STARTED"));
        let job_col = lines[0].find("JOB").unwrap();
        assert_eq!(lines[1].find("backup"), Some(job_col));
        assert_eq!(lines[2].find("ping-api"), Some(job_col));
        assert!(lines[2].contains("http 503"));
        assert!(lines[1].contains("1.2s"));
        assert!(lines[2].ends_with("schedule"));
    }
}
