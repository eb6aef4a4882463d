//! What the API's and the dashboard's buttons do: run a job now (a request to the scheduler,
//! answered from its `Answer`), enable or disable it (the job file edited as `jobtab enable`
//! and `disable` edit it), and the ways these fail.

use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use super::{blocking, error};
use crate::execute::{RunInput, Trigger};
use crate::runner::{Answer, Event, RunRequest};
use crate::server::state::AppState;

/// How long the scheduler gets to say what it did with a run request.
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// How long an enable or disable waits for the scheduler to reload the edited file, so the
/// next page or `GET` shows the change.
const RELOAD_WAIT: Duration = Duration::from_secs(5);

/// Why a request could not be done, with the status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 404: no such job or run.
    NotFound(String),
    /// 409: the job is disabled, or its overlap policy dropped the run.
    Conflict(String),
    /// 503: the scheduler is stopping.
    Unavailable(String),
    /// 500: the job file or the history could not be read or written.
    Internal(String),
}

impl Failure {
    pub(crate) fn unknown_job(name: &str) -> Failure {
        Failure::NotFound(format!(
            "no job named {name:?} is loaded; `GET /api/jobs` lists the jobs there are"
        ))
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Failure::NotFound(message)
            | Failure::Conflict(message)
            | Failure::Unavailable(message)
            | Failure::Internal(message) => message,
        }
    }

    /// The API's answer: `{"error": message}` with the status.
    pub(crate) fn response(&self) -> Response {
        error(self.status(), self.message())
    }
}

/// A run handed to the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Started {
    /// `accepted` (started) or `queued` (after the running one, `overlap = "queue"`).
    pub(crate) status: &'static str,
    pub(crate) job: String,
    pub(crate) run_id: String,
}

impl Started {
    /// The 202 answer's body: `{status, job, run_id}`.
    pub(crate) fn json(&self) -> Value {
        json!({ "status": self.status, "job": self.job, "run_id": self.run_id })
    }
}

/// What the scheduler's answer to a run request means for the one who asked.
pub(crate) fn started(
    job: &str,
    answer: Result<Answer, RecvTimeoutError>,
) -> Result<Started, Failure> {
    let started = |status, run_id| Started {
        status,
        job: job.to_owned(),
        run_id,
    };
    match answer {
        Ok(Answer::Started { run_id }) => Ok(started("accepted", run_id)),
        Ok(Answer::Queued { run_id }) => Ok(started("queued", run_id)),
        Ok(Answer::Skipped { reason }) => Err(Failure::Conflict(format!(
            "{job} was not started: {reason}"
        ))),
        Ok(Answer::Unknown) => Err(Failure::unknown_job(job)),
        Ok(Answer::Disabled) => Err(Failure::Conflict(format!(
            "{job} is disabled; enable it first"
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(stopping()),
        Err(RecvTimeoutError::Timeout) => Err(Failure::Unavailable(format!(
            "the scheduler did not answer within {}s; try again",
            ANSWER_WAIT.as_secs()
        ))),
    }
}

fn stopping() -> Failure {
    Failure::Unavailable("the scheduler is stopping; no new runs are started".into())
}

/// Asks the scheduler to run `name` now, as `jobtab exec` would (trigger `manual`).
pub(crate) async fn run_now(state: &AppState, name: String) -> Result<Started, Failure> {
    if state.stopping() {
        return Err(stopping());
    }
    let (answer, answered) = sync_channel(1);
    let request = RunRequest {
        job: name.clone(),
        trigger: Trigger::Manual,
        input: RunInput::default(),
        answer: Some(answer),
        done: None,
    };
    if !state.send(Event::RunNow(request)) {
        return Err(stopping());
    }
    let answer = blocking(move || answered.recv_timeout(ANSWER_WAIT)).await?;
    let started = started(&name, answer)?;
    state.logger.info(
        Some(&name),
        &format!(
            "run {} asked for from the dashboard or API ({})",
            started.run_id, started.status
        ),
    );
    Ok(started)
}

/// An enable or disable done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Toggled {
    pub(crate) job: String,
    pub(crate) enabled: bool,
    /// false: it already was.
    pub(crate) changed: bool,
}

impl Toggled {
    /// The answer's body: `{job, enabled, changed}`.
    pub(crate) fn json(&self) -> Value {
        json!({ "job": self.job, "enabled": self.enabled, "changed": self.changed })
    }
}

/// Sets `enabled` of `name` in the job file (`commands::toggle::set_enabled`: comments kept,
/// atomic, under the lock), then waits (a little) for the scheduler to reload it.
pub(crate) async fn set_enabled(
    state: &AppState,
    name: String,
    enable: bool,
) -> Result<Toggled, Failure> {
    let file = state.job_file.clone();
    let job = name.clone();
    let changed = blocking(move || crate::commands::toggle::set_enabled(&file, &job, enable))
        .await?
        .map_err(|err| Failure::Internal(format!("{err:#}")))?
        .ok_or_else(|| Failure::unknown_job(&name))?;
    if changed {
        let verb = if enable { "enabled" } else { "disabled" };
        state
            .logger
            .info(Some(&name), &format!("{verb} from the dashboard or API"));
        let start = tokio::time::Instant::now();
        while start.elapsed() < RELOAD_WAIT && !loaded(state, &name, enable) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(Toggled {
        job: name,
        enabled: enable,
        changed,
    })
}

/// Whether the scheduler's jobs have `name` with `enabled` (or no `name` at all).
fn loaded(state: &AppState, name: &str, enabled: bool) -> bool {
    state
        .jobs()
        .iter()
        .find(|job| job.name == name)
        .is_none_or(|job| job.enabled == enabled)
}
