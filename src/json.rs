//! What every `--json` output shares (docs/json.md): how times are written, and the shapes that
//! more than one command prints (a job's last result, what an HTTP job calls). One name per
//! concept across commands: a job's upcoming runs are `next` (an array of times), its last run
//! is `last_result` (an object), whether it is in the crontab is `installed`.
//!
//! Every time is RFC 3339 with milliseconds and an offset, `Z` when the offset is zero (as the
//! history records and notifications have always written them): upcoming runs in the job's
//! zone (`2026-03-08T03:00:00.000-04:00`, a wall-clock time there), the times of runs that
//! happened in UTC (`2026-03-08T07:00:00.250Z`, as history keeps them).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::history::{RunRecord, RunStatus};
use crate::store::{Action, Job};
use crate::zone::Zone;

/// `instant` as a JSON time in `zone`: `2026-03-08T03:00:00.000-04:00`.
pub(crate) fn time_in(instant: DateTime<Utc>, zone: Zone) -> String {
    zone.to_fixed(instant)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `instant` as a JSON time in UTC: `2026-03-08T07:00:00.250Z`, as history writes it.
pub(crate) fn time_utc(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `last_result` (`list`, `show`) and each of `show`'s `history`: a run record as `history
/// --json` prints it, without `job` and `file` (the job is the one shown), `output_tail`
/// (`logs` prints it) and `notifications`.
#[derive(Debug, Serialize)]
pub(crate) struct ResultJson<'a> {
    run_id: &'a str,
    trigger: &'a str,
    status: RunStatus,
    exit_code: Option<i32>,
    http_status: Option<u16>,
    scheduled_at: String,
    started_at: String,
    duration_ms: u64,
    attempts: u32,
    error: Option<&'a str>,
}

impl<'a> ResultJson<'a> {
    pub(crate) fn new(record: &'a RunRecord) -> ResultJson<'a> {
        ResultJson {
            run_id: &record.run_id,
            trigger: &record.trigger,
            status: record.status,
            exit_code: record.exit_code,
            http_status: record.http_status,
            scheduled_at: time_utc(record.scheduled_at),
            started_at: time_utc(record.started_at),
            duration_ms: record.duration_ms,
            attempts: record.attempts,
            error: record.error.as_deref(),
        }
    }
}

/// What a job runs, as `list` and `show` name it: `kind` is `shell` or `http`; `command` is the
/// shell job's command line (null for HTTP jobs).
pub(crate) fn kind_and_command(job: &Job) -> (&'static str, Option<&str>) {
    match &job.action {
        Action::Shell { command, .. } => ("shell", Some(command.as_str())),
        Action::Http(_) => ("http", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_milliseconds_and_z_only_for_a_zero_offset() {
        let at = DateTime::parse_from_rfc3339("2026-03-08T07:00:00.25Z")
            .unwrap()
            .to_utc();
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(time_in(at, ny), "2026-03-08T03:00:00.250-04:00");
        assert_eq!(
            time_in(at, Zone::parse("UTC").unwrap()),
            "2026-03-08T07:00:00.250Z"
        );
        assert_eq!(time_utc(at), "2026-03-08T07:00:00.250Z");
        // As history stores them: a record's times read back the same.
        let line = r#"{"job":"a","run_id":"r1","trigger":"manual","status":"ok","exit_code":0,
            "http_status":null,"scheduled_at":"2026-03-01T10:05:00Z",
            "started_at":"2026-03-01T10:05:00.007+01:00","duration_ms":5,"attempts":1,
            "output_tail":"","error":null}"#;
        let record: RunRecord = serde_json::from_str(line).unwrap();
        let stored: serde_json::Value = serde_json::to_value(&record).unwrap();
        assert_eq!(stored["started_at"], "2026-03-01T09:05:00.007Z");
        let shown = serde_json::to_value(ResultJson::new(&record)).unwrap();
        for key in ["run_id", "status", "scheduled_at", "started_at", "attempts"] {
            assert_eq!(stored[key], shown[key], "{key}");
        }
    }
}
