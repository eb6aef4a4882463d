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
use crate::store::{Action, Job, MatchSource, Verify, Webhook};
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

/// A job's webhook trigger in `list --json`: where it listens and how it verifies.
#[derive(Debug, Serialize)]
pub(crate) struct WebhookBrief<'a> {
    pub(crate) methods: &'a [String],
    pub(crate) path: &'a str,
    pub(crate) verify: &'static str,
}

impl<'a> WebhookBrief<'a> {
    pub(crate) fn new(webhook: &'a Webhook) -> WebhookBrief<'a> {
        WebhookBrief {
            methods: &webhook.methods,
            path: &webhook.path,
            verify: webhook.verify.kind().as_str(),
        }
    }
}

/// A job's webhook trigger in `show --json`: every setting as resolved, the secret as its
/// `${VAR}` template (a literal one hidden).
#[derive(Debug, Serialize)]
pub(crate) struct WebhookJson<'a> {
    verify: &'static str,
    secret: Option<String>,
    /// `hmac`: the signature's header; `token`: the token's (null: `Authorization`).
    header: Option<&'a str>,
    algorithm: Option<&'static str>,
    encoding: Option<&'static str>,
    prefix: Option<&'a str>,
    path: &'a str,
    methods: &'a [String],
    max_body: u64,
    /// `/pointer` or `header:NAME` -> the values that let a request through.
    r#match: serde_json::Map<String, serde_json::Value>,
    env: serde_json::Map<String, serde_json::Value>,
    response: &'static str,
    rate_limit: Option<String>,
}

impl<'a> WebhookJson<'a> {
    /// `mask` shows a secret as written or hides it.
    pub(crate) fn new(webhook: &'a Webhook, mask: impl Fn(&str) -> String) -> WebhookJson<'a> {
        let (header, algorithm, encoding, prefix) = match &webhook.verify {
            Verify::Hmac {
                header,
                algorithm,
                encoding,
                prefix,
            } => (
                Some(header.as_str()),
                Some(algorithm.as_str()),
                Some(encoding.as_str()),
                Some(prefix.as_str()),
            ),
            Verify::Token { header } => (header.as_deref(), None, None, None),
            _ => (None, None, None, None),
        };
        WebhookJson {
            verify: webhook.verify.kind().as_str(),
            secret: webhook.secret.as_deref().map(mask),
            header,
            algorithm,
            encoding,
            prefix,
            path: &webhook.path,
            methods: &webhook.methods,
            max_body: webhook.max_body,
            r#match: webhook
                .matches
                .iter()
                .map(|m| (match_key(&m.source), m.values.clone().into()))
                .collect(),
            env: webhook
                .env
                .iter()
                .map(|(name, pointer)| (name.clone(), pointer.clone().into()))
                .collect(),
            response: webhook.response.as_str(),
            rate_limit: webhook.rate_limit.map(|r| r.as_string()),
        }
    }
}

/// A `match` entry's key as written: `/ref`, `header:X-GitHub-Event`.
pub(crate) fn match_key(source: &MatchSource) -> String {
    match source {
        MatchSource::Pointer(pointer) => pointer.clone(),
        MatchSource::Header(name) => format!("header:{name}"),
    }
}
