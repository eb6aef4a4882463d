//! The bodies a notification carries (`format`): the run's record as JSON (PRODUCT.md
//! section 5), or a short message for a Slack incoming webhook (`text` and `blocks`) or a
//! Discord webhook (`content`, at most 2,000 characters, mentions disabled): job, status,
//! duration, exit code or HTTP status, and the end of the output in a code block, cut to
//! what the service accepts.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;

use crate::history::{RunRecord, RunStatus};
use crate::store::NotifyFormat;

/// Discord refuses a `content` longer than this (characters).
pub(crate) const DISCORD_MAX: usize = 2000;
/// Slack refuses a section block's text longer than this (characters).
pub(crate) const SLACK_SECTION_MAX: usize = 3000;
/// The most of an error message a chat message quotes (characters).
const ERROR_MAX: usize = 300;

/// The JSON body of a `format = "json"` notification.
#[derive(Serialize)]
struct Payload<'a> {
    job: &'a str,
    run_id: &'a str,
    status: RunStatus,
    exit_code: Option<i32>,
    http_status: Option<u16>,
    scheduled_at: String,
    started_at: String,
    duration_ms: u64,
    attempts: u32,
    output_tail: &'a str,
    trigger: &'a str,
    error: Option<&'a str>,
}

/// The body sent for `record` in `format`.
pub(crate) fn body(format: NotifyFormat, record: &RunRecord) -> String {
    let value = match format {
        NotifyFormat::Json => return json_body(record),
        NotifyFormat::Slack => slack(record),
        NotifyFormat::Discord => discord(record),
    };
    value.to_string()
}

fn json_body(record: &RunRecord) -> String {
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let payload = Payload {
        job: &record.job,
        run_id: &record.run_id,
        status: record.status,
        exit_code: record.exit_code,
        http_status: record.http_status,
        scheduled_at: time(record.scheduled_at),
        started_at: time(record.started_at),
        duration_ms: record.duration_ms,
        attempts: record.attempts,
        output_tail: &record.output_tail,
        trigger: &record.trigger,
        error: record.error.as_deref(),
    };
    serde_json::to_string(&payload).unwrap_or_else(|_| String::from("{}"))
}

/// One line about the run: `backup failed: exit code 4 after 1s200ms (3 attempts)`.
pub(crate) fn summary(record: &RunRecord) -> String {
    let took = crate::duration::format(record.took());
    let what = match (record.exit_code, record.http_status) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(status)) => format!("HTTP status {status}"),
        (None, None) => String::new(),
    };
    let mut line = match record.status {
        RunStatus::Ok if what.is_empty() => format!("{} succeeded in {took}", record.job),
        RunStatus::Ok => format!("{} succeeded in {took} ({what})", record.job),
        status => {
            let word = match status {
                RunStatus::Timeout => "timed out",
                RunStatus::Cancelled => "was cancelled",
                RunStatus::Skipped => "was skipped",
                _ => "failed",
            };
            let reason = if what.is_empty() {
                record
                    .error
                    .as_deref()
                    .map(|e| cut_chars(e.lines().next().unwrap_or(""), ERROR_MAX))
                    .unwrap_or_default()
            } else {
                what
            };
            if reason.is_empty() {
                format!("{} {word} after {took}", record.job)
            } else {
                format!("{} {word}: {reason} after {took}", record.job)
            }
        }
    };
    if record.attempts > 1 {
        line.push_str(&format!(" ({} attempts)", record.attempts));
    }
    line
}

fn slack(record: &RunRecord) -> serde_json::Value {
    let icon = if record.status == RunStatus::Ok {
        ":white_check_mark:"
    } else {
        ":x:"
    };
    let text = cut_chars(
        &format!("{icon} {}", slack_escape(&summary(record))),
        SLACK_SECTION_MAX,
    );
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
    let tail = record.output_tail.trim_end();
    if !tail.is_empty() {
        // "```\n" + tail + "\n```" within the section limit, counted after escaping.
        let budget = SLACK_SECTION_MAX - 8;
        let tail = last_fitting(&fence_safe(tail), budget, |s| {
            slack_escape(s).chars().count()
        });
        let code = format!("```\n{}\n```", slack_escape(&tail));
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": code}}));
    }
    json!({"text": text, "blocks": blocks})
}

fn discord(record: &RunRecord) -> serde_json::Value {
    let icon = if record.status == RunStatus::Ok {
        "✅"
    } else {
        "❌"
    };
    let head = cut_chars(&format!("{icon} **{}**", summary(record)), 400);
    let tail = record.output_tail.trim_end();
    let content = if tail.is_empty() {
        head
    } else {
        // Discord counts characters; UTF-16 units are never fewer, so counting them is safe.
        let budget = DISCORD_MAX - utf16_len(&head) - utf16_len("\n```\n\n```");
        let tail = last_fitting(&fence_safe(tail), budget, utf16_len);
        format!("{head}\n```\n{tail}\n```")
    };
    // Output may hold @everyone or <@id>: never ping anybody.
    json!({"content": content, "allowed_mentions": {"parse": []}})
}

/// Slack's mrkdwn escapes (`&`, `<`, `>`), which it requires even in code blocks.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text with every "```" broken by a zero-width space, so output cannot end the code
/// block it is shown in.
fn fence_safe(text: &str) -> String {
    text.replace("```", "`\u{200b}``")
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The longest end of `text` whose `measure` is at most `budget`, starting with "…" when
/// cut (the "…" counted).
fn last_fitting(text: &str, budget: usize, measure: impl Fn(&str) -> usize) -> String {
    if measure(text) <= budget {
        return text.to_owned();
    }
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    // Binary search for the first start whose suffix (with the marker) fits.
    let (mut low, mut high) = (0, starts.len());
    while low < high {
        let mid = (low + high) / 2;
        if measure(&format!("…{}", &text[starts[mid]..])) <= budget {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    match starts.get(low) {
        Some(&start) => format!("…{}", &text[start..]),
        None => String::new(),
    }
}

/// `text` cut to at most `max` characters.
fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((index, _)) if text.chars().count() > max => format!("{}…", &text[..index]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn record(status: RunStatus, output: &str) -> RunRecord {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
        RunRecord {
            job: "backup".into(),
            file: None,
            run_id: "0190e6a4-1b2c-8d3e-9f40-123456789abc".into(),
            trigger: "schedule".into(),
            delivery: None,
            upstream_run_id: None,
            status,
            exit_code: Some(if status == RunStatus::Ok { 0 } else { 4 }),
            http_status: None,
            scheduled_at: at,
            started_at: at,
            duration_ms: 1200,
            attempts: 1,
            output_tail: output.into(),
            error: (status != RunStatus::Ok).then(|| "exit code 4".into()),
            notifications: Vec::new(),
            amends: false,
        }
    }

    #[test]
    fn json_is_the_record() {
        let body: serde_json::Value =
            serde_json::from_str(&body(NotifyFormat::Json, &record(RunStatus::Failed, "x\n")))
                .unwrap();
        assert_eq!(body["job"], "backup");
        assert_eq!(body["exit_code"], 4);
        assert_eq!(body["output_tail"], "x\n");
        assert_eq!(body["scheduled_at"], "2026-03-01T02:00:00.000Z");
    }

    #[test]
    fn slack_has_text_and_blocks_within_limits() {
        let output = format!("{}<done> & ```end```\n", "line\n".repeat(2000));
        let body: serde_json::Value = serde_json::from_str(&body(
            NotifyFormat::Slack,
            &record(RunStatus::Failed, &output),
        ))
        .unwrap();
        let text = body["text"].as_str().unwrap();
        assert_eq!(text, ":x: backup failed: exit code 4 after 1s200ms");
        let blocks = body["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 2);
        for block in blocks {
            assert_eq!(block["type"], "section");
            assert_eq!(block["text"]["type"], "mrkdwn");
            assert!(block["text"]["text"].as_str().unwrap().chars().count() <= SLACK_SECTION_MAX);
        }
        let code = blocks[1]["text"]["text"].as_str().unwrap();
        assert!(code.starts_with("```\n…"), "{code}");
        assert!(
            code.ends_with("&lt;done&gt; &amp; `\u{200b}``end`\u{200b}``\n```"),
            "{code}"
        );
        assert_eq!(code.matches("```").count(), 2);
    }

    #[test]
    fn discord_content_stays_within_2000_characters() {
        for output in ["ok\n".to_owned(), "é€😀\n".repeat(3000), "x".repeat(5000)] {
            let body: serde_json::Value = serde_json::from_str(&body(
                NotifyFormat::Discord,
                &record(RunStatus::Failed, &output),
            ))
            .unwrap();
            let content = body["content"].as_str().unwrap();
            assert!(utf16_len(content) <= DISCORD_MAX, "{}", utf16_len(content));
            assert!(content.starts_with("❌ **backup failed: exit code 4 after 1s200ms**\n```\n"));
            assert!(content.ends_with("\n```"));
            assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        }
        let body: serde_json::Value =
            serde_json::from_str(&body(NotifyFormat::Discord, &record(RunStatus::Ok, ""))).unwrap();
        assert_eq!(
            body["content"],
            "✅ **backup succeeded in 1s200ms (exit code 0)**"
        );
    }

    #[test]
    fn summaries() {
        let mut http = record(RunStatus::Failed, "");
        http.exit_code = None;
        http.http_status = Some(503);
        http.attempts = 3;
        assert_eq!(
            summary(&http),
            "backup failed: HTTP status 503 after 1s200ms (3 attempts)"
        );
        let mut unset = record(RunStatus::Failed, "");
        unset.exit_code = None;
        unset.error = Some("environment variable X is not set".into());
        assert_eq!(
            summary(&unset),
            "backup failed: environment variable X is not set after 1s200ms"
        );
    }
}
