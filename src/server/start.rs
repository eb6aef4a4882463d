//! Starting the listeners of `jobtab run`: the one of `[server] listen` / `--listen` (hooks,
//! `/healthz`, `/metrics`) and the one of `--metrics ADDR` (`/metrics` alone).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use anyhow::{Result, anyhow, bail};
use chrono::Utc;

use super::dedupe::Dedupe;
use super::journal::Journal;
use super::limits::{self, Limits};
use super::state::{AppState, StateSetup};
use super::table::{Hook, Table};
use super::{Server, bind, routes, tls};
use crate::log::Logger;
use crate::runner::{Event, JobList, Metrics, Published};
use crate::store::{Job, JobFile, Verify};

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
    let jobs: Vec<Arc<Job>> = file.jobs.iter().cloned().map(Arc::new).collect();
    let hooks = Table::build(jobs.iter(), &env_lookup).map_err(|problems| {
        anyhow!(
            "cannot serve the webhooks of {}: {}",
            file.path.display(),
            problems.join("; ")
        )
    })?;
    // The scheduler publishes its jobs when it starts, after the listener opens: until then
    // the dashboard and the API would see no jobs at all.
    published.publish_jobs(Arc::new(jobs.clone()));
    let dedupe = Dedupe::open(&state_dir, Utc::now().timestamp())?;
    let journal = Journal::start(&state_dir, Arc::clone(&logger))?;
    let listener = bind(&listen, what)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // The dashboard and the API (PRODUCT.md section 10): who may use them.
    let addr = listener.local_addr()?;
    let access = super::auth::Access::from_config(&config, addr)?;
    let limits = Limits::for_run();
    let state = AppState::new(StateSetup {
        published: Arc::clone(&published),
        events,
        state_dir,
        job_file: PathBuf::from(crate::history::job_file_key(&file.path)),
        logger: Arc::clone(&logger),
        config,
        metrics,
        hooks,
        dedupe,
        journal: journal.clone(),
        limits,
    });
    state.set_access(access.clone());
    let mut server = Server::start(
        "jobtab-http",
        listener,
        tls,
        routes::router(state.clone()),
        limits,
        WORKERS,
    )?;
    // The last requests' lines and records are written before `run` exits.
    server.on_stop(Box::new(move || journal.flush()));
    log_listening(&logger, scheme, server.addr(), &state.hooks());
    let base = format!("{scheme}://{}", server.addr());
    match access {
        super::auth::Access::Token(_) => logger.info(None, &access.describe(&base)),
        _ => logger.warn(None, &access.describe(&base)),
    }
    published.watch_jobs(move |jobs| reload_hooks(&state, jobs));
    Ok(Some(server))
}

/// A reload's jobs: hooks added, changed and removed; one whose secret fails keeps its
/// previous settings (a new one is not served until fixed).
fn reload_hooks(state: &AppState, jobs: &JobList) {
    let previous = state.hooks();
    let (table, problems) = Table::rebuild(&previous, jobs.iter(), &env_lookup);
    for problem in problems {
        state.logger.warn(
            None,
            &format!("{problem}; the hook keeps its previous settings (if it had any)"),
        );
    }
    for hook in table.hooks() {
        let was_unverified = previous
            .get(&hook.webhook().path)
            .is_some_and(|old| old.webhook().verify == Verify::None);
        if hook.webhook().verify == Verify::None && !was_unverified {
            warn_unverified(&state.logger, hook);
        }
    }
    state.set_hooks(table);
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
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
        routes::metrics_router(metrics, &limits),
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

/// `listening on ...` with the hooks served; a warning when other machines can reach them,
/// and one per hook without verification.
pub(super) fn log_listening(logger: &Logger, scheme: &str, addr: SocketAddr, hooks: &Table) {
    let list: Vec<String> = hooks
        .hooks()
        .map(|hook| {
            let webhook = hook.webhook();
            format!(
                "{} {} ({}, verify {})",
                webhook.methods.join("|"),
                webhook.path,
                hook.job.name,
                webhook.verify.kind().as_str()
            )
        })
        .collect();
    let hooks_text = if list.is_empty() {
        "no webhooks".to_owned()
    } else {
        format!("webhooks: {}", list.join(", "))
    };
    if addr.ip().is_loopback() {
        logger.info(
            None,
            &format!("listening on {scheme}://{addr}; {hooks_text}"),
        );
    } else {
        logger.warn(
            None,
            &format!(
                "listening on {scheme}://{addr}, a non-loopback address other machines can \
                 reach; exposed {hooks_text}"
            ),
        );
    }
    for hook in hooks
        .hooks()
        .filter(|hook| hook.webhook().verify == Verify::None)
    {
        warn_unverified(logger, hook);
    }
}

fn warn_unverified(logger: &Logger, hook: &Hook) {
    logger.warn(
        Some(&hook.job.name),
        &format!(
            "webhook {} has verify = \"none\": anyone who can reach this listener can start \
             the job; use a signature preset (github, standard, hmac, token, ...) unless a \
             proxy in front checks the requests",
            hook.webhook().path
        ),
    );
}
