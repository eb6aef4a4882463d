//! `ping`: healthchecks.io's ping protocol (also spoken by Cronitor and self-hosted
//! monitors): `GET <url>/start` when a run starts, `POST <url>` with the end of the output on
//! success, `POST <url>/fail` with the error and the output on failure. A monitor then notices
//! a job that fails, runs too long, or stops running at all. `notify test` posts to
//! `<url>/log`, which healthchecks.io records without changing the check's state.

use std::time::Instant;

use ureq::http::Request;

use super::{ATTEMPT_TIMEOUT, ATTEMPTS, Cancel, Delivery, deliver};
use crate::history::{Notification, RunRecord, RunStatus};

/// healthchecks.io keeps at most 100 kB of a ping's body; the output tail is within that.
const BODY_MAX: usize = 100_000;

#[derive(Clone)]
pub(super) struct Ping {
    /// As written (messages).
    written: String,
    /// Expanded.
    url: String,
}

impl Ping {
    pub(super) fn new(written: &str, url: String) -> Ping {
        Ping {
            written: written.to_owned(),
            url,
        }
    }

    pub(super) fn written(&self) -> &str {
        &self.written
    }

    /// `GET <url>/start`, retried like every delivery but within one attempt timeout's budget
    /// times two, so the final ping is not held up for long.
    pub(super) fn start(&self) -> Notification {
        let url = endpoint(&self.url, "/start");
        let written = endpoint(&self.written, "/start");
        let deadline = Instant::now() + ATTEMPT_TIMEOUT * 2;
        deliver(&written, &url, None, deadline, 2, |_| {
            Request::get(url.as_str())
                .body(String::new())
                .map_err(|_| format!("invalid ping URL {written}"))
        })
        .named("ping")
    }

    /// The success or failure ping of `record`, after `start` (its outcome, if it was sent).
    pub(super) fn finish(
        &self,
        record: &RunRecord,
        start: Option<Notification>,
        cancel: &Cancel,
        deadline: Instant,
    ) -> Notification {
        let suffix = if record.status == RunStatus::Ok {
            ""
        } else {
            "/fail"
        };
        let end = self.post(suffix, body(record), Some(cancel), deadline, ATTEMPTS);
        match start {
            Some(start) if !start.ok => Notification {
                channel: "ping".into(),
                ok: false,
                attempts: start.attempts + end.attempts,
                answer: format!("start: {}; end: {}", start.answer, end.answer),
            },
            Some(start) => Notification {
                attempts: start.attempts + end.attempts,
                ..end.named("ping")
            },
            None => end.named("ping"),
        }
    }

    /// `POST <url>/log` with a sample body, once.
    pub(super) fn test(&self, record: &RunRecord) -> Notification {
        let deadline = Instant::now() + ATTEMPT_TIMEOUT;
        self.post("/log", body(record), None, deadline, 1)
            .named("ping")
    }

    fn post(
        &self,
        suffix: &str,
        body: String,
        cancel: Option<&Cancel>,
        deadline: Instant,
        attempts: u32,
    ) -> Delivery {
        let url = endpoint(&self.url, suffix);
        let written = endpoint(&self.written, suffix);
        deliver(&written, &url, cancel, deadline, attempts, |_| {
            Request::post(url.as_str())
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(body.clone())
                .map_err(|_| format!("invalid ping URL {written}"))
        })
    }
}

/// The error (when the run failed) and the end of the output.
fn body(record: &RunRecord) -> String {
    let mut body = String::new();
    if let Some(error) = &record.error {
        body.push_str(error);
        body.push('\n');
    }
    let tail = crate::history::tail(&record.output_tail, BODY_MAX - body.len().min(BODY_MAX));
    body.push_str(tail);
    body
}

/// `url` with `suffix` added to its path (before any `?query`), without doubling a `/`.
fn endpoint(url: &str, suffix: &str) -> String {
    let (path, query) = match url.find('?') {
        Some(index) => url.split_at(index),
        None => (url, ""),
    };
    format!("{}{suffix}{query}", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_query() {
        assert_eq!(
            endpoint("https://hc-ping.com/abc", "/start"),
            "https://hc-ping.com/abc/start"
        );
        assert_eq!(
            endpoint("https://hc-ping.com/abc/", "/fail"),
            "https://hc-ping.com/abc/fail"
        );
        assert_eq!(
            endpoint("https://hc-ping.com/key/slug?create=1", "/start"),
            "https://hc-ping.com/key/slug/start?create=1"
        );
        assert_eq!(
            endpoint("https://hc-ping.com/abc/", ""),
            "https://hc-ping.com/abc"
        );
    }
}
