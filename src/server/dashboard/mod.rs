//! The dashboard (PRODUCT.md section 10): two server-rendered pages, `/` and `/jobs/NAME`,
//! written from the API's JSON (`page`) with their style and script embedded (`html`); the
//! buttons' form posts (`/jobs/NAME/run`, `/enable`, `/disable`, answered with a redirect
//! back to the page), and signing in and out (`/login`, `/logout`).

pub(crate) mod html;
pub(crate) mod page;

use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse as _, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use chrono::Utc;
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use self::html::{Viewer, path_segment};
use super::api::{self, Failure, actions};
use super::auth::{self, Access};
use super::deliveries::{self, Delivery};
use super::listener::Peer;
use super::state::AppState;
use crate::store::Job;

/// Runs shown on a job's page.
const RUNS_SHOWN: usize = 20;

/// The pages and their form posts (behind `auth::guard`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/jobs/{name}", get(job))
        .route("/jobs/{name}/run", post(run_now))
        .route("/jobs/{name}/enable", post(enable))
        .route("/jobs/{name}/disable", post(disable))
        .route("/logout", post(logout))
}

/// The sign-in form: the one page served without the token.
pub(crate) fn sign_in_routes() -> Router<AppState> {
    Router::new().route("/login", get(login_form).post(login))
}

/// A page's answer: never cached (it shows what runs now), never framed by another site
/// (no clicking its buttons through someone else's page), its type never guessed.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        Html(body),
    )
        .into_response()
}

/// A page saying what went wrong, with a way back.
fn failure_page(failure: &Failure, viewer: Viewer) -> Response {
    let main = format!(
        "<h1>{}</h1><p class=\"problem\">{}</p><p><a href=\"/\">All jobs</a></p>",
        failure.status().canonical_reason().unwrap_or("Error"),
        html::esc(failure.message())
    );
    html(failure.status(), html::page("Error", viewer, &main))
}

async fn index(State(state): State<AppState>, Extension(viewer): Extension<Viewer>) -> Response {
    match api::jobs_json(&state).await {
        Ok(rows) => {
            let jobs = state.jobs();
            let refs: Vec<&Job> = jobs.iter().map(|job| &**job).collect();
            html(
                StatusCode::OK,
                page::index(&refs, &rows, viewer, Utc::now()),
            )
        }
        Err(failure) => failure_page(&failure, viewer),
    }
}

async fn job(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
) -> Response {
    let shown = async {
        let show = api::job_json(&state, name.clone()).await?;
        let runs = api::runs_json(&state, Some(name.clone()), RUNS_SHOWN).await?;
        let deliveries = deliveries_of(&state, name.clone()).await?;
        Ok::<_, Failure>((show, runs, deliveries))
    };
    match shown.await {
        Ok((show, runs, deliveries)) => {
            let jobs = state.jobs();
            let Some(job) = jobs.iter().find(|job| job.name == name) else {
                return failure_page(&Failure::unknown_job(&name), viewer);
            };
            let now = Utc::now();
            let deliveries = page::deliveries(
                &name,
                deliveries.as_deref().map_err(String::as_str),
                job.triggers.webhook.is_some(),
                now,
            );
            let body = page::job(job, &show, &runs, &deliveries, viewer, now);
            html(StatusCode::OK, body)
        }
        Err(failure) => failure_page(&failure, viewer),
    }
}

/// The deliveries log's requests to `name`'s hook (of this job file), newest first, at most
/// one more than a page shows (so it can say there are more); or why it cannot be read.
async fn deliveries_of(
    state: &AppState,
    name: String,
) -> Result<Result<Vec<Delivery<'static>>, String>, Failure> {
    let state = state.clone();
    api::blocking(move || {
        let file = state.job_file.display().to_string();
        deliveries::read(&state.state_dir)
            .map(|all| {
                all.into_iter()
                    .filter(|d| d.job == name && d.file == file)
                    .take(page::DELIVERIES_SHOWN + 1)
                    .collect()
            })
            .map_err(|err| format!("{err:#}"))
    })
    .await
}

/// Back to the job's page after a button's post.
fn back_to(name: &str) -> Response {
    Redirect::to(&format!("/jobs/{}", path_segment(name))).into_response()
}

async fn run_now(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
) -> Response {
    match actions::run_now(&state, name.clone()).await {
        Ok(_) => back_to(&name),
        Err(failure) => failure_page(&failure, viewer),
    }
}

async fn enable(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
) -> Response {
    toggle(state, viewer, name, true).await
}

async fn disable(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
) -> Response {
    toggle(state, viewer, name, false).await
}

async fn toggle(state: AppState, viewer: Viewer, name: String, enable: bool) -> Response {
    match actions::set_enabled(&state, name.clone(), enable).await {
        Ok(_) => back_to(&name),
        Err(failure) => failure_page(&failure, viewer),
    }
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn login_form(State(state): State<AppState>, Query(query): Query<Next>) -> Response {
    match state.access() {
        Access::Token(_) => {
            let next = html::safe_next(query.next.as_deref().unwrap_or("/"));
            html(StatusCode::OK, html::login(next, None))
        }
        // Nothing to sign in to.
        Access::ReadOnly => Redirect::to("/").into_response(),
        Access::Off => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

#[derive(Deserialize)]
struct SignIn {
    token: String,
    next: Option<String>,
}

/// How long a wrong token waits for its answer (guessing is slow).
const WRONG_TOKEN_DELAY: Duration = Duration::from_millis(300);

async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let Access::Token(token) = state.access() else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    // Every sign-in is a guess to count (`guesses`); a client with too many wrong ones waits.
    let client = peer.map(|Extension(peer)| peer.client_ip(&headers, state.config.trust_proxy));
    if let Some(ip) = client
        && let Err(wait) = state.guesses.check(ip, Instant::now())
    {
        return auth::too_many_guesses(wait, "/login");
    }
    let tls = state.config.tls_cert.is_some();
    // A sign-in from another site's form is refused: nobody signs a browser in behind its
    // user's back.
    let origin = auth::text(&headers, header::ORIGIN);
    if !auth::same_origin(origin, auth::text(&headers, header::HOST), tls) {
        return (
            StatusCode::FORBIDDEN,
            format!("{}\n", auth::Refusal::CrossOrigin.message()),
        )
            .into_response();
    }
    let next = html::safe_next(form.next.as_deref().unwrap_or("/")).to_owned();
    if !token.matches(form.token.trim()) {
        // An empty form is no guess.
        if let Some(ip) = client
            && !form.token.trim().is_empty()
        {
            state.wrong_token(ip);
        }
        tokio::time::sleep(WRONG_TOKEN_DELAY).await;
        return html(
            StatusCode::UNAUTHORIZED,
            html::login(&next, Some("That is not the token; try again.")),
        );
    }
    (
        [(header::SET_COOKIE, token.set_cookie(tls))],
        Redirect::to(&next),
    )
        .into_response()
}

async fn logout(State(state): State<AppState>) -> Response {
    let tls = state.config.tls_cert.is_some();
    (
        [(header::SET_COOKIE, auth::clear_cookie(tls))],
        Redirect::to("/login"),
    )
        .into_response()
}

#[cfg(test)]
mod tests;
