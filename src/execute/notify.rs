//! Result notifications (PRODUCT.md section 5): a JSON POST of the run's record to the job's
//! `notify.url` when `on` matches, signed when a secret is set with
//! `Jobtab-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
//! (RESEARCH.md C16: receivers can reject replays by `t` and must verify the raw bytes).
//!
//! A failed notification is reported to the caller to log; it never changes the run's result.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Serialize;
use sha2::Sha256;
use ureq::http::Request;

use crate::history::{RunRecord, RunStatus};
use crate::store::{Notify, NotifyOn};

/// The whole time a notification may take.
pub(crate) const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);
/// The signature header's name.
pub(crate) const SIGNATURE_HEADER: &str = "Jobtab-Signature";

/// The JSON body of a notification.
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

/// Whether a run that ended with `status` is notified under `on`. Skipped runs never are:
/// nothing ran.
pub(crate) fn wanted(on: NotifyOn, status: RunStatus) -> bool {
    match status {
        RunStatus::Skipped => false,
        RunStatus::Ok => matches!(on, NotifyOn::Success | NotifyOn::Always),
        RunStatus::Failed | RunStatus::Timeout | RunStatus::Cancelled => {
            matches!(on, NotifyOn::Failure | NotifyOn::Always)
        }
    }
}

/// The body sent for `record`.
pub(crate) fn body(record: &RunRecord) -> String {
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

/// `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub(crate) fn signature(secret: &[u8], t: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only make the
    // receiver reject the call.
    let digest = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(format!("{t}.").as_bytes());
            mac.update(body.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// POSTs the record to `target.url` (with `${VAR}` expanded in the URL and secret).
pub(crate) fn send(target: &Notify, record: &RunRecord) -> Result<(), String> {
    let url = super::expand(&target.url)?;
    let secret = target.secret.as_deref().map(super::expand).transpose()?;
    let body = body(record);
    let mut request = Request::post(url.as_str()).header("Content-Type", "application/json");
    if let Some(secret) = secret {
        let t = Utc::now().timestamp();
        request = request.header(SIGNATURE_HEADER, signature(secret.as_bytes(), t, &body));
    }
    let request = request.body(body).map_err(|err| {
        format!("invalid request ({err}); check the notify url and its variables")
    })?;
    let agent = super::http::shared_agent();
    let request = super::http::with_timeouts(&agent, request, NOTIFY_TIMEOUT, NOTIFY_TIMEOUT);
    // In words, and without the URL a library text may echo (it may hold a secret).
    let response = agent
        .run(request)
        .map_err(|err| super::failure::describe(&err, NOTIFY_TIMEOUT, NOTIFY_TIMEOUT).message)?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("HTTP status {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_rules() {
        assert!(wanted(NotifyOn::Failure, RunStatus::Failed));
        assert!(wanted(NotifyOn::Failure, RunStatus::Timeout));
        assert!(!wanted(NotifyOn::Failure, RunStatus::Ok));
        assert!(wanted(NotifyOn::Success, RunStatus::Ok));
        assert!(!wanted(NotifyOn::Success, RunStatus::Failed));
        assert!(wanted(NotifyOn::Always, RunStatus::Ok));
        assert!(wanted(NotifyOn::Always, RunStatus::Cancelled));
        assert!(!wanted(NotifyOn::Always, RunStatus::Skipped));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        let sig = signature(b"key", 1_700_000_000, "{\"a\":1}");
        assert_eq!(
            sig,
            "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
    }
}
