//! Starting the listeners of `jobtab run`: the one of `[server] listen` / `--listen` (hooks,
//! `/healthz`, `/metrics`) and the one of `--metrics ADDR` (`/metrics` alone).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use anyhow::{Result, bail};

use super::limits::{self, Limits};
use super::state::{AppState, StateSetup};
use super::{Server, bind, routes, tls};
use crate::log::Logger;
use crate::runner::{Event, Metrics, Published};
use crate::store::JobFile;

/// Worker threads of the main listener's runtime (the machine's cores are the scheduler's
/// too; two keep a flood of requests from starving anything else).
const WORKERS: usize = 2;

/// What the listener of `jobtab run` needs.
pub(crate) struct RunServer<'a> {
    /// `--listen ADDR`; overrides `[server] listen`.
    pub(crate) listen: Option<String>,
    /// The job file as loaded at start.
    pub(crate) file: &'a JobFile,
    pub(crate) published: Arc<Published>,
    pub(crate) events: Sender<Event>,
    pub(crate) state_dir: PathBuf,
    pub(crate) logger: Arc<Logger>,
    pub(crate) metrics: Arc<Metrics>,
}

/// Starts the listener when an address is set (`None` when not); a file with webhook jobs
/// and no address is an error that says how to set one.
pub(crate) fn for_run(setup: RunServer<'_>) -> Result<Option<Server>> {
    let RunServer {
        listen,
        file,
        published,
        events,
        state_dir,
        logger,
        metrics,
    } = setup;
    let (listen, what) = match (listen, &file.server.listen) {
        (Some(listen), _) => (listen, "--listen"),
        (None, Some(listen)) => (listen.clone(), "[server] listen"),
        (None, None) => {
            refuse_hooks_without_listener(file)?;
            return Ok(None);
        }
    };
    let config = file.server.clone();
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        (None, None) => None,
        _ => bail!(
            "[server] in {} sets only one of tls_cert and tls_key: set both for HTTPS, or \
             neither",
            file.path.display()
        ),
    };
    if let Err(err) = limits::raise_descriptor_limit() {
        logger.warn(
            None,
            &format!("cannot raise the open-file limit ({err}); fewer connections are served"),
        );
    }
    let listener = bind(&listen, what)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // The dashboard and the API (PRODUCT.md section 10): who may use them.
    let addr = listener.local_addr()?;
    let access = super::auth::Access::from_config(&config, addr)?;
    let state = AppState::new(StateSetup {
        published,
        events,
        state_dir,
        job_file: file.path.clone(),
        logger: Arc::clone(&logger),
        config,
        metrics,
    });
    state.set_access(access.clone());
    let server = Server::start(
        "jobtab-http",
        listener,
        tls,
        routes::router(state),
        Limits::for_run(),
        WORKERS,
    )?;
    log_listening(&logger, scheme, server.addr());
    let base = format!("{scheme}://{}", server.addr());
    match access {
        super::auth::Access::Token(_) => logger.info(None, &access.describe(&base)),
        _ => logger.warn(None, &access.describe(&base)),
    }
    Ok(Some(server))
}

/// `--metrics ADDR`: `/metrics` alone on `listener` (bound by `bind`), with one worker
/// thread.
pub(crate) fn serve_metrics(
    listener: std::net::TcpListener,
    metrics: Arc<Metrics>,
    limits: Limits,
) -> Result<Server> {
    Server::start(
        "jobtab-metrics",
        listener,
        None,
        routes::metrics_router(metrics),
        limits,
        1,
    )
}

fn refuse_hooks_without_listener(file: &JobFile) -> Result<()> {
    let hooks: Vec<&str> = file
        .jobs
        .iter()
        .filter(|job| job.triggers.webhook.is_some())
        .map(|job| job.name.as_str())
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    bail!(
        "{} {} a webhook but no listen address is set, so no request could reach {}: add \
         `[server]` with `listen = \"127.0.0.1:8080\"` to {}, or start with `jobtab run \
         --listen 127.0.0.1:8080`",
        if hooks.len() == 1 { "job" } else { "jobs" },
        hooks.join(", ") + if hooks.len() == 1 { " has" } else { " have" },
        if hooks.len() == 1 { "it" } else { "them" },
        file.path.display()
    )
}

fn log_listening(logger: &Logger, scheme: &str, addr: SocketAddr) {
    logger.info(None, &format!("listening on {scheme}://{addr}"));
}
