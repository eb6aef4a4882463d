//! The JSON API (PRODUCT.md section 10; docs/json.md, "The API"): the same documents as
//! `list`, `show` and `history --json`, and three actions. Reads of the job file and the
//! history run on tokio's blocking threads.
//!
//! - `GET /api/jobs`: `list --json` of the jobs `run` has loaded.
//! - `GET /api/jobs/NAME`: `show NAME --json`.
//! - `GET /api/runs?job=NAME&limit=N`: `history [NAME] --limit N --json` (20 by default).
//! - `GET /api/runs/RUN_ID`: one run as `history --json` shows it (`running` while it runs).
//! - `POST /api/jobs/NAME/run`: 202 `{status, job, run_id}` (`actions::run_now`).
//! - `POST /api/jobs/NAME/enable`, `.../disable`: 200 `{job, enabled, changed}`.
//!
//! Errors are `{"error": "..."}` with their status: 404 for an unknown job or run.

pub(crate) mod actions;
mod install;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{any, get, post};
use chrono::Utc;
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::AppState;
use crate::commands::{history, list, show};

pub(crate) use self::actions::Failure;

/// Runs shown when `limit` is not given, and the most `limit` may ask for.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 1000;

/// The API's routes (behind `auth::guard`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/jobs", get(jobs))
        .route("/api/jobs/{name}", get(job))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}", get(run))
        .route("/api/jobs/{name}/run", post(run_now))
        .route("/api/jobs/{name}/enable", post(enable))
        .route("/api/jobs/{name}/disable", post(disable))
        .route("/api/{*rest}", any(no_such_path))
}

async fn no_such_path() -> Response {
    error(StatusCode::NOT_FOUND, "no such API path; see docs/json.md")
}

/// An error answer: `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `work` on a blocking thread; a panic there is a 500.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| Failure::Internal("the request's work stopped unexpectedly".into()))
}

/// `list --json` of the loaded jobs.
pub(crate) async fn jobs_json(state: &AppState) -> Result<Value, Failure> {
    let state = state.clone();
    blocking(move || {
        let jobs = state.jobs();
        let install = install::status(&state.job_file, &state.state_dir);
        list::list_json(
            &jobs,
            &state.state_dir,
            &state.job_file,
            &install,
            Utc::now(),
        )
    })
    .await
}

/// `show NAME --json`, or 404.
pub(crate) async fn job_json(state: &AppState, name: String) -> Result<Value, Failure> {
    let state = state.clone();
    blocking(move || {
        let jobs = state.jobs();
        let job = jobs
            .iter()
            .find(|job| job.name == name)
            .ok_or_else(|| Failure::unknown_job(&name))?;
        let install = install::status(&state.job_file, &state.state_dir);
        Ok(show::show_value(
            job,
            &state.state_dir,
            &state.job_file,
            &install,
            Utc::now(),
        ))
    })
    .await?
}

/// `history [job] --limit limit --json`; 404 for a job neither loaded nor in the history.
pub(crate) async fn runs_json(
    state: &AppState,
    job: Option<String>,
    limit: usize,
) -> Result<Value, Failure> {
    let state = state.clone();
    blocking(move || {
        let runs = history::history_json(
            &state.state_dir,
            &state.job_file,
            job.as_deref(),
            limit,
            Utc::now(),
        )
        .map_err(|err| Failure::Internal(format!("cannot read the run history: {err:#}")))?;
        if let Some(name) = &job
            && runs.as_array().is_some_and(Vec::is_empty)
            && !state.jobs().iter().any(|known| known.name == *name)
        {
            return Err(Failure::unknown_job(name));
        }
        Ok(runs)
    })
    .await?
}

async fn jobs(State(state): State<AppState>) -> Response {
    answer(jobs_json(&state).await)
}

/// A path segment (a job's name, a run's id) as text. One that is not UTF-8 once decoded
/// (`/api/jobs/%ff`) is answered with the API's JSON 400: axum's own rejection is plain text.
struct Segment(String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(text)) => Ok(Segment(text)),
            Err(_) => Err(error(
                StatusCode::BAD_REQUEST,
                "bad path: a job's name or a run's id is text (UTF-8) once percent-decoded",
            )),
        }
    }
}

async fn job(State(state): State<AppState>, Segment(name): Segment) -> Response {
    answer(job_json(&state, name).await)
}

#[derive(Deserialize)]
struct RunsQuery {
    job: Option<String>,
    limit: Option<usize>,
}

async fn runs(
    State(state): State<AppState>,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Response {
    // Axum's own rejection is plain text naming serde's types; the API answers JSON.
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "bad query: use /api/runs?job=NAME&limit=N, N a whole number (at most \
                 {MAX_LIMIT})"
            ),
        );
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    answer(runs_json(&state, query.job, limit).await)
}

async fn run(State(state): State<AppState>, Segment(id): Segment) -> Response {
    let found = blocking(move || {
        history::run_json(&state.state_dir, &state.job_file, &id, Utc::now())
            .map_err(|err| Failure::Internal(format!("cannot read the run history: {err:#}")))?
            .ok_or_else(|| Failure::NotFound(format!("no run with id {id:?}")))
    })
    .await;
    answer(found.and_then(|found| found))
}

async fn run_now(State(state): State<AppState>, Segment(name): Segment) -> Response {
    match actions::run_now(&state, name).await {
        Ok(started) => (StatusCode::ACCEPTED, axum::Json(started.json())).into_response(),
        Err(failure) => failure.response(),
    }
}

async fn enable(State(state): State<AppState>, Segment(name): Segment) -> Response {
    toggle(state, name, true).await
}

async fn disable(State(state): State<AppState>, Segment(name): Segment) -> Response {
    toggle(state, name, false).await
}

async fn toggle(state: AppState, name: String, enable: bool) -> Response {
    match actions::set_enabled(&state, name, enable).await {
        Ok(toggled) => axum::Json(toggled.json()).into_response(),
        Err(failure) => failure.response(),
    }
}

/// A JSON document, or the failure's answer.
fn answer(result: Result<Value, Failure>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(failure) => failure.response(),
    }
}

#[cfg(test)]
mod tests;
