//! `AppState`: what every handler may read, shared by the server's tasks (cheap to clone: one
//! `Arc`). The jobs come from the scheduler (`runner::Published`, replaced on every reload);
//! runs are asked for on the scheduler's event channel, never started here.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use super::auth::Access;
use super::dedupe::Dedupe;
use super::guesses::Guesses;
use super::journal::Journal;
use super::limits::Limits;
use super::table::Table;
use crate::log::Logger;
use crate::runner::{Event, JobList, Metrics, Published};
use crate::store::ServerConfig;

/// The server's shared state.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

/// The fields of [`AppState`] (reached through `Deref`).
pub(crate) struct Shared {
    /// The loaded jobs and the stopping flag, as the scheduler publishes them.
    pub(crate) published: Arc<Published>,
    /// The scheduler's event channel (`Event::RunNow` asks for a run).
    events: Mutex<Sender<Event>>,
    /// History, running markers and the deliveries log are here (the dashboard reads them).
    #[allow(dead_code)]
    pub(crate) state_dir: PathBuf,
    /// The job file (canonical path).
    pub(crate) job_file: PathBuf,
    pub(crate) logger: Arc<Logger>,
    /// `[server]` as loaded at start (a reload does not move the listener).
    pub(crate) config: ServerConfig,
    /// The scheduler's counters (`/metrics`).
    pub(crate) metrics: Arc<Metrics>,
    /// The hooks served now (replaced on reload).
    hooks: RwLock<Arc<Table>>,
    /// Delivery ids already acted on.
    pub(crate) dedupe: Arc<Dedupe>,
    /// Writes each request's log line and deliveries record.
    pub(crate) journal: Journal,
    /// The listener's limits (the router's and the hooks' timeouts among them).
    pub(crate) limits: Limits,
    /// Who may use the dashboard and the API (`auth`): set once at start, off until then.
    access: OnceLock<Access>,
    /// Wrong dashboard tokens by client (`auth::guard`, the sign-in form).
    pub(crate) guesses: Guesses,
}

/// What [`AppState::new`] needs.
pub(crate) struct StateSetup {
    pub(crate) published: Arc<Published>,
    pub(crate) events: Sender<Event>,
    pub(crate) state_dir: PathBuf,
    pub(crate) job_file: PathBuf,
    pub(crate) logger: Arc<Logger>,
    pub(crate) config: ServerConfig,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) hooks: Table,
    pub(crate) dedupe: Arc<Dedupe>,
    pub(crate) journal: Journal,
    pub(crate) limits: Limits,
}

impl AppState {
    pub(crate) fn new(setup: StateSetup) -> AppState {
        let StateSetup {
            published,
            events,
            state_dir,
            job_file,
            logger,
            config,
            metrics,
            hooks,
            dedupe,
            journal,
            limits,
        } = setup;
        AppState(Arc::new(Shared {
            published,
            events: Mutex::new(events),
            state_dir,
            job_file,
            logger,
            config,
            metrics,
            hooks: RwLock::new(Arc::new(hooks)),
            dedupe,
            journal,
            limits,
            access: OnceLock::new(),
            guesses: Guesses::default(),
        }))
    }
}

impl Shared {
    /// The jobs loaded now.
    pub(crate) fn jobs(&self) -> JobList {
        self.published.jobs()
    }

    /// The hooks served now.
    pub(crate) fn hooks(&self) -> Arc<Table> {
        Arc::clone(&self.hooks.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the hooks served.
    pub(crate) fn set_hooks(&self, table: Table) {
        *self.hooks.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(table);
    }

    /// Whether the scheduler is stopping (no new runs: answer 503).
    pub(crate) fn stopping(&self) -> bool {
        self.published.stopping()
    }

    /// A wrong dashboard token from `ip`: counted (`guesses`), and logged when it is the one
    /// that makes the client wait.
    pub(crate) fn wrong_token(&self, ip: std::net::IpAddr) {
        if self.guesses.wrong(ip, std::time::Instant::now()) {
            let warning = Guesses::warning(ip, self.config.trust_proxy);
            self.logger.warn(None, &warning);
        }
    }

    /// Sends `event` to the scheduler; `false` when it is gone (stopping).
    pub(crate) fn send(&self, event: Event) -> bool {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(event)
            .is_ok()
    }
}

impl Shared {
    /// Sets who may use the dashboard and the API (once, at start).
    pub(crate) fn set_access(&self, access: Access) {
        let _ = self.access.set(access);
    }

    /// Who may use the dashboard and the API; `Off` until set.
    pub(crate) fn access(&self) -> &Access {
        self.access.get().unwrap_or(&Access::Off)
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
