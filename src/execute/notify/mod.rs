//! Telling people about runs (PRODUCT.md sections 5 and 11), through up to three channels:
//!
//! - `notify`: an HTTP POST of the run's result when `on` matches, as JSON (`format = "json"`,
//!   signed with Standard Webhooks or `Jobtab-Signature`, see `sign`) or as a Slack or Discord
//!   message (`format`); failed deliveries (network errors, timeouts, 429 and 5xx) are retried
//!   with backoff, every attempt with the same `webhook-id` (the run id).
//! - `ping`: healthchecks.io's protocol (`ping`): `/start` when the run starts, the URL itself
//!   on success, `/fail` on failure.
//! - `mail_to`: a mail through the machine's `sendmail -t` (`mail`), as cron's MAILTO.
//!
//! Every `${VAR}` the channels use is expanded BEFORE the run starts (`prepare`): a variable
//! that is not set, or a secret that is not a valid key, fails the run before its command
//! runs, naming the variable, never its value. What happens to a notification never changes
//! the run's result: each channel's outcome is logged when it fails and kept in the run's
//! history record (`notifications`).

mod format;
mod mail;
mod ping;
mod sign;

use std::io::Read as _;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use ureq::http::Request;

pub(crate) use mail::missing_sendmail_warning;
pub(crate) use sign::{HOW, decode_key, whsec_key};

use super::Cancel;
use crate::history::{Notification, RunRecord, RunStatus};
use crate::log::Logger;
use crate::store::{Job, NotifyFormat, NotifyOn, SignatureScheme};

/// The most one notification request may take.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts per delivery (the first and three retries).
const ATTEMPTS: u32 = 4;
/// The wait before the first retry; it doubles after each.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
/// All attempts of one delivery end within this, so a dead receiver delays the end of a run
/// by at most this much (exports allow a minute for starting and notifying).
const BUDGET: Duration = Duration::from_secs(35);
/// The most of a receiver's answer kept (history, `notify test`).
const ANSWER_BYTES: usize = 1024;

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

/// A job's channels with every `${VAR}` expanded and the key decoded.
#[derive(Default)]
pub(crate) struct Channels {
    webhook: Option<Webhook>,
    ping: Option<ping::Ping>,
    mail: Option<mail::Mail>,
}

/// `notify`, ready to send.
struct Webhook {
    /// The URL as written (for messages: it may hold `${VAR}`s).
    written: String,
    url: String,
    on: NotifyOn,
    format: NotifyFormat,
    signing: Signing,
}

enum Signing {
    None,
    Standard(Vec<u8>),
    Jobtab(Vec<u8>),
}

impl Channels {
    /// Whether the job has no channel at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.webhook.is_none() && self.ping.is_none() && self.mail.is_none()
    }
}

/// The job's channels, expanded. The error (the first one) names the key and the variable;
/// the channels that could be prepared are still returned, so a failure can be reported
/// through them.
pub(crate) fn prepare(job: &Job) -> (Channels, Option<String>) {
    let mut channels = Channels::default();
    let mut error = None;
    if let Some(notify) = &job.notify {
        match prepare_webhook(notify) {
            Ok(webhook) => channels.webhook = Some(webhook),
            Err(err) => error = Some(err),
        }
    }
    if let Some(url) = &job.ping {
        match super::expand(url) {
            Ok(expanded) => channels.ping = Some(ping::Ping::new(url, expanded)),
            Err(err) => {
                error.get_or_insert(format!("ping: {err}"));
            }
        }
    }
    if let Some(to) = &job.mail_to {
        channels.mail = Some(mail::Mail {
            to: to.clone(),
            on: job.notify.as_ref().map_or(NotifyOn::Failure, |n| n.on),
        });
    }
    (channels, error)
}

fn prepare_webhook(notify: &crate::store::Notify) -> Result<Webhook, String> {
    let url = super::expand(&notify.url).map_err(|err| format!("notify.url: {err}"))?;
    let signing = match &notify.secret {
        None => Signing::None,
        Some(written) => {
            let secret = super::expand(written).map_err(|err| format!("notify.secret: {err}"))?;
            if secret.is_empty() {
                return Err(format!(
                    "notify.secret ({written}): {}",
                    crate::store::EMPTY_SECRET
                ));
            }
            match notify.signature {
                SignatureScheme::Jobtab => Signing::Jobtab(secret.into_bytes()),
                SignatureScheme::Standard => {
                    let key = decode_key(&secret).map_err(|err| {
                        // Name the variables only: literal text around them is secret too.
                        let vars: Vec<String> = super::expand::references(written)
                            .into_iter()
                            .map(|name| format!("${{{name}}}"))
                            .collect();
                        if vars.is_empty() {
                            format!("notify.secret: {err}")
                        } else {
                            format!("notify.secret (from {}): {err}", vars.join(", "))
                        }
                    })?;
                    Signing::Standard(key)
                }
            }
        }
    };
    Ok(Webhook {
        written: notify.url.clone(),
        url,
        on: notify.on,
        format: notify.format,
        signing,
    })
}

/// Whether a run that ended with `status` has anything to deliver: a channel that wants it,
/// or a ping to finish.
pub(crate) fn any_wanted(channels: &Channels, status: RunStatus) -> bool {
    channels
        .webhook
        .as_ref()
        .is_some_and(|w| wanted(w.on, status))
        || channels.mail.as_ref().is_some_and(|m| wanted(m.on, status))
        || (channels.ping.is_some() && status != RunStatus::Skipped)
}

/// How many deliveries run on their own threads (`deliver_later`), and a wake-up when one
/// ends, so `exec` and `run` can wait for them before they exit.
static PENDING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// Counts one delivery under way until dropped (also when it panics).
struct Pending;

impl Pending {
    fn new() -> Pending {
        *PENDING.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut count = PENDING.0.lock().unwrap_or_else(PoisonError::into_inner);
        *count = count.saturating_sub(1);
        PENDING.1.notify_all();
    }
}

/// Runs `delivery` on its own thread, so the run it reports on is over (its overlap lock
/// released, the next run free to start) while a slow or dead receiver is retried; when no
/// thread can be made, runs it here. `wait_pending` waits for it.
pub(crate) fn deliver_later(delivery: impl FnOnce() + Send + 'static) {
    let pending = Pending::new();
    let work = Arc::new(Mutex::new(Some(delivery)));
    let on_thread = Arc::clone(&work);
    let spawned = std::thread::Builder::new()
        .name("jobtab-notify".into())
        .spawn(move || {
            let _pending = pending;
            let delivery = on_thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(delivery) = delivery {
                delivery();
            }
        });
    if spawned.is_err() {
        let _pending = Pending::new();
        let delivery = work.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(delivery) = delivery {
            delivery();
        }
    }
}

/// Waits until every delivery started by `deliver_later` has ended, or `limit` has passed;
/// whether they all ended. Each delivery ends within `BUDGET` (sooner once cancelled).
pub(crate) fn wait_pending(limit: Duration) -> bool {
    let deadline = Instant::now().checked_add(limit);
    let mut count = PENDING.0.lock().unwrap_or_else(PoisonError::into_inner);
    while *count > 0 {
        let wait = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        if wait.is_zero() {
            return false;
        }
        count = PENDING
            .1
            .wait_timeout(count, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}

/// Sends the `/start` ping on its own thread, so a slow monitor never delays the run; `finish`
/// waits for it before the final ping, so the monitor sees them in order.
pub(crate) fn start(channels: &Channels) -> Option<JoinHandle<Notification>> {
    let ping = channels.ping.clone()?;
    std::thread::Builder::new()
        .name("jobtab-ping".into())
        .spawn(move || ping.start())
        .ok()
}

/// Delivers the run's result through every channel it concerns, all at once, and returns
/// each channel's outcome. Failures are logged as warnings; none changes the run.
pub(crate) fn finish(
    channels: &Channels,
    started: Option<JoinHandle<Notification>>,
    record: &RunRecord,
    cancel: &Cancel,
    logger: &Logger,
    redact: &dyn Fn(&str) -> String,
) -> Vec<Notification> {
    let start = started.and_then(|handle| handle.join().ok());
    let deadline = Instant::now() + BUDGET;
    let mut out = Vec::new();
    std::thread::scope(|scope| {
        let webhook = channels
            .webhook
            .as_ref()
            .filter(|w| wanted(w.on, record.status))
            .map(|w| scope.spawn(move || send_webhook(w, record, cancel, deadline)));
        let ping = channels
            .ping
            .as_ref()
            .filter(|_| record.status != RunStatus::Skipped)
            .map(|p| scope.spawn(move || p.finish(record, start, cancel, deadline)));
        let mail = channels
            .mail
            .as_ref()
            .filter(|m| wanted(m.on, record.status))
            .map(|m| scope.spawn(move || m.send(record, false)));
        for handle in [webhook, ping, mail].into_iter().flatten() {
            if let Ok(outcome) = handle.join() {
                out.push(outcome);
            }
        }
    });
    // A receiver's answer, or a library's text, may echo an expanded secret: keep it out of
    // the log and the history record.
    for outcome in &mut out {
        outcome.answer = redact(&outcome.answer);
    }
    for outcome in out.iter().filter(|n| !n.ok) {
        logger.warn(
            Some(&record.job),
            &format!("{} failed: {}", outcome.channel, outcome.answer),
        );
    }
    out
}

/// A sample notification through every channel of the job, one attempt each (`notify test`):
/// each channel's target (as written) and the receiver's answer.
pub(crate) fn test(channels: &Channels, record: &RunRecord) -> Vec<(String, Notification)> {
    let mut out = Vec::new();
    let once = Instant::now() + ATTEMPT_TIMEOUT;
    if let Some(webhook) = &channels.webhook {
        let outcome = deliver(&webhook.written, &webhook.url, None, once, 1, |_| {
            webhook.request(record)
        });
        out.push((webhook.written.clone(), outcome.named("notify")));
    }
    if let Some(ping) = &channels.ping {
        out.push((ping.written().to_owned(), ping.test(record)));
    }
    if let Some(mail) = &channels.mail {
        out.push((mail.to.clone(), mail.send(record, true)));
    }
    out
}

fn send_webhook(
    webhook: &Webhook,
    record: &RunRecord,
    cancel: &Cancel,
    deadline: Instant,
) -> Notification {
    deliver(
        &webhook.written,
        &webhook.url,
        Some(cancel),
        deadline,
        ATTEMPTS,
        |_| webhook.request(record),
    )
    .named("notify")
}

impl Webhook {
    /// The request for one attempt: a new `webhook-timestamp` each time, the same id.
    fn request(&self, record: &RunRecord) -> Result<Request<String>, String> {
        let body = format::body(self.format, record);
        let mut request =
            Request::post(self.url.as_str()).header("Content-Type", "application/json");
        let now = Utc::now().timestamp();
        // The id and timestamp also go out unsigned: receivers drop repeats by the id.
        request = request
            .header("webhook-id", record.run_id.as_str())
            .header("webhook-timestamp", now.to_string());
        match &self.signing {
            Signing::None => {}
            Signing::Standard(key) => {
                request = request.header(
                    "webhook-signature",
                    sign::standard(key, &record.run_id, now, &body),
                );
            }
            Signing::Jobtab(secret) => {
                request = request.header(SIGNATURE_HEADER, sign::jobtab(secret, now, &body));
            }
        }
        request
            .body(body)
            .map_err(|_| format!("invalid notification request to {}", self.written))
    }
}

/// jobtab's own signature header (`signature = "jobtab"`).
pub(crate) const SIGNATURE_HEADER: &str = "Jobtab-Signature";

/// One channel's outcome before it is named.
struct Delivery {
    ok: bool,
    attempts: u32,
    answer: String,
}

impl Delivery {
    fn named(self, channel: &str) -> Notification {
        Notification {
            channel: channel.to_owned(),
            ok: self.ok,
            attempts: self.attempts,
            answer: self.answer,
        }
    }
}

/// Sends the request `build` makes (given the attempt number) until a 2xx answer, a final
/// failure (another 4xx, an invalid request), `max_attempts`, the deadline or a cancellation;
/// waits `FIRST_RETRY_DELAY`, doubling, between attempts. Messages name `written` (the URL as
/// written), never the expanded `url`.
fn deliver(
    written: &str,
    url: &str,
    cancel: Option<&Cancel>,
    deadline: Instant,
    max_attempts: u32,
    build: impl Fn(u32) -> Result<Request<String>, String>,
) -> Delivery {
    let agent = super::http::shared_agent();
    let mut delay = FIRST_RETRY_DELAY;
    let mut answer = String::new();
    let mut made = 0;
    for attempt in 1..=max_attempts {
        if attempt > 1 {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining <= delay {
                break;
            }
            let cancelled = match cancel {
                Some(cancel) => cancel.sleep(delay),
                None => {
                    std::thread::sleep(delay);
                    false
                }
            };
            if cancelled {
                answer.push_str("; no more attempts: jobtab is stopping");
                return Delivery {
                    ok: false,
                    attempts: made,
                    answer,
                };
            }
            delay = delay.saturating_mul(2);
        }
        let request = match build(attempt) {
            Ok(request) => request,
            Err(err) => {
                return Delivery {
                    ok: false,
                    attempts: attempt,
                    answer: err,
                };
            }
        };
        made = attempt;
        let timeout = ATTEMPT_TIMEOUT.min(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_secs(1)),
        );
        let request = super::http::with_timeouts(&agent, request, timeout, timeout);
        let retry = match agent.run(request) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let mut body = Vec::new();
                let _ = response
                    .body_mut()
                    .as_reader()
                    .take(ANSWER_BYTES as u64)
                    .read_to_end(&mut body);
                let text = printable(&String::from_utf8_lossy(&body));
                let text = text.trim();
                answer = if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {text}")
                };
                if (200..300).contains(&status) {
                    return Delivery {
                        ok: true,
                        attempts: attempt,
                        answer,
                    };
                }
                status == 429 || (500..600).contains(&status)
            }
            Err(err) => {
                // In words, and never with the expanded URL a library's text may quote.
                answer = super::failure::describe(&err, timeout, timeout)
                    .message
                    .replace(url, written);
                transient(&err)
            }
        };
        if !retry {
            return Delivery {
                ok: false,
                attempts: attempt,
                answer,
            };
        }
    }
    Delivery {
        ok: false,
        attempts: made,
        answer,
    }
}

/// Whether another attempt may get through: network errors and timeouts, not a request that
/// cannot be made.
fn transient(err: &ureq::Error) -> bool {
    matches!(
        err,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// `text` with control characters (terminal escapes, line breaks) as spaces: a receiver's
/// answer ends up in logs, history and on the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
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

    fn parse_job(toml: &str) -> Job {
        let (jobs, problems) = crate::store::parse(toml);
        assert!(problems.is_empty(), "{problems:?}");
        jobs.into_iter().next().unwrap()
    }

    #[test]
    fn a_bad_key_from_the_environment_is_named_by_its_variables_only() {
        // PATH is set everywhere and is no whsec_ key.
        let job = parse_job(
            r#"
            [jobs.a]
            schedule = "@daily"
            command = "true"
            notify = { url = "https://h.example/", secret = "lit3ral${PATH}" }
            ping = "https://hc-ping.com/${JOBTAB_TEST_SURELY_UNSET}"
        "#,
        );
        let (channels, error) = prepare(&job);
        let error = error.unwrap();
        assert!(
            error.starts_with("notify.secret (from ${PATH}): the notify secret is not a Standard"),
            "{error}"
        );
        assert!(
            !error.contains("lit3ral") && !error.contains("/usr"),
            "{error}"
        );
        assert!(channels.webhook.is_none() && channels.ping.is_none());

        let job = parse_job(
            r#"
            [jobs.a]
            schedule = "@daily"
            command = "true"
            ping = "https://hc-ping.com/${JOBTAB_TEST_SURELY_UNSET}"
            mail_to = "ops@example.com"
        "#,
        );
        let (channels, error) = prepare(&job);
        assert_eq!(
            error.as_deref(),
            Some(
                "ping: environment variable JOBTAB_TEST_SURELY_UNSET is not set; export it \
                 where jobtab runs"
            )
        );
        // What could be prepared still reports the failure.
        assert!(channels.mail.is_some());
    }

    #[test]
    fn answers_are_printable() {
        assert_eq!(printable("ok\x1b[2J\r\nbye"), "ok [2J  bye");
    }
}
