//! The one router of `jobtab run`'s listener: every path it answers, and the layers of
//! `limits` around them.
//!
//! - `GET /healthz`: `200 ok` while the scheduler runs, `503 stopping` once it stops.
//! - `GET /metrics`: Prometheus text (the scheduler's counters); with `[server] token` set,
//!   only with the token.
//! - everything else: the webhooks, routed by their path.
//!
//! Pages and API routes (the dashboard, PRODUCT.md section 10) join in [`app_routes`].

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use http::{StatusCode, header};

use super::hooks;
use super::limits::{self, Limits};
use super::state::AppState;
use crate::runner::Metrics;

/// The listener's router.
pub(crate) fn router(state: AppState) -> Router {
    let fixed = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            metrics(Arc::clone(&state.metrics)).route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                super::auth::metrics_guard,
            )),
        )
        .merge(app_routes(state.clone()));
    let hooks = Router::new().fallback(hooks::handle);
    limits::fixed_routes(fixed, &state.limits)
        .merge(hooks)
        .with_state(state)
}

/// The dashboard's and the API's routes: merge them here (they get the limits of every fixed
/// route: `limits::fixed_routes`). Every one of them but the sign-in form is behind
/// `auth::guard`; the hooks never are.
fn app_routes(state: AppState) -> Router<AppState> {
    // --- dashboard and API (PRODUCT.md section 10) ---
    super::dashboard::routes()
        .merge(super::api::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            super::auth::guard,
        ))
        .merge(super::dashboard::sign_in_routes())
    // --- end of dashboard and API ---
}

/// The router of `run --metrics ADDR`: `/metrics` only.
pub(crate) fn metrics_router(counters: Arc<Metrics>, limits: &Limits) -> Router {
    let router = Router::new()
        .route("/metrics", metrics(counters))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "not found: metrics are at /metrics\n",
            )
        });
    limits::fixed_routes(router, limits)
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.stopping() {
        (StatusCode::SERVICE_UNAVAILABLE, "stopping\n").into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

/// `GET /metrics` (and `HEAD`): the Prometheus text of `counters`.
fn metrics<S: Clone + Send + Sync + 'static>(counters: Arc<Metrics>) -> MethodRouter<S> {
    get(move || {
        let text = counters.render();
        async move {
            (
                [(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                text,
            )
        }
    })
}
