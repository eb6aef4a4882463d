//! The webhook handler (PRODUCT.md section 9): finds the hook by the request's path, checks
//! method, size, signature and rate, applies `match`, drops redeliveries, then hands a
//! `RunRequest` to the scheduler and answers from its reply. What is kept of each request
//! (log line, metrics, deliveries log) is `record`'s.
//!
//! Answers: 202 accepted/queued/ignored, 200 duplicate (or the run's result with `response =
//! "wait"`), 401 (one body for every verification failure), 404, 405 + `Allow`, 409 +
//! `Retry-After`, 408 (a body too slow), 413, 429 + `Retry-After`, 503.

use std::future::Future as _;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, TryRecvError, sync_channel};
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde_json::json;

use super::dedupe::{Reservation, Seen};
use super::rate;
use super::record::{Note, Verdict, record};
use super::state::AppState;
use super::table::Hook;
use super::verify;
use crate::execute::{RunInput, Trigger};
use crate::history::RunRecord;
use crate::runner::{Answer, Event, RunRequest};

/// The one body of every 401, whatever failed.
pub(crate) const UNAUTHORIZED: &str = "{\"error\":\"unauthorized\"}";

/// How long the scheduler has to say what it did with a run request.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// How long a request waits for the same delivery being handled by another one.
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// `Retry-After` of a delivery skipped because the job is running.
const RETRY_SKIPPED: u64 = 10;

/// How often `response = "wait"` looks for the run's end.
const WAIT_POLL: Duration = Duration::from_millis(20);

/// The longest `response = "wait"` waits for a job without a timeout.
const WAIT_CAP: Duration = Duration::from_secs(600);

/// The fallback handler: every path that is not a fixed route.
pub(crate) async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let time = Utc::now();
    let (parts, body) = request.into_parts();
    // One reading of the hooks for the whole request (its hook, and the headers to redact).
    let hooks = state.hooks();
    let hook = hooks.get(parts.uri.path()).cloned();
    let mut note = Note::new();
    let response = match &hook {
        None => text(StatusCode::NOT_FOUND, "not found\n"),
        Some(hook) => answer(&state, hook, &parts, body, &mut note).await,
    };
    record(
        &state,
        time,
        &parts,
        hook.as_deref().map(|hook| (hook, hooks.secret_headers())),
        &note,
        response.status(),
    );
    response
}

async fn answer(
    state: &AppState,
    hook: &Arc<Hook>,
    parts: &Parts,
    body: Body,
    note: &mut Note,
) -> Response {
    let webhook = hook.webhook();
    let name = &hook.job.name;
    match state.jobs().iter().find(|job| job.name == *name) {
        None => return text(StatusCode::NOT_FOUND, "not found\n"),
        Some(job) if !job.enabled => {
            note.verdict = Verdict::Disabled;
            return text(StatusCode::NOT_FOUND, "not found\n");
        }
        Some(_) => {}
    }
    if !webhook.methods.iter().any(|m| m == parts.method.as_str()) {
        note.verdict = Verdict::Method;
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        if let Ok(allow) = HeaderValue::from_str(&webhook.methods.join(", ")) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return response;
    }
    if state.stopping() {
        note.verdict = Verdict::Stopping;
        return stopping();
    }
    let deadline = state.limits.body_deadline;
    let body = match read_body(&parts.headers, body, webhook.max_body, deadline).await {
        Ok(body) => body,
        Err(status) => {
            let (verdict, text_of) = match status {
                StatusCode::PAYLOAD_TOO_LARGE => (Verdict::TooLarge, "the body is too large\n"),
                StatusCode::REQUEST_TIMEOUT => (Verdict::TooSlow, "the body took too long\n"),
                _ => (Verdict::BadRequest, "the body could not be read\n"),
            };
            note.verdict = verdict;
            return text(status, text_of);
        }
    };
    note.body = Some(body.clone());
    let verified = match verify::verify(
        &webhook.verify,
        &hook.secret,
        &parts.headers,
        &body,
        Utc::now(),
    ) {
        Ok(verified) => verified,
        Err(reject) => {
            note.verdict = Verdict::Rejected;
            note.reason = Some(reject.to_string());
            return json_answer(StatusCode::UNAUTHORIZED, UNAUTHORIZED.to_owned());
        }
    };
    note.delivery.clone_from(&verified.delivery);
    note.event.clone_from(&verified.event);
    // Counted only once the sender is verified: unsigned requests (401 anyway) must not use
    // up the real sender's budget and get its deliveries refused.
    if let Some(Err(wait)) = hook.rate.as_ref().map(|b| b.take(Instant::now())) {
        note.verdict = Verdict::RateLimited;
        return with_retry_after(
            text(StatusCode::TOO_MANY_REQUESTS, "too many requests\n"),
            rate::retry_after(wait),
        );
    }
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    if let Err(why) = crate::payload::check_matches(webhook, &header, &body) {
        note.verdict = Verdict::Ignored;
        note.reason = Some(why);
        return json_answer(
            StatusCode::ACCEPTED,
            json!({"status": "ignored"}).to_string(),
        );
    }
    // The sender's delivery id, and for a timestamped signature that does not cover one, its
    // digest: a replay within the timestamp's window is a duplicate, whatever id it claims.
    let mut reservations = Vec::new();
    for key in [&verified.delivery, &verified.replay].into_iter().flatten() {
        match reserve(state, name, key).await {
            Ok(reservation) => reservations.push(reservation),
            Err(response) => {
                note.verdict = Verdict::Duplicate;
                if Some(key) == verified.replay.as_ref() {
                    note.reason =
                        Some("the same signed request as an earlier one (a replay)".to_owned());
                }
                return response;
            }
        }
    }
    let input = RunInput {
        run_id: None,
        delivery: verified.delivery,
        event: verified.event,
        payload: Some(Arc::from(&body[..])),
        vars: crate::payload::vars(webhook, &body),
        upstream_run_id: None,
    };
    run(state, hook, input, reservations, note).await
}

/// Hands the run to the scheduler and answers from its reply.
async fn run(
    state: &AppState,
    hook: &Arc<Hook>,
    input: RunInput,
    reservations: Vec<Reservation>,
    note: &mut Note,
) -> Response {
    let name = hook.job.name.clone();
    let wait = hook.webhook().response == crate::store::Response::Wait;
    let delivery = input.delivery.clone();
    let (answer, answered) = sync_channel(1);
    let (done, finished) = sync_channel::<RunRecord>(1);
    let request = RunRequest {
        job: name.clone(),
        trigger: Trigger::Webhook,
        input,
        answer: Some(answer),
        done: wait.then_some(done),
    };
    if !state.send(Event::RunNow(request)) {
        note.verdict = Verdict::Stopping;
        return stopping();
    }
    let reply = tokio::task::spawn_blocking(move || answered.recv_timeout(ANSWER_WAIT)).await;
    let (status, run_id) = match reply {
        Ok(Ok(Answer::Started { run_id })) => (Verdict::Accepted, run_id),
        Ok(Ok(Answer::Queued { run_id })) => (Verdict::Queued, run_id),
        Ok(Ok(Answer::Skipped { reason })) => {
            note.verdict = Verdict::Skipped;
            note.reason = Some(reason.to_owned());
            let body = json!({"status": "skipped", "job": name, "reason": reason});
            return with_retry_after(
                json_answer(StatusCode::CONFLICT, body.to_string()),
                RETRY_SKIPPED,
            );
        }
        Ok(Ok(Answer::Unknown)) => return text(StatusCode::NOT_FOUND, "not found\n"),
        Ok(Ok(Answer::Disabled)) => {
            note.verdict = Verdict::Disabled;
            return text(StatusCode::NOT_FOUND, "not found\n");
        }
        // The scheduler dropped the request: it is stopping.
        Ok(Err(_)) | Err(_) => {
            note.verdict = Verdict::Stopping;
            return stopping();
        }
    };
    note.verdict = status;
    note.run_id = Some(run_id.clone());
    for reservation in reservations {
        if let Err(err) = reservation.commit(&run_id, Utc::now().timestamp()) {
            state.logger.warn(
                Some(&name),
                &format!("cannot remember delivery ids ({err:#}); a redelivery may run again"),
            );
            break;
        }
    }
    if wait {
        let limit = hook.job.timeout.map_or(WAIT_CAP, |t| t.min(WAIT_CAP));
        return wait_for_run(finished, limit, &name, &run_id, delivery, note).await;
    }
    let body = json!({
        "status": status.as_str(),
        "job": name,
        "run_id": run_id,
        "delivery": delivery,
    });
    json_answer(StatusCode::ACCEPTED, body.to_string())
}

/// `response = "wait"`: the run's result once it ends, or 202 "running" after `limit`.
async fn wait_for_run(
    finished: std::sync::mpsc::Receiver<RunRecord>,
    limit: Duration,
    name: &str,
    run_id: &str,
    delivery: Option<String>,
    note: &mut Note,
) -> Response {
    // The run's own timeout ends it; a moment more lets its record arrive. Polled, so a
    // long wait holds no thread (the blocking pool stays free for the scheduler's answers).
    let deadline = Instant::now() + limit + Duration::from_secs(5);
    let record = loop {
        match finished.try_recv() {
            Ok(record) => break Ok(record),
            Err(TryRecvError::Disconnected) => break Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if Instant::now() >= deadline => {
                break Err(RecvTimeoutError::Timeout);
            }
            Err(TryRecvError::Empty) => tokio::time::sleep(WAIT_POLL).await,
        }
    };
    match record {
        Ok(record) => {
            note.verdict = Verdict::Finished;
            let body = json!({
                "status": record.status.to_string(),
                "job": name,
                "run_id": record.run_id,
                "delivery": delivery,
                "exit_code": record.exit_code,
                "http_status": record.http_status,
                "output_tail": record.output_tail,
            });
            json_answer(StatusCode::OK, body.to_string())
        }
        Err(RecvTimeoutError::Timeout) => {
            note.verdict = Verdict::Running;
            let body =
                json!({"status": "running", "job": name, "run_id": run_id, "delivery": delivery});
            json_answer(StatusCode::ACCEPTED, body.to_string())
        }
        Err(RecvTimeoutError::Disconnected) => {
            note.verdict = Verdict::Stopping;
            stopping()
        }
    }
}

/// Holds `id` for this request; `Err` is the answer when it was seen (200 duplicate) or
/// stays busy with another request for too long (409).
async fn reserve(state: &AppState, job: &str, id: &str) -> Result<Reservation, Response> {
    let deadline = Instant::now() + BUSY_WAIT;
    loop {
        match state.dedupe.offer(job, id) {
            Seen::Fresh(reservation) => return Ok(reservation),
            Seen::Duplicate(run_id) => {
                let body = json!({"status": "duplicate", "run_id": run_id});
                return Err(json_answer(StatusCode::OK, body.to_string()));
            }
            Seen::Busy if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Seen::Busy => {
                let body = json!({"status": "in_progress"});
                return Err(with_retry_after(
                    json_answer(StatusCode::CONFLICT, body.to_string()),
                    1,
                ));
            }
        }
    }
}

/// The body, at most `max` bytes, within `deadline`: a larger `Content-Length` is refused
/// before reading, and a body that turns out larger is not read further (413); one still
/// arriving after `deadline` is 408; one that cannot be read (cut off) is 400.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: u64,
    deadline: Duration,
) -> Result<Bytes, StatusCode> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let collect = Limited::new(body, limit).collect();
    tokio::pin!(collect);
    // Nearly every body is in with the headers: read it without setting a timer.
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => match tokio::time::timeout(deadline, collect).await {
            Ok(collected) => collected,
            Err(_) => return Err(StatusCode::REQUEST_TIMEOUT),
        },
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn json_answer(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn stopping() -> Response {
    text(StatusCode::SERVICE_UNAVAILABLE, "stopping\n")
}

fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}
