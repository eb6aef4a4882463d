//! What is kept of each request: one log line (time, remote address, method, path, hook,
//! verdict, delivery id, status), a count in `/metrics` by hook and verdict, and for requests
//! to a hook's path, a record in the deliveries log (`deliveries`). The line and the record
//! are made here and written by the request journal (`journal`).

use std::borrow::Cow;
use std::fmt::Write as _;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use http::StatusCode;
use http::request::Parts;

use super::deliveries::{self, Delivery};
use super::listener::Peer;
use super::state::AppState;
use super::table::Hook;

/// What became of a request (the log's and the metrics' word for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accepted,
    Queued,
    /// Answered with the run's result (`response = "wait"`).
    Finished,
    /// `response = "wait"`, and the run outlasted the wait.
    Running,
    Ignored,
    Duplicate,
    Skipped,
    Rejected,
    Unknown,
    Disabled,
    Method,
    TooLarge,
    /// The body did not arrive within `Limits::body_deadline`.
    TooSlow,
    RateLimited,
    BadRequest,
    Stopping,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Queued => "queued",
            Verdict::Finished => "finished",
            Verdict::Running => "running",
            Verdict::Ignored => "ignored",
            Verdict::Duplicate => "duplicate",
            Verdict::Skipped => "skipped",
            Verdict::Rejected => "rejected",
            Verdict::Unknown => "unknown",
            Verdict::Disabled => "disabled",
            Verdict::Method => "method",
            Verdict::TooLarge => "too_large",
            Verdict::TooSlow => "too_slow",
            Verdict::RateLimited => "rate_limited",
            Verdict::BadRequest => "bad_request",
            Verdict::Stopping => "stopping",
        }
    }
}

/// What the handling found out, for the log.
pub(crate) struct Note {
    pub(crate) verdict: Verdict,
    pub(crate) reason: Option<String>,
    pub(crate) delivery: Option<String>,
    pub(crate) event: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) body: Option<Bytes>,
}

impl Note {
    /// Nothing known yet: a path no hook serves.
    pub(crate) fn new() -> Note {
        Note {
            verdict: Verdict::Unknown,
            reason: None,
            delivery: None,
            event: None,
            run_id: None,
            body: None,
        }
    }
}

/// The client's address as logged: the peer, or with `trust_proxy` the address the proxy put
/// last in `X-Forwarded-For` (`listener::forwarded_for`) when there is one.
fn remote(parts: &Parts, trust_proxy: bool) -> &str {
    let peer = parts
        .extensions
        .get::<Peer>()
        .map_or("-", |peer| &*peer.text);
    if !trust_proxy {
        return peer;
    }
    super::listener::forwarded_for(&parts.headers).unwrap_or(peer)
}

/// The log line, the metrics and the deliveries log of one request: `hook`, the hook its path
/// found, with the headers the hooks' table redacts (`Table::secret_headers`).
pub(crate) fn record(
    state: &AppState,
    time: DateTime<Utc>,
    parts: &Parts,
    hook: Option<(&Hook, &[String])>,
    note: &Note,
    status: StatusCode,
) {
    let (hook, secret_headers) = hook.unzip();
    let remote = remote(parts, state.config.trust_proxy);
    let job = hook.map(|hook| hook.job.name.as_str());
    let verdict = note.verdict.as_str();
    let mut line = String::with_capacity(160);
    let _ = write!(
        line,
        "webhook {} {} from {remote}: {} {verdict}",
        parts.method,
        parts.uri.path(),
        status.as_u16()
    );
    for (what, value) in [
        ("hook", job),
        ("delivery", note.delivery.as_deref()),
        ("run", note.run_id.as_deref()),
        ("reason", note.reason.as_deref()),
    ] {
        if let Some(value) = value {
            for part in ["; ", what, " ", value] {
                line.push_str(part);
            }
        }
    }
    let line = if note.verdict == Verdict::Rejected {
        state.logger.warn_line(job, &line)
    } else {
        state.logger.info_line(job, &line)
    };
    state.metrics.record_hook(job.unwrap_or(""), verdict);
    let Some(hook) = hook else {
        state.journal.add(&line, None);
        return;
    };
    let body = note.body.as_deref();
    let delivery = Delivery {
        time: crate::timestamp::millis(&time).into(),
        job: Cow::Borrowed(&hook.job.name),
        file: state.job_file.to_string_lossy(),
        method: Cow::Borrowed(parts.method.as_str()),
        path: Cow::Borrowed(parts.uri.path()),
        remote: Cow::Borrowed(remote),
        status: status.as_u16(),
        verdict: Cow::Borrowed(verdict),
        reason: note.reason.as_deref().map(Cow::Borrowed),
        delivery: note.delivery.as_deref().map(Cow::Borrowed),
        event: note.event.as_deref().map(Cow::Borrowed),
        run_id: note.run_id.as_deref().map(Cow::Borrowed),
        headers: deliveries::redact(&parts.headers, secret_headers.unwrap_or_default()),
        body: body.map(deliveries::body_kept).unwrap_or_default(),
        body_bytes: body.map(|b| b.len() as u64),
    };
    // The record is made in a buffer this thread keeps (no allocation per request).
    RECORD.with_borrow_mut(|record| {
        record.clear();
        delivery.write_line(record);
        state.journal.add(&line, Some(record));
        record.shrink_to(RECORD_KEPT);
    });
}

/// The most capacity [`RECORD`] keeps between requests.
const RECORD_KEPT: usize = 64 * 1024;

thread_local! {
    /// Where each thread makes a request's deliveries record.
    static RECORD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `X-Forwarded-For` names the client only with `[server] trust_proxy`, and only by the
    /// entry the proxy added last: else anyone could write any address into the log, or
    /// have the wrong client throttled (`Peer::client_ip`, the same rule).
    #[test]
    fn the_remote_address_is_the_peer_unless_the_proxy_is_trusted() {
        let mut request = http::Request::builder()
            .uri("/hooks/x")
            .header("x-forwarded-for", "198.51.100.66, 203.0.113.9")
            .body(())
            .unwrap();
        request
            .extensions_mut()
            .insert(Peer::new("127.0.0.1:4000".parse().unwrap()));
        let (parts, ()) = request.into_parts();
        assert_eq!(remote(&parts, false), "127.0.0.1:4000");
        assert_eq!(remote(&parts, true), "203.0.113.9");
        let (bare, ()) = http::Request::builder()
            .uri("/")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(remote(&bare, true), "-");
        // Two header lines: the last entry of the last one.
        let (two, ()) = http::Request::builder()
            .uri("/")
            .header("x-forwarded-for", "192.0.2.1")
            .header("x-forwarded-for", "198.51.100.7, 203.0.113.10")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(remote(&two, true), "203.0.113.10");
        let peer = Peer::new("127.0.0.1:4000".parse().unwrap());
        let ip = |trust| peer.client_ip(&two.headers, trust).to_string();
        assert_eq!(
            (ip(false), ip(true)),
            ("127.0.0.1".into(), "203.0.113.10".into())
        );
        let mut garbage = two.headers.clone();
        garbage.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(peer.client_ip(&garbage, true).to_string(), "127.0.0.1");
    }

    #[test]
    fn every_verdict_has_its_own_word() {
        let all = [
            Verdict::Accepted,
            Verdict::Queued,
            Verdict::Finished,
            Verdict::Running,
            Verdict::Ignored,
            Verdict::Duplicate,
            Verdict::Skipped,
            Verdict::Rejected,
            Verdict::Unknown,
            Verdict::Disabled,
            Verdict::Method,
            Verdict::TooLarge,
            Verdict::TooSlow,
            Verdict::RateLimited,
            Verdict::BadRequest,
            Verdict::Stopping,
        ];
        let words: std::collections::BTreeSet<_> = all.iter().map(|v| v.as_str()).collect();
        assert_eq!(words.len(), all.len());
    }
}
