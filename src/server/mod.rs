//! The HTTP server of `jobtab run` (PRODUCT.md sections 9 and 10; STYLE.md section 12):
//! webhooks, `/healthz`, `/metrics`, and the listener of `--metrics ADDR`.
//!
//! tokio lives here only: each [`Server`] runs its own runtime on its own threads, and talks
//! to the scheduler (which stays on plain threads) through its event channel and what it
//! publishes (`runner::Published`). `routes` holds the one router, `limits` every limit,
//! `listener` the accept loop, `state` what handlers share, `tls` HTTPS.

mod api;
mod auth;
mod dashboard;
mod dedupe;
pub(crate) mod deliveries;
mod guesses;
mod hooks;
mod journal;
mod limits;
mod listener;
mod rate;
mod record;
mod routes;
mod start;
mod state;
mod table;
mod tls;
pub(crate) mod verify;

use std::net::SocketAddr;
use std::thread::JoinHandle;

use anyhow::{Context as _, Result};
use axum::Router;
use tokio::sync::watch;

pub(crate) use self::limits::Limits;
pub(crate) use self::listener::bind;
pub(crate) use self::start::{RunServer, for_run, serve_metrics};

/// A listener being served on its own runtime; [`Server::stop`] ends it.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    /// Run once the runtime is gone (`on_stop`).
    after: Option<Box<dyn FnOnce() + Send>>,
}

impl Server {
    /// Serves `app` on `listener` (bound by [`bind`]) with `limits`, over TLS when `tls` is
    /// set, on a runtime of `workers` threads named after `name`.
    pub(crate) fn start(
        name: &str,
        listener: std::net::TcpListener,
        tls: Option<tokio_rustls::TlsAcceptor>,
        app: Router,
        limits: Limits,
        workers: usize,
    ) -> Result<Server> {
        let addr = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .max_blocking_threads(64)
            .thread_name(name)
            .enable_io()
            .enable_time()
            .build()
            .with_context(|| format!("cannot start the {name} runtime"))?;
        let listener = {
            let _inside = runtime.enter();
            tokio::net::TcpListener::from_std(listener)
                .context("cannot serve the listening socket")?
        };
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                runtime.block_on(listener::accept_loop(listener, tls, app, limits, stopped));
                // Blocking waits still in flight (a `response = "wait"` hook) are let go.
                runtime.shutdown_timeout(std::time::Duration::from_millis(100));
            })
            .with_context(|| format!("cannot start the {name} thread"))?;
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
            after: None,
        })
    }

    /// The address it listens on (with the port the system chose for `:0`).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Has `after` run when the server has stopped (after its last request).
    pub(crate) fn on_stop(&mut self, after: Box<dyn FnOnce() + Send>) {
        self.after = Some(after);
    }

    /// Stops accepting, lets open requests finish (at most `limits::DRAIN`), and returns once
    /// the runtime is gone.
    pub(crate) fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(after) = self.after.take() {
            after();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests;
